//! Building blocks for suggested SQL, in the user's own names and quoting.

use crate::context::{Context, TransactionSource};
use crate::diagnostic::{Phase, Step, Suggestion};
use crate::ident::{Name, QualifiedName, first_free, make_object_name, render_like};
use crate::ir::Statement;
use crate::source::Span;

/// Rows per backfill batch: small enough that each batch's row locks are short-lived.
pub const BATCH_SIZE: usize = 1000;

/// `ALTER TABLE <table> <rest>;`
pub fn alter_table(table: &QualifiedName, rest: &str) -> String {
    format!("ALTER TABLE {} {rest};", table.sql())
}

/// A name built the way PostgreSQL names the constraints, indexes and sequences it creates
/// (`makeObjectName`): `<table>_<columns>_<label>` (`orders_user_id_fkey`), cut to fit 63
/// bytes. Not quoted: pass it to [`free_name`].
pub fn pg_name(table: &str, columns: &[String], label: &str) -> String {
    make_object_name(table, &columns.join("_"), label)
}

/// A name for a constraint, index or sequence a suggestion adds to `table` (or, for an
/// index, names in `table`'s schema): `base`, or when the catalog knows a relation or a
/// constraint of that schema by that name, the first free of `base_1`, `base_2`, …; quoted
/// the way `like` is.
pub fn free_name(cx: &Context, table: &QualifiedName, base: &str, like: &Name) -> String {
    let schema = table.key().schema;
    render_like(
        &first_free(base, |n| cx.catalog().name_in_use(&schema, n)),
        like,
    )
}

/// A name for a column a suggestion adds to `table`: `base`, or when the catalog knows a
/// column of `table` by that name, the first free of `base_1`, `base_2`, …; quoted the way
/// `like` is.
pub fn free_column_name(cx: &Context, table: &QualifiedName, base: &str, like: &Name) -> String {
    render_like(
        &first_free(base, |n| cx.catalog().column_in_use(table, n)),
        like,
    )
}

/// A SQL string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// One batch of a backfill, to repeat until it updates no row, each batch in its own
/// transaction: `pending` must select exactly the rows not yet done. Rows are picked by
/// `ctid`, which every table has, so no key needs to be known.
pub fn batched_update(table: &QualifiedName, set: &str, pending: &str) -> String {
    let t = table.sql();
    format!(
        "-- repeat until it updates 0 rows, each run in its own transaction\n\
         UPDATE {t} SET {set} WHERE ctid IN (SELECT ctid FROM {t} WHERE {pending} LIMIT {BATCH_SIZE});"
    )
}

/// The steps that make `column` NOT NULL without holding ACCESS EXCLUSIVE through a scan:
/// a NOT VALID CHECK, its validation under SHARE UPDATE EXCLUSIVE, and, on PostgreSQL 12+
/// (`can_skip_scan`), SET NOT NULL, which the validated CHECK lets skip its scan.
pub fn not_null_steps(
    cx: &Context,
    table: &QualifiedName,
    column: &Name,
    can_skip_scan: bool,
) -> Vec<Step> {
    let constraint = free_name(
        cx,
        table,
        &format!("{}_{}_not_null", table.display_name(), column.folded()),
        column,
    );
    let mut steps = vec![
        step(
            Phase::Expand,
            alter_table(
                table,
                &format!(
                    "ADD CONSTRAINT {constraint} CHECK ({} IS NOT NULL) NOT VALID",
                    column.sql()
                ),
            ),
            true,
        ),
        step(
            Phase::Backfill,
            alter_table(table, &format!("VALIDATE CONSTRAINT {constraint}")),
            true,
        ),
    ];
    if can_skip_scan {
        steps.push(step(
            Phase::Contract,
            format!(
                "{}\n{}",
                alter_table(
                    table,
                    &format!("ALTER COLUMN {} SET NOT NULL", column.sql())
                ),
                alter_table(table, &format!("DROP CONSTRAINT {constraint}"))
            ),
            true,
        ));
    }
    steps
}

/// The two steps that add a UNIQUE or PRIMARY KEY constraint (`kind`) without building its
/// index under ACCESS EXCLUSIVE: build the unique index concurrently (outside any
/// transaction block), then attach it as the constraint, which is a catalog change.
pub fn index_then_constraint(
    table: &QualifiedName,
    name: &str,
    columns: &[Name],
    kind: &str,
) -> [Step; 2] {
    let cols = columns.iter().map(Name::sql).collect::<Vec<_>>().join(", ");
    [
        step(
            Phase::Expand,
            format!(
                "CREATE UNIQUE INDEX CONCURRENTLY {name} ON {} ({cols});",
                table.sql()
            ),
            true,
        ),
        step(
            Phase::Contract,
            alter_table(
                table,
                &format!("ADD CONSTRAINT {name} {kind} USING INDEX {name}"),
            ),
            true,
        ),
    ]
}

/// The text of `outer` with `inner` cut out and white space tidied: an `ADD COLUMN` without
/// one of its inline constraints.
pub fn text_without(cx: &Context, outer: Span, inner: Span) -> String {
    let before = cx.text(Span::new(outer.start, inner.start.max(outer.start)));
    let after = cx.text(Span::new(inner.end.min(outer.end), outer.end));
    format!("{before} {after}")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where a statement that must run outside a transaction block now stands, and what to
/// do about it: the sentence to add to the help, and the migration to write instead of
/// `sql` (the runner's opt-out, when the runner wraps the statement in its transaction).
pub fn outside_transaction(cx: &Context, stmt: &Statement, sql: &str) -> (String, String) {
    if stmt.in_do_block {
        return (
            ", nor inside a DO block, so move it out of this one".into(),
            sql.to_string(),
        );
    }
    match cx.transaction_source() {
        Some(TransactionSource::Explicit) => (
            ", so move it out of this BEGIN … COMMIT block".into(),
            sql.to_string(),
        ),
        Some(TransactionSource::Runner) => (
            format!(": {}", cx.runner().opt_out()),
            cx.runner().standalone_migration(sql),
        ),
        None => (String::new(), sql.to_string()),
    }
}

/// The expand/contract swap of column `old` for column `new` of `table`: `add` creates the
/// new column, the app writes both, `backfill` copies the rows in batches, the app switches
/// to the new column, and the old one is dropped (acknowledged for `drop-column`).
pub fn column_swap(
    table: &QualifiedName,
    old: &str,
    new: &str,
    add: String,
    backfill: String,
) -> Suggestion {
    Suggestion {
        title: "expand/contract: new column, dual writes, batched backfill, switch reads, drop"
            .into(),
        mechanical: false,
        steps: vec![
            step(Phase::Expand, add, true),
            app_step(&[&format!(
                "Deploy an app version that writes both {old} and {new} (or add a trigger that copies {old} into {new})."
            )]),
            step(Phase::Backfill, backfill, true),
            app_step(&[&format!(
                "Deploy an app version that reads and writes only {new}."
            )]),
            step(
                Phase::Contract,
                acknowledged(
                    "drop-column",
                    &format!("the deployed app uses {new} instead"),
                    &alter_table(table, &format!("DROP COLUMN {old}")),
                ),
                true,
            ),
        ],
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::read_statements;
    use crate::pg_version::PgVersion;

    fn bare() -> Name {
        Name::new("x", false, Span::default())
    }

    #[test]
    fn free_names_skip_what_the_catalog_knows() {
        let sql = "CREATE TABLE t (a int CONSTRAINT t_a_not_null CHECK (a IS NOT NULL), a_new int);\n\
                   CREATE INDEX t_a_not_null_1 ON t (a);\nSELECT 1;";
        let (_, statements) = read_statements(sql);
        let mut cx = Context::new(sql, PgVersion::DEFAULT);
        for s in &statements {
            cx.apply(s);
        }
        let t = QualifiedName {
            schema: None,
            name: Name::new("t", false, Span::default()),
        };
        let a = Name::new("a", true, Span::default());
        assert_eq!(free_name(&cx, &t, "t_a_not_null", &a), "\"t_a_not_null_2\"");
        assert_eq!(free_name(&cx, &t, "t_b_not_null", &bare()), "t_b_not_null");
        assert_eq!(free_column_name(&cx, &t, "a_new", &bare()), "a_new_1");
        assert_eq!(
            pg_name("orders", &["user_id".into()], "fkey"),
            "orders_user_id_fkey"
        );
    }

    #[test]
    fn literals_double_quotes() {
        assert_eq!(literal("it's"), "'it''s'");
    }
}
