//! `vacuum-full`: `VACUUM FULL` rewrites tables under an ACCESS EXCLUSIVE lock.

use super::sql::step;
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ident::QualifiedName;
use crate::ir::{Op, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct VacuumFull;

static META: RuleMeta = RuleMeta {
    id: "vacuum-full",
    default_severity: Severity::Error,
    summary: "VACUUM FULL rewrites a table under an ACCESS EXCLUSIVE lock",
    docs: include_str!("../../rules/vacuum-full.md"),
    once_per_file: false,
};

impl Rule for VacuumFull {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::VACUUM
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Op::Vacuum { full: true, tables } = &stmt.op else {
            return;
        };
        if !tables.is_empty() && tables.iter().all(|t| cx.is_new_table(t)) {
            return;
        }
        let lock = locks::vacuum(true);
        let what = if tables.is_empty() {
            "every table of the database".to_string()
        } else {
            tables
                .iter()
                .map(QualifiedName::sql)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let plain = if tables.is_empty() {
            vec!["VACUUM;".to_string()]
        } else {
            tables
                .iter()
                .map(|t| format!("VACUUM {};", t.sql()))
                .collect()
        };
        out.push(
            Finding::new(
                stmt.keyword_span,
                format!(
                    "VACUUM FULL rewrites {what} under {} lock",
                    lock.mode.with_article()
                ),
                format!("{} until the rewrite ends", lock.mode.blocks_phrase()),
            )
            .help("a plain VACUUM makes dead space reusable without blocking reads or writes; to give space back to the operating system online, use pg_repack or pg_squeeze outside the migration")
            .suggest(Suggestion {
                title: "run a plain VACUUM; shrink files online with pg_repack if needed".into(),
                mechanical: false,
                steps: vec![step(
                    Phase::Backfill,
                    format!(
                        "-- frees dead rows for reuse without blocking reads or writes; it does not shrink the\n-- files: pg_repack or pg_squeeze do that online, outside the migration\n{}",
                        plain.join("\n")
                    ),
                    true,
                )],
            })
            .lock(lock),
        );
    }
}
