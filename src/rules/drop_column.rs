//! `drop-column`: dropping a column breaks every running app version that still uses it.

use super::sql::{acknowledged, alter_table, app_step, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{ActionKind, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct DropColumn;

static META: RuleMeta = RuleMeta {
    id: "drop-column",
    default_severity: Severity::Error,
    summary: "DROP COLUMN breaks running app versions that still read or write the column",
    docs: include_str!("../../rules/drop-column.md"),
    once_per_file: false,
};

impl Rule for DropColumn {
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
            let ActionKind::DropColumn { column, .. } = &action.kind else {
                continue;
            };
            let col = column.sql();
            let drop = alter_table(&at.table, &format!("DROP COLUMN {col}"));
            out.push(
                Finding::new(
                    action.focus,
                    format!(
                        "dropping column {col} of {} breaks every running app version that still uses it",
                        at.table.sql()
                    ),
                    "queries naming this column fail as soon as this runs",
                )
                .help("stop using the column in the app and deploy that first; drop it in a later migration")
                .suggest(Suggestion {
                    title: "contract in two deploys: app first, then the drop".into(),
                    mechanical: false,
                    steps: vec![
                        app_step(&[
                            &format!("Remove every read and write of {col} from the application"),
                            "(ORM models included) and deploy that version everywhere.",
                        ]),
                        step(
                            Phase::Contract,
                            acknowledged(
                                META.id,
                                &format!("the deployed app no longer uses {col}"),
                                &drop,
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
