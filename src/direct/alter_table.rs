//! `ALTER TABLE [IF EXISTS] [ONLY] name action, …` with the actions migration tools write.

use super::column;
use super::sql_text;
use crate::fallback::action_description;
use crate::ir::{Action, ActionKind, AlterTable, Op, TypeName};
use crate::source::Span;
use crate::tokens::Tokens;
use sqlparser::keywords::Keyword as K;
use sqlparser::tokenizer::Token;

/// Reads the statement; `None` for any other form.
pub fn read(toks: &Tokens) -> Option<Op> {
    let mut i = 2;
    let if_exists = toks.is_keyword(i, K::IF) && toks.is_keyword(i + 1, K::EXISTS);
    if if_exists {
        i += 2;
    }
    let only = toks.is_keyword(i, K::ONLY);
    i += usize::from(only);
    let (table, start) = column::qualified_name(toks, i)?;
    let mut actions = Vec::new();
    for (from, to) in toks.list_items(start, toks.sig.len())? {
        let span = toks.span_of(from, to)?;
        actions.push(action(toks, from, to, span)?);
    }
    Some(Op::AlterTable(AlterTable {
        table,
        if_exists,
        only,
        actions,
    }))
}

/// The action `from..to`, whose text is `span`.
fn action(toks: &Tokens, from: usize, to: usize, span: Span) -> Option<Action> {
    let kw = |k: usize, w: K| toks.is_keyword(k, w);
    let whole = |kind| {
        Some(Action {
            span,
            focus: span,
            kind,
        })
    };
    let len = to - from;
    let first = match &toks.sig.get(from)?.token {
        Token::Word(w) if w.quote_style.is_none() => w.keyword,
        _ => return None,
    };
    match first {
        K::ADD if column::starts_constraint(toks, from + 1) => {
            let not_valid = len > 2 && kw(to - 2, K::NOT) && kw(to - 1, K::VALID);
            let end = if not_valid { to - 2 } else { to };
            let own = toks.span_of(from + 1, to)?;
            let mut c = column::table_constraint(toks, from + 1, end, own)?;
            c.not_valid = not_valid;
            whole(ActionKind::AddConstraint(c))
        }
        K::ADD => {
            let mut k = from + 1;
            k += usize::from(kw(k, K::COLUMN));
            let if_not_exists = kw(k, K::IF) && kw(k + 1, K::NOT) && kw(k + 2, K::EXISTS);
            if if_not_exists {
                k += 3;
            }
            let column = column::column_def(toks, k, to, span)?;
            whole(ActionKind::AddColumn {
                column,
                if_not_exists,
            })
        }
        K::DROP if kw(from + 1, K::CONSTRAINT) => {
            let (name, if_exists) = dropped(toks, from + 2, to)?;
            whole(ActionKind::DropConstraint { name, if_exists })
        }
        K::DROP if kw(from + 1, K::COLUMN) => {
            let (column, if_exists) = dropped(toks, from + 2, to)?;
            whole(ActionKind::DropColumn { column, if_exists })
        }
        K::ALTER => alter_column(toks, from, to, span),
        K::RENAME if len == 5 && kw(from + 3, K::TO) => {
            let (from_name, to_name) =
                (column::name(toks, from + 2)?, column::name(toks, from + 4)?);
            if kw(from + 1, K::COLUMN) {
                whole(ActionKind::RenameColumn {
                    from: from_name,
                    to: to_name,
                })
            } else if kw(from + 1, K::CONSTRAINT) {
                whole(ActionKind::RenameConstraint {
                    from: from_name,
                    to: to_name,
                })
            } else {
                None
            }
        }
        K::RENAME if len == 3 && kw(from + 1, K::TO) => whole(ActionKind::RenameTable {
            to: column::name(toks, from + 2)?,
        }),
        K::VALIDATE if len == 3 && kw(from + 1, K::CONSTRAINT) => {
            whole(ActionKind::ValidateConstraint {
                name: column::name(toks, from + 2)?,
            })
        }
        K::ENABLE | K::DISABLE | K::FORCE
            if len == 4
                && kw(from + 1, K::ROW)
                && kw(from + 2, K::LEVEL)
                && kw(from + 3, K::SECURITY) =>
        {
            whole(ActionKind::Other {
                description: action_description(toks, from, to),
            })
        }
        K::OWNER if len == 3 && kw(from + 1, K::TO) && column::name(toks, from + 2).is_some() => {
            whole(ActionKind::Other {
                description: action_description(toks, from, to),
            })
        }
        _ => None,
    }
}

/// `[IF EXISTS] name [CASCADE | RESTRICT]` at `k`, ending at `to`.
fn dropped(toks: &Tokens, mut k: usize, to: usize) -> Option<(crate::ident::Name, bool)> {
    let if_exists = toks.is_keyword(k, K::IF) && toks.is_keyword(k + 1, K::EXISTS);
    if if_exists {
        k += 2;
    }
    let name = column::name(toks, k)?;
    k += 1;
    if toks.is_keyword(k, K::CASCADE) || toks.is_keyword(k, K::RESTRICT) {
        k += 1;
    }
    (k == to).then_some((name, if_exists))
}

/// `ALTER [COLUMN] c SET NOT NULL | DROP NOT NULL | SET DEFAULT e | DROP DEFAULT |
/// [SET DATA] TYPE t [USING e]`.
fn alter_column(toks: &Tokens, from: usize, to: usize, span: Span) -> Option<Action> {
    let kw = |k: usize, w: K| toks.is_keyword(k, w);
    let at = from + 1 + usize::from(kw(from + 1, K::COLUMN));
    let column = column::name(toks, at)?;
    let k = at + 1;
    let rest = to.checked_sub(k)?;
    let words = |n: usize| toks.span_of(k, k + n);
    let (focus, kind) = if rest == 3 && kw(k, K::SET) && kw(k + 1, K::NOT) && kw(k + 2, K::NULL) {
        (words(3)?, ActionKind::SetNotNull { column })
    } else if rest == 3 && kw(k, K::DROP) && kw(k + 1, K::NOT) && kw(k + 2, K::NULL) {
        (words(3)?, ActionKind::DropNotNull { column })
    } else if rest == 2 && kw(k, K::DROP) && kw(k + 1, K::DEFAULT) {
        (words(2)?, ActionKind::DropDefault { column })
    } else if rest > 2 && kw(k, K::SET) && kw(k + 1, K::DEFAULT) {
        let default = column::expr(toks, k + 2, to)?;
        (words(2)?, ActionKind::SetDefault { column, default })
    } else {
        let ty = if kw(k, K::TYPE) {
            k
        } else if kw(k, K::SET) && kw(k + 1, K::DATA) && kw(k + 2, K::TYPE) {
            k + 2
        } else {
            return None;
        };
        let using_at = (ty + 1..to).find(|&u| kw(u, K::USING));
        let end = using_at.unwrap_or(to);
        let (text, after) = sql_text::data_type(toks, ty + 1, end)?;
        if after != end {
            return None;
        }
        if let Some(u) = using_at {
            sql_text::expr(toks, u + 1, to)?;
        }
        let type_span = toks.span_of(ty + 1, end)?;
        let focus = toks.sig[ty].span.to(type_span);
        let kind = ActionKind::AlterColumnType {
            column,
            data_type: TypeName::new(text.to_lowercase(), type_span),
            using: using_at.is_some(),
        };
        (focus, kind)
    };
    Some(Action { span, focus, kind })
}
