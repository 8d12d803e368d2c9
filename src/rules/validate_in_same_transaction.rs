//! `validate-in-same-transaction`: `VALIDATE CONSTRAINT` in the transaction that added the
//! constraint `NOT VALID` holds the ADD's strong lock through the whole validation scan.

use super::sql::{alter_table, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{ActionKind, OpKinds, Statement};
use crate::locks::{self, LockFacts};

/// The rule.
pub struct ValidateInSameTransaction;

static META: RuleMeta = RuleMeta {
    id: "validate-in-same-transaction",
    default_severity: Severity::Error,
    summary: "VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID keeps its strong lock through the scan",
    docs: include_str!("../../rules/validate-in-same-transaction.md"),
    once_per_file: false,
};

impl Rule for ValidateInSameTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::ALTER_TABLE
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Some(at) = stmt.alter_table() else { return };
        for action in &at.actions {
            let ActionKind::ValidateConstraint { name } = &action.kind else {
                continue;
            };
            if !cx.added_not_valid_in_transaction(&at.table, name) {
                continue;
            }
            let own = locks::alter_table_action(&action.kind, cx.pg_version());
            // Locks last until COMMIT: the scan runs under the strongest lock held so far.
            let held = cx.lock_held(&at.table).unwrap_or(own.mode);
            let lock = LockFacts {
                mode: held.max(own.mode),
                ..own
            };
            out.push(
                Finding::new(
                    action.focus,
                    format!(
                        "VALIDATE CONSTRAINT {} scans {} in the transaction that added it, still holding {}",
                        name.sql(),
                        at.table.sql(),
                        lock.mode.name()
                    ),
                    format!("{} until every row is checked and the transaction commits", lock.mode.blocks_phrase()),
                )
                .help(format!(
                    "commit after ADD CONSTRAINT … NOT VALID and validate in a separate transaction (the next migration), where VALIDATE takes only {}",
                    own.mode.name()
                ))
                .suggest(Suggestion {
                    title: "validate in a separate transaction, after the one that added the constraint commits".into(),
                    mechanical: false,
                    steps: vec![step(
                        Phase::Backfill,
                        format!(
                            "-- in the next migration, or after COMMIT\n{}",
                            alter_table(&at.table, &format!("VALIDATE CONSTRAINT {}", name.sql()))
                        ),
                        true,
                    )],
                })
                .lock(lock),
            );
        }
    }
}
