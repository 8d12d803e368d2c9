//! `truncate-table`: `TRUNCATE` deletes every row running app versions read and write.

use super::sql::{contract_later, own_statement};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{Op, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct TruncateTable;

static META: RuleMeta = RuleMeta {
    id: "truncate-table",
    default_severity: Severity::Error,
    summary: "TRUNCATE deletes every row of a table running app versions still use",
    docs: include_str!("../../rules/truncate-table.md"),
    once_per_file: false,
};

impl Rule for TruncateTable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::TRUNCATE
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Op::Truncate { tables } = &stmt.op else {
            return;
        };
        for table in tables {
            // Only a table created in this file is known to be empty.
            if cx.is_new_table(table) {
                continue;
            }
            let object = format!("table {}", table.sql());
            out.push(
                Finding::new(
                    table.span(),
                    format!("TRUNCATE deletes every row of {object} that running app versions still read and write"),
                    "every row is gone once this commits",
                )
                .help(format!("make sure no running app version needs the rows (copy them elsewhere if they matter) and acknowledge the TRUNCATE; to empty a busy table without its {} lock, DELETE in batches instead", locks::truncate().mode.name()))
                .suggest(contract_later(META.id, &object, &own_statement(cx, stmt))),
            );
        }
    }
}
