//! The foundation rules: where they fire (rule, line, column, underlined words) and where
//! they stay quiet.

mod common;
use common::{Seen, errors, lint, of};

fn seen(rule: &'static str, line: usize, column: usize, text: &str) -> Seen {
    Seen {
        rule,
        line,
        column,
        text: text.to_string(),
    }
}

#[test]
fn set_not_null_points_at_the_words() {
    let sql = "-- contact is required now\nALTER TABLE \"tenant_accounts\" ALTER COLUMN \"primary_contact\" SET NOT NULL;\n";
    assert_eq!(
        of("set-not-null", sql),
        vec![seen("set-not-null", 2, 62, "SET NOT NULL")]
    );
}

#[test]
fn set_not_null_column_counts_characters_after_multibyte_names() {
    let sql = "ALTER TABLE \"café_ünïcode\" ALTER COLUMN \"名前\" SET NOT NULL;";
    assert_eq!(
        of("set-not-null", sql),
        vec![seen("set-not-null", 1, 46, "SET NOT NULL")]
    );
}

#[test]
fn set_not_null_quiet_on_new_table_and_after_validated_check() {
    assert!(
        of(
            "set-not-null",
            "CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;"
        )
        .is_empty()
    );
    assert!(of(
        "set-not-null",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;"
    )
    .is_empty());
    // NOT VALID alone does not prove anything yet.
    assert_eq!(
        of(
            "set-not-null",
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;"
        )
        .len(),
        1
    );
}

#[test]
fn identifiers_compare_the_postgresql_way() {
    // Unquoted names fold; "public" is the default schema.
    let sql = "CREATE TABLE \"public\".\"users\" (email text);\nALTER TABLE USERS ALTER COLUMN email SET NOT NULL;\nCREATE INDEX i ON public.users (email);";
    assert!(lint(sql).is_empty(), "{:?}", lint(sql));
    // A quoted mixed-case name is another table.
    let sql =
        "CREATE TABLE \"Users\" (email text);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;";
    assert_eq!(of("set-not-null", sql).len(), 1);
    // Another schema is another table.
    let sql =
        "CREATE TABLE app.users (email text);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;";
    assert_eq!(of("set-not-null", sql).len(), 1);
}

#[test]
fn create_index_fires_without_concurrently() {
    let sql = "SELECT 1;\n  CREATE UNIQUE INDEX IF NOT EXISTS users_email_idx ON users (email);";
    assert_eq!(
        of("create-index-non-concurrently", sql),
        vec![seen(
            "create-index-non-concurrently",
            2,
            3,
            "CREATE UNIQUE INDEX IF NOT EXISTS users_email_idx ON users"
        )]
    );
}

#[test]
fn create_index_quiet_when_safe() {
    for sql in [
        "CREATE INDEX CONCURRENTLY i ON users (email);",
        "CREATE TABLE users (email text);\nCREATE INDEX i ON users (email);",
        "-- CREATE INDEX i ON users (email);\nSELECT 1;",
        "/* CREATE INDEX i ON users (email); */ SELECT 1;",
        "SELECT 'CREATE INDEX i ON users (email);';",
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CREATE INDEX i ON users (email); END $$;",
    ] {
        assert!(of("create-index-non-concurrently", sql).is_empty(), "{sql}");
    }
}

#[test]
fn create_index_suggestion_puts_concurrently_before_if_not_exists() {
    let sql = "CREATE UNIQUE INDEX IF NOT EXISTS \"i\" ON \"users\" USING btree (\"email\");";
    let (diags, _) = bellows::lint::lint_text(sql, &Default::default());
    let d = diags
        .iter()
        .find(|d| d.rule == "create-index-non-concurrently")
        .unwrap();
    let s = d.finding.suggestion.as_ref().unwrap();
    assert_eq!(
        s.steps[0].sql,
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"i\" ON \"users\" USING btree (\"email\");"
    );
    assert!(s.steps[0].separate_transaction);
}

#[test]
fn drop_column_fires_on_existing_tables_only() {
    let sql = "ALTER TABLE users\n  DROP COLUMN legacy;";
    assert_eq!(
        of("drop-column", sql),
        vec![seen("drop-column", 2, 3, "DROP COLUMN legacy")]
    );
    assert!(
        of(
            "drop-column",
            "CREATE TABLE users (legacy int);\nALTER TABLE users DROP COLUMN legacy;"
        )
        .is_empty()
    );
    assert!(
        of(
            "drop-column",
            "SELECT 'ALTER TABLE users DROP COLUMN legacy';"
        )
        .is_empty()
    );
}

#[test]
fn drop_column_each_action_of_a_multi_action_statement() {
    let sql = "ALTER TABLE users DROP COLUMN a, ADD COLUMN c int, DROP COLUMN b;";
    let found = of("drop-column", sql);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].text, "DROP COLUMN a");
    assert_eq!(found[1].text, "DROP COLUMN b");
    assert_eq!(found[1].column, 52);
}

#[test]
fn ignore_comment_silences_the_named_rule_only() {
    let sql = "-- bellows-ignore drop-column: app deployed without it\nALTER TABLE users DROP COLUMN a;\nALTER TABLE users DROP COLUMN b;";
    let found = of("drop-column", sql);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, 3);
}

#[test]
fn rename_column_fires_and_knows_the_type_declared_earlier() {
    let sql = "ALTER TABLE users RENAME COLUMN name TO full_name;";
    assert_eq!(
        of("rename-column", sql),
        vec![seen(
            "rename-column",
            1,
            19,
            "RENAME COLUMN name TO full_name"
        )]
    );
    // A table created in the same file is new: quiet.
    let sql = "CREATE TABLE users (name varchar(80));\nALTER TABLE users RENAME COLUMN name TO full_name;";
    assert!(of("rename-column", sql).is_empty());
    // A column whose type an earlier statement declared gets that type in the suggestion.
    let sql = "ALTER TABLE users ADD COLUMN nick varchar(80);\nALTER TABLE users RENAME COLUMN nick TO handle;";
    let (diags, _) = bellows::lint::lint_text(sql, &Default::default());
    let d = diags.iter().find(|d| d.rule == "rename-column").unwrap();
    let steps = &d.finding.suggestion.as_ref().unwrap().steps;
    assert_eq!(
        steps[0].sql,
        "ALTER TABLE users ADD COLUMN handle varchar(80);"
    );
}

#[test]
fn concurrently_in_transaction_block() {
    let sql = "BEGIN;\nCREATE INDEX CONCURRENTLY i ON users (email);\nCOMMIT;\nCREATE INDEX CONCURRENTLY j ON users (name);";
    assert_eq!(
        of("concurrently-in-transaction", sql),
        vec![seen("concurrently-in-transaction", 2, 14, "CONCURRENTLY")]
    );
    let sql = "START TRANSACTION;\nDROP INDEX CONCURRENTLY i;\nEND;";
    assert_eq!(of("concurrently-in-transaction", sql).len(), 1);
    let sql = "BEGIN;\nROLLBACK;\nCREATE INDEX CONCURRENTLY i ON users (email);";
    assert!(of("concurrently-in-transaction", sql).is_empty());
}

#[test]
fn garbage_in_the_middle_does_not_stop_linting() {
    let sql = "ALTER TABLE a DROP COLUMN x;\nthis is not sql at all;\nALTER TABLE b DROP COLUMN y;";
    let found = errors(sql);
    let rules: Vec<_> = found.iter().map(|s| (s.rule, s.line)).collect();
    assert_eq!(
        rules,
        vec![("drop-column", 1), ("parse-error", 2), ("drop-column", 3)]
    );
    assert_eq!(found[1].text, "this");
}

#[test]
fn unterminated_quote_is_a_parse_error_at_its_opening() {
    let sql = "ALTER TABLE a DROP COLUMN x;\nSELECT 'oops;\nALTER TABLE b DROP COLUMN y;";
    let found = errors(sql);
    assert_eq!(found.len(), 2);
    assert_eq!(found[1], seen("parse-error", 2, 8, "'"));
}

#[test]
fn unterminated_dollar_quote_is_a_parse_error_at_its_opening() {
    let sql = "DO $body$ BEGIN PERFORM 1; END";
    assert_eq!(errors(sql), vec![seen("parse-error", 1, 4, "$body$")]);
}
