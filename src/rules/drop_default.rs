//! `drop-default`: running app versions that insert without the column rely on its default.

use super::sql::{acknowledged, app_step, own_statement, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{ActionKind, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct DropDefault;

static META: RuleMeta = RuleMeta {
    id: "drop-default",
    default_severity: Severity::Warning,
    summary: "DROP DEFAULT breaks running app versions whose inserts leave the column out",
    docs: include_str!("../../rules/drop-default.md"),
    once_per_file: false,
};

impl Rule for DropDefault {
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
            let ActionKind::DropDefault { column } = &action.kind else {
                continue;
            };
            // A column added earlier in the file, often with a default only to fill the
            // existing rows: no deployed app inserts into it yet.
            if cx.is_new_column(&at.table, column) {
                continue;
            }
            let col = column.sql();
            out.push(
                Finding::new(
                    action.focus,
                    format!(
                        "dropping the default of {col} on {} breaks running app versions whose inserts leave it out",
                        at.table.sql()
                    ),
                    "inserts without this column now store NULL, or fail if it is NOT NULL",
                )
                .help("deploy an app version that always writes this column first, then drop the default in a later migration")
                .suggest(Suggestion {
                    title: "contract in two deploys: inserts write the column first, then drop the default".into(),
                    mechanical: false,
                    steps: vec![
                        app_step(&[
                            &format!("Make every insert into {} write {col} explicitly", at.table.sql()),
                            "and deploy that version everywhere.",
                        ]),
                        step(
                            Phase::Contract,
                            acknowledged(
                                META.id,
                                &format!("the deployed app always writes {col}"),
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
