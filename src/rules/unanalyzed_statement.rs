//! `unanalyzed-statement`: a statement that could lock or break something, and that neither
//! sqlparser nor the token fallback could read, so no other rule checked it.

use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{Origin, Statement};

/// The rule.
pub struct UnanalyzedStatement;

static META: RuleMeta = RuleMeta {
    id: "unanalyzed-statement",
    default_severity: Severity::Warning,
    summary: "a statement that could lock or break something and that bellows could not read",
    docs: include_str!("../../rules/unanalyzed-statement.md"),
    once_per_file: false,
};

impl Rule for UnanalyzedStatement {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, _cx: &Context, out: &mut Vec<Finding>) {
        let Origin::Unanalyzed { command } = &stmt.origin else {
            return;
        };
        if !could_matter(command) {
            return;
        }
        out.push(
            Finding::new(
                stmt.keyword_span,
                format!("bellows could not read this {command} statement: its locks and its effect on running apps were not checked"),
                "not analysed",
            )
            .help("review it by hand, then record that with `-- bellows-ignore unanalyzed-statement: <what you checked>`; please report the statement so bellows learns to read it"),
        );
    }
}

/// True when a PostgreSQL command (as the command classifier names it: `ALTER TABLE`,
/// `GRANT`) could take a lock that blocks the application, rewrite or scan a table, change
/// or delete data, or take away something running app versions use. Commands that can do
/// none of that (access control, comments, session settings, reads, creating routines,
/// policies and other objects nothing uses yet, role management) return false. A command not
/// listed as harmless counts as one that could matter.
fn could_matter(command: &str) -> bool {
    let (verb, object) = command.split_once(' ').unwrap_or((command, ""));
    match verb {
        // Tables, their data, and what applications query or call by name.
        "CREATE" => matches!(
            object,
            "INDEX" | "TABLE" | "FOREIGN TABLE" | "TRIGGER" | "RULE"
        ),
        "ALTER" => matches!(
            object,
            "TABLE"
                | "FOREIGN TABLE"
                | "INDEX"
                | "SEQUENCE"
                | "TYPE"
                | "DOMAIN"
                | "VIEW"
                | "MATERIALIZED VIEW"
                | "SCHEMA"
                | "TRIGGER"
                | "RULE"
        ),
        "DROP" => !matches!(
            object,
            "POLICY"
                | "ROLE"
                | "USER"
                | "GROUP"
                | "USER MAPPING"
                | "PUBLICATION"
                | "SUBSCRIPTION"
                | "EVENT TRIGGER"
                | "STATISTICS"
                | "TABLESPACE"
                | "ACCESS METHOD"
                | "CAST"
                | "COLLATION"
                | "CONVERSION"
                | "OPERATOR"
                | "OPERATOR CLASS"
                | "OPERATOR FAMILY"
                | "LANGUAGE"
                | "TRANSFORM"
                | "SERVER"
                | "FOREIGN DATA WRAPPER"
                | "TEXT SEARCH CONFIGURATION"
                | "TEXT SEARCH DICTIONARY"
                | "TEXT SEARCH PARSER"
                | "TEXT SEARCH TEMPLATE"
        ),
        // Access control, documentation, session state, reads, plain inserts and loads,
        // transaction control, and DO blocks (whose bodies are read statement by statement).
        "GRANT" | "REVOKE" | "COMMENT" | "SECURITY" | "REASSIGN" | "ANALYZE" | "ANALYSE"
        | "SELECT" | "VALUES" | "TABLE" | "SHOW" | "SET" | "RESET" | "DISCARD" | "LISTEN"
        | "NOTIFY" | "UNLISTEN" | "LOAD" | "PREPARE" | "DEALLOCATE" | "DECLARE" | "FETCH"
        | "MOVE" | "CLOSE" | "CHECKPOINT" | "BEGIN" | "START" | "COMMIT" | "END" | "ROLLBACK"
        | "ABORT" | "SAVEPOINT" | "RELEASE" | "INSERT" | "COPY" | "IMPORT" | "DO" => false,
        // CLUSTER, REINDEX, VACUUM, LOCK, TRUNCATE, UPDATE, DELETE, MERGE, REFRESH, CALL,
        // EXECUTE, EXPLAIN (ANALYZE runs the statement), WITH (may modify data), and
        // anything new.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::could_matter;

    #[test]
    fn commands_that_can_lock_or_break_something_matter() {
        for c in [
            "ALTER TABLE",
            "CREATE INDEX",
            "DROP INDEX",
            "REINDEX",
            "CLUSTER",
            "VACUUM",
            "LOCK",
            "TRUNCATE",
            "UPDATE",
            "DELETE",
            "REFRESH",
            "ALTER TYPE",
            "DROP FUNCTION",
            "DROP OWNED",
            "ALTER VIEW",
            "CALL",
        ] {
            assert!(could_matter(c), "{c}");
        }
    }

    #[test]
    fn commands_that_cannot_stay_quiet() {
        for c in [
            "GRANT",
            "REVOKE",
            "COMMENT",
            "SECURITY",
            "CREATE FUNCTION",
            "ALTER FUNCTION",
            "CREATE PROCEDURE",
            "CREATE POLICY",
            "ALTER DEFAULT PRIVILEGES",
            "ANALYZE",
            "SELECT",
            "CREATE ROLE",
            "ALTER USER",
            "DROP EVENT TRIGGER",
            "CREATE EXTENSION",
            "DO",
        ] {
            assert!(!could_matter(c), "{c}");
        }
    }
}
