//! Column definitions and constraints, shared by `CREATE TABLE` and `ALTER TABLE`.

use super::sql_text;
use crate::fallback::expr_from_tokens;
use crate::ident::{Name, QualifiedName};
use crate::ir::{ColumnDef, Constraint, ConstraintKind, Expr, TypeName};
use crate::source::Span;
use crate::tokens::Tokens;
use sqlparser::keywords::Keyword as K;
use sqlparser::tokenizer::Token;

/// True when significant token `i` is the unquoted keyword `kw`.
pub fn is_kw(toks: &Tokens, i: usize, kw: K) -> bool {
    matches!(toks.sig.get(i).map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == kw)
}

/// True when significant token `i` is `token`.
pub fn is(toks: &Tokens, i: usize, token: &Token) -> bool {
    toks.sig.get(i).is_some_and(|t| &t.token == token)
}

/// The name at significant token `i`, when it is a word that reads as a plain name.
pub fn name(toks: &Tokens, i: usize) -> Option<Name> {
    let t = toks.sig.get(i)?;
    match &t.token {
        Token::Word(w) if sql_text::plain_name(w) => t.name(),
        _ => None,
    }
}

/// The items of the list `from..to`, split at top-level commas; `None` when one is empty
/// (`(a int,)`), which PostgreSQL rejects.
pub fn items(toks: &Tokens, from: usize, to: usize) -> Option<Vec<(usize, usize)>> {
    let items = toks.split_top_level_commas(from, to);
    let whole = items.first().is_some_and(|&(a, _)| a == from)
        && items.last().is_some_and(|&(_, b)| b == to)
        && items.iter().all(|&(a, b)| a < b);
    whole.then_some(items)
}

/// The names of `( a, b )` at `open`, and the index after the `)`.
pub fn name_list(toks: &Tokens, open: usize) -> Option<(Vec<Name>, usize)> {
    if !is(toks, open, &Token::LParen) {
        return None;
    }
    let close = toks.matching_paren(open);
    let names = items(toks, open + 1, close)?
        .into_iter()
        .map(|(a, b)| if b == a + 1 { name(toks, a) } else { None })
        .collect::<Option<Vec<_>>>()?;
    Some((names, close + 1))
}

/// The expression that is exactly tokens `from..to`, with its calls and names.
pub fn expr(toks: &Tokens, from: usize, to: usize) -> Option<Expr> {
    let text = sql_text::expr(toks, from, to)?;
    Some(expr_from_tokens(toks, toks.span_of(from, to)?, text))
}

/// The column defined by tokens `at..end`, its name at `at`; `span` is the definition's
/// text (for `ADD COLUMN`, the whole action).
pub fn column_def(toks: &Tokens, at: usize, end: usize, span: Span) -> Option<ColumnDef> {
    let name = name(toks, at)?;
    let first = at + 1;
    let options = toks.column_options(first, end);
    let type_end = options.first().map_or(end, |&(a, _)| a);
    let (text, after) = sql_text::data_type(toks, first, type_end)?;
    if after != type_end {
        return None;
    }
    let data_type = TypeName::new(text.to_lowercase(), toks.span_of(first, type_end)?);
    let mut col = ColumnDef::new(name, data_type, span);
    for (a, b) in options {
        column_option(toks, a, b, &mut col)?;
    }
    Some(col)
}

/// Adds the column option `from..to` to `col`; `None` when it is not a form read here.
fn column_option(toks: &Tokens, from: usize, to: usize, col: &mut ColumnDef) -> Option<()> {
    let own = toks.span_of(from, to)?;
    let (constraint_name, k) = if is_kw(toks, from, K::CONSTRAINT) {
        (Some(name(toks, from + 1)?), from + 2)
    } else {
        (None, from)
    };
    let len = to.checked_sub(k)?;
    let inline = |kind, name: Option<Name>, col: &ColumnDef| Constraint {
        name,
        kind,
        columns: vec![col.name.clone()],
        using_index: None,
        not_valid: false,
        span: own,
    };
    let kw = match toks.sig.get(k).map(|t| &t.token) {
        Some(Token::Word(w)) if w.quote_style.is_none() => w.keyword,
        _ => return None,
    };
    match kw {
        K::NOT if constraint_name.is_none() && len == 2 && is_kw(toks, k + 1, K::NULL) => {
            col.not_null = true;
        }
        K::NULL if constraint_name.is_none() && len == 1 => {}
        K::DEFAULT if constraint_name.is_none() && len > 1 => {
            col.default = Some(expr(toks, k + 1, to)?);
        }
        K::PRIMARY if len == 2 && is_kw(toks, k + 1, K::KEY) => {
            col.not_null = true;
            let c = inline(ConstraintKind::PrimaryKey, constraint_name, col);
            col.constraints.push(c);
        }
        K::UNIQUE if len == 1 => {
            let c = inline(ConstraintKind::Unique, constraint_name, col);
            col.constraints.push(c);
        }
        K::REFERENCES => {
            let references = references(toks, k, to)?;
            let c = inline(
                ConstraintKind::ForeignKey { references },
                constraint_name,
                col,
            );
            col.constraints.push(c);
        }
        K::CHECK => {
            let kind = check(toks, k, to)?;
            let c = inline(kind, constraint_name, col);
            col.constraints.push(c);
        }
        K::GENERATED if constraint_name.is_none() => generated(toks, k, to, col)?,
        K::COLLATE if constraint_name.is_none() && len == 2 && name(toks, k + 1).is_some() => {}
        _ => return None,
    }
    Some(())
}

/// `GENERATED ALWAYS AS IDENTITY` and `GENERATED ALWAYS AS (e) STORED`. (In `GENERATED BY
/// DEFAULT`, the token reading takes `DEFAULT` for an option of its own: this reads no such
/// segment, and the column is left to sqlparser.)
fn generated(toks: &Tokens, k: usize, to: usize, col: &mut ColumnDef) -> Option<()> {
    if !(is_kw(toks, k + 1, K::ALWAYS) && is_kw(toks, k + 2, K::AS)) {
        return None;
    }
    if is_kw(toks, k + 3, K::IDENTITY) && k + 4 == to {
        col.identity = true;
        col.not_null = true;
        return Some(());
    }
    let open = k + 3;
    if !is(toks, open, &Token::LParen) {
        return None;
    }
    let close = toks.matching_paren(open);
    if close + 2 != to || !is_kw(toks, close + 1, K::STORED) {
        return None;
    }
    sql_text::expr(toks, open + 1, close)?;
    col.generated_stored = true;
    Some(())
}

/// `REFERENCES table [(cols)] [ON DELETE …] [ON UPDATE …]` at `k`, ending at `to`: the
/// referenced table.
fn references(toks: &Tokens, k: usize, to: usize) -> Option<QualifiedName> {
    let (table, mut j) = qualified_name(toks, k + 1)?;
    if is(toks, j, &Token::LParen) {
        let (_, after) = name_list(toks, j)?;
        j = after;
    }
    while j < to {
        if !(is_kw(toks, j, K::ON)
            && (is_kw(toks, j + 1, K::DELETE) || is_kw(toks, j + 1, K::UPDATE)))
        {
            return None;
        }
        j += 2;
        j += if is_kw(toks, j, K::CASCADE) || is_kw(toks, j, K::RESTRICT) {
            1
        } else if is_kw(toks, j, K::NO) && is_kw(toks, j + 1, K::ACTION)
            || is_kw(toks, j, K::SET)
                && (is_kw(toks, j + 1, K::NULL) || is_kw(toks, j + 1, K::DEFAULT))
        {
            2
        } else {
            return None;
        };
    }
    (j == to).then_some(table)
}

/// `CHECK ( e )` at `k`, ending at `to`.
fn check(toks: &Tokens, k: usize, to: usize) -> Option<ConstraintKind> {
    let open = k + 1;
    if !is(toks, open, &Token::LParen) {
        return None;
    }
    let close = toks.matching_paren(open);
    if close + 1 != to {
        return None;
    }
    let expr = expr(toks, open + 1, close)?;
    Some(ConstraintKind::Check {
        not_null_column: not_null_column(toks, open + 1, close),
        expr,
    })
}

/// When tokens `from..to` are `col IS NOT NULL` (parentheses around either aside), `col`.
fn not_null_column(toks: &Tokens, from: usize, to: usize) -> Option<Name> {
    let (from, to) = unwrap_parens(toks, from, to);
    if to < from + 4 || !(is_kw(toks, to - 3, K::IS) && is_kw(toks, to - 2, K::NOT)) {
        return None;
    }
    if !is_kw(toks, to - 1, K::NULL) {
        return None;
    }
    let (a, b) = unwrap_parens(toks, from, to - 3);
    (b == a + 1).then(|| name(toks, a)).flatten()
}

/// `from..to` without parentheses that enclose all of it.
fn unwrap_parens(toks: &Tokens, mut from: usize, mut to: usize) -> (usize, usize) {
    while to > from + 1 && is(toks, from, &Token::LParen) && toks.matching_paren(from) + 1 == to {
        from += 1;
        to -= 1;
    }
    (from, to)
}

/// A table name at `i` whose first part reads as a plain name, and the index after it.
pub fn qualified_name(toks: &Tokens, i: usize) -> Option<(QualifiedName, usize)> {
    name(toks, i)?;
    toks.qualified_name(i)
}

/// Words that start a table constraint, or an item of a table's list that is not a column.
/// (sqlparser reads `KEY`, `INDEX`, `FULLTEXT` and `SPATIAL` items as MySQL's only: under
/// PostgreSQL they are columns, as `key text` is.)
const NOT_COLUMNS: &[K] = &[
    K::CONSTRAINT,
    K::PRIMARY,
    K::UNIQUE,
    K::FOREIGN,
    K::CHECK,
    K::EXCLUDE,
    K::LIKE,
];

/// True when the item at `i` of a table's list is a constraint, or something other than a
/// column.
pub fn starts_constraint(toks: &Tokens, i: usize) -> bool {
    matches!(toks.sig.get(i).map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && NOT_COLUMNS.contains(&w.keyword))
}

/// The table constraint `from..to` (without `NOT VALID`); `span` is its text.
pub fn table_constraint(toks: &Tokens, from: usize, to: usize, span: Span) -> Option<Constraint> {
    let (name, k) = if is_kw(toks, from, K::CONSTRAINT) {
        (Some(self::name(toks, from + 1)?), from + 2)
    } else {
        (None, from)
    };
    let (kind, columns) = if is_kw(toks, k, K::PRIMARY) && is_kw(toks, k + 1, K::KEY) {
        let (cols, after) = name_list(toks, k + 2)?;
        (after == to).then_some(())?;
        (ConstraintKind::PrimaryKey, cols)
    } else if is_kw(toks, k, K::UNIQUE) {
        let (cols, after) = name_list(toks, k + 1)?;
        (after == to).then_some(())?;
        (ConstraintKind::Unique, cols)
    } else if is_kw(toks, k, K::FOREIGN) && is_kw(toks, k + 1, K::KEY) {
        let (cols, after) = name_list(toks, k + 2)?;
        if !is_kw(toks, after, K::REFERENCES) {
            return None;
        }
        let references = references(toks, after, to)?;
        (ConstraintKind::ForeignKey { references }, cols)
    } else if is_kw(toks, k, K::CHECK) {
        (check(toks, k, to)?, Vec::new())
    } else {
        return None;
    };
    Some(Constraint {
        name,
        kind,
        columns,
        using_index: None,
        not_valid: false,
        span,
    })
}
