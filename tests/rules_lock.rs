//! The lock and rewrite rules: where each finding lands (1-based line and column), when the
//! safe forms stay quiet, both sides of every version switch, and the lock facts reported.
//!
//! Statements that sqlparser 0.63 rejects (REINDEX, CLUSTER, REFRESH MATERIALIZED VIEW,
//! ATTACH/DETACH PARTITION, DROP INDEX CONCURRENTLY) reach the rules through the token
//! fallback. Until it recognises them, these tests give the rules the IR the fallback is
//! to produce, built by hand (`fallback_ir`), and run them with the real context.

use bellows::context::Context;
use bellows::diagnostic::{Finding, Severity};
use bellows::ident::{Name, QualifiedName};
use bellows::ir::{Action, ActionKind, AlterTable, ObjectKind, Op, Origin, Statement};
use bellows::lint::{FileResult, Settings, lint_text, read_statements};
use bellows::pg_version::PgVersion;
use bellows::report::{json, render_suggestion};
use bellows::rules;
use bellows::source::{LineIndex, Span};
use bellows::suppress;
use std::path::PathBuf;
use std::sync::Arc;

fn settings(pg: u32) -> Settings {
    Settings {
        pg_version: PgVersion(pg),
        ..Settings::default()
    }
}

/// `(line, column)` of every finding of `rule` in `sql`, linted for PostgreSQL `pg`.
fn at(sql: &str, pg: u32, rule: &str) -> Vec<(usize, usize)> {
    let index = LineIndex::new(sql);
    lint_text(sql, &settings(pg))
        .0
        .iter()
        .filter(|d| d.rule == rule)
        .map(|d| {
            let p = index.position(sql, d.finding.span.start);
            (p.line, p.column)
        })
        .collect()
}

/// The findings of `rule` in `sql`.
fn found(sql: &str, pg: u32, rule: &str) -> Vec<Finding> {
    lint_text(sql, &settings(pg))
        .0
        .into_iter()
        .filter(|d| d.rule == rule)
        .map(|d| d.finding)
        .collect()
}

/// The only finding of `rule` in `sql`.
fn one(sql: &str, pg: u32, rule: &str) -> Finding {
    let mut f = found(sql, pg, rule);
    assert_eq!(f.len(), 1, "{rule} in {sql}: {f:#?}");
    f.remove(0)
}

fn suggested(f: &Finding) -> String {
    render_suggestion(f.suggestion.as_ref().expect("a suggestion"))
}

fn quiet(sql: &str, pg: u32, rule: &str) {
    let f = found(sql, pg, rule);
    assert!(f.is_empty(), "{rule} raised on {sql}: {f:#?}");
}

// ----- statements the token fallback will produce ------------------------------------------

fn name_at(sql: &str, word: &str) -> Name {
    let start = sql.find(word).expect("word in sql");
    let (value, quoted) = match word.strip_prefix('"') {
        Some(inner) => (inner.trim_end_matches('"').to_string(), true),
        None => (word.to_string(), false),
    };
    Name::new(value, quoted, Span::new(start, start + word.len()))
}

fn qname(sql: &str, word: &str) -> QualifiedName {
    QualifiedName {
        schema: None,
        name: name_at(sql, word),
    }
}

/// The IR the fallback is to produce for the statements these tests use that sqlparser
/// rejects; `None` for every other statement.
fn fallback_ir(text: &str, span: Span) -> Option<(Op, bool)> {
    // Spans are relative to `text`, the statement; shifted to the file below.
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_end_matches(';').to_string())
        .collect();
    let up: Vec<String> = words.iter().map(|w| w.to_uppercase()).collect();
    let concurrently = up.iter().any(|w| w == "CONCURRENTLY");
    let last = |skip: &[&str]| {
        words
            .iter()
            .zip(&up)
            .rev()
            .find(|(_, u)| !skip.contains(&u.as_str()))
            .map(|(w, _)| w.clone())
    };
    let shift = |mut q: QualifiedName| {
        q.name.span = q.name.span.offset(span.start);
        q
    };
    let op = match up.first().map(String::as_str)? {
        "REINDEX" => Op::Reindex {
            target: match up.get(1).map(String::as_str) {
                Some("INDEX") => ObjectKind::Index,
                Some("TABLE") => ObjectKind::Table,
                Some("SCHEMA") => ObjectKind::Schema,
                Some("SYSTEM") => ObjectKind::System,
                _ => ObjectKind::Database,
            },
            name: last(&[
                "CONCURRENTLY",
                "INDEX",
                "TABLE",
                "SCHEMA",
                "SYSTEM",
                "DATABASE",
            ])
            .filter(|w| !w.eq_ignore_ascii_case("REINDEX"))
            .map(|w| shift(qname(text, &w))),
        },
        "CLUSTER" => Op::Cluster {
            table: words.get(1).map(|w| shift(qname(text, w))),
        },
        "REFRESH" => Op::RefreshMaterializedView {
            name: shift(qname(text, &last(&["CONCURRENTLY"])?)),
        },
        "DROP" if up.get(1).map(String::as_str) == Some("INDEX") => Op::Drop(bellows::ir::Drop {
            kind: ObjectKind::Index,
            names: vec![shift(qname(text, &last(&["CONCURRENTLY"])?))],
            if_exists: false,
            cascade: false,
        }),
        "ALTER" if up.iter().any(|w| w == "ATTACH" || w == "DETACH") => {
            let verb = up.iter().position(|w| w == "ATTACH" || w == "DETACH")?;
            let partition = shift(qname(text, words.get(verb + 2)?));
            let kind = if up[verb] == "ATTACH" {
                ActionKind::AttachPartition { partition }
            } else {
                ActionKind::DetachPartition {
                    partition,
                    concurrently,
                    finalize: up.iter().any(|w| w == "FINALIZE"),
                }
            };
            let start = text.find(&words[verb])?;
            let action_span = Span::new(start, text.trim_end_matches(';').len()).offset(span.start);
            Op::AlterTable(AlterTable {
                table: shift(qname(text, &words[2])),
                if_exists: false,
                only: false,
                actions: vec![Action {
                    span: action_span,
                    focus: action_span,
                    kind,
                }],
            })
        }
        _ => return None,
    };
    Some((op, concurrently))
}

/// Lints `sql` like the engine does, with the statements sqlparser rejects replaced by
/// `fallback_ir`.
fn lint_with_fallback(sql: &str, pg: u32) -> Vec<(&'static str, Finding)> {
    let (_, mut statements) = read_statements(sql);
    for s in &mut statements {
        if let Origin::Unanalyzed { .. } = s.origin
            && let Some((op, concurrently)) = fallback_ir(s.span.slice(sql), s.span)
        {
            s.op = op;
            s.origin = Origin::Fallback;
            s.concurrently = concurrently.then_some(s.keyword_span);
        }
    }
    run(sql, &statements, pg)
}

fn run(sql: &str, statements: &[Statement], pg: u32) -> Vec<(&'static str, Finding)> {
    let spans: Vec<Span> = statements.iter().map(|s| s.span).collect();
    let ignores = suppress::scan(sql, &spans);
    let mut cx = Context::new(sql, PgVersion(pg));
    let mut out = Vec::new();
    let mut findings = Vec::new();
    for (index, s) in statements.iter().enumerate() {
        for rule in rules::RULES {
            let id = rule.meta().id;
            rule.check(s, &cx, &mut findings);
            let ignored = ignores.iter().any(|i| i.covers(id, index));
            out.extend(findings.drain(..).filter(|_| !ignored).map(|f| (id, f)));
        }
        cx.apply(s);
    }
    out
}

fn fallback_found(sql: &str, pg: u32, rule: &str) -> Vec<Finding> {
    lint_with_fallback(sql, pg)
        .into_iter()
        .filter(|(id, _)| *id == rule)
        .map(|(_, f)| f)
        .collect()
}

fn fallback_one(sql: &str, pg: u32, rule: &str) -> Finding {
    let mut f = fallback_found(sql, pg, rule);
    assert_eq!(f.len(), 1, "{rule} in {sql}: {f:#?}");
    f.remove(0)
}

fn position(sql: &str, span: Span) -> (usize, usize) {
    let p = LineIndex::new(sql).position(sql, span.start);
    (p.line, p.column)
}

/// A suggestion parses (once the fallback reads what sqlparser rejects) and is clean of
/// error-level findings.
fn assert_clean(f: &Finding, pg: u32) {
    let sql = suggested(f);
    let errors: Vec<_> = lint_with_fallback(&sql, pg)
        .into_iter()
        .filter(|(id, _)| rules::find(id).is_some_and(|m| m.default_severity == Severity::Error))
        .map(|(id, f)| format!("{id}: {}", f.message))
        .collect();
    assert!(errors.is_empty(), "{sql}\n{errors:#?}");
}

// ----- add-column-rewrite --------------------------------------------------------------

#[test]
fn add_column_rewrite_points_at_what_varies_per_row() {
    let rule = "add-column-rewrite";
    let sql = "SELECT 1;\nALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();";
    assert_eq!(at(sql, 15, rule), vec![(2, 53)]);
    let sql = "ALTER TABLE orders\n  ADD COLUMN number bigserial;";
    assert_eq!(at(sql, 15, rule), vec![(2, 21)]);
    for sql in [
        "ALTER TABLE t ADD COLUMN a timestamptz DEFAULT clock_timestamp()",
        "ALTER TABLE t ADD COLUMN a float8 DEFAULT random()",
        "ALTER TABLE t ADD COLUMN a text DEFAULT timeofday()",
        "ALTER TABLE t ADD COLUMN a uuid DEFAULT uuid_generate_v4()",
        "ALTER TABLE t ADD COLUMN a bigint DEFAULT nextval('t_a_seq'::regclass)",
        "ALTER TABLE t ADD COLUMN a int DEFAULT (floor(random() * 10))::int",
        "ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS IDENTITY",
        "ALTER TABLE t ADD COLUMN a int GENERATED BY DEFAULT AS IDENTITY",
        "ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS (b * 2) STORED",
        "ALTER TABLE t ADD COLUMN a smallserial",
        "ALTER TABLE t ADD COLUMN a serial NOT NULL",
    ] {
        let f = one(sql, 15, rule);
        let lock = f.lock.expect("lock facts");
        assert!(lock.rewrite, "{sql}");
        assert_eq!(lock.mode.name(), "ACCESS EXCLUSIVE");
        assert_clean(&f, 15);
    }
}

#[test]
fn add_column_rewrite_quiet_for_defaults_evaluated_once() {
    for sql in [
        "ALTER TABLE t ADD COLUMN a int DEFAULT 0",
        "ALTER TABLE t ADD COLUMN a text NOT NULL DEFAULT 'free'",
        "ALTER TABLE t ADD COLUMN a timestamptz DEFAULT now()",
        "ALTER TABLE t ADD COLUMN a timestamptz DEFAULT CURRENT_TIMESTAMP",
        "ALTER TABLE t ADD COLUMN a date DEFAULT CURRENT_DATE",
        "ALTER TABLE t ADD COLUMN a jsonb DEFAULT '{}'::jsonb",
        "ALTER TABLE t ADD COLUMN a text[] DEFAULT ARRAY[]::text[]",
        "ALTER TABLE t ADD COLUMN a varchar(20) DEFAULT 'x'::character varying(20)",
        "ALTER TABLE t ADD COLUMN a interval DEFAULT '1 day'::interval",
        "ALTER TABLE t ADD COLUMN a text DEFAULT lower('X')",
        "ALTER TABLE t ADD COLUMN a int DEFAULT NULL",
        "ALTER TABLE t ADD COLUMN a int",
    ] {
        quiet(sql, 15, "add-column-rewrite");
    }
}

#[test]
fn add_column_rewrite_says_when_it_guesses() {
    let f = one(
        "ALTER TABLE t ADD COLUMN code text DEFAULT billing.next_code()",
        15,
        "add-column-rewrite",
    );
    let help = f.help.unwrap_or_default();
    assert!(help.contains("does not know next_code()"), "{help}");
    assert!(help.contains("VOLATILE"), "{help}");
}

#[test]
fn add_column_rewrite_before_and_from_postgresql_11() {
    let sql = "ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';";
    assert_eq!(at(sql, 10, "add-column-rewrite"), vec![(1, 60)]);
    assert_clean(&one(sql, 10, "add-column-rewrite"), 10);
    quiet(sql, 11, "add-column-rewrite");
    // NULL is no default at all, in any version.
    quiet(
        "ALTER TABLE t ADD COLUMN a int DEFAULT NULL",
        10,
        "add-column-rewrite",
    );
}

#[test]
fn add_column_rewrite_suggestion_keeps_names_and_quoting() {
    let f = one(
        "ALTER TABLE \"Orders\" ADD COLUMN \"Number\" bigserial",
        15,
        "add-column-rewrite",
    );
    let s = suggested(&f);
    assert!(
        s.contains("ALTER TABLE \"Orders\" ADD COLUMN \"Number\" bigint;"),
        "{s}"
    );
    assert!(
        s.contains("CREATE SEQUENCE \"Orders_Number_seq\" OWNED BY \"Orders\".\"Number\";"),
        "{s}"
    );
    assert!(s.contains("nextval('\"Orders_Number_seq\"')"), "{s}");
    assert!(s.contains("SET NOT NULL"), "{s}");
    let steps = &f.suggestion.unwrap().steps;
    assert!(steps.iter().all(|s| s.separate_transaction));
}

// ----- add-column-required -------------------------------------------------------------

#[test]
fn add_column_required() {
    let rule = "add-column-required";
    let sql = "ALTER TABLE users\n  ADD COLUMN tenant_id bigint NOT NULL;";
    assert_eq!(at(sql, 15, rule), vec![(2, 3)]);
    assert_clean(&one(sql, 15, rule), 15);
    assert_eq!(
        at(
            "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT NULL",
            15,
            rule
        )
        .len(),
        1
    );
    for sql in [
        "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true",
        "ALTER TABLE users ADD COLUMN tenant_id bigint",
        "ALTER TABLE users ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY",
        "ALTER TABLE users ADD COLUMN id bigserial NOT NULL",
        "CREATE TABLE users (id bigint); ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL",
    ] {
        quiet(sql, 15, rule);
    }
}

// ----- change-column-type --------------------------------------------------------------

#[test]
fn change_column_type() {
    let rule = "change-column-type";
    let sql = "ALTER TABLE events\n  ALTER COLUMN id TYPE bigint;";
    assert_eq!(at(sql, 15, rule), vec![(2, 19)]);
    let f = one(sql, 15, rule);
    assert!(f.lock.is_some_and(|l| l.rewrite));
    let s = suggested(&f);
    assert!(s.contains("ADD COLUMN id_new bigint;"), "{s}");
    assert!(s.contains("SET id_new = id::bigint"), "{s}");
    assert_clean(&f, 15);
    // The old type is named when an earlier statement of the file declared it.
    let f = one(
        "ALTER TABLE events ADD COLUMN n int; ALTER TABLE events ALTER COLUMN n TYPE bigint",
        15,
        rule,
    );
    assert!(f.message.contains("from int to bigint"), "{}", f.message);
    assert!(!f.help.as_deref().unwrap_or("").contains("binary-coercible"));
    quiet(
        "CREATE TABLE events (id int); ALTER TABLE events ALTER COLUMN id TYPE bigint",
        15,
        rule,
    );
    // Binary coercible from the type declared earlier: no rewrite, nothing to report.
    quiet(
        "ALTER TABLE events ADD COLUMN code varchar(10);\nALTER TABLE events ALTER COLUMN code TYPE varchar(50);",
        15,
        rule,
    );
    let shorter = one(
        "ALTER TABLE events ADD COLUMN code varchar(10);\nALTER TABLE events ALTER COLUMN code TYPE varchar(5);",
        15,
        rule,
    );
    assert!(shorter.lock.is_some_and(|l| l.rewrite));
    // Unknown old type: a rewrite is assumed, and the help says when it would not be one.
    assert!(
        one(sql, 15, rule)
            .help
            .is_some_and(|h| h.contains("binary-coercible"))
    );
}

// ----- add-foreign-key-validating ------------------------------------------------------

#[test]
fn add_foreign_key_validating() {
    let rule = "add-foreign-key-validating";
    let sql =
        "ALTER TABLE orders\n  ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);";
    assert_eq!(at(sql, 15, rule), vec![(2, 7)]);
    let f = one(sql, 15, rule);
    assert!(
        f.message.contains("SHARE ROW EXCLUSIVE on users"),
        "{}",
        f.message
    );
    let lock = f.lock.unwrap();
    assert_eq!(lock.mode.name(), "SHARE ROW EXCLUSIVE");
    assert!(lock.scan);
    assert_clean(&f, 15);

    // Unnamed: the name PostgreSQL would give it, so VALIDATE can name it.
    let f = one(
        "ALTER TABLE orders ADD FOREIGN KEY (user_id, shop_id) REFERENCES users (id, shop_id) ON DELETE CASCADE",
        15,
        rule,
    );
    let s = suggested(&f);
    assert!(
        s.contains("ADD CONSTRAINT orders_user_id_shop_id_fkey FOREIGN KEY (user_id, shop_id) REFERENCES users (id, shop_id) ON DELETE CASCADE NOT VALID;"),
        "{s}"
    );
    assert!(
        s.contains("VALIDATE CONSTRAINT orders_user_id_shop_id_fkey;"),
        "{s}"
    );
    assert!(f.suggestion.unwrap().steps[1].separate_transaction);

    // ADD COLUMN … REFERENCES: the column first, then the key NOT VALID.
    let sql = "ALTER TABLE orders ADD COLUMN coupon_id bigint NOT NULL DEFAULT 0 REFERENCES coupons ON DELETE SET NULL";
    let f = one(sql, 15, rule);
    assert_eq!(position(sql, f.span), (1, 67));
    let s = suggested(&f);
    assert!(
        s.contains("ALTER TABLE orders ADD COLUMN coupon_id bigint NOT NULL DEFAULT 0;"),
        "{s}"
    );
    assert!(s.contains("ADD CONSTRAINT orders_coupon_id_fkey FOREIGN KEY (coupon_id) REFERENCES coupons ON DELETE SET NULL NOT VALID;"), "{s}");
    assert_clean(&f, 15);

    for sql in [
        "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID",
        "ALTER TABLE orders VALIDATE CONSTRAINT fk",
        "CREATE TABLE orders (id bigint, user_id bigint); ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users",
    ] {
        quiet(sql, 15, rule);
    }
}

// ----- add-check-validating ------------------------------------------------------------

#[test]
fn add_check_validating() {
    let rule = "add-check-validating";
    let sql = "ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0);";
    assert_eq!(at(sql, 15, rule), vec![(1, 26)]);
    let f = one(sql, 15, rule);
    assert_eq!(f.lock.unwrap().mode.name(), "ACCESS EXCLUSIVE");
    assert_clean(&f, 15);
    let s = suggested(&one(
        "ALTER TABLE products ADD CHECK (price IS NOT NULL)",
        15,
        rule,
    ));
    assert!(
        s.contains("ADD CONSTRAINT products_price_check CHECK (price IS NOT NULL) NOT VALID;"),
        "{s}"
    );
    let s = suggested(&one(
        "ALTER TABLE products ADD COLUMN discount numeric CHECK (discount < 1)",
        15,
        rule,
    ));
    assert!(
        s.contains("ALTER TABLE products ADD COLUMN discount numeric;"),
        "{s}"
    );
    assert!(
        s.contains("ADD CONSTRAINT products_discount_check CHECK (discount < 1) NOT VALID;"),
        "{s}"
    );
    for sql in [
        "ALTER TABLE products ADD CONSTRAINT price_positive CHECK (price > 0) NOT VALID",
        "CREATE TABLE products (price numeric); ALTER TABLE products ADD CHECK (price > 0)",
    ] {
        quiet(sql, 15, rule);
    }
}

// ----- add-unique-constraint / add-primary-key -----------------------------------------

#[test]
fn add_unique_constraint() {
    let rule = "add-unique-constraint";
    let sql = "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);";
    assert_eq!(at(sql, 15, rule), vec![(1, 23)]);
    let f = one(sql, 15, rule);
    let s = suggested(&f);
    assert!(
        s.contains("CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);"),
        "{s}"
    );
    assert!(
        s.contains("ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;"),
        "{s}"
    );
    assert_clean(&f, 15);
    let s = suggested(&one(
        "ALTER TABLE \"Users\" ADD UNIQUE (\"TenantId\", handle)",
        15,
        rule,
    ));
    assert!(s.contains("\"Users_TenantId_handle_key\""), "{s}");
    // EXCLUDE has no USING INDEX form: flagged, with a quiet-time suggestion.
    let f = one(
        "ALTER TABLE b ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)",
        15,
        rule,
    );
    assert_clean(&f, 15);
    // Inline UNIQUE on a new column.
    assert_eq!(
        at("ALTER TABLE users ADD COLUMN handle text UNIQUE", 15, rule),
        vec![(1, 42)]
    );
    for sql in [
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key",
        "CREATE TABLE users (email text); ALTER TABLE users ADD UNIQUE (email)",
    ] {
        quiet(sql, 15, rule);
    }
}

#[test]
fn add_primary_key() {
    let rule = "add-primary-key";
    let sql = "ALTER TABLE events\n  ADD PRIMARY KEY (id);";
    assert_eq!(at(sql, 15, rule), vec![(2, 7)]);
    let f = one(sql, 15, rule);
    let s = suggested(&f);
    assert!(
        s.contains("CREATE UNIQUE INDEX CONCURRENTLY events_pkey ON events (id);"),
        "{s}"
    );
    assert!(
        s.contains("ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey;"),
        "{s}"
    );
    assert!(s.contains("ALTER COLUMN id SET NOT NULL"), "{s}");
    assert_clean(&f, 15);
    // Before 12 SET NOT NULL always scans, so it is not suggested.
    let s = suggested(&one(sql, 11, rule));
    assert!(!s.contains("SET NOT NULL"), "{s}");
    for sql in [
        "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey",
        "CREATE TABLE events (id bigint NOT NULL); ALTER TABLE events ADD PRIMARY KEY (id)",
    ] {
        quiet(sql, 15, rule);
    }
}

// ----- drop-index-non-concurrently -----------------------------------------------------

#[test]
fn drop_index_non_concurrently() {
    let rule = "drop-index-non-concurrently";
    let sql = "SET lock_timeout = '2s';\nDROP INDEX IF EXISTS users_email_idx;";
    assert_eq!(at(sql, 15, rule), vec![(2, 1)]);
    let f = one(sql, 15, rule);
    assert_eq!(
        suggested(&f).lines().nth(1),
        Some("DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;")
    );
    assert_eq!(f.lock.unwrap().mode.name(), "ACCESS EXCLUSIVE");
    // Several indexes: one concurrent drop each.
    let f = one("DROP INDEX a_idx, b_idx", 15, rule);
    assert_eq!(f.suggestion.unwrap().steps.len(), 2);
    // The table is named when this file created the index.
    let f = one(
        "CREATE INDEX CONCURRENTLY i ON users (email); DROP INDEX i",
        15,
        rule,
    );
    assert!(f.message.contains("on users"), "{}", f.message);
    quiet(
        "CREATE TABLE users (email text); CREATE INDEX i ON users (email); DROP INDEX i",
        15,
        rule,
    );
    assert!(fallback_found("DROP INDEX CONCURRENTLY users_email_idx", 15, rule).is_empty());
}

// ----- reindex-non-concurrently ----------------------------------------------------------

#[test]
fn reindex_non_concurrently_by_version() {
    let rule = "reindex-non-concurrently";
    let sql = "SELECT 1;\nREINDEX INDEX users_email_idx;";
    let f = fallback_one(sql, 15, rule);
    assert_eq!(position(sql, f.span), (2, 1));
    assert_eq!(f.lock.unwrap().mode.name(), "SHARE");
    assert!(suggested(&f).contains("REINDEX INDEX CONCURRENTLY users_email_idx;"));
    assert_clean(&f, 15);
    let f = fallback_one(sql, 12, rule);
    assert!(suggested(&f).contains("REINDEX INDEX CONCURRENTLY"));
    // PostgreSQL 11 has no REINDEX CONCURRENTLY: build a copy, drop, rename.
    let f = fallback_one(sql, 11, rule);
    let s = suggested(&f);
    assert!(!s.contains("REINDEX"), "{s}");
    assert!(
        s.contains("DROP INDEX CONCURRENTLY users_email_idx;"),
        "{s}"
    );
    assert!(
        s.contains("ALTER INDEX users_email_idx_new RENAME TO users_email_idx;"),
        "{s}"
    );
    assert!(f.help.as_deref().unwrap_or("").contains("arrived in 12"));
    assert_clean(&f, 11);
    let f = fallback_one("REINDEX TABLE orders", 11, rule);
    assert!(!suggested(&f).contains("CONCURRENTLY"));
    // REINDEX SYSTEM has no concurrent form in any version.
    assert!(!suggested(&fallback_one("REINDEX SYSTEM app", 16, rule)).contains("CONCURRENTLY"));
    for sql in [
        "REINDEX INDEX CONCURRENTLY users_email_idx",
        "CREATE TABLE orders (id int); REINDEX TABLE orders",
    ] {
        assert!(fallback_found(sql, 15, rule).is_empty(), "{sql}");
    }
}

// ----- refresh, vacuum full, cluster ---------------------------------------------------

#[test]
fn refresh_materialized_view_non_concurrently() {
    let rule = "refresh-materialized-view-non-concurrently";
    let sql = "REFRESH MATERIALIZED VIEW daily_revenue;";
    let f = fallback_one(sql, 15, rule);
    assert_eq!(position(sql, f.span), (1, 1));
    assert_eq!(f.lock.unwrap().mode.name(), "ACCESS EXCLUSIVE");
    assert!(suggested(&f).contains("REFRESH MATERIALIZED VIEW CONCURRENTLY daily_revenue;"));
    assert_eq!(
        rules::find(rule).map(|m| m.default_severity),
        Some(Severity::Warning)
    );
    assert!(
        fallback_found(
            "REFRESH MATERIALIZED VIEW CONCURRENTLY daily_revenue",
            15,
            rule
        )
        .is_empty()
    );
}

#[test]
fn vacuum_full() {
    let rule = "vacuum-full";
    let sql = "VACUUM FULL events;";
    assert_eq!(at(sql, 15, rule), vec![(1, 1)]);
    let f = one(sql, 15, rule);
    assert!(f.lock.unwrap().rewrite);
    assert!(suggested(&f).contains("\nVACUUM events;"));
    assert_clean(&f, 15);
    quiet("VACUUM events", 15, rule);
    quiet("CREATE TABLE events (id int); VACUUM FULL events", 15, rule);
}

#[test]
fn cluster() {
    let rule = "cluster";
    let sql = "SELECT 1; CLUSTER events USING events_created_at_idx;";
    let f = fallback_one(sql, 15, rule);
    assert_eq!(position(sql, f.span), (1, 11));
    assert!(f.lock.unwrap().rewrite);
    assert!(suggested(&f).contains("pg_repack --table=events"));
    assert_clean(&f, 15);
    assert!(
        fallback_found(
            "CREATE TABLE events (id int); CLUSTER events USING events_pkey",
            15,
            rule
        )
        .is_empty()
    );
}

// ----- partitions ---------------------------------------------------------------------

#[test]
fn detach_partition_by_version() {
    let rule = "detach-partition-non-concurrently";
    let sql = "ALTER TABLE measurements DETACH PARTITION m2019;";
    let f = fallback_one(sql, 14, rule);
    assert_eq!(position(sql, f.span), (1, 26));
    assert_eq!(f.lock.unwrap().mode.name(), "ACCESS EXCLUSIVE");
    assert!(
        suggested(&f).contains("ALTER TABLE measurements DETACH PARTITION m2019 CONCURRENTLY;")
    );
    assert_clean(&f, 14);
    // Before 14 there is no concurrent detach.
    let f = fallback_one(sql, 13, rule);
    assert!(!suggested(&f).contains("CONCURRENTLY"));
    assert!(f.help.as_deref().unwrap_or("").contains("arrived in 14"));
    assert_clean(&f, 13);
    for sql in [
        "ALTER TABLE measurements DETACH PARTITION m2019 CONCURRENTLY",
        "ALTER TABLE measurements DETACH PARTITION m2019 FINALIZE",
    ] {
        assert!(fallback_found(sql, 15, rule).is_empty(), "{sql}");
    }
}

#[test]
fn attach_partition_scan() {
    let rule = "attach-partition-scan";
    let sql =
        "ALTER TABLE m ATTACH PARTITION m2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');";
    let f = fallback_one(sql, 15, rule);
    assert_eq!(position(sql, f.span), (1, 15));
    assert!(
        f.message.contains("SHARE UPDATE EXCLUSIVE on m"),
        "{}",
        f.message
    );
    let lock = f.lock.unwrap();
    assert_eq!(lock.mode.name(), "ACCESS EXCLUSIVE");
    assert!(lock.scan);
    assert!(suggested(&f).contains("FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"));
    // Before 12 the partitioned table is locked ACCESS EXCLUSIVE too.
    let f = fallback_one(sql, 11, rule);
    assert!(f.message.contains("ACCESS EXCLUSIVE on m"), "{}", f.message);
    let proven = format!(
        "ALTER TABLE m2024 ADD CONSTRAINT b CHECK (d >= '2024-01-01') NOT VALID;\n\
         ALTER TABLE m2024 VALIDATE CONSTRAINT b;\n{sql}"
    );
    assert!(fallback_found(&proven, 15, rule).is_empty());
    let not_yet_valid =
        format!("ALTER TABLE m2024 ADD CONSTRAINT b CHECK (d >= '2024-01-01') NOT VALID;\n{sql}");
    assert_eq!(fallback_found(&not_yet_valid, 15, rule).len(), 1);
    let new = format!("CREATE TABLE m2024 (d date);\n{sql}");
    assert!(fallback_found(&new, 15, rule).is_empty());
}

// ----- validate-in-same-transaction ----------------------------------------------------

#[test]
fn validate_in_same_transaction() {
    let rule = "validate-in-same-transaction";
    let sql = "BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;\nCOMMIT;";
    assert_eq!(at(sql, 15, rule), vec![(3, 20)]);
    let f = one(sql, 15, rule);
    // The CHECK's ACCESS EXCLUSIVE is still held through the scan.
    assert_eq!(f.lock.unwrap().mode.name(), "ACCESS EXCLUSIVE");
    assert!(f.lock.unwrap().scan);
    assert_clean(&f, 15);
    let fk = "BEGIN; ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users NOT VALID; ALTER TABLE orders VALIDATE CONSTRAINT fk; COMMIT;";
    assert_eq!(
        one(fk, 15, rule).lock.unwrap().mode.name(),
        "SHARE ROW EXCLUSIVE"
    );
    for sql in [
        "BEGIN; ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID; COMMIT; BEGIN; ALTER TABLE orders VALIDATE CONSTRAINT c; COMMIT;",
        "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID; ALTER TABLE orders VALIDATE CONSTRAINT c;",
        "BEGIN; ALTER TABLE orders VALIDATE CONSTRAINT c; COMMIT;",
    ] {
        quiet(sql, 15, rule);
    }
}

// ----- set-not-null: the validated CHECK skips the scan from PostgreSQL 12 -------------

#[test]
fn set_not_null_after_a_validated_check_by_version() {
    let rule = "set-not-null";
    let sql = "ALTER TABLE a ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\n\
               ALTER TABLE a VALIDATE CONSTRAINT c;\n\
               ALTER TABLE a ALTER COLUMN email SET NOT NULL;";
    quiet(sql, 12, rule);
    quiet(sql, 15, rule);
    assert_eq!(at(sql, 11, rule), vec![(3, 34)]);
    // Not yet validated: the scan still runs.
    let unvalidated = "ALTER TABLE a ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\n\
                       ALTER TABLE a ALTER COLUMN email SET NOT NULL;";
    assert_eq!(at(unvalidated, 15, rule), vec![(2, 34)]);
    // A CHECK on another column proves nothing.
    let other = "ALTER TABLE a ADD CONSTRAINT c CHECK (name IS NOT NULL);\n\
                 ALTER TABLE a ALTER COLUMN email SET NOT NULL;";
    assert_eq!(at(other, 15, rule), vec![(2, 34)]);
}

// ----- lock-timeout-missing ------------------------------------------------------------

#[test]
fn lock_timeout_missing_once_per_file_at_the_first_lock() {
    let rule = "lock-timeout-missing";
    let sql = "UPDATE users SET a = 1 WHERE id = 1;\n\
               CREATE INDEX CONCURRENTLY i ON users (a);\n\
               CREATE INDEX j ON users (b);\n\
               ALTER TABLE users ADD COLUMN c int;";
    assert_eq!(at(sql, 15, rule), vec![(3, 1)]);
    let f = one(sql, 15, rule);
    assert_eq!(
        f.message,
        "CREATE INDEX takes a SHARE lock on users with no lock_timeout set"
    );
    assert_eq!(
        suggested(&f).lines().nth(1),
        Some("SET lock_timeout = '5s';")
    );
    let f = one("ALTER TABLE users ADD COLUMN c int", 15, rule);
    assert!(
        f.message.contains("ACCESS EXCLUSIVE lock on users"),
        "{}",
        f.message
    );
    // A foreign key locks the referenced table, even from a new table.
    let f = one(
        "CREATE TABLE orders (user_id bigint REFERENCES users (id))",
        15,
        rule,
    );
    assert!(
        f.message.contains("SHARE ROW EXCLUSIVE lock on users"),
        "{}",
        f.message
    );
    // DROP INDEX locks the index's table: named when the file shows which it is.
    let f = one("DROP INDEX i", 15, rule);
    assert_eq!(
        f.message,
        "DROP INDEX takes an ACCESS EXCLUSIVE lock on the table of i with no lock_timeout set"
    );
    let f = one(
        "CREATE INDEX CONCURRENTLY i ON users (a);\nDROP INDEX i;",
        15,
        rule,
    );
    assert_eq!(
        f.message,
        "DROP INDEX takes an ACCESS EXCLUSIVE lock on users with no lock_timeout set"
    );
    // In a transaction block the suggestion is SET LOCAL.
    let f = one(
        "BEGIN; ALTER TABLE users ADD COLUMN c int; COMMIT;",
        15,
        rule,
    );
    assert_eq!(
        suggested(&f).lines().nth(1),
        Some("SET LOCAL lock_timeout = '5s';")
    );
    for sql in [
        "SET lock_timeout = '5s'; ALTER TABLE users ADD COLUMN c int",
        "SET lock_timeout TO '2s'; DROP INDEX i",
        "BEGIN; SET LOCAL lock_timeout = '5s'; ALTER TABLE users ADD COLUMN c int; COMMIT;",
        "CREATE TABLE users (id int); ALTER TABLE users ADD COLUMN c int",
        "CREATE INDEX CONCURRENTLY i ON users (a)",
        "UPDATE users SET a = 1",
    ] {
        quiet(sql, 15, rule);
    }
    // SET LOCAL outside a transaction block has no effect; a finished block ends it; 0
    // disables the timeout.
    for sql in [
        "SET LOCAL lock_timeout = '5s'; ALTER TABLE users ADD COLUMN c int",
        "BEGIN; SET LOCAL lock_timeout = '5s'; COMMIT; ALTER TABLE users ADD COLUMN c int",
        "SET lock_timeout = 0; ALTER TABLE users ADD COLUMN c int",
    ] {
        assert_eq!(found(sql, 15, rule).len(), 1, "{sql}");
    }
}

// ----- unbatched-backfill --------------------------------------------------------------

#[test]
fn unbatched_backfill() {
    let rule = "unbatched-backfill";
    let sql = "SELECT 1;\n  UPDATE users SET plan = 'free';";
    assert_eq!(at(sql, 15, rule), vec![(2, 3)]);
    let f = one(sql, 15, rule);
    assert_eq!(f.lock.unwrap().mode.name(), "ROW EXCLUSIVE");
    let s = suggested(&f);
    assert!(
        s.contains("UPDATE users SET plan = 'free' WHERE ctid IN (SELECT ctid FROM users WHERE plan IS DISTINCT FROM ('free') LIMIT 1000);"),
        "{s}"
    );
    assert_clean(&f, 15);

    // In the transaction that changed the table: the ALTER's lock is held throughout.
    let sql = "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = lower(kind) WHERE plan IS NULL;\nCOMMIT;";
    let f = one(sql, 15, rule);
    assert_eq!(position(sql, f.span), (3, 1));
    assert!(
        f.message.contains("keeps ACCESS EXCLUSIVE"),
        "{}",
        f.message
    );
    assert!(
        suggested(&f).contains("WHERE (plan IS NULL) AND (plan IS DISTINCT FROM (lower(kind)))"),
        "{}",
        suggested(&f)
    );

    // A DELETE batch ends by itself.
    let f = one("DELETE FROM sessions", 15, rule);
    assert!(
        suggested(&f)
            .contains("DELETE FROM sessions WHERE ctid IN (SELECT ctid FROM sessions LIMIT 1000);"),
        "{}",
        suggested(&f)
    );
    // Not idempotent, no condition of its own: no batch can be written for it.
    assert!(
        one("UPDATE counters SET n = n + 1", 15, rule)
            .suggestion
            .is_none()
    );
    assert!(
        one("UPDATE t SET a = random()", 15, rule)
            .suggestion
            .is_none()
    );
    // Values or conditions that name an alias or another table cannot be moved into a
    // batch's subquery as they are.
    for sql in [
        "UPDATE users u SET plan = u.kind",
        "UPDATE users SET plan = p.name FROM plans p WHERE p.id = users.plan_id",
    ] {
        let f = found(
            &format!("BEGIN; ALTER TABLE users ADD COLUMN plan text; {sql}; COMMIT;"),
            15,
            rule,
        );
        assert!(f.len() == 1 && f[0].suggestion.is_none(), "{sql}: {f:#?}");
    }
    let f = one(
        "BEGIN; ALTER TABLE s ADD COLUMN x int; DELETE FROM s USING u WHERE s.u = u.id; COMMIT;",
        15,
        rule,
    );
    assert!(f.suggestion.is_none(), "{f:#?}");

    for sql in [
        "UPDATE users SET plan = 'free' WHERE id < 1000",
        "CREATE TABLE users (plan text); UPDATE users SET plan = 'free'",
        "BEGIN; ALTER TABLE users ADD COLUMN plan text; COMMIT; UPDATE users SET plan = 'x' WHERE id = 1;",
        "DELETE FROM sessions WHERE expires_at < now()",
    ] {
        quiet(sql, 15, rule);
    }
}

// ----- lock-held-across-statements -----------------------------------------------------

#[test]
fn lock_held_across_statements() {
    let rule = "lock-held-across-statements";
    let sql = "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\n  CREATE INDEX accounts_plan_idx ON accounts (plan);\nUPDATE accounts SET plan = 'free' WHERE id < 10;\nCOMMIT;";
    // Once per transaction, at the first statement after the lock.
    assert_eq!(at(sql, 15, rule), vec![(3, 3)]);
    let f = one(sql, 15, rule);
    assert_eq!(
        f.message,
        "CREATE INDEX runs while the transaction still holds the ACCESS EXCLUSIVE lock line 2 took on users"
    );
    assert!(f.help.as_deref().is_some_and(|h| h.contains("line 2")));
    let s = suggested(&f);
    assert!(
        s.contains("ALTER TABLE users ADD COLUMN nickname text;\n"),
        "{s}"
    );
    assert!(s.contains("CREATE INDEX accounts_plan_idx"), "{s}");
    let steps = &f.suggestion.as_ref().unwrap().steps;
    assert!(steps.iter().all(|s| s.separate_transaction));

    // The lock commits at once, or no transaction holds it.
    quiet(
        "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;\nSELECT 1;",
        15,
        rule,
    );
    quiet(
        "ALTER TABLE users ADD COLUMN nickname text;\nCREATE INDEX i ON accounts (plan);",
        15,
        rule,
    );
    // A table created in the file is nobody's yet.
    quiet(
        "BEGIN;\nCREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN a int;\nCREATE INDEX i ON t (a);\nCOMMIT;",
        15,
        rule,
    );
    // SHARE blocks writes only: not this rule's concern.
    quiet(
        "BEGIN;\nCREATE INDEX i ON users (email);\nSELECT 1;\nCOMMIT;",
        15,
        rule,
    );
    // A weaker lock first, then ACCESS EXCLUSIVE: reported after the statement that took it.
    assert_eq!(
        at(
            "BEGIN;\nCREATE INDEX i ON users (email);\nALTER TABLE users DROP COLUMN legacy;\nSELECT 1;\nSELECT 2;\nCOMMIT;",
            15,
            rule
        ),
        vec![(4, 1)]
    );
    // Each transaction is reported on its own.
    assert_eq!(
        at(
            "BEGIN;\nALTER TABLE a ADD COLUMN x int;\nSELECT 1;\nCOMMIT;\nBEGIN;\nALTER TABLE b ADD COLUMN y int;\nSELECT 2;\nCOMMIT;",
            15,
            rule
        ),
        vec![(3, 1), (7, 1)]
    );
    // DROP INDEX locks the table of an index the file built before the transaction.
    let f = one(
        "CREATE INDEX users_email_idx ON users (email);\nBEGIN;\nDROP INDEX users_email_idx;\nSELECT 1;\nCOMMIT;",
        15,
        rule,
    );
    assert!(f.message.ends_with("line 3 took on users"), "{}", f.message);
}

// ----- safe text: comments and string literals -----------------------------------------

#[test]
fn commented_out_and_quoted_sql_is_not_linted() {
    let sql = "-- ALTER TABLE users ADD COLUMN a uuid DEFAULT gen_random_uuid();\n\
               /* ALTER TABLE users ADD COLUMN b int NOT NULL;\n\
                  ALTER TABLE events ALTER COLUMN id TYPE bigint;\n\
                  DROP INDEX i; VACUUM FULL t; UPDATE users SET a = 1; */\n\
               SELECT 'ALTER TABLE orders ADD FOREIGN KEY (u) REFERENCES users';\n\
               SELECT $$ALTER TABLE users ADD UNIQUE (email); DELETE FROM t$$;\n\
               COMMENT ON TABLE users IS 'ALTER TABLE users ADD PRIMARY KEY (id)';";
    let ours = [
        "add-column-rewrite",
        "add-column-required",
        "change-column-type",
        "add-foreign-key-validating",
        "add-check-validating",
        "add-unique-constraint",
        "add-primary-key",
        "drop-index-non-concurrently",
        "vacuum-full",
        "lock-timeout-missing",
        "unbatched-backfill",
    ];
    let (diags, _) = lint_text(sql, &settings(15));
    let raised: Vec<_> = diags.iter().filter(|d| ours.contains(&d.rule)).collect();
    assert!(raised.is_empty(), "{raised:#?}");
}

// ----- the JSON report carries the lock facts ------------------------------------------

#[test]
fn json_reports_lock_facts() {
    let sql = "ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();";
    let (diagnostics, stats) = lint_text(sql, &settings(15));
    let out = json::render(&[FileResult {
        path: PathBuf::from("m.sql"),
        text: Arc::new(sql.to_string()),
        diagnostics,
        stats,
        runner: None,
    }]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "add-column-rewrite")
        .expect("the finding");
    assert_eq!(d["lock"]["mode"], "ACCESS EXCLUSIVE");
    assert_eq!(d["lock"]["rewrite"], true);
    assert_eq!(d["lock"]["blocks"][0], "reads");
    assert_eq!(d["span"]["start"]["column"], 53);
}

// ----- the registry --------------------------------------------------------------------

#[test]
fn every_lock_rule_is_registered_once_with_its_severity() {
    for (id, severity) in [
        ("add-column-rewrite", Severity::Error),
        ("add-column-required", Severity::Error),
        ("change-column-type", Severity::Error),
        ("add-foreign-key-validating", Severity::Error),
        ("add-check-validating", Severity::Error),
        ("add-unique-constraint", Severity::Error),
        ("add-primary-key", Severity::Error),
        ("drop-index-non-concurrently", Severity::Error),
        ("reindex-non-concurrently", Severity::Error),
        (
            "refresh-materialized-view-non-concurrently",
            Severity::Warning,
        ),
        ("vacuum-full", Severity::Error),
        ("cluster", Severity::Error),
        ("detach-partition-non-concurrently", Severity::Error),
        ("attach-partition-scan", Severity::Warning),
        ("validate-in-same-transaction", Severity::Error),
        ("lock-timeout-missing", Severity::Warning),
        ("unbatched-backfill", Severity::Warning),
        ("lock-held-across-statements", Severity::Warning),
    ] {
        let n = rules::RULES.iter().filter(|r| r.meta().id == id).count();
        assert_eq!(n, 1, "{id} registered {n} times");
        let meta = rules::find(id).unwrap();
        assert_eq!(meta.default_severity, severity, "{id}");
        assert_eq!(meta.once_per_file, id == "lock-timeout-missing", "{id}");
    }
}
