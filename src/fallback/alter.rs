//! `ALTER TABLE`, `ALTER INDEX` and `ALTER SEQUENCE` forms sqlparser 0.63 rejects.
//!
//! The ALTER TABLE reader splits the actions on top-level commas and recognises each by its
//! leading keywords. Actions sqlparser knows are read by sqlparser, one at a time, so that
//! one action it rejects does not cost the others their detail.

use super::{action_description, leading_keywords, reparse};
use crate::ir::{Action, ActionKind, AlterTable, ObjectKind, Op};
use crate::source::Span;
use crate::tokens::{Edits, Tokens};
use sqlparser::tokenizer::{Token, TokenWithSpan};

/// Words an ALTER TABLE action starts with (PostgreSQL 17's list). An action starting
/// otherwise means the statement is not one bellows can vouch for.
const ACTION_WORDS: &[&str] = &[
    "ADD", "ALTER", "ATTACH", "CLUSTER", "DETACH", "DISABLE", "DROP", "ENABLE", "FORCE", "INHERIT",
    "NO", "NOT", "OF", "OWNER", "RENAME", "REPLICA", "RESET", "SET", "VALIDATE",
];

/// `ALTER TABLE [ IF EXISTS ] [ ONLY ] name [ * ] action [, …]`.
pub fn alter_table(raw: &[TokenWithSpan], toks: &Tokens) -> Option<Op> {
    let n = toks.sig.len();
    let mut i = 2;
    let if_exists = toks.is_kw(i, "IF") && toks.is_kw(i + 1, "EXISTS");
    if if_exists {
        i += 2;
    }
    let only = toks.is_kw(i, "ONLY");
    if only {
        i += 1;
    }
    let (table, mut head_end) = toks.qualified_name(i)?;
    if toks.is(head_end, &Token::Mul) {
        head_end += 1;
    }
    let items = toks.list_items(head_end, n)?;
    let mut actions = Vec::new();
    for (from, to) in items {
        let word = toks.sig[from].keyword()?;
        if !ACTION_WORDS.contains(&word.as_str()) {
            return None;
        }
        let span = toks.span_of(from, to)?;
        let rejected_form = ["SET SCHEMA", "ATTACH PARTITION", "DETACH PARTITION"]
            .contains(&leading_keywords(toks, from, to, 2).as_str());
        if rejected_form {
            actions.push(action(toks, from, to, span)?);
            continue;
        }
        match parse_alone(raw, toks, head_end, from, to, span) {
            Some(read) => actions.extend(read),
            None => actions.push(Action {
                span,
                focus: span,
                kind: ActionKind::Other {
                    description: action_description(toks, from, to),
                },
            }),
        }
    }
    Some(Op::AlterTable(AlterTable {
        table,
        if_exists,
        only,
        actions,
    }))
}

/// The actions sqlparser rejects: `SET SCHEMA`, `ATTACH PARTITION`, `DETACH PARTITION`;
/// `None` when the action is not well formed.
fn action(toks: &Tokens, from: usize, to: usize, span: Span) -> Option<Action> {
    let focus = |words: usize| toks.span_of(from, from + words).unwrap_or(span);
    if toks.is_kw(from, "SET") && toks.is_kw(from + 1, "SCHEMA") {
        let schema = toks.sig.get(from + 2)?.name()?;
        return (from + 3 == to).then(|| Action {
            span,
            focus: focus(2),
            kind: ActionKind::SetSchema { schema },
        });
    }
    if toks.is_kw(from, "ATTACH") && toks.is_kw(from + 1, "PARTITION") {
        let (partition, next) = toks.qualified_name(from + 2)?;
        let bound = toks.is_kw(next, "FOR") && toks.is_kw(next + 1, "VALUES")
            || toks.is_kw(next, "DEFAULT") && next + 1 == to;
        return bound.then(|| Action {
            span,
            focus: focus(2),
            kind: ActionKind::AttachPartition { partition },
        });
    }
    if toks.is_kw(from, "DETACH") && toks.is_kw(from + 1, "PARTITION") {
        let (partition, next) = toks.qualified_name(from + 2)?;
        let concurrently = toks.is_kw(next, "CONCURRENTLY");
        let finalize = toks.is_kw(next, "FINALIZE");
        let end = next + usize::from(concurrently || finalize);
        return (end == to).then(|| Action {
            span,
            focus: focus(2),
            kind: ActionKind::DetachPartition {
                partition,
                concurrently,
                finalize,
            },
        });
    }
    None
}

/// Action `from..to` read by sqlparser as the only action of `ALTER TABLE <head>` (the
/// tokens before `head_end`), with the same clause edits as a whole statement gets.
fn parse_alone(
    raw: &[TokenWithSpan],
    toks: &Tokens,
    head_end: usize,
    from: usize,
    to: usize,
    span: Span,
) -> Option<Vec<Action>> {
    let others = Edits {
        drop: (head_end..from).chain(to..toks.sig.len()).collect(),
        ..Edits::default()
    };
    let (raw, alone) = toks.edited(raw, &others);
    let op = reparse::reparse(&raw, &alone, span).or_else(|| reparse::parse_one(raw, &alone, span));
    match op? {
        Op::AlterTable(at) if !at.actions.is_empty() => Some(at.actions),
        _ => None,
    }
}

/// `ALTER INDEX [ IF EXISTS ] name RENAME TO new`.
pub fn alter_index(toks: &Tokens) -> Option<Op> {
    let mut i = 2;
    if toks.is_kw(i, "IF") && toks.is_kw(i + 1, "EXISTS") {
        i += 2;
    }
    let (name, next) = toks.qualified_name(i)?;
    let to = rename_to(toks, next)?;
    Some(Op::RenameObject {
        kind: ObjectKind::Index,
        name,
        to,
    })
}

/// Words an `ALTER SEQUENCE` option starts with.
const SEQUENCE_OPTIONS: &[&str] = &[
    "AS",
    "INCREMENT",
    "MINVALUE",
    "MAXVALUE",
    "NO",
    "START",
    "RESTART",
    "CACHE",
    "CYCLE",
    "OWNED",
    "OWNER",
    "SET",
];

/// `ALTER SEQUENCE [ IF EXISTS ] name …`: renames and schema moves as such, the other forms
/// (`AS bigint`, `RESTART`, `OWNED BY`, …) as a recognised `ALTER SEQUENCE`. They lock only
/// the sequence, briefly, never a table, so no rule needs their detail.
pub fn alter_sequence(toks: &Tokens) -> Option<Op> {
    let mut i = 2;
    if toks.is_kw(i, "IF") && toks.is_kw(i + 1, "EXISTS") {
        i += 2;
    }
    let (name, next) = toks.qualified_name(i)?;
    if let Some(to) = rename_to(toks, next) {
        return Some(Op::RenameObject {
            kind: ObjectKind::Sequence,
            name,
            to,
        });
    }
    if toks.is_kw(next, "SET") && toks.is_kw(next + 1, "SCHEMA") && next + 3 == toks.sig.len() {
        let schema = toks.sig.get(next + 2)?.name()?;
        return Some(Op::SetObjectSchema {
            kind: ObjectKind::Sequence,
            name,
            schema,
        });
    }
    let word = toks.sig.get(next)?.keyword()?;
    SEQUENCE_OPTIONS
        .contains(&word.as_str())
        .then(|| Op::Other {
            command: "ALTER SEQUENCE".into(),
        })
}

/// `RENAME TO new` ending the statement at `i`.
fn rename_to(toks: &Tokens, i: usize) -> Option<crate::ident::Name> {
    let ok = toks.is_kw(i, "RENAME") && toks.is_kw(i + 1, "TO") && i + 3 == toks.sig.len();
    if ok { toks.sig[i + 2].name() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::tokenize;

    fn read(sql: &str) -> Option<AlterTable> {
        let (raw, toks) = tokenize(sql, 0).unwrap();
        match alter_table(&raw, &toks)? {
            Op::AlterTable(at) => Some(at),
            _ => None,
        }
    }

    #[test]
    fn set_schema() {
        let sql = "alter table if exists public.notification_email_config\n  set schema private";
        let at = read(sql).unwrap();
        assert!(at.if_exists && !at.only);
        assert_eq!(
            at.table.span().slice(sql),
            "public.notification_email_config"
        );
        let a = &at.actions[0];
        assert_eq!(a.span.slice(sql), "set schema private");
        assert_eq!(a.focus.slice(sql), "set schema");
        let ActionKind::SetSchema { schema } = &a.kind else {
            panic!()
        };
        assert_eq!(schema.span.slice(sql), "private");
    }

    #[test]
    fn attach_partition() {
        let sql = "ALTER TABLE ONLY measurements ATTACH PARTITION m_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')";
        let at = read(sql).unwrap();
        assert!(at.only);
        let a = &at.actions[0];
        assert_eq!(a.focus.slice(sql), "ATTACH PARTITION");
        assert_eq!(
            a.span.slice(sql),
            &sql["ALTER TABLE ONLY measurements ".len()..]
        );
        let ActionKind::AttachPartition { partition } = &a.kind else {
            panic!()
        };
        assert_eq!(partition.span().slice(sql), "m_2024");
        assert!(read("ALTER TABLE m ATTACH PARTITION p DEFAULT").is_some());
        assert!(read("ALTER TABLE m ATTACH PARTITION p").is_none());
    }

    #[test]
    fn detach_partition() {
        for (sql, conc, fin) in [
            (
                "ALTER TABLE m DETACH PARTITION s.p CONCURRENTLY",
                true,
                false,
            ),
            ("ALTER TABLE m DETACH PARTITION s.p FINALIZE", false, true),
            ("ALTER TABLE m DETACH PARTITION s.p", false, false),
        ] {
            let at = read(sql).unwrap();
            let ActionKind::DetachPartition {
                partition,
                concurrently,
                finalize,
            } = &at.actions[0].kind
            else {
                panic!("{sql}")
            };
            assert_eq!(partition.span().slice(sql), "s.p");
            assert_eq!((*concurrently, *finalize), (conc, fin), "{sql}");
            assert_eq!(at.actions[0].focus.slice(sql), "DETACH PARTITION");
        }
    }

    #[test]
    fn known_actions_next_to_rejected_ones_keep_their_detail() {
        let sql = "ALTER TABLE t ALTER COLUMN a SET NOT NULL, SET SCHEMA s, OWNER TO bob";
        let at = read(sql).unwrap();
        assert_eq!(at.actions.len(), 3);
        let ActionKind::SetNotNull { column } = &at.actions[0].kind else {
            panic!("{:?}", at.actions[0].kind)
        };
        assert_eq!(column.span.slice(sql), "a");
        assert_eq!(at.actions[0].focus.slice(sql), "SET NOT NULL");
        assert_eq!(at.actions[0].span.slice(sql), "ALTER COLUMN a SET NOT NULL");
        assert!(matches!(at.actions[1].kind, ActionKind::SetSchema { .. }));
        assert_eq!(at.actions[2].span.slice(sql), "OWNER TO bob");
    }

    #[test]
    fn unknown_actions_are_described_and_garbage_is_refused() {
        let sql = "ALTER TABLE t SET SCHEMA s, SET ACCESS METHOD heap2";
        let at = read(sql).unwrap();
        match &at.actions[1].kind {
            ActionKind::Other { description } => assert_eq!(description, "SET ACCESS METHOD"),
            other => panic!("{other:?}"),
        }
        assert!(read("ALTER TABLE t FROB x").is_none());
        assert!(read("ALTER TABLE t ADD type VARCHAR(20) NOT NULL,").is_none());
        assert!(read("ALTER TABLE").is_none());
    }

    #[test]
    fn alter_index_rename() {
        let sql = "ALTER INDEX IF EXISTS idx_tuna_pets_user_id RENAME TO idx_mira_pets_user_id";
        let toks = tokenize(sql, 0).unwrap().1;
        let Some(Op::RenameObject { kind, name, to }) = alter_index(&toks) else {
            panic!()
        };
        assert_eq!(kind, ObjectKind::Index);
        assert_eq!(name.span().slice(sql), "idx_tuna_pets_user_id");
        assert_eq!(to.span.slice(sql), "idx_mira_pets_user_id");
        let toks = tokenize("ALTER INDEX i SET TABLESPACE x", 0).unwrap().1;
        assert!(alter_index(&toks).is_none());
    }

    #[test]
    fn alter_sequence_forms() {
        let read = |sql: &str| alter_sequence(&tokenize(sql, 0).unwrap().1);
        assert!(matches!(
            read("ALTER SEQUENCE robot_id_seq AS bigint MAXVALUE 9007199254740991"),
            Some(Op::Other { command }) if command == "ALTER SEQUENCE"
        ));
        assert!(matches!(
            read("ALTER SEQUENCE IF EXISTS s RENAME TO t"),
            Some(Op::RenameObject {
                kind: ObjectKind::Sequence,
                ..
            })
        ));
        let sql = "ALTER SEQUENCE s SET SCHEMA private";
        let Some(Op::SetObjectSchema { schema, .. }) = read(sql) else {
            panic!()
        };
        assert_eq!(schema.span.slice(sql), "private");
        assert!(read("ALTER SEQUENCE s FROB").is_none());
    }
}
