//! Runner awareness: each fixture folder under `fixtures/runners/` is detected as its tool,
//! and `CONCURRENTLY` is flagged exactly where that tool runs it inside a transaction.

use assert_cmd::Command;
use serde_json::Value;

fn check(args: &[&str]) -> Value {
    let out = Command::cargo_bin("bellows")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .expect("runs");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{:?}", out);
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// `(file name, line)` of each `rule` finding, and the runners reported.
fn findings(v: &Value, rule: &str) -> Vec<(String, u64)> {
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == rule)
        .map(|d| {
            let file = d["file"].as_str().unwrap_or("");
            let short = file.rsplit('/').take(2).collect::<Vec<_>>();
            (
                format!("{}/{}", short[1], short[0]),
                d["span"]["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// The first diagnostic of `rule`; the test fails when there is none.
fn first_finding<'v>(v: &'v Value, rule: &str) -> &'v Value {
    v["diagnostics"]
        .as_array()
        .and_then(|ds| ds.iter().find(|d| d["rule"] == rule))
        .unwrap_or_else(|| panic!("no {rule} finding in {v}"))
}

fn runners(v: &Value) -> Vec<String> {
    let mut r: Vec<String> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["runner"].as_str().map(str::to_string))
        .collect();
    r.dedup();
    r
}

fn case(folder: &str, runner: &str, flagged: &[(&str, u64)]) {
    let v = check(&[&format!("fixtures/runners/{folder}")]);
    let got = findings(&v, "concurrently-in-transaction");
    let want: Vec<(String, u64)> = flagged.iter().map(|(f, l)| (f.to_string(), *l)).collect();
    assert_eq!(got, want, "{folder}");
    let seen = runners(&v);
    assert!(seen.iter().all(|r| r == runner), "{folder}: {seen:?}");
}

#[test]
fn drizzle_runs_every_migration_in_one_transaction() {
    case("drizzle", "drizzle", &[("drizzle/0001_email_index.sql", 1)]);
    let v = check(&["fixtures/runners/drizzle"]);
    let d = first_finding(&v, "concurrently-in-transaction");
    assert_eq!(d["transaction"], "runner");
    let sql = d["suggestion"]["steps"][0]["sql"].as_str().unwrap();
    assert!(sql.contains("drizzle-kit migrate cannot run this"), "{sql}");
}

#[test]
fn prisma_adds_no_transaction() {
    case("prisma", "prisma", &[]);
}

#[test]
fn flyway_runs_all_non_transactional_migrations_without_one() {
    case("flyway", "flyway", &[("flyway/V3__nickname.sql", 2)]);
}

#[test]
fn golang_migrate_sends_a_file_as_one_message() {
    case(
        "golang-migrate",
        "golang-migrate",
        &[("golang-migrate/000003_price.up.sql", 2)],
    );
}

#[test]
fn dbmate_honours_transaction_false() {
    case("dbmate", "dbmate", &[("dbmate/20240103120000_slug.sql", 3)]);
    let v = check(&["fixtures/runners/dbmate"]);
    let d = first_finding(&v, "concurrently-in-transaction");
    let sql = d["suggestion"]["steps"][0]["sql"].as_str().unwrap();
    assert!(
        sql.starts_with("-- migrate:up transaction:false\n"),
        "{sql}"
    );
}

#[test]
fn sqlx_honours_no_transaction() {
    case("sqlx", "sqlx", &[("sqlx/20240103120000_expiry.sql", 2)]);
}

#[test]
fn goose_honours_no_transaction() {
    case("goose", "goose", &[("goose/00003_source.sql", 3)]);
}

#[test]
fn supabase_folders_are_plain_psql() {
    case("supabase", "plain", &[]);
}

#[test]
fn runner_flag_overrides_detection() {
    let v = check(&["--runner", "drizzle", "fixtures/runners/prisma"]);
    assert_eq!(
        findings(&v, "concurrently-in-transaction"),
        vec![("20240102000000_email_index/migration.sql".to_string(), 2)]
    );
}

#[test]
fn down_migrations_are_skipped_unless_asked_for() {
    let v = check(&["fixtures/runners/golang-migrate"]);
    assert!(findings(&v, "drop-table").is_empty());
    assert_eq!(v["summary"]["down_skipped"], 3);
    let v = check(&["--include-down", "fixtures/runners/golang-migrate"]);
    assert_eq!(
        findings(&v, "drop-table"),
        vec![("golang-migrate/000001_create_items.down.sql".to_string(), 1)]
    );
    assert_eq!(v["summary"]["down_skipped"], 0);
    let v = check(&["fixtures/runners/dbmate"]);
    assert_eq!(v["summary"]["down_skipped"], 3);
    assert!(findings(&v, "drop-table").is_empty());
}

#[test]
fn bellows_locks_sees_the_runners_transaction() {
    let out = Command::cargo_bin("bellows")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "locks",
            "--format",
            "json",
            "fixtures/demo/0001_contact_required.sql",
        ])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let second = &v["statements"][1];
    assert_eq!(second["line"], 2);
    assert_eq!(second["held"][0]["relation"], "\"tenant_accounts\"");
    assert_eq!(second["held"][0]["mode"], "ACCESS EXCLUSIVE");
    assert_eq!(second["held"][0]["since"]["line"], 1);
    // Outside a runner's transaction (plain psql), nothing is held across statements.
    let dir = tempfile::tempdir().expect("dir");
    let plain = dir.path().join("m.sql");
    std::fs::write(
        &plain,
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL;\nCREATE INDEX i ON t (a);\n",
    )
    .expect("write");
    let out = Command::cargo_bin("bellows")
        .expect("binary")
        .args(["locks", "--format", "json"])
        .arg(&plain)
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["statements"][1]["held"], serde_json::json!([]));
}
