//! `concurrently-in-transaction`: a `… CONCURRENTLY` statement inside a transaction block or
//! a `DO` block fails (SQLSTATE 25001).

use super::sql::step;
use super::{Rule, RuleMeta};
use crate::context::{Context, TransactionSource};
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::Statement;
use crate::layout::Runner;
use crate::locks;

/// The rule.
pub struct ConcurrentlyInTransaction;

static META: RuleMeta = RuleMeta {
    id: "concurrently-in-transaction",
    default_severity: Severity::Error,
    summary: "a CONCURRENTLY statement inside a transaction block or a DO block fails",
    docs: include_str!("../../rules/concurrently-in-transaction.md"),
    once_per_file: false,
};

/// Where the statement stands that makes PostgreSQL refuse it.
enum Enclosing {
    /// An explicit `BEGIN` … `COMMIT` block.
    TransactionBlock,
    /// The transaction the migration runner wraps around the migration.
    Runner(Runner),
    /// A `DO` block: it runs as one statement, like a function, in one transaction.
    DoBlock,
}

impl Rule for ConcurrentlyInTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Some(at) = stmt.concurrently else { return };
        // REFRESH MATERIALIZED VIEW CONCURRENTLY, for one, is allowed in transaction blocks.
        if locks::transactional(stmt, cx.pg_version()) {
            return;
        }
        let enclosing = if stmt.in_do_block {
            Enclosing::DoBlock
        } else {
            match cx.transaction_source() {
                Some(TransactionSource::Explicit) => Enclosing::TransactionBlock,
                Some(TransactionSource::Runner) => Enclosing::Runner(cx.runner()),
                None => return,
            }
        };
        let command = cx.text(stmt.keyword_span).to_uppercase();
        let own = format!("{};", cx.text(stmt.span));
        let (message, label, help, migration) = match enclosing {
            Enclosing::TransactionBlock => (
                format!("{command} … CONCURRENTLY cannot run inside a transaction block"),
                "PostgreSQL rejects this with SQLSTATE 25001",
                "move the statement out of the BEGIN … COMMIT block, into its own migration".to_string(),
                own,
            ),
            Enclosing::Runner(runner) => (
                format!(
                    "{command} … CONCURRENTLY cannot run inside the transaction {} wraps around this migration",
                    runner.name()
                ),
                "PostgreSQL rejects this with SQLSTATE 25001",
                runner.opt_out().to_string(),
                runner.standalone_migration(&own),
            ),
            Enclosing::DoBlock => (
                format!("{command} … CONCURRENTLY cannot run inside a DO block"),
                "PostgreSQL rejects this: it cannot be executed from a function (SQLSTATE 25001)",
                "a DO block runs as one statement in one transaction; move the statement out of the DO block, into its own migration".to_string(),
                own,
            ),
        };
        out.push(
            Finding::new(at, message, label)
                .help(help)
                .suggest(Suggestion {
                    title: "run it on its own, outside any transaction block".into(),
                    mechanical: false,
                    steps: vec![step(Phase::Expand, migration, true)],
                }),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::lint_text;

    fn findings(sql: &str) -> Vec<(String, String)> {
        let (diagnostics, _) = lint_text(sql, &Default::default());
        diagnostics
            .iter()
            .filter(|d| d.rule == "concurrently-in-transaction")
            .map(|d| {
                (
                    d.finding.span.slice(sql).to_string(),
                    d.finding.message.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn concurrently_inside_a_do_block() {
        let sql = "DO $$\nBEGIN\n  DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;\n  EXECUTE 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email)';\nEND $$;\n";
        let found = findings(sql);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "CONCURRENTLY");
        assert_eq!(
            found[0].1,
            "DROP INDEX … CONCURRENTLY cannot run inside a DO block"
        );
        assert_eq!(
            found[1].1,
            "CREATE INDEX … CONCURRENTLY cannot run inside a DO block"
        );
        // The second finding underlines the keyword inside the EXECUTE literal.
        let (diagnostics, _) = lint_text(sql, &Default::default());
        let inner = sql.find("'CREATE").unwrap_or(0);
        assert!(diagnostics.iter().any(|d| d.finding.span.start > inner));
    }

    #[test]
    fn concurrently_in_a_transaction_block_and_outside() {
        let sql = "BEGIN;\nDROP INDEX CONCURRENTLY a_idx;\nCOMMIT;\nDROP INDEX CONCURRENTLY b_idx;\nREINDEX INDEX CONCURRENTLY c_idx;";
        let found = findings(sql);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].1,
            "DROP INDEX … CONCURRENTLY cannot run inside a transaction block"
        );
    }

    #[test]
    fn refresh_concurrently_may_run_in_a_transaction() {
        let sql = "BEGIN;\nREFRESH MATERIALIZED VIEW CONCURRENTLY stats;\nCOMMIT;\nDO $$ BEGIN REFRESH MATERIALIZED VIEW CONCURRENTLY stats; END $$;";
        assert!(findings(sql).is_empty());
    }
}
