//! The `bellows` binary: exit codes, JSON shape and spans, human output, bad input.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn bellows() -> Command {
    let mut cmd = Command::cargo_bin("bellows").expect("binary builds");
    cmd.env("NO_COLOR", "1");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn json_of(args: &[&str]) -> (Value, i32) {
    let out = bellows().args(args).output().expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    (v, out.status.code().expect("exit code"))
}

#[test]
fn demo_human_output() {
    let out = bellows().args(["check", "fixtures/demo"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("demo_human", text);
}

#[test]
fn demo_json_shape_and_spans() {
    let (v, code) = json_of(&["check", "--format", "json", "fixtures/demo"]);
    assert_eq!(code, 1);
    assert_eq!(v["version"], 1);
    let all = v["diagnostics"].as_array().unwrap();
    let d = all.iter().find(|d| d["rule"] == "set-not-null").unwrap();
    assert_eq!(d["rule"], "set-not-null");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "fixtures/demo/0001_contact_required.sql");
    assert_eq!(d["span"]["start"]["line"], 1);
    assert_eq!(d["span"]["start"]["column"], 62);
    assert_eq!(d["span"]["start"]["offset"], 61);
    assert_eq!(d["span"]["end"]["column"], 74);
    assert_eq!(d["span"]["end"]["offset"], 73);
    assert_eq!(d["statement"]["start"]["column"], 1);
    assert_eq!(d["statement"]["end"]["column"], 74);
    assert_eq!(d["lock"]["mode"], "ACCESS EXCLUSIVE");
    assert_eq!(
        d["lock"]["blocks"],
        serde_json::json!(["reads", "writes", "ddl"])
    );
    assert_eq!(d["lock"]["scan"], true);
    assert_eq!(d["lock"]["rewrite"], false);
    assert_eq!(d["docs"], "rules/set-not-null.md");
    // fixtures/demo is a Drizzle folder: drizzle-kit runs each migration in a transaction.
    assert_eq!(d["runner"], "drizzle");
    assert_eq!(d["transaction"], "runner");
    assert!(d["help"].as_str().unwrap().contains("CHECK"));
    let steps = d["suggestion"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0]["phase"], "expand");
    assert_eq!(steps[0]["separate_transaction"], true);
    assert!(
        steps[0]["sql"]
            .as_str()
            .unwrap()
            .starts_with("ALTER TABLE \"tenant_accounts\" ADD CONSTRAINT")
    );
    assert_eq!(d["suggestion"]["mechanical"], true);

    let rules: Vec<&str> = all
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec![
            "set-not-null",
            "create-index-non-concurrently",
            "rename-column",
            "drop-column"
        ]
    );
    assert_eq!(
        v["summary"],
        serde_json::json!({"files": 3, "statements": 6, "errors": 4, "warnings": 8, "parse_errors": 0, "unanalyzed": 0, "do_statements": 0, "dynamic_sql": 0, "do_unreadable": 0, "down_skipped": 0, "skimmed": 0})
    );
}

#[test]
fn clean_input_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("1.sql"),
        "CREATE TABLE t (id bigint);\nCREATE INDEX i ON t (id);\n",
    )
    .unwrap();
    bellows()
        .args(["check"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("0 errors, 0 warnings in 1 file"));
}

#[test]
fn current_folder_is_the_default() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("1.sql"), "ALTER TABLE t DROP COLUMN c;").unwrap();
    let out = bellows()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["file"], "./1.sql");
}

#[test]
fn usage_errors_exit_two() {
    bellows()
        .args(["check", "--format", "xml"])
        .assert()
        .code(2);
    bellows().args(["frobnicate"]).assert().code(2);
    bellows()
        .args(["check", "--pg-version", "fifteen"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a PostgreSQL version"));
    bellows()
        .args(["check", "--exclude", "a[", "."])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid --exclude glob"));
    bellows().args(["explain", "no-such-rule"]).assert().code(2);
}

#[test]
fn help_and_version_exit_zero() {
    bellows().arg("--help").assert().code(0);
    bellows().arg("--version").assert().code(0);
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn unreadable_files_are_named_and_the_rest_is_linted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "1_good.sql", b"ALTER TABLE t DROP COLUMN c;\n");
    write(d, "2_latin1.sql", b"SELECT 'caf\xe9';\n");
    write(d, "3_binary.sql", b"SELECT 1;\0\0\0");
    let missing = d.join("4_missing.sql");
    let out = bellows()
        .args(["check", "--format", "json"])
        .arg(d)
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    let by_rule = |rule: &str| -> Vec<String> {
        diags
            .iter()
            .filter(|d| d["rule"] == rule)
            .map(|d| {
                format!(
                    "{} | {}",
                    d["file"].as_str().unwrap(),
                    d["message"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(by_rule("drop-column").len(), 1);
    let io = by_rule("io-error");
    assert_eq!(io.len(), 3, "{io:#?}");
    assert!(
        io[0].contains("2_latin1.sql") && io[0].contains("not valid UTF-8"),
        "{}",
        io[0]
    );
    assert!(
        io[1].contains("3_binary.sql") && io[1].contains("NUL byte"),
        "{}",
        io[1]
    );
    assert!(
        io[2].contains("4_missing.sql") && io[2].contains("no such file"),
        "{}",
        io[2]
    );
    assert_eq!(v["summary"]["files"], 4);
}

#[test]
fn unreadable_file_in_human_output_names_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.sql", b"\xff\xfe");
    bellows()
        .args(["check"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout(predicates::str::contains("bad.sql is not valid UTF-8"));
}

#[test]
fn garbage_statement_between_two_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.sql",
        b"ALTER TABLE a DROP COLUMN x;\nwhat is this;\nALTER TABLE b DROP COLUMN y;\n",
    );
    let (v, code) = json_of(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let got: Vec<(String, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["span"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("drop-column".to_string(), 1),
            ("parse-error".to_string(), 2),
            ("drop-column".to_string(), 3)
        ]
    );
    assert_eq!(v["summary"]["parse_errors"], 1);
}

#[test]
fn rules_lists_every_rule_and_explain_prints_its_page() {
    let out = bellows().arg("rules").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for m in bellows::rules::all() {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(m.id))
            .unwrap_or_else(|| panic!("{} missing from `bellows rules`", m.id));
        assert!(line.contains(&m.default_severity.to_string()));
    }
    bellows()
        .args(["explain", "set-not-null"])
        .assert()
        .code(0)
        .stdout(predicates::str::starts_with("# set-not-null"));
}

#[test]
fn exclude_globs_leave_files_out() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1.up.sql", b"SELECT 1;");
    write(dir.path(), "1.down.sql", b"ALTER TABLE t DROP COLUMN c;");
    bellows()
        .args(["check", "--exclude", "*.down.sql"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("in 1 file"));
}

#[test]
fn locks_json_lists_each_statement_with_the_locks_held_before_it() {
    let file = "fixtures/locks/0004_orders_user_fk.sql";
    let (v, code) = json_of(&["locks", "--format", "json", file]);
    assert_eq!(code, 0);
    let statements = v["statements"].as_array().unwrap();
    assert_eq!(statements.len(), 7);
    let index = &statements[2];
    assert_eq!(index["file"], file);
    assert_eq!(index["line"], 3);
    assert_eq!(
        index["sql"],
        "CREATE INDEX orders_user_id_idx ON orders (user_id)"
    );
    assert_eq!(
        index["locks"][0],
        serde_json::json!({"relation": "orders", "kind": "table", "mode": "SHARE", "rewrite": false, "scan": true})
    );
    assert_eq!(index["blocks"], serde_json::json!(["writes", "ddl"]));
    assert_eq!(index["rewrite"], false);
    assert_eq!(index["scan"], true);
    assert_eq!(index["transactional"], true);
    assert_eq!(index["held"], serde_json::json!([]));
    // The foreign key takes SHARE ROW EXCLUSIVE on both tables; orders keeps the SHARE of
    // line 3 until the stronger lock replaces it.
    let fk = &statements[3];
    assert_eq!(fk["line"], 4);
    assert_eq!(
        fk["held"],
        serde_json::json!([{"relation": "orders", "mode": "SHARE", "since": {"file": file, "line": 3}}])
    );
    let users = fk["locks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "users")
        .unwrap();
    assert_eq!(users["mode"], "SHARE ROW EXCLUSIVE");
    assert_eq!(users["scan"], false);
    // At VALIDATE, both tables are still locked by line 4's statement.
    let validate = &statements[5];
    assert_eq!(validate["line"], 7);
    assert_eq!(
        validate["held"],
        serde_json::json!([
            {"relation": "orders", "mode": "SHARE ROW EXCLUSIVE", "since": {"file": file, "line": 4}},
            {"relation": "users", "mode": "SHARE ROW EXCLUSIVE", "since": {"file": file, "line": 4}}
        ])
    );
    assert_eq!(validate["blocks"], serde_json::json!(["ddl"]));
    // COMMIT still runs with them held; it ends the transaction.
    assert_eq!(statements[6]["sql"], "COMMIT");
    assert_eq!(statements[6]["held"].as_array().unwrap().len(), 2);
}

#[test]
fn locks_human_table() {
    let out = bellows()
        .args(["locks", "fixtures/locks/0004_orders_user_fk.sql"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("locks_human", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn locks_of_concurrent_statements_outside_a_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1.sql");
    fs::write(
        &path,
        "CREATE INDEX CONCURRENTLY i ON t (a);\nALTER TABLE t ALTER COLUMN a TYPE bigint;\n",
    )
    .unwrap();
    let (v, code) = json_of(&["locks", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    let s = v["statements"].as_array().unwrap();
    assert_eq!(s[0]["transactional"], false);
    assert_eq!(s[0]["locks"][0]["mode"], "SHARE UPDATE EXCLUSIVE");
    assert_eq!(s[1]["rewrite"], true);
    assert_eq!(
        s[1]["blocks"],
        serde_json::json!(["reads", "writes", "ddl"])
    );
    // Outside a transaction block each statement releases its locks.
    assert_eq!(s[1]["held"], serde_json::json!([]));
}

#[test]
fn locks_usage_and_unreadable_files() {
    bellows().args(["locks"]).assert().code(2);
    bellows()
        .args(["locks", "--pg-version", "fifteen", "x.sql"])
        .assert()
        .code(2);
    bellows()
        .args(["locks", "no/such/file.sql"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no/such/file.sql"));
}

/// The JSON report is written while later folders are still being linted: its order must
/// still be the input order, across folders given interleaved and unreadable inputs, and
/// match the other formats'.
#[test]
fn streamed_json_keeps_input_order_across_folders() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    fs::create_dir_all(&a).unwrap();
    fs::create_dir_all(&b).unwrap();
    for (d, n) in [(&a, 1), (&a, 2), (&b, 1), (&b, 2)] {
        write(d, &format!("{n}_x.sql"), b"ALTER TABLE t DROP COLUMN c;\n");
    }
    let missing = dir.path().join("missing.sql");
    let inputs = [
        b.join("2_x.sql"),
        a.join("1_x.sql"),
        missing.clone(),
        b.join("1_x.sql"),
        a.join("2_x.sql"),
    ];
    let out = bellows()
        .args(["check", "--format", "json"])
        .args(&inputs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let diagnostics = v["diagnostics"].as_array().unwrap();
    let mut files: Vec<String> = diagnostics
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    files.dedup();
    let expected: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(files, expected);
    assert_eq!(v["summary"]["files"], 5);
    let counted =
        v["summary"]["warnings"].as_u64().unwrap() + v["summary"]["errors"].as_u64().unwrap();
    assert_eq!(counted as usize, diagnostics.len());
    let compact = bellows()
        .args(["check", "--format", "compact"])
        .args(&inputs)
        .output()
        .unwrap();
    let mut compact_files: Vec<String> = String::from_utf8_lossy(&compact.stdout)
        .lines()
        .map(|l| l.split(':').next().unwrap_or("").to_string())
        .collect();
    compact_files.dedup();
    assert_eq!(compact_files, expected);
}

/// A folder's results reach the report in batches while its walk goes on, and its extra
/// results (a Drizzle journal's) after its last file: the report keeps the input order
/// across batches, folders and the journal.
#[test]
fn streamed_results_keep_order_across_batches_and_extra_results() {
    let dir = tempfile::tempdir().unwrap();
    let (drizzle, other) = (dir.path().join("drizzle"), dir.path().join("other"));
    fs::create_dir_all(drizzle.join("meta")).unwrap();
    fs::create_dir_all(&other).unwrap();
    let names: Vec<String> = (0..150).map(|n| format!("{n:04}_m.sql")).collect();
    for name in &names {
        write(&drizzle, name, b"ALTER TABLE t DROP COLUMN c;\n");
    }
    write(
        &drizzle.join("meta"),
        "_journal.json",
        br#"{"version":"7","dialect":"postgresql","entries":[
  {"idx":0,"version":"7","when":1700000000000,"tag":"0000_m","breakpoints":true},
  {"idx":1,"version":"7","when":1710000000000,"tag":"9999_gone","breakpoints":true}
]}"#,
    );
    for n in [1, 2] {
        write(
            &other,
            &format!("{n}_x.sql"),
            b"ALTER TABLE t DROP COLUMN c;\n",
        );
    }
    let out = bellows()
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut files: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    files.dedup();
    let mut expected: Vec<String> = names
        .iter()
        .map(|n| drizzle.join(n).display().to_string())
        .collect();
    expected.push(drizzle.join("meta/_journal.json").display().to_string());
    expected.extend([1, 2].map(|n| other.join(format!("{n}_x.sql")).display().to_string()));
    assert_eq!(files, expected);
}

/// The binary's jemalloc settings are the ones `src/main.rs` sets (a misspelt symbol name
/// would leave jemalloc's defaults, and twice the arenas, in place silently).
#[cfg(not(target_env = "msvc"))]
#[test]
fn jemalloc_reads_the_binarys_settings() {
    let out = bellows()
        .env("_RJEM_MALLOC_CONF", "confirm_conf:true")
        .args(["check", "fixtures/demo"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("global variable malloc_conf): \"narenas:2,thp:always,metadata_thp:always\""),
        "{err}"
    );
}
