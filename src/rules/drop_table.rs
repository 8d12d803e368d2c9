//! `drop-table`: dropping a table breaks every running app version that still uses it.

use super::sql::{contract_later, own_statement};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{ObjectKind, Op, OpKinds, Statement};

/// The rule.
pub struct DropTable;

static META: RuleMeta = RuleMeta {
    id: "drop-table",
    default_severity: Severity::Error,
    summary: "DROP TABLE breaks running app versions that still use the table, and its rows are gone",
    docs: include_str!("../../rules/drop-table.md"),
    once_per_file: false,
};

impl Rule for DropTable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::DROP
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Op::Drop(drop) = &stmt.op else { return };
        if drop.kind != ObjectKind::Table {
            return;
        }
        for table in &drop.names {
            // A table created (or renamed to this name) earlier in the file: no deployed app
            // knows it. A table re-created later is still flagged: its rows are lost.
            if cx.is_new_object(ObjectKind::Table, table) {
                continue;
            }
            let object = format!("table {}", table.sql());
            out.push(
                Finding::new(
                    table.span(),
                    format!(
                        "dropping {object} breaks every running app version that still uses it, and its rows are gone"
                    ),
                    "queries on this table fail as soon as this runs",
                )
                .help("stop using the table in the app and deploy that first; drop it in a later migration (keep a backup if the rows matter)")
                .suggest(contract_later(META.id, &object, &own_statement(cx, stmt))),
            );
        }
    }
}
