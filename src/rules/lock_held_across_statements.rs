//! `lock-held-across-statements`: a statement runs while its transaction still holds the
//! lock an earlier statement took that blocks reads of an existing table (ACCESS
//! EXCLUSIVE). Locks last until the transaction ends, so every later statement extends the
//! time that table's traffic waits.

use super::sql::step;
use super::{Rule, RuleMeta};
use crate::context::{Context, HeldLock};
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{Op, Statement};
use crate::locks::Blocked;

/// The rule.
pub struct LockHeldAcrossStatements;

static META: RuleMeta = RuleMeta {
    id: "lock-held-across-statements",
    default_severity: Severity::Warning,
    summary: "a statement runs while its transaction holds a lock that blocks reads of an existing table, taken by an earlier statement",
    docs: include_str!("../../rules/lock-held-across-statements.md"),
    once_per_file: false,
};

impl Rule for LockHeldAcrossStatements {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        // COMMIT and ROLLBACK release the locks: they extend nothing.
        let ends = matches!(stmt.op, Op::Commit | Op::Rollback) && !stmt.in_do_block;
        if !cx.in_transaction_block() || ends {
            return;
        }
        // The transaction's first lock that blocks reads of a table that existed before
        // this file (a new table is nobody's yet).
        let Some(held) = cx
            .held_locks()
            .filter(|h| h.mode.blocks().contains(&Blocked::Reads))
            .filter(|h| !cx.is_new_table(&h.table))
            .min_by_key(|h| h.since_index)
        else {
            return;
        };
        // Once per transaction: at the first statement after the one that took it.
        if cx.statement_index() != held.since_index + 1 {
            return;
        }
        let line = cx.line_of(held.since.start);
        let command = cx.text(stmt.keyword_span).to_uppercase();
        let table = held.table.sql();
        out.push(
            Finding::new(
                stmt.keyword_span,
                format!(
                    "{command} runs while the transaction still holds the {} lock line {line} took on {table}",
                    held.mode.name()
                ),
                format!(
                    "{} of {table} through this and every later statement, until the transaction ends",
                    held.mode.blocks_phrase()
                ),
            )
            .help(format!(
                "commit right after the statement on line {line}, or split the migration there, so that its lock is released before the rest runs"
            ))
            .suggest(suggestion(cx, held, stmt, line)),
        );
    }
}

/// The locking statement on its own, committed; the statements after it in a transaction
/// of their own.
fn suggestion(cx: &Context, held: &HeldLock, stmt: &Statement, line: usize) -> Suggestion {
    let locking = cx.text(held.since).trim();
    let next = cx.text(stmt.span).trim();
    Suggestion {
        title: format!(
            "commit right after the statement on line {line}; run the statements after it in a separate transaction"
        ),
        mechanical: false,
        steps: vec![
            step(Phase::Expand, format!("{locking};"), true),
            step(
                Phase::Expand,
                format!(
                    "-- the statements after line {line}, in a separate transaction (or the next migration)\n{next};"
                ),
                true,
            ),
        ],
    }
}
