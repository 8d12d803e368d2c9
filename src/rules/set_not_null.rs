//! `set-not-null`: `ALTER COLUMN … SET NOT NULL` scans an existing table under an ACCESS
//! EXCLUSIVE lock.

use super::sql::not_null_steps;
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity, Suggestion};
use crate::ident::{Name, QualifiedName};
use crate::ir::{ActionKind, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct SetNotNull;

static META: RuleMeta = RuleMeta {
    id: "set-not-null",
    default_severity: Severity::Error,
    summary: "SET NOT NULL on an existing table scans it under an ACCESS EXCLUSIVE lock",
    docs: include_str!("../../rules/set-not-null.md"),
    once_per_file: false,
};

impl Rule for SetNotNull {
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
            let ActionKind::SetNotNull { column } = &action.kind else {
                continue;
            };
            // Nothing to check when the column is NOT NULL already (a primary key column,
            // say); the lock model knows when a validated CHECK spares the scan.
            let lock = locks::alter_table_action_in(&at.table, &action.kind, pg, cx);
            if cx.catalog().is_not_null(&at.table, column) == Some(true) || !lock.scan {
                continue;
            }
            let check_skips_scan = locks::not_null_check_skips_scan(pg);
            out.push(
                Finding::new(
                    action.focus,
                    format!(
                        "SET NOT NULL scans {} under {} lock",
                        at.table.sql(),
                        lock.mode.with_article()
                    ),
                    format!("{} until every row is checked", lock.mode.blocks_phrase()),
                )
                .help(if check_skips_scan {
                    "prove the column non-null with a CHECK constraint first; SET NOT NULL then skips the scan"
                } else {
                    "before PostgreSQL 12, SET NOT NULL always scans: keep a validated CHECK constraint instead"
                })
                .suggest(suggestion(cx, &at.table, column, check_skips_scan))
                .lock(lock),
            );
        }
    }
}

fn suggestion(
    cx: &Context,
    table: &QualifiedName,
    column: &Name,
    can_skip_scan: bool,
) -> Suggestion {
    Suggestion {
        title: if can_skip_scan {
            "add a NOT VALID CHECK, validate it, then SET NOT NULL without a scan".into()
        } else {
            "enforce the rule with a validated CHECK constraint".into()
        },
        mechanical: true,
        steps: not_null_steps(cx, table, column, can_skip_scan),
    }
}
