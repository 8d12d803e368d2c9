//! Building blocks for suggested SQL, in the user's own names and quoting.

use crate::context::Context;
use crate::diagnostic::{Phase, Step, Suggestion};
use crate::ident::{Name, QualifiedName, render_like, truncate_identifier};
use crate::ir::Statement;

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

/// The statement `stmt` as the user wrote it, terminated: for steps that run it later.
pub fn own_statement(cx: &Context, stmt: &Statement) -> String {
    format!("{};", cx.text(stmt.span))
}

/// `CREATE VIEW <old> AS SELECT * FROM <new>;`: keeps an old relation name working for running
/// app versions. A view over one table is automatically updatable, so their writes work too.
pub fn compatibility_view(old: &QualifiedName, new: &QualifiedName) -> String {
    format!("CREATE VIEW {} AS SELECT * FROM {};", old.sql(), new.sql())
}

/// The contract sequence for something running app versions still use (`object`, in words:
/// `table "users"`): the app stops using it and is deployed everywhere, then `sql` runs in a
/// later migration, acknowledged for `rule`.
pub fn contract_later(rule: &str, object: &str, sql: &str) -> Suggestion {
    Suggestion {
        title: format!(
            "contract in two deploys: the app stops using {object}, then a later migration runs this"
        ),
        mechanical: false,
        steps: vec![
            app_step(&[
                &format!("Remove every use of {object} from the application"),
                "(ORM models, raw SQL, views and functions that name it) and deploy that version everywhere.",
            ]),
            step(
                Phase::Contract,
                acknowledged(
                    rule,
                    &format!("the deployed app no longer uses {object}"),
                    sql,
                ),
                true,
            ),
        ],
    }
}
