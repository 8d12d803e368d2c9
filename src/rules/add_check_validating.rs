//! `add-check-validating`: adding a CHECK constraint without `NOT VALID` scans the existing
//! table under an ACCESS EXCLUSIVE lock.

use super::sql::{alter_table, free_name, pg_name, step, text_without};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ident::QualifiedName;
use crate::ir::{Action, ColumnDef, Constraint, ConstraintKind, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct AddCheckValidating;

static META: RuleMeta = RuleMeta {
    id: "add-check-validating",
    default_severity: Severity::Error,
    summary: "ADD CHECK without NOT VALID scans an existing table under an ACCESS EXCLUSIVE lock",
    docs: include_str!("../../rules/add-check-validating.md"),
    once_per_file: false,
};

impl Rule for AddCheckValidating {
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
            for (c, column) in action.added_constraints() {
                let ConstraintKind::Check {
                    not_null_column, ..
                } = &c.kind
                else {
                    continue;
                };
                if c.not_valid {
                    continue;
                }
                let lock = locks::alter_table_action(&action.kind, cx.pg_version());
                // PostgreSQL names a CHECK after its table and, when it reads one column,
                // that column.
                let on_column = column.map(|c| &c.name).or(not_null_column.as_ref());
                let name = match (&c.name, on_column) {
                    (Some(n), _) => n.sql(),
                    (None, Some(col)) => free_name(
                        cx,
                        &at.table,
                        &pg_name(&at.table.display_name(), &[col.folded()], "check"),
                        col,
                    ),
                    (None, None) => free_name(
                        cx,
                        &at.table,
                        &pg_name(&at.table.display_name(), &[], "check"),
                        &at.table.name,
                    ),
                };
                out.push(
                    Finding::new(
                        c.span,
                        format!(
                            "adding CHECK constraint {name} scans {} under {} lock",
                            at.table.sql(),
                            lock.mode.with_article()
                        ),
                        format!("{} until every row is checked", lock.mode.blocks_phrase()),
                    )
                    .help("add the constraint NOT VALID (new rows are checked at once), then VALIDATE CONSTRAINT in a separate transaction, which lets reads and writes go on")
                    .suggest(suggestion(cx, &at.table, action, c, column, &name))
                    .lock(lock),
                );
            }
        }
    }
}

fn suggestion(
    cx: &Context,
    table: &QualifiedName,
    action: &Action,
    c: &Constraint,
    column: Option<&ColumnDef>,
    name: &str,
) -> Suggestion {
    let body = cx.text(c.body_span()).trim();
    let add = alter_table(table, &format!("ADD CONSTRAINT {name} {body} NOT VALID"));
    let add = match column {
        Some(_) => format!(
            "{}\n{add}",
            alter_table(table, &text_without(cx, action.span, c.span))
        ),
        None => add,
    };
    Suggestion {
        title: "add the constraint NOT VALID, then validate it in a separate transaction".into(),
        mechanical: true,
        steps: vec![
            step(Phase::Expand, add, true),
            step(
                Phase::Backfill,
                alter_table(table, &format!("VALIDATE CONSTRAINT {name}")),
                true,
            ),
        ],
    }
}
