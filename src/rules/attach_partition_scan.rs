//! `attach-partition-scan`: `ATTACH PARTITION` scans the new partition under an ACCESS
//! EXCLUSIVE lock unless a validated CHECK constraint already proves its rows fit.

use super::sql::{alter_table, free_name, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{ActionKind, OpKinds, Statement};
use crate::locks::{self, Relation};
use crate::source::Span;

/// The rule.
pub struct AttachPartitionScan;

static META: RuleMeta = RuleMeta {
    id: "attach-partition-scan",
    default_severity: Severity::Warning,
    summary: "ATTACH PARTITION scans the partition under an ACCESS EXCLUSIVE lock unless a CHECK proves the bound",
    docs: include_str!("../../rules/attach-partition-scan.md"),
    once_per_file: false,
};

impl Rule for AttachPartitionScan {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::ALTER_TABLE
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Some(at) = stmt.alter_table() else { return };
        if !at
            .actions
            .iter()
            .any(|a| matches!(a.kind, ActionKind::AttachPartition { .. }))
        {
            return;
        }
        let pg = cx.pg_version();
        let statement_locks = locks::statement_in(stmt, pg, cx);
        for action in &at.actions {
            let ActionKind::AttachPartition { partition } = &action.kind else {
                continue;
            };
            // A partition created in this file is empty; a validated CHECK on it may prove
            // the bound (bellows does not compare the expressions, see the rule's page).
            if cx.is_new_table(partition) || cx.catalog().has_validated_check(partition) {
                continue;
            }
            // No scan when a validated CHECK on the partition may prove the bound (bellows
            // does not compare the expressions, see the rule's page).
            let Some(lock) = statement_locks
                .iter()
                .find(|l| matches!(&l.relation, Relation::Table(t) if t.key() == partition.key()))
                .map(|l| l.facts)
                .filter(|facts| facts.scan)
            else {
                continue;
            };
            let parent = locks::alter_table_action(&action.kind, pg);
            let bound = cx
                .text(Span::new(partition.span().end, action.span.end))
                .trim();
            let constraint = free_name(
                cx,
                partition,
                &format!("{}_bound", partition.display_name()),
                &partition.name,
            );
            out.push(
                Finding::new(
                    action.focus,
                    format!(
                        "ATTACH PARTITION scans {} under {} lock to prove every row fits the bound, holding {} on {}",
                        partition.sql(),
                        lock.mode.with_article(),
                        parent.mode.name(),
                        at.table.sql()
                    ),
                    format!("{} on the partition until the scan ends", lock.mode.blocks_phrase()),
                )
                .help("add a CHECK constraint that matches the partition bound NOT VALID, validate it, then attach: PostgreSQL sees the validated CHECK and skips the scan")
                .suggest(Suggestion {
                    title: "prove the bound with a validated CHECK first, attach, then drop the CHECK".into(),
                    mechanical: false,
                    steps: vec![
                        step(
                            Phase::Expand,
                            format!(
                                "-- a CHECK that matches `{bound}` on the partition key, NOT NULL included for\n-- range bounds, e.g. for FROM (a) TO (b):\n-- {}",
                                alter_table(
                                    partition,
                                    &format!("ADD CONSTRAINT {constraint} CHECK (key IS NOT NULL AND key >= a AND key < b) NOT VALID")
                                )
                            ),
                            true,
                        ),
                        step(
                            Phase::Backfill,
                            alter_table(partition, &format!("VALIDATE CONSTRAINT {constraint}")),
                            true,
                        ),
                        step(Phase::Expand, format!("{};", cx.text(stmt.span).trim()), true),
                        step(
                            Phase::Contract,
                            alter_table(partition, &format!("DROP CONSTRAINT {constraint}")),
                            true,
                        ),
                    ],
                })
                .lock(lock),
            );
        }
    }
}
