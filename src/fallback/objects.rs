//! Token recognisers for object statements sqlparser 0.63 rejects but the compatibility rules
//! need: `ALTER <object> … RENAME TO` and `… SET SCHEMA` for tables, views, materialized
//! views, types, domains, sequences, functions and procedures (and `ALTER INDEX IF EXISTS …
//! RENAME TO`, which sqlparser rejects for its `IF EXISTS`), and the head of
//! `CREATE FUNCTION` / `CREATE PROCEDURE` (so that a later `DROP` knows the routine is new).
//!
//! A recogniser accepts only the complete statement form; anything else stays unanalyzed.

use crate::ir::{Action, ActionKind, AlterTable, ObjectKind, Op};
use crate::tokens::Tokens;
use sqlparser::tokenizer::Token;

/// Object kinds whose `ALTER … RENAME TO` / `SET SCHEMA` this module reads, longest first.
const ALTERED_KINDS: &[(&[&str], ObjectKind)] = &[
    (&["MATERIALIZED", "VIEW"], ObjectKind::MaterializedView),
    (&["TABLE"], ObjectKind::Table),
    (&["VIEW"], ObjectKind::View),
    (&["TYPE"], ObjectKind::Type),
    (&["DOMAIN"], ObjectKind::Type),
    (&["SEQUENCE"], ObjectKind::Sequence),
    (&["INDEX"], ObjectKind::Index),
    (&["FUNCTION"], ObjectKind::Function),
    (&["PROCEDURE"], ObjectKind::Procedure),
    (&["ROUTINE"], ObjectKind::Function),
];

/// Reads `toks` as one of this module's statement forms.
pub(super) fn lower(toks: &Tokens) -> Option<Op> {
    let first = toks.sig.first()?;
    if first.is_kw("ALTER") {
        alter(toks)
    } else if first.is_kw("CREATE") {
        create_routine(toks)
    } else {
        None
    }
}

/// `ALTER <kind> [IF EXISTS] name [(args)] {RENAME TO new | SET SCHEMA s}`.
fn alter(toks: &Tokens) -> Option<Op> {
    let (words, kind) = ALTERED_KINDS
        .iter()
        .find(|(words, _)| words.iter().enumerate().all(|(k, w)| is_kw(toks, 1 + k, w)))?;
    let mut i = 1 + words.len();
    if is_kw(toks, i, "IF") && is_kw(toks, i + 1, "EXISTS") {
        i += 2;
    }
    let (name, mut i) = toks.qualified_name(i)?;
    if matches!(kind, ObjectKind::Function | ObjectKind::Procedure) {
        i = skip_parens(toks, i)?;
    }
    let action_start = i;
    let (target, end) = if is_kw(toks, i, "RENAME") && is_kw(toks, i + 1, "TO") {
        (Target::Rename, i + 2)
    } else if is_kw(toks, i, "SET") && is_kw(toks, i + 1, "SCHEMA") && *kind != ObjectKind::Index {
        // An index always lives in its table's schema: there is no ALTER INDEX … SET SCHEMA.
        (Target::Schema, i + 2)
    } else {
        return None;
    };
    let new = toks.sig.get(end)?.name()?;
    if !at_end(toks, end + 1) {
        return None;
    }
    Some(match (kind, target) {
        (ObjectKind::Table, target) => {
            let span = toks.span_of(action_start, end + 1)?;
            let kind = match target {
                Target::Rename => ActionKind::RenameTable { to: new },
                Target::Schema => ActionKind::SetSchema { schema: new },
            };
            Op::AlterTable(AlterTable {
                table: name,
                if_exists: is_kw(toks, 1 + words.len(), "IF"),
                only: false,
                actions: vec![Action {
                    span,
                    focus: span,
                    kind,
                }],
            })
        }
        (kind, Target::Rename) => Op::RenameObject {
            kind: *kind,
            name,
            to: new,
        },
        (kind, Target::Schema) => Op::SetObjectSchema {
            kind: *kind,
            name,
            schema: new,
        },
    })
}

/// What an `ALTER` statement changes.
enum Target {
    Rename,
    Schema,
}

/// `CREATE [OR REPLACE] {FUNCTION | PROCEDURE} name (`: the name is all later statements need.
fn create_routine(toks: &Tokens) -> Option<Op> {
    let mut i = 1;
    if is_kw(toks, i, "OR") && is_kw(toks, i + 1, "REPLACE") {
        i += 2;
    }
    let kind = if is_kw(toks, i, "FUNCTION") {
        ObjectKind::Function
    } else if is_kw(toks, i, "PROCEDURE") {
        ObjectKind::Procedure
    } else {
        return None;
    };
    let (name, next) = toks.qualified_name(i + 1)?;
    matches!(toks.sig.get(next).map(|t| &t.token), Some(Token::LParen)).then_some(
        Op::CreateObject {
            kind,
            name,
            enum_values: None,
        },
    )
}

fn is_kw(toks: &Tokens, i: usize, kw: &str) -> bool {
    toks.sig.get(i).is_some_and(|t| t.is_kw(kw))
}

/// The index after the balanced parentheses at `i`, or `i` when there are none.
fn skip_parens(toks: &Tokens, i: usize) -> Option<usize> {
    if !matches!(toks.sig.get(i).map(|t| &t.token), Some(Token::LParen)) {
        return Some(i);
    }
    let close = toks.matching_paren(i);
    (close < toks.sig.len()).then_some(close + 1)
}

/// True when nothing but a `;` follows index `i`.
fn at_end(toks: &Tokens, i: usize) -> bool {
    toks.sig[i.min(toks.sig.len())..]
        .iter()
        .all(|t| matches!(t.token, Token::SemiColon))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::tokenize;

    fn read(sql: &str) -> Option<Op> {
        let (_, toks) = tokenize(sql, 0).ok()?;
        lower(&toks)
    }

    #[test]
    fn renames_and_moves_of_objects_sqlparser_rejects() {
        for (sql, want_kind, want_name, want_to) in [
            (
                "ALTER VIEW IF EXISTS app.v RENAME TO w",
                ObjectKind::View,
                "app.v",
                "w",
            ),
            (
                "alter materialized view \"Stats\" rename to stats",
                ObjectKind::MaterializedView,
                "\"Stats\"",
                "stats",
            ),
            (
                "ALTER SEQUENCE s RENAME TO t",
                ObjectKind::Sequence,
                "s",
                "t",
            ),
            (
                "ALTER PROCEDURE p(int, text) RENAME TO q",
                ObjectKind::Procedure,
                "p",
                "q",
            ),
            ("ALTER DOMAIN d RENAME TO e", ObjectKind::Type, "d", "e"),
            (
                "ALTER INDEX IF EXISTS idx_a RENAME TO idx_b",
                ObjectKind::Index,
                "idx_a",
                "idx_b",
            ),
        ] {
            match read(sql) {
                Some(Op::RenameObject { kind, name, to }) => {
                    assert_eq!(kind, want_kind, "{sql}");
                    assert_eq!(name.sql(), want_name, "{sql}");
                    assert_eq!(to.sql(), want_to, "{sql}");
                }
                other => panic!("{sql}: {other:?}"),
            }
        }
        match read("ALTER TYPE mood SET SCHEMA app") {
            Some(Op::SetObjectSchema { kind, name, schema }) => {
                assert_eq!(kind, ObjectKind::Type);
                assert_eq!(name.sql(), "mood");
                assert_eq!(schema.sql(), "app");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn table_set_schema_is_an_alter_table_action() {
        let sql = "ALTER TABLE IF EXISTS public.users SET SCHEMA archive";
        let Some(Op::AlterTable(at)) = read(sql) else {
            panic!("not an ALTER TABLE");
        };
        assert_eq!(at.table.sql(), "public.users");
        assert!(at.if_exists);
        assert_eq!(at.actions[0].focus.slice(sql), "SET SCHEMA archive");
        assert!(
            matches!(&at.actions[0].kind, ActionKind::SetSchema { schema } if schema.value == "archive")
        );
    }

    #[test]
    fn routine_heads_are_creates() {
        let Some(Op::CreateObject { kind, name, .. }) =
            read("CREATE OR REPLACE PROCEDURE app.p() LANGUAGE sql AS $$ SELECT 1 $$")
        else {
            panic!("not a create");
        };
        assert_eq!(kind, ObjectKind::Procedure);
        assert_eq!(name.sql(), "app.p");
    }

    #[test]
    fn other_forms_are_left_alone() {
        for sql in [
            "ALTER VIEW v RENAME COLUMN a TO b",
            "ALTER VIEW v SET (security_invoker = true)",
            "ALTER VIEW v OWNER TO admin",
            "ALTER TABLE t SET SCHEMA s, ADD COLUMN c int",
            "ALTER INDEX i SET TABLESPACE fast",
            "ALTER INDEX i SET SCHEMA s",
            "ALTER FUNCTION f(int",
            "CREATE FUNCTION",
        ] {
            assert!(read(sql).is_none(), "{sql}");
        }
    }
}
