//! `change-column-type`: `ALTER COLUMN … TYPE` rewrites an existing table under an ACCESS
//! EXCLUSIVE lock and breaks app versions that expect the old type.

use super::sql::{acknowledged, alter_table, app_step, batched_update, new_name, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ident::{Name, QualifiedName};
use crate::ir::{ActionKind, Statement};
use crate::locks;

/// The rule.
pub struct ChangeColumnType;

static META: RuleMeta = RuleMeta {
    id: "change-column-type",
    default_severity: Severity::Error,
    summary: "ALTER COLUMN … TYPE rewrites an existing table under an ACCESS EXCLUSIVE lock",
    docs: include_str!("../../rules/change-column-type.md"),
    once_per_file: false,
};

impl Rule for ChangeColumnType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Some(at) = stmt.alter_table() else { return };
        if cx.is_new_table(&at.table) {
            return;
        }
        for action in &at.actions {
            let ActionKind::AlterColumnType {
                column,
                data_type,
                using,
            } = &action.kind
            else {
                continue;
            };
            let lock = locks::alter_table_action(&action.kind, cx.pg_version());
            let new_type = cx.text(data_type.span).trim();
            let from = cx
                .catalog()
                .column_type(&at.table, column)
                .map_or(String::new(), |t| format!(" from {}", t.text));
            out.push(
                Finding::new(
                    action.focus,
                    format!(
                        "changing the type of {}{from} to {new_type} rewrites {} under an {} lock",
                        column.sql(),
                        at.table.sql(),
                        lock.mode.name()
                    ),
                    format!("{} until every row is rewritten", lock.mode.blocks_phrase()),
                )
                .help("add a column of the new type, write both, backfill in batches, switch reads, then drop the old column; a binary-coercible change (varchar(n) to text or to a longer varchar) does not rewrite: silence it with a reason")
                .suggest(suggestion(&at.table, column, new_type, *using))
                .lock(lock),
            );
        }
    }
}

fn suggestion(table: &QualifiedName, column: &Name, new_type: &str, using: bool) -> Suggestion {
    let old = column.sql();
    let new = new_name(&[&column.folded(), "new"], column);
    let mut backfill = batched_update(
        table,
        &format!("{new} = {old}::{new_type}"),
        &format!("{new} IS NULL AND {old} IS NOT NULL"),
    );
    if using {
        backfill = format!("-- put your USING expression in place of the cast\n{backfill}");
    }
    Suggestion {
        title: "expand/contract: new column, dual writes, batched backfill, switch reads, drop"
            .into(),
        mechanical: false,
        steps: vec![
            step(
                Phase::Expand,
                alter_table(table, &format!("ADD COLUMN {new} {new_type}")),
                true,
            ),
            app_step(&[&format!(
                "Deploy an app version that writes both {old} and {new} (or add a trigger that copies {old} into {new})."
            )]),
            step(Phase::Backfill, backfill, true),
            app_step(&[&format!(
                "Deploy an app version that reads and writes only {new}."
            )]),
            step(
                Phase::Contract,
                acknowledged(
                    "drop-column",
                    &format!("the deployed app uses {new} instead"),
                    &alter_table(table, &format!("DROP COLUMN {old}")),
                ),
                true,
            ),
        ],
    }
}
