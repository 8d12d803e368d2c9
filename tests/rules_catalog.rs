//! Rules that read the catalog: what earlier statements say about the schema. Until the
//! engine walks a migrations folder with one context, "an earlier migration" is simulated
//! by statements earlier in the same text, on a table the text does not create (so that it
//! counts as an existing table).

mod common;

use bellows::catalog::UnitId;
use bellows::context::Context;
use bellows::diagnostic::Finding;
use bellows::ident::{Name, QualifiedName};
use bellows::lint::{Settings, lint_text, read_statements};
use bellows::pg_version::PgVersion;
use bellows::report::render_suggestion;
use bellows::source::Span;
use common::of;

/// The findings of `rule` in `sql`.
fn found(rule: &str, sql: &str) -> Vec<Finding> {
    lint_text(sql, &Settings::default())
        .0
        .into_iter()
        .filter(|d| d.rule == rule)
        .map(|d| d.finding)
        .collect()
}

/// The only finding of `rule` in `sql`.
fn one(rule: &str, sql: &str) -> Finding {
    let mut f = found(rule, sql);
    assert_eq!(f.len(), 1, "{rule} in {sql}: {f:#?}");
    f.remove(0)
}

/// Two migration files, the first adding column `c` of `old` type to an existing table, the
/// second changing it to `new`, as one text.
fn widen(old: &str, new: &str) -> String {
    format!(
        "-- 0001_add_code.sql\nALTER TABLE accounts ADD COLUMN code {old};\n\
         -- 0002_change_code.sql\nALTER TABLE accounts ALTER COLUMN code TYPE {new};\n"
    )
}

#[test]
fn binary_coercible_type_changes_from_a_known_type_are_quiet() {
    for (old, new) in [
        ("varchar(50)", "varchar(100)"),
        ("varchar(50)", "varchar"),
        ("varchar(50)", "text"),
        ("character varying(20)", "TEXT"),
        ("text", "varchar"),
        ("numeric(10, 2)", "numeric(12, 2)"),
        ("numeric(10, 2)", "numeric"),
        ("varbit(8)", "bit varying(16)"),
        ("cidr", "inet"),
        ("integer", "int4"),
        ("mood", "public.mood"),
        ("\"Mood\"", "\"public\".\"Mood\""),
    ] {
        let sql = widen(old, new);
        assert!(of("change-column-type", &sql).is_empty(), "{old} -> {new}");
    }
}

#[test]
fn rewriting_type_changes_are_still_flagged() {
    for (old, new) in [
        ("int", "bigint"),
        ("varchar(100)", "varchar(50)"),
        ("varchar", "varchar(50)"),
        ("text", "varchar(50)"),
        ("text", "int"),
        ("numeric(10, 2)", "numeric(12, 4)"),
        ("numeric", "numeric(10, 2)"),
        ("inet", "cidr"),
        ("varchar(10)[]", "varchar(20)[]"),
        ("mood", "text"),
    ] {
        let f = one("change-column-type", &widen(old, new));
        // The old type as bellows prints types: lower case, no spaces between modifiers.
        let from = format!("from {}", old.replace(", ", ","));
        assert!(f.message.contains(&from), "{old} -> {new}: {}", f.message);
    }
}

#[test]
fn timestamp_to_timestamptz_is_flagged_with_the_time_zone_caveat() {
    let f = one("change-column-type", &widen("timestamp", "timestamptz"));
    assert!(
        f.help.as_deref().unwrap_or("").contains("TimeZone"),
        "{f:#?}"
    );
}

#[test]
fn a_using_clause_is_flagged_even_when_the_types_are_coercible() {
    let sql = widen("varchar(50)", "varchar(100) USING code::varchar(100)");
    assert_eq!(found("change-column-type", &sql).len(), 1);
}

#[test]
fn an_unknown_old_type_is_flagged_as_before() {
    let sql = "ALTER TABLE accounts ALTER COLUMN code TYPE varchar(100);";
    let f = one("change-column-type", sql);
    assert_eq!(
        f.message,
        "changing the type of code to varchar(100) rewrites accounts under an ACCESS EXCLUSIVE lock"
    );
    assert!(
        f.help
            .as_deref()
            .unwrap_or("")
            .contains("does not know the current type of code")
    );
}

#[test]
fn a_rewrite_names_the_indexes_it_rebuilds() {
    let sql = "ALTER TABLE accounts ADD COLUMN code int;\n\
               CREATE INDEX CONCURRENTLY accounts_code_idx ON accounts (code);\n\
               CREATE UNIQUE INDEX CONCURRENTLY ON accounts (lower(code::text), id);\n\
               ALTER TABLE accounts ALTER COLUMN code TYPE bigint;";
    let f = one("change-column-type", sql);
    assert_eq!(
        f.message,
        "changing the type of code from int to bigint rewrites accounts and rebuilds indexes \
         accounts_code_idx, accounts_lower_id_idx under an ACCESS EXCLUSIVE lock"
    );
}

#[test]
fn the_new_column_of_the_suggestion_is_a_free_name() {
    let sql = "ALTER TABLE accounts ADD COLUMN code int, ADD COLUMN code_new text;\n\
               ALTER TABLE accounts ALTER COLUMN code TYPE bigint;";
    let text = render_suggestion(one("change-column-type", sql).suggestion.as_ref().unwrap());
    assert!(
        text.contains("ALTER TABLE accounts ADD COLUMN code_new_1 bigint;"),
        "{text}"
    );
}

#[test]
fn set_not_null_is_quiet_on_a_column_already_not_null() {
    for (sql, findings) in [
        (
            "ALTER TABLE accounts ADD COLUMN code int NOT NULL DEFAULT 0;\n\
             ALTER TABLE accounts ALTER COLUMN code SET NOT NULL;",
            0,
        ),
        (
            "ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);\n\
             ALTER TABLE accounts ALTER COLUMN id SET NOT NULL;",
            0,
        ),
        // The first scans; the second finds the column NOT NULL already.
        (
            "ALTER TABLE accounts ALTER COLUMN code SET NOT NULL;\n\
             ALTER TABLE accounts ALTER COLUMN code SET NOT NULL;",
            1,
        ),
    ] {
        assert_eq!(found("set-not-null", sql).len(), findings, "{sql}");
    }
    // Dropped again: the scan is back.
    let sql = "ALTER TABLE accounts ADD COLUMN code int NOT NULL DEFAULT 0;\n\
               ALTER TABLE accounts ALTER COLUMN code DROP NOT NULL;\n\
               ALTER TABLE accounts ALTER COLUMN code SET NOT NULL;";
    assert_eq!(found("set-not-null", sql).len(), 1);
}

#[test]
fn set_not_null_is_quiet_after_a_check_validated_by_an_earlier_migration() {
    let sql = "-- 0001_expand.sql\n\
               ALTER TABLE accounts ADD CONSTRAINT accounts_email_nn CHECK (email IS NOT NULL) NOT VALID;\n\
               -- 0002_validate.sql\n\
               ALTER TABLE accounts VALIDATE CONSTRAINT accounts_email_nn;\n\
               -- 0003_contract.sql\n\
               ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n";
    assert!(of("set-not-null", sql).is_empty());
    // Renamed since: the catalog follows the table.
    let sql = sql.replace(
        "-- 0003_contract.sql\n",
        "ALTER TABLE accounts RENAME TO members;\n",
    );
    let sql = sql.replace(
        "ALTER TABLE accounts ALTER COLUMN email",
        "ALTER TABLE members ALTER COLUMN email",
    );
    assert!(of("set-not-null", &sql).is_empty(), "{sql}");
    // Not validated: flagged.
    let sql = "ALTER TABLE accounts ADD CONSTRAINT accounts_email_nn CHECK (email IS NOT NULL) NOT VALID;\n\
               ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n";
    assert_eq!(of("set-not-null", sql).len(), 1);
}

#[test]
fn invented_names_skip_the_names_the_catalog_knows() {
    // A constraint already has the name the suggestion would use.
    let sql = "ALTER TABLE accounts ADD CONSTRAINT accounts_email_not_null CHECK (length(email) > 3);\n\
               ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;";
    let text = render_suggestion(one("set-not-null", sql).suggestion.as_ref().unwrap());
    assert!(
        text.contains(
            "ADD CONSTRAINT accounts_email_not_null_1 CHECK (email IS NOT NULL) NOT VALID"
        ),
        "{text}"
    );
    // An index already has the name of the unique index to build.
    let sql = "CREATE INDEX CONCURRENTLY accounts_email_key ON accounts (email);\n\
               ALTER TABLE accounts ADD UNIQUE (email);";
    let text = render_suggestion(
        one("add-unique-constraint", sql)
            .suggestion
            .as_ref()
            .unwrap(),
    );
    assert!(
        text.contains("CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key_1 ON accounts (email);"),
        "{text}"
    );
    // The primary key's name, and a foreign key's.
    let sql = "CREATE INDEX CONCURRENTLY accounts_pkey ON accounts (id);\n\
               ALTER TABLE accounts ADD PRIMARY KEY (id);";
    let text = render_suggestion(one("add-primary-key", sql).suggestion.as_ref().unwrap());
    assert!(
        text.contains("ADD CONSTRAINT accounts_pkey_1 PRIMARY KEY USING INDEX accounts_pkey_1"),
        "{text}"
    );
    let sql = "ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey CHECK (user_id > 0);\n\
               ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);";
    let f = one("add-foreign-key-validating", sql);
    assert!(f.message.contains("orders_user_id_fkey_1"), "{}", f.message);
}

#[test]
fn rename_column_suggests_the_type_an_earlier_migration_gave() {
    let sql = "-- 0001.sql\nALTER TABLE users ADD COLUMN nick varchar(80) NOT NULL DEFAULT '';\n\
               -- 0002.sql\nALTER TABLE users RENAME COLUMN nick TO handle;";
    let text = render_suggestion(one("rename-column", sql).suggestion.as_ref().unwrap());
    assert!(
        text.contains("ALTER TABLE users ADD COLUMN handle varchar(80);"),
        "{text}"
    );
}

fn table(name: &str) -> QualifiedName {
    QualifiedName {
        schema: None,
        name: Name::new(name, false, Span::default()),
    }
}

#[test]
fn the_context_records_which_unit_created_a_table() {
    // The engine calls `begin_unit` before each migration unit's statements.
    let sql = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nALTER TABLE c ADD COLUMN x int;";
    let (_, statements) = read_statements(sql);
    let mut cx = Context::new(sql, PgVersion::DEFAULT);
    for (unit, stmt) in statements.iter().enumerate() {
        cx.begin_unit(UnitId(unit));
        cx.apply(stmt);
    }
    let catalog = cx.catalog();
    assert_eq!(catalog.created_in(&table("a")), Some(UnitId(0)));
    assert_eq!(catalog.created_in(&table("b")), Some(UnitId(1)));
    // Known to exist, created before the migrations read.
    assert_eq!(catalog.table_exists(&table("c")), Some(true));
    assert_eq!(catalog.created_in(&table("c")), None);
    assert_eq!(catalog.table_exists(&table("d")), None);
}
