//! `reindex-non-concurrently`: `REINDEX` without `CONCURRENTLY` blocks writes to the table,
//! and reads that use its indexes, while it rebuilds.

use super::sql::{acknowledged, free_name, outside_transaction, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Step, Suggestion};
use crate::ident::QualifiedName;
use crate::ir::{ObjectKind, Op, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct ReindexNonConcurrently;

static META: RuleMeta = RuleMeta {
    id: "reindex-non-concurrently",
    default_severity: Severity::Error,
    summary: "REINDEX without CONCURRENTLY blocks writes, and reads that use the index, while it rebuilds",
    docs: include_str!("../../rules/reindex-non-concurrently.md"),
    once_per_file: false,
};

impl Rule for ReindexNonConcurrently {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::REINDEX
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Op::Reindex { target, name } = &stmt.op else {
            return;
        };
        if stmt.concurrently.is_some() {
            return;
        }
        let table = match (target, name) {
            (ObjectKind::Table, Some(t)) => Some(t),
            (ObjectKind::Index, Some(i)) => cx.table_of_index(i),
            _ => None,
        };
        if table.is_some_and(|t| cx.is_new_table(t)) {
            return;
        }
        let (table_lock, index_lock) = locks::reindex(false);
        let what = match name {
            Some(n) => format!("REINDEX {} {}", target.sql(), n.sql()),
            None => format!("REINDEX {}", target.sql()),
        };
        let on = table.map_or("the table".to_string(), QualifiedName::sql);
        let pg = cx.pg_version();
        // REINDEX SYSTEM has no concurrent form; the others gained one in PostgreSQL 12.
        let concurrent_form = pg.at_least(12) && *target != ObjectKind::System;
        let help = if concurrent_form {
            let mut h = String::from(
                "rebuild with REINDEX … CONCURRENTLY, which lets reads and writes go on; it cannot run inside a transaction block",
            );
            h.push_str(&outside_transaction(cx, stmt, "").0);
            h
        } else if *target == ObjectKind::Index {
            format!(
                "PostgreSQL {pg} has no REINDEX CONCURRENTLY (it arrived in 12): build a copy of the index with CREATE INDEX CONCURRENTLY, drop the old one concurrently and rename the copy"
            )
        } else {
            format!(
                "REINDEX {} has no concurrent form on PostgreSQL {pg}: rebuild the indexes one by one concurrently, or run it at a quiet time with a short lock_timeout",
                target.sql()
            )
        };
        let suggestion = if concurrent_form {
            let rewritten = match name {
                Some(n) => format!("REINDEX {} CONCURRENTLY {};", target.sql(), n.sql()),
                None => format!("REINDEX {} CONCURRENTLY;", target.sql()),
            };
            Suggestion {
                title: "rebuild concurrently, in its own migration outside a transaction".into(),
                mechanical: true,
                steps: vec![step(Phase::Expand, rewritten, true)],
            }
        } else {
            match (target, name) {
                (ObjectKind::Index, Some(index)) => rebuild_by_hand(cx, index),
                _ => quiet_time(cx, stmt),
            }
        };
        out.push(
            Finding::new(
                stmt.keyword_span,
                format!(
                    "{what} takes {} lock on {on} and {} lock on each index it rebuilds",
                    table_lock.mode.with_article(),
                    index_lock.mode.with_article()
                ),
                "blocks writes, and reads that use the index, until the rebuild ends",
            )
            .help(help)
            .suggest(suggestion)
            .lock(table_lock),
        );
    }
}

/// Before PostgreSQL 12: the copy-drop-rename rebuild of one index.
fn rebuild_by_hand(cx: &Context, index: &QualifiedName) -> Suggestion {
    let copy = free_name(
        cx,
        index,
        &format!("{}_new", index.display_name()),
        &index.name,
    );
    let steps: Vec<Step> = vec![
        step(
            Phase::Expand,
            format!(
                "-- build a copy with the definition of {0} (SELECT indexdef FROM pg_indexes WHERE indexname = '{1}'),\n-- adding CONCURRENTLY and naming it {copy}:\n-- CREATE INDEX CONCURRENTLY {copy} ON …;",
                index.sql(),
                index.display_name().replace('\'', "''"),
            ),
            true,
        ),
        step(
            Phase::Contract,
            format!(
                "DROP INDEX CONCURRENTLY {};\nALTER INDEX {} RENAME TO {};",
                index.sql(),
                match &index.schema {
                    Some(s) => format!("{}.{copy}", s.sql()),
                    None => copy.clone(),
                },
                index.name.sql()
            ),
            true,
        ),
    ];
    Suggestion {
        title: "build a copy concurrently, drop the old index concurrently, rename the copy".into(),
        mechanical: false,
        steps,
    }
}

/// No concurrent form: run the statement as it is, at a quiet time, failing fast.
fn quiet_time(cx: &Context, stmt: &Statement) -> Suggestion {
    Suggestion {
        title: "no concurrent form here: run it at a quiet time, with a lock_timeout".into(),
        mechanical: false,
        steps: vec![step(
            Phase::Expand,
            format!(
                "SET lock_timeout = '5s';\n{}",
                acknowledged(
                    META.id,
                    "no concurrent form; run at a quiet time",
                    &format!("{};", cx.text(stmt.span).trim())
                )
            ),
            true,
        )],
    }
}
