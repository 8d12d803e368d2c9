//! The compatibility, type-hygiene, transaction and meta rules, end to end: each raises its
//! id at the expected line and column, stays quiet on the safe forms (objects new in the
//! file, commented-out SQL, SQL in a string or a function body), and is silenced by a
//! `bellows-ignore` comment on its statement.

use bellows::diagnostic::Diagnostic;
use bellows::lint::{Settings, lint_text};
use bellows::pg_version::PgVersion;
use bellows::source::LineIndex;

/// One rule's case: SQL that raises it, where (1-based line and column of the first
/// finding), and SQL that must not raise it.
struct Case {
    rule: &'static str,
    bad: &'static str,
    at: (usize, usize),
    safe: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        rule: "drop-table",
        bad: "SELECT 1;\nDROP TABLE IF EXISTS \"sessions\";",
        at: (2, 22),
        safe: &[
            "CREATE TABLE sessions (id bigint);\nDROP TABLE sessions;",
            "-- bellows-ignore rename-table: test\nALTER TABLE old_sessions RENAME TO sessions;\nDROP TABLE sessions;",
        ],
    },
    Case {
        rule: "rename-table",
        bad: "ALTER TABLE \"customers\" RENAME TO \"accounts\";",
        at: (1, 25),
        safe: &[
            "CREATE TABLE customers (id bigint);\nALTER TABLE customers RENAME TO accounts;",
            "ALTER TABLE customers RENAME TO accounts;\nCREATE VIEW customers AS SELECT * FROM accounts;",
        ],
    },
    Case {
        rule: "truncate-table",
        bad: "TRUNCATE users, orders;",
        at: (1, 10),
        safe: &["CREATE TABLE users (id bigint);\nTRUNCATE users;"],
    },
    Case {
        rule: "drop-schema",
        bad: "DROP SCHEMA reporting CASCADE;",
        at: (1, 13),
        safe: &["CREATE SCHEMA reporting;\nDROP SCHEMA reporting CASCADE;"],
    },
    Case {
        rule: "set-schema",
        bad: "ALTER TABLE orders SET SCHEMA archive;",
        at: (1, 20),
        safe: &[
            "CREATE TABLE orders (id bigint);\nALTER TABLE orders SET SCHEMA archive;",
            "ALTER TABLE orders SET SCHEMA archive;\nCREATE VIEW orders AS SELECT * FROM archive.orders;",
        ],
    },
    Case {
        rule: "set-schema",
        bad: "ALTER TYPE mood SET SCHEMA app;",
        at: (1, 12),
        safe: &["CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood SET SCHEMA app;"],
    },
    Case {
        rule: "set-schema",
        bad: "ALTER FUNCTION score(bigint)\n  SET SCHEMA app;",
        at: (1, 16),
        safe: &[
            "CREATE FUNCTION score(n bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT n $$;\nALTER FUNCTION score(bigint) SET SCHEMA app;",
        ],
    },
    Case {
        rule: "drop-type",
        bad: "DROP TYPE \"Mood\";",
        at: (1, 11),
        safe: &[
            "CREATE TYPE \"Mood\" AS ENUM ('ok');\nDROP TYPE \"Mood\";",
            "CREATE DOMAIN email AS text;\nDROP DOMAIN email;",
            "ALTER TYPE \"Mood\" RENAME TO \"Mood_old\";\nCREATE TYPE \"Mood\" AS ENUM ('ok', 'sad');\nDROP TYPE \"Mood_old\";",
        ],
    },
    Case {
        rule: "drop-view",
        bad: "DROP MATERIALIZED VIEW stats;",
        at: (1, 24),
        safe: &[
            "CREATE MATERIALIZED VIEW stats AS SELECT 1 AS n;\nDROP MATERIALIZED VIEW stats;",
            "DROP VIEW stats;\nCREATE VIEW stats AS SELECT 2 AS n;",
        ],
    },
    Case {
        rule: "drop-function",
        bad: "DROP FUNCTION f(int);",
        at: (1, 15),
        safe: &[
            "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;\nDROP FUNCTION f(int);",
            "DROP FUNCTION f(int);\nCREATE OR REPLACE FUNCTION f(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT a + b $$;",
        ],
    },
    Case {
        rule: "drop-function",
        bad: "DROP PROCEDURE archive_orders;",
        at: (1, 16),
        safe: &[
            "CREATE PROCEDURE archive_orders() LANGUAGE sql AS $$ SELECT 1 $$;\nDROP PROCEDURE archive_orders;",
        ],
    },
    Case {
        rule: "rename-object",
        bad: "ALTER VIEW IF EXISTS v RENAME TO w;",
        at: (1, 22),
        safe: &[
            "CREATE VIEW v AS SELECT 1 AS n;\nALTER VIEW v RENAME TO w;",
            "ALTER VIEW v RENAME TO w;\nCREATE VIEW v AS SELECT * FROM w;",
            "ALTER INDEX i RENAME TO j;",
            "ALTER INDEX IF EXISTS i RENAME TO j;",
        ],
    },
    Case {
        rule: "rename-object",
        bad: "ALTER TYPE status RENAME TO order_status;",
        at: (1, 12),
        safe: &["CREATE TYPE status AS ENUM ('a');\nALTER TYPE status RENAME TO order_status;"],
    },
    Case {
        rule: "rename-object",
        bad: "ALTER SEQUENCE users_id_seq RENAME TO accounts_id_seq;",
        at: (1, 16),
        safe: &[
            "CREATE SEQUENCE users_id_seq;\nALTER SEQUENCE users_id_seq RENAME TO accounts_id_seq;",
        ],
    },
    Case {
        rule: "rename-object",
        bad: "ALTER SCHEMA billing RENAME TO invoicing;",
        at: (1, 14),
        safe: &["CREATE SCHEMA billing;\nALTER SCHEMA billing RENAME TO invoicing;"],
    },
    Case {
        rule: "rename-object",
        bad: "ALTER FUNCTION score(bigint) RENAME TO user_score;",
        at: (1, 16),
        safe: &[],
    },
    Case {
        rule: "drop-not-null",
        bad: "ALTER TABLE t ALTER COLUMN c DROP NOT NULL;",
        at: (1, 30),
        safe: &[
            "CREATE TABLE t (c text NOT NULL);\nALTER TABLE t ALTER COLUMN c DROP NOT NULL;",
            "ALTER TABLE t ADD COLUMN c text NOT NULL DEFAULT '';\nALTER TABLE t ALTER COLUMN c DROP NOT NULL;",
        ],
    },
    Case {
        rule: "drop-default",
        bad: "ALTER TABLE t ALTER COLUMN c DROP DEFAULT;",
        at: (1, 30),
        safe: &[
            "CREATE TABLE t (c text DEFAULT 'x');\nALTER TABLE t ALTER COLUMN c DROP DEFAULT;",
            "ALTER TABLE t ADD COLUMN c text NOT NULL DEFAULT 'x';\nALTER TABLE t ALTER COLUMN c DROP DEFAULT;",
        ],
    },
    Case {
        rule: "prefer-bigint",
        bad: "CREATE TABLE t (\n  id integer PRIMARY KEY\n);",
        at: (2, 6),
        safe: &[
            "CREATE TABLE t (id bigint PRIMARY KEY, quantity integer NOT NULL);",
            "ALTER TABLE t ALTER COLUMN id TYPE integer;",
        ],
    },
    Case {
        rule: "prefer-bigint",
        bad: "CREATE TABLE t (a bigint, b int, FOREIGN KEY (b) REFERENCES u (id));",
        at: (1, 29),
        safe: &[],
    },
    Case {
        rule: "prefer-identity",
        bad: "CREATE TABLE t (id serial PRIMARY KEY);",
        at: (1, 20),
        safe: &["CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);"],
    },
    Case {
        rule: "prefer-text",
        bad: "ALTER TABLE t ADD COLUMN c varchar(10);",
        at: (1, 28),
        safe: &[
            "ALTER TABLE t ADD COLUMN c varchar;",
            "ALTER TABLE t ADD COLUMN c text;",
        ],
    },
    Case {
        rule: "prefer-timestamptz",
        bad: "ALTER TABLE t ALTER COLUMN type TYPE timestamp;",
        at: (1, 38),
        safe: &["ALTER TABLE t ALTER COLUMN c TYPE timestamptz;"],
    },
    Case {
        rule: "prefer-jsonb",
        bad: "CREATE TABLE t (doc json);",
        at: (1, 21),
        safe: &["CREATE TABLE t (doc jsonb);"],
    },
    Case {
        rule: "ban-char-type",
        bad: "CREATE TABLE t (code char(2));",
        at: (1, 22),
        safe: &["CREATE TABLE t (flag \"char\", code text);"],
    },
    Case {
        rule: "transaction-nesting",
        bad: "BEGIN;\nBEGIN;\nCOMMIT;\nCOMMIT;",
        at: (2, 1),
        safe: &[
            "BEGIN;\nCOMMIT;\nBEGIN;\nCOMMIT;",
            "BEGIN;\nSAVEPOINT a;\nRELEASE SAVEPOINT a;\nCOMMIT;",
        ],
    },
    Case {
        rule: "uncommitted-transaction",
        bad: "SELECT 1;\nSTART TRANSACTION;\nSELECT 2;",
        at: (2, 1),
        safe: &["BEGIN;\nSELECT 1;\nCOMMIT;", "BEGIN;\nSELECT 1;\nROLLBACK;"],
    },
    Case {
        rule: "unanalyzed-statement",
        bad: "ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE fast;",
        at: (1, 1),
        safe: &[
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reporting;",
            "COMMENT ON FUNCTION f(int) IS 'nightly';",
        ],
    },
];

fn lint(sql: &str) -> Vec<Diagnostic> {
    lint_text(sql, &Settings::default()).0
}

fn raised(sql: &str, rule: &str) -> Vec<(usize, usize)> {
    let index = LineIndex::new(sql);
    lint(sql)
        .iter()
        .filter(|d| d.rule == rule)
        .map(|d| {
            let p = index.position(sql, d.finding.span.start);
            (p.line, p.column)
        })
        .collect()
}

#[test]
fn each_rule_raises_its_id_at_the_line_and_column() {
    for case in CASES {
        let at = raised(case.bad, case.rule);
        assert_eq!(
            at.first(),
            Some(&case.at),
            "{} on:\n{}\nall findings: {:?}",
            case.rule,
            case.bad,
            lint(case.bad).iter().map(|d| d.rule).collect::<Vec<_>>()
        );
    }
}

#[test]
fn safe_forms_stay_quiet() {
    for case in CASES {
        for sql in case.safe {
            assert!(
                raised(sql, case.rule).is_empty(),
                "{} raised on:\n{sql}",
                case.rule
            );
        }
    }
}

#[test]
fn commented_out_quoted_and_function_body_sql_stays_quiet() {
    for case in CASES {
        let line_comments: String = case.bad.lines().map(|l| format!("-- {l}\n")).collect();
        let wrapped = [
            line_comments,
            format!("/* {} */", case.bad),
            format!("SELECT '{}';", case.bad.replace('\'', "''")),
            format!(
                "CREATE FUNCTION wrapped() RETURNS void LANGUAGE plpgsql AS $body$\nBEGIN\n{}\nEND\n$body$;",
                case.bad
            ),
        ];
        for sql in &wrapped {
            assert!(
                raised(sql, case.rule).is_empty(),
                "{} raised on:\n{sql}",
                case.rule
            );
        }
    }
}

#[test]
fn an_ignore_comment_on_the_statement_silences_the_rule() {
    for case in CASES {
        let diagnostics = lint(case.bad);
        let Some(d) = diagnostics.iter().find(|d| d.rule == case.rule) else {
            panic!("{} not raised on:\n{}", case.rule, case.bad);
        };
        let at = d.statement.start;
        let sql = format!(
            "{}-- bellows-ignore {}: reviewed\n{}",
            &case.bad[..at],
            case.rule,
            &case.bad[at..]
        );
        assert!(
            raised(&sql, case.rule).is_empty(),
            "{} still raised on:\n{sql}",
            case.rule
        );
    }
}

#[test]
fn one_finding_per_dropped_object() {
    assert_eq!(
        raised("DROP TABLE a, b;\nTRUNCATE c, d;", "drop-table"),
        vec![(1, 12), (1, 15)]
    );
    assert_eq!(
        raised("DROP TABLE a, b;\nTRUNCATE c, d;", "truncate-table"),
        vec![(2, 10), (2, 13)]
    );
}

#[test]
fn a_table_dropped_and_created_again_is_still_reported() {
    // Queries keep working, but the rows are gone.
    assert_eq!(
        raised(
            "DROP TABLE events;\nCREATE TABLE events (id bigint);",
            "drop-table"
        ),
        vec![(1, 12)]
    );
}

#[test]
fn identity_columns_need_postgresql_10() {
    let sql = "CREATE TABLE t (id bigserial PRIMARY KEY);";
    let old = Settings {
        pg_version: PgVersion(9),
        ..Settings::default()
    };
    assert!(
        !lint_text(sql, &old)
            .0
            .iter()
            .any(|d| d.rule == "prefer-identity")
    );
    assert_eq!(raised(sql, "prefer-identity"), vec![(1, 20)]);
}

#[test]
fn type_suggestions_are_mechanical_only_for_new_columns() {
    let mechanical = |sql: &str, rule: &str| {
        lint(sql)
            .iter()
            .find(|d| d.rule == rule)
            .and_then(|d| d.finding.suggestion.as_ref())
            .map(|s| (s.mechanical, s.steps[0].sql.clone()))
    };
    assert_eq!(
        mechanical("CREATE TABLE t (c varchar(20)[] NOT NULL);", "prefer-text"),
        Some((true, "CREATE TABLE t (c text[] NOT NULL);".to_string()))
    );
    assert_eq!(
        mechanical(
            "ALTER TABLE t ALTER COLUMN c TYPE timestamp(3) USING c::timestamp(3);",
            "prefer-timestamptz"
        ),
        Some((
            false,
            "ALTER TABLE t ALTER COLUMN c TYPE timestamptz(3) USING c::timestamp(3);".to_string()
        ))
    );
    assert_eq!(
        mechanical("CREATE TABLE t (id smallserial);", "prefer-identity"),
        Some((
            true,
            "CREATE TABLE t (id smallint GENERATED BY DEFAULT AS IDENTITY);".to_string()
        ))
    );
}

#[test]
fn begin_and_end_of_a_do_body_are_not_transactions() {
    let sql = "DO $$\nBEGIN\n  RAISE NOTICE 'x';\nEND\n$$;";
    assert!(raised(sql, "uncommitted-transaction").is_empty());
    assert!(raised(sql, "transaction-nesting").is_empty());
}
