//! `transaction-nesting`: `BEGIN` inside an open transaction block is ignored, so the
//! `COMMIT` meant for it ends the outer transaction early.

use super::sql::step;
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{Op, OpKinds, Statement};

/// The rule.
pub struct TransactionNesting;

static META: RuleMeta = RuleMeta {
    id: "transaction-nesting",
    default_severity: Severity::Error,
    summary: "BEGIN inside an open transaction is ignored; the inner COMMIT ends the outer transaction early",
    docs: include_str!("../../rules/transaction-nesting.md"),
    once_per_file: false,
};

impl Rule for TransactionNesting {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::BEGIN
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        if !matches!(stmt.op, Op::Begin) || stmt.in_do_block || !cx.in_explicit_transaction() {
            return;
        }
        out.push(
            Finding::new(
                stmt.span,
                "BEGIN inside an open transaction block is ignored: the COMMIT meant for it commits the outer transaction early",
                "PostgreSQL only warns \"there is already a transaction in progress\"",
            )
            .help("remove this BEGIN and the COMMIT that closes it, so that the statements stay in the outer transaction; to undo part of it on error, use a SAVEPOINT")
            .suggest(Suggestion {
                title: "one transaction; a savepoint where the inner block was".into(),
                mechanical: false,
                steps: vec![step(
                    Phase::Expand,
                    "BEGIN;\n\
                     -- the statements before the inner block\n\
                     SAVEPOINT inner_block;\n\
                     -- the inner block's statements (ROLLBACK TO SAVEPOINT inner_block undoes only them)\n\
                     RELEASE SAVEPOINT inner_block;\n\
                     -- the statements after it\n\
                     COMMIT;",
                    false,
                )],
            }),
        );
    }
}
