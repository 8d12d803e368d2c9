//! `add-column-required`: `ADD COLUMN … NOT NULL` without a default fails on any table that
//! has a row.

use super::sql::{BATCH_SIZE, alter_table, app_step, not_null_steps, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ident::QualifiedName;
use crate::ir::{ActionKind, ColumnDef, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct AddColumnRequired;

static META: RuleMeta = RuleMeta {
    id: "add-column-required",
    default_severity: Severity::Error,
    summary: "ADD COLUMN … NOT NULL without a default fails on a table that has rows",
    docs: include_str!("../../rules/add-column-required.md"),
    once_per_file: false,
};

impl Rule for AddColumnRequired {
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
            let ActionKind::AddColumn { column, .. } = &action.kind else {
                continue;
            };
            // Identity, serial and generated columns fill existing rows themselves.
            if !column.not_null
                || column.non_null_default().is_some()
                || column.has_implicit_value()
            {
                continue;
            }
            out.push(
                Finding::new(
                    column.span,
                    format!(
                        "adding NOT NULL column {} without a default fails as soon as {} has a row",
                        column.name.sql(),
                        at.table.sql()
                    ),
                    "existing rows would hold NULL: PostgreSQL rejects this with SQLSTATE 23502",
                )
                .help("give the column a constant DEFAULT (instant on PostgreSQL 11+), or add it nullable, fill it, then enforce NOT NULL")
                .suggest(suggestion(cx, &at.table, column))
                .lock(locks::alter_table_action(&action.kind, cx.pg_version())),
            );
        }
    }
}

fn suggestion(cx: &Context, table: &QualifiedName, column: &ColumnDef) -> Suggestion {
    let col = column.name.sql();
    let t = table.sql();
    let mut steps = vec![
        step(
            Phase::Expand,
            alter_table(
                table,
                &format!("ADD COLUMN {col} {}", cx.text(column.data_type.span).trim()),
            ),
            true,
        ),
        app_step(&[&format!(
            "Deploy an app version that sets {col} on every INSERT into {t}."
        )]),
        step(
            Phase::Backfill,
            format!(
                "-- set {col} on existing rows in batches of {BATCH_SIZE}, each in its own transaction, until none is left:\n-- UPDATE {t} SET {col} = <value> WHERE ctid IN (SELECT ctid FROM {t} WHERE {col} IS NULL LIMIT {BATCH_SIZE});"
            ),
            true,
        ),
    ];
    steps.extend(not_null_steps(
        cx,
        table,
        &column.name,
        cx.pg_version().at_least(12),
    ));
    Suggestion {
        title: "add the column nullable, fill it, then enforce NOT NULL without a long lock".into(),
        mechanical: false,
        steps,
    }
}
