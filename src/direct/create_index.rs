//! `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON table [USING method]
//! ( column, … ) [INCLUDE ( column, … )] [WHERE …]`, each key a plain column.

use super::column;
use super::sql_text;
use crate::ir::{CreateIndex, IndexElement, Op};
use crate::tokens::Tokens;
use sqlparser::keywords::Keyword as K;
use sqlparser::tokenizer::Token;

/// Reads the statement; `None` for any other form.
pub fn read(toks: &Tokens) -> Option<Op> {
    let unique = toks.is_keyword(1, K::UNIQUE);
    let mut i = 1 + usize::from(unique);
    if !toks.is_keyword(i, K::INDEX) {
        return None;
    }
    i += 1;
    let concurrently = toks.is_keyword(i, K::CONCURRENTLY);
    i += usize::from(concurrently);
    let if_not_exists = toks.is_keyword(i, K::IF)
        && toks.is_keyword(i + 1, K::NOT)
        && toks.is_keyword(i + 2, K::EXISTS);
    if if_not_exists {
        i += 3;
    }
    let name = if toks.is_keyword(i, K::ON) {
        None
    } else {
        let (name, after) = column::qualified_name(toks, i)?;
        i = after;
        Some(name)
    };
    if !toks.is_keyword(i, K::ON) || toks.is_keyword(i + 1, K::ONLY) {
        return None;
    }
    let (table, mut j) = column::qualified_name(toks, i + 1)?;
    let head = toks.sig.first()?.span.to(table.span());
    let mut method = None;
    if toks.is_keyword(j, K::USING) {
        let word = toks.sig.get(j + 1)?.word()?;
        let folded = word.to_lowercase();
        method = (folded != "btree").then_some(folded);
        j += 2;
    }
    if !toks.is(j, &Token::LParen) {
        return None;
    }
    let close = toks.matching_paren(j);
    let columns = toks
        .list_items(j + 1, close)?
        .into_iter()
        .map(|(a, b)| key(toks, a, b))
        .collect::<Option<Vec<_>>>()?;
    j = close + 1;
    let mut include = Vec::new();
    if toks.is_keyword(j, K::INCLUDE) {
        let (names, after) = column::name_list(toks, j + 1)?;
        include = names;
        j = after;
    }
    let n = toks.sig.len();
    let partial = toks.is_keyword(j, K::WHERE);
    if partial {
        sql_text::expr(toks, j + 1, n)?;
        j = n;
    }
    (j == n).then_some(())?;
    Some(Op::CreateIndex(CreateIndex {
        name,
        table,
        unique,
        concurrently,
        if_not_exists,
        only: false,
        head,
        columns,
        include,
        method,
        partial,
    }))
}

/// A key that is a plain column, with an operator class, order or nulls placement.
fn key(toks: &Tokens, a: usize, b: usize) -> Option<IndexElement> {
    let name = column::name(toks, a)?;
    let mut k = a + 1;
    if k < b
        && toks.sig[k].word().is_some_and(|w| {
            !["ASC", "DESC", "NULLS"]
                .iter()
                .any(|kw| w.eq_ignore_ascii_case(kw))
        })
    {
        k += 1;
    }
    if toks.is_keyword(k, K::ASC) || toks.is_keyword(k, K::DESC) {
        k += 1;
    }
    if toks.is_keyword(k, K::NULLS)
        && (toks.is_keyword(k + 1, K::FIRST) || toks.is_keyword(k + 1, K::LAST))
    {
        k += 2;
    }
    (k == b).then_some(IndexElement::Column(name))
}
