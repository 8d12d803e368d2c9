//! `drop-not-null`: once a column may hold NULL, running app versions that assume it never
//! does can fail on the rows new versions write.

use super::sql::{acknowledged, app_step, own_statement, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{ActionKind, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct DropNotNull;

static META: RuleMeta = RuleMeta {
    id: "drop-not-null",
    default_severity: Severity::Warning,
    summary: "DROP NOT NULL lets NULLs reach running app versions that assume the column is never NULL",
    docs: include_str!("../../rules/drop-not-null.md"),
    once_per_file: false,
};

impl Rule for DropNotNull {
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
        for action in &at.actions {
            let ActionKind::DropNotNull { column } = &action.kind else {
                continue;
            };
            if cx.is_new_column(&at.table, column) {
                continue;
            }
            let col = column.sql();
            out.push(
                Finding::new(
                    action.focus,
                    format!(
                        "column {col} of {} may hold NULL from now on; running app versions may assume it never does",
                        at.table.sql()
                    ),
                    "readers that expect a value can fail on rows with NULL",
                )
                .help("deploy an app version that handles NULL in this column first, then drop NOT NULL in a later migration")
                .suggest(Suggestion {
                    title: "contract in two deploys: readers handle NULL first, then drop NOT NULL".into(),
                    mechanical: false,
                    steps: vec![
                        app_step(&[
                            &format!("Make every reader of {col} handle NULL (ORM field optional, no non-null assertions)"),
                            "and deploy that version everywhere.",
                        ]),
                        step(
                            Phase::Contract,
                            acknowledged(
                                META.id,
                                &format!("the deployed app handles NULL in {col}"),
                                &own_statement(cx, stmt),
                            ),
                            true,
                        ),
                    ],
                })
                .lock(locks::alter_table_action(&action.kind, cx.pg_version())),
            );
        }
    }
}
