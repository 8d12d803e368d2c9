//! `detach-partition-non-concurrently`: `DETACH PARTITION` without `CONCURRENTLY` takes an
//! ACCESS EXCLUSIVE lock on the partitioned table.

use super::sql::{acknowledged, alter_table, outside_transaction, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{ActionKind, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct DetachPartitionNonConcurrently;

static META: RuleMeta = RuleMeta {
    id: "detach-partition-non-concurrently",
    default_severity: Severity::Error,
    summary: "DETACH PARTITION without CONCURRENTLY locks the partitioned table against reads and writes",
    docs: include_str!("../../rules/detach-partition-non-concurrently.md"),
    once_per_file: false,
};

impl Rule for DetachPartitionNonConcurrently {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::ALTER_TABLE
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Some(at) = stmt.alter_table() else { return };
        if cx.is_new_table(&at.table) {
            return;
        }
        let pg = cx.pg_version();
        for action in &at.actions {
            let ActionKind::DetachPartition {
                partition,
                concurrently: false,
                finalize: false,
            } = &action.kind
            else {
                continue;
            };
            let lock = locks::alter_table_action(&action.kind, pg);
            let (help, suggestion) = if pg.at_least(14) {
                let concurrent = locks::alter_table_action(
                    &ActionKind::DetachPartition {
                        partition: partition.clone(),
                        concurrently: true,
                        finalize: false,
                    },
                    pg,
                );
                let mut help = format!(
                    "detach with CONCURRENTLY, which takes only {} on the partitioned table; it cannot run inside a transaction block, nor when the table has a DEFAULT partition",
                    concurrent.mode.name()
                );
                help.push_str(&outside_transaction(cx, stmt, "").0);
                (
                    help,
                    Suggestion {
                        title: "detach concurrently, in its own migration outside a transaction"
                            .into(),
                        mechanical: true,
                        steps: vec![step(
                            Phase::Contract,
                            outside_transaction(
                                cx,
                                stmt,
                                &alter_table(
                                    &at.table,
                                    &format!("DETACH PARTITION {} CONCURRENTLY", partition.sql()),
                                ),
                            )
                            .1,
                            true,
                        )],
                    },
                )
            } else {
                (
                    format!(
                        "PostgreSQL {pg} has no DETACH PARTITION CONCURRENTLY (it arrived in 14): run it at a quiet time with a short lock_timeout and retry on timeout"
                    ),
                    Suggestion {
                        title: "no concurrent form before PostgreSQL 14: run it at a quiet time, with a lock_timeout".into(),
                        mechanical: false,
                        steps: vec![step(
                            Phase::Contract,
                            format!(
                                "SET lock_timeout = '5s';\n{}",
                                acknowledged(
                                    META.id,
                                    "no concurrent form before PostgreSQL 14; run at a quiet time",
                                    &format!("{};", cx.text(stmt.span).trim())
                                )
                            ),
                            true,
                        )],
                    },
                )
            };
            out.push(
                Finding::new(
                    action.focus,
                    format!(
                        "DETACH PARTITION {} takes {} lock on {}",
                        partition.sql(),
                        lock.mode.with_article(),
                        at.table.sql()
                    ),
                    format!(
                        "{} on the whole partitioned table while it waits and detaches",
                        lock.mode.blocks_phrase()
                    ),
                )
                .help(help)
                .suggest(suggestion)
                .lock(lock),
            );
        }
    }
}
