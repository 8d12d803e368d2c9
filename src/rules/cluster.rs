//! `cluster`: `CLUSTER` rewrites a table in index order under an ACCESS EXCLUSIVE lock.

use super::sql::step;
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{Op, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct Cluster;

static META: RuleMeta = RuleMeta {
    id: "cluster",
    default_severity: Severity::Error,
    summary: "CLUSTER rewrites a table under an ACCESS EXCLUSIVE lock",
    docs: include_str!("../../rules/cluster.md"),
    once_per_file: false,
};

impl Rule for Cluster {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::CLUSTER
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Op::Cluster { table } = &stmt.op else {
            return;
        };
        if table.as_ref().is_some_and(|t| cx.is_new_table(t)) {
            return;
        }
        let lock = locks::cluster();
        let what = table
            .as_ref()
            .map_or("every previously clustered table".to_string(), |t| t.sql());
        let repack = match table {
            Some(t) => format!(
                "-- pg_repack --table={} --order-by=<the index's columns> <database>",
                t.sql()
            ),
            None => {
                "-- pg_repack --table=<table> --order-by=<the index's columns> <database>".into()
            }
        };
        out.push(
            Finding::new(
                stmt.keyword_span,
                format!("CLUSTER rewrites {what} under {} lock", lock.mode.with_article()),
                format!("{} until the rewrite ends", lock.mode.blocks_phrase()),
            )
            .help("take CLUSTER out of the migration; pg_repack reorders a table online (--order-by) and locks it only for a short swap")
            .suggest(Suggestion {
                title: "reorder the table online with pg_repack, outside the migration".into(),
                mechanical: false,
                steps: vec![
                    step(
                        Phase::Expand,
                        "-- pg_repack needs its extension in the database\nCREATE EXTENSION IF NOT EXISTS pg_repack;",
                        true,
                    ),
                    step(
                        Phase::Backfill,
                        format!("-- run from a shell, as a maintenance job at a quiet time:\n{repack}"),
                        true,
                    ),
                ],
            })
            .lock(lock),
        );
    }
}
