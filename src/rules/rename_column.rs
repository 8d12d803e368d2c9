//! `rename-column`: renaming a column breaks running app versions at once.

use super::sql::{alter_table, batched_update, column_swap};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity, Suggestion};
use crate::ident::{Name, QualifiedName};
use crate::ir::{ActionKind, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct RenameColumn;

static META: RuleMeta = RuleMeta {
    id: "rename-column",
    default_severity: Severity::Error,
    summary: "RENAME COLUMN breaks running app versions that use the old name",
    docs: include_str!("../../rules/rename-column.md"),
    once_per_file: false,
};

impl Rule for RenameColumn {
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
            let ActionKind::RenameColumn { from, to } = &action.kind else {
                continue;
            };
            let known_type = cx
                .catalog()
                .column_type(&at.table, from)
                .map(|t| t.text.as_str());
            out.push(
                Finding::new(
                    action.focus,
                    format!(
                        "renaming {} to {} on {} breaks running app versions at once",
                        from.sql(),
                        to.sql(),
                        at.table.sql()
                    ),
                    "queries using the old name fail as soon as this runs",
                )
                .help("add the new column, write both, backfill, switch reads, then drop the old column")
                .suggest(suggestion(&at.table, from, to, known_type))
                .lock(locks::alter_table_action(&action.kind, cx.pg_version())),
            );
        }
    }
}

fn suggestion(
    table: &QualifiedName,
    from: &Name,
    to: &Name,
    known_type: Option<&str>,
) -> Suggestion {
    let (old, new) = (from.sql(), to.sql());
    let add = alter_table(
        table,
        &format!("ADD COLUMN {new} {}", known_type.unwrap_or("text")),
    );
    let add = match known_type {
        Some(_) => add,
        None => format!("-- bellows does not know the type of {old}: replace text with it\n{add}"),
    };
    let backfill = batched_update(
        table,
        &format!("{new} = {old}"),
        &format!("{new} IS NULL AND {old} IS NOT NULL"),
    );
    column_swap(table, &old, &new, add, backfill)
}
