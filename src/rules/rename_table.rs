//! `rename-table`: renaming a table breaks running app versions at once.

use super::compat::{keep_old_name_as_view, name_in_use};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{ActionKind, ObjectKind, OpKinds, Statement};

/// The rule.
pub struct RenameTable;

static META: RuleMeta = RuleMeta {
    id: "rename-table",
    default_severity: Severity::Error,
    summary: "ALTER TABLE … RENAME TO breaks running app versions that use the old name",
    docs: include_str!("../../rules/rename-table.md"),
    once_per_file: false,
};

impl Rule for RenameTable {
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
            .any(|a| matches!(a.kind, ActionKind::RenameTable { .. }))
        {
            return;
        }
        // A later statement that gives the old name to a new relation (a compatibility view,
        // or a new table the rows are copied into) keeps old queries working.
        if !name_in_use(cx, ObjectKind::Table, &at.table) {
            return;
        }
        for action in &at.actions {
            let ActionKind::RenameTable { to } = &action.kind else {
                continue;
            };
            let new = at.table.renamed(to);
            out.push(
                Finding::new(
                    action.focus,
                    format!(
                        "renaming table {} to {} breaks running app versions at once",
                        at.table.sql(),
                        to.sql()
                    ),
                    "queries using the old name fail as soon as this runs",
                )
                .help("rename it and create a view with the old name in the same transaction; drop the view once the deployed app uses the new name")
                .suggest(keep_old_name_as_view(cx, stmt, &at.table, &new)),
            );
        }
    }
}
