//! `CREATE TABLE [IF NOT EXISTS] name ( column | constraint, … )`, nothing after the list.

use super::column;
use crate::ir::{CreateTable, Op};
use crate::tokens::Tokens;
use sqlparser::keywords::Keyword as K;
use sqlparser::tokenizer::Token;

/// Reads the statement; `None` for any other form.
pub fn read(toks: &Tokens) -> Option<Op> {
    let mut i = 2;
    let if_not_exists = toks.is_keyword(i, K::IF)
        && toks.is_keyword(i + 1, K::NOT)
        && toks.is_keyword(i + 2, K::EXISTS);
    if if_not_exists {
        i += 3;
    }
    let (table, open) = column::qualified_name(toks, i)?;
    if !toks.is(open, &Token::LParen) {
        return None;
    }
    let close = toks.matching_paren(open);
    if close + 1 != toks.sig.len() {
        return None;
    }
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    for (a, b) in toks.list_items(open + 1, close)? {
        let span = toks.span_of(a, b)?;
        if column::starts_constraint(toks, a) {
            constraints.push(column::table_constraint(toks, a, b, span)?);
        } else {
            columns.push(column::column_def(toks, a, b, span)?);
        }
    }
    Some(Op::CreateTable(CreateTable {
        table,
        if_not_exists,
        columns,
        constraints,
        partition_of: None,
        temporary: false,
        other_columns: false,
    }))
}
