//! Building blocks for suggested SQL, in the user's own names and quoting.

use crate::diagnostic::{Phase, Step};
use crate::ident::{Name, QualifiedName, render_like, truncate_identifier};

/// `ALTER TABLE <table> <rest>;`
pub fn alter_table(table: &QualifiedName, rest: &str) -> String {
    format!("ALTER TABLE {} {rest};", table.sql())
}

/// A new identifier built from parts (`users_email_not_null`), cut to 63 bytes and quoted
/// the way `like` is.
pub fn new_name(parts: &[&str], like: &Name) -> String {
    render_like(&truncate_identifier(&parts.join("_")), like)
}

/// A step.
pub fn step(phase: Phase, sql: impl Into<String>, separate_transaction: bool) -> Step {
    Step {
        phase,
        sql: sql.into(),
        separate_transaction,
    }
}

/// An app-side step: prose as SQL comments, one per line.
pub fn app_step(lines: &[&str]) -> Step {
    let sql = lines
        .iter()
        .map(|l| format!("-- {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    step(Phase::App, sql, true)
}

/// The ignore comment a contract step carries once the app no longer needs the old object,
/// so that the planned drop does not fail the linter again.
pub fn acknowledged(rule: &str, reason: &str, sql: &str) -> String {
    format!("-- bellows-ignore {rule}: {reason}\n{sql}")
}
