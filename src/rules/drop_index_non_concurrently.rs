//! `drop-index-non-concurrently`: `DROP INDEX` without `CONCURRENTLY` takes an ACCESS
//! EXCLUSIVE lock on the index's table.

use super::sql::{outside_transaction, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ident::QualifiedName;
use crate::ir::{ObjectKind, Op, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct DropIndexNonConcurrently;

static META: RuleMeta = RuleMeta {
    id: "drop-index-non-concurrently",
    default_severity: Severity::Error,
    summary: "DROP INDEX without CONCURRENTLY locks the index's table against reads and writes",
    docs: include_str!("../../rules/drop-index-non-concurrently.md"),
    once_per_file: false,
};

impl Rule for DropIndexNonConcurrently {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::DROP
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Op::Drop(d) = &stmt.op else { return };
        if d.kind != ObjectKind::Index || stmt.concurrently.is_some() {
            return;
        }
        // An index on a table created in this file locks nobody out.
        let on_new_table =
            |i: &QualifiedName| cx.table_of_index(i).is_some_and(|t| cx.is_new_table(t));
        if d.names.iter().all(on_new_table) {
            return;
        }
        let lock = locks::drop_index(false);
        let names = d.names.iter().map(QualifiedName::sql).collect::<Vec<_>>();
        let table = match d.names.as_slice() {
            [one] => cx
                .table_of_index(one)
                .map_or("its table".to_string(), QualifiedName::sql),
            _ => "their tables".to_string(),
        };
        let mut help = String::from(
            "drop it with DROP INDEX CONCURRENTLY, which waits for running queries instead of blocking new ones; it takes one index per statement and cannot run inside a transaction block",
        );
        let (where_to, _) = outside_transaction(cx, stmt, "");
        help.push_str(&where_to);
        if d.cascade {
            help.push_str("; CONCURRENTLY cannot CASCADE: drop the dependent objects first");
        }
        let if_exists = if d.if_exists { "IF EXISTS " } else { "" };
        out.push(
            Finding::new(
                stmt.keyword_span,
                format!(
                    "DROP INDEX {} takes {} lock on {table}",
                    names.join(", "),
                    lock.mode.with_article()
                ),
                format!(
                    "{} on the table while it waits for running queries and drops",
                    lock.mode.blocks_phrase()
                ),
            )
            .help(help)
            .suggest(Suggestion {
                title: "drop each index concurrently, in its own migration outside a transaction"
                    .into(),
                mechanical: !d.cascade,
                steps: names
                    .iter()
                    .map(|n| {
                        let sql = format!("DROP INDEX CONCURRENTLY {if_exists}{n};");
                        step(Phase::Contract, outside_transaction(cx, stmt, &sql).1, true)
                    })
                    .collect(),
            })
            .lock(lock),
        );
    }
}
