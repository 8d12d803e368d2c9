//! `concurrently-in-transaction`: a `… CONCURRENTLY` statement inside a transaction block
//! fails (SQLSTATE 25001).

use super::sql::step;
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::Statement;

/// The rule.
pub struct ConcurrentlyInTransaction;

static META: RuleMeta = RuleMeta {
    id: "concurrently-in-transaction",
    default_severity: Severity::Error,
    summary: "a CONCURRENTLY statement inside a transaction block fails",
    docs: include_str!("../../rules/concurrently-in-transaction.md"),
    once_per_file: false,
};

impl Rule for ConcurrentlyInTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Some(at) = stmt.concurrently else { return };
        if !cx.in_transaction_block() {
            return;
        }
        let command = cx.text(stmt.keyword_span).to_uppercase();
        out.push(
            Finding::new(
                at,
                format!("{command} … CONCURRENTLY cannot run inside a transaction block"),
                "PostgreSQL rejects this with SQLSTATE 25001",
            )
            .help("move the statement out of the BEGIN … COMMIT block, into its own migration")
            .suggest(Suggestion {
                title: "run it on its own, outside any transaction block".into(),
                mechanical: false,
                steps: vec![step(
                    Phase::Expand,
                    format!("{};", cx.text(stmt.span)),
                    true,
                )],
            }),
        );
    }
}
