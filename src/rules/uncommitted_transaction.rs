//! `uncommitted-transaction`: a `BEGIN` the file never commits or rolls back.

use super::sql::step;
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::Statement;

/// The rule.
pub struct UncommittedTransaction;

static META: RuleMeta = RuleMeta {
    id: "uncommitted-transaction",
    default_severity: Severity::Error,
    summary: "BEGIN without COMMIT or ROLLBACK before the end of the file",
    docs: include_str!("../../rules/uncommitted-transaction.md"),
    once_per_file: false,
};

impl Rule for UncommittedTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _stmt: &Statement, _cx: &Context, _out: &mut Vec<Finding>) {}

    fn check_end(&self, cx: &Context, out: &mut Vec<Finding>) {
        let Some(begin) = cx.transaction_start() else {
            return;
        };
        out.push(
            Finding::new(
                begin,
                "this transaction is never committed: the file ends inside it",
                "opened here; no COMMIT follows",
            )
            .help("end the file with COMMIT; if the migration runner wraps each file in a transaction itself, remove the BEGIN instead")
            .suggest(Suggestion {
                title: "close the transaction at the end of the file".into(),
                mechanical: false,
                steps: vec![step(
                    Phase::Expand,
                    "BEGIN;\n-- the file's statements\nCOMMIT;",
                    false,
                )],
            }),
        );
    }
}
