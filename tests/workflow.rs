//! `--since` against a real git repository, `bellows.toml`, suppressions and the Drizzle
//! journal, through the binary.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn bellows(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("bellows").expect("binary");
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

fn json(dir: &Path, args: &[&str]) -> (Value, i32, String) {
    let out = bellows(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (v, out.status.code().unwrap_or(-1), stderr)
}

/// `(rule, file name)` of every diagnostic.
fn found(v: &Value) -> Vec<(String, String)> {
    v["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    let file = d["file"].as_str().unwrap_or("");
                    let name = file.rsplit('/').next().unwrap_or("").to_string();
                    (d["rule"].as_str().unwrap_or("").to_string(), name)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn since_reports_only_changed_files_and_flags_edited_ones() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let m = d.join("migrations");
    fs::create_dir(&m).expect("mkdir");
    fs::write(
        m.join("0001_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
    )
    .expect("write");
    fs::write(
        m.join("0002_drop.sql"),
        "ALTER TABLE users DROP COLUMN email;\n",
    )
    .expect("write");
    git(d, &["init", "-q", "-b", "main"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "base"]);
    // A new migration, and an edit to an applied one.
    fs::write(m.join("0003_name.sql"), "ALTER TABLE users ADD COLUMN name text;\nALTER TABLE users ALTER COLUMN name SET NOT NULL;\n").expect("write");
    fs::write(
        m.join("0001_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, email text, x int);\n",
    )
    .expect("write");

    let (v, code, _) = json(d, &["--since", "HEAD", "migrations"]);
    assert_eq!(code, 1);
    let errors: Vec<_> = found(&v)
        .into_iter()
        .filter(|(r, _)| !r.starts_with("prefer-") && r != "lock-timeout-missing")
        .collect();
    assert_eq!(
        errors,
        vec![
            (
                "migration-modified".to_string(),
                "0001_users.sql".to_string()
            ),
            ("set-not-null".to_string(), "0003_name.sql".to_string()),
        ]
    );
    assert_eq!(v["summary"]["files"], 2);

    // Without --since every file is reported (0002's drop-column too).
    let (v, _, _) = json(d, &["migrations"]);
    assert!(found(&v).contains(&("drop-column".to_string(), "0002_drop.sql".to_string())));
}

#[test]
fn since_outside_a_repository_or_with_a_bad_ref_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("dir");
    fs::write(dir.path().join("1.sql"), "SELECT 1;").expect("write");
    let (_, code, err) = json(dir.path(), &["--since", "main", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("needs a git repository"), "{err}");
    git(dir.path(), &["init", "-q"]);
    let (_, code, err) = json(dir.path(), &["--since", "no-such-ref", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-ref"), "{err}");
}

#[test]
fn config_file_sets_levels_version_and_fail_on() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    fs::write(
        d.join("m.sql"),
        "ALTER TABLE t DROP COLUMN c;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\n",
    )
    .expect("write");
    fs::write(
        d.join("bellows.toml"),
        "pg-version = 11\nexclude = [\"skip/**\"]\n\n[rules]\ndrop-column = \"off\"\nset-not-null = \"warning\"\nlock-timeout-missing = \"off\"\n",
    )
    .expect("write");
    fs::create_dir(d.join("skip")).expect("mkdir");
    fs::write(d.join("skip/x.sql"), "DROP TABLE t;").expect("write");
    let (v, code, _) = json(d, &["."]);
    assert_eq!(code, 0, "{v}");
    let d0 = &v["diagnostics"][0];
    assert_eq!(v["diagnostics"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(d0["rule"], "set-not-null");
    assert_eq!(d0["severity"], "warning");
    assert_eq!(v["summary"]["files"], 1);
    // --fail-on warning makes the warning fail the run; a flag overrides one key only.
    let (_, code, _) = json(d, &["--fail-on", "warning", "."]);
    assert_eq!(code, 1);
    fs::write(
        d.join("bellows.toml"),
        "pg-version = 11\nfail-on = \"warning\"\n[rules]\nlock-timeout-missing = \"off\"\n",
    )
    .expect("write");
    let (_, code, _) = json(d, &["--fail-on", "error", "--exclude", "skip/**", "."]);
    assert_eq!(code, 1, "drop-column is an error again");
}

#[test]
fn config_errors_name_the_key_and_line() {
    let dir = tempfile::tempdir().expect("dir");
    fs::write(
        dir.path().join("bellows.toml"),
        "pg-version = 15\nfail_on = \"error\"\n",
    )
    .expect("write");
    let (_, code, err) = json(dir.path(), &["."]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bellows.toml:2") && err.contains("fail_on"),
        "{err}"
    );
    let other = dir.path().join("other.toml");
    fs::write(&other, "[rules]\nset-not-nul = \"off\"\n").expect("write");
    let (_, code, err) = json(
        dir.path(),
        &["--config", other.to_str().expect("utf-8"), "."],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("other.toml:2") && err.contains("set-not-nul"),
        "{err}"
    );
}

#[test]
fn suppressions_used_unused_unknown_and_without_reason() {
    let dir = tempfile::tempdir().expect("dir");
    let sql = "\
SET lock_timeout = '2s';
-- bellows-ignore drop-column: the app stopped reading it in v3
ALTER TABLE t DROP COLUMN a;
-- bellows-ignore drop-column
ALTER TABLE t DROP COLUMN b;
-- bellows-ignore drop-colum: typo
ALTER TABLE t DROP COLUMN c;
-- bellows-ignore set-not-null: nothing to silence here
SELECT 1;
";
    fs::write(dir.path().join("m.sql"), sql).expect("write");
    let (v, _, _) = json(dir.path(), &["."]);
    let got: Vec<(String, u64, String)> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or("").to_string(),
                d["span"]["start"]["line"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let lines: Vec<(&str, u64)> = got.iter().map(|(r, l, _)| (r.as_str(), *l)).collect();
    assert_eq!(
        lines,
        vec![
            ("unused-ignore", 4),
            ("drop-column", 5),
            ("unused-ignore", 6),
            ("drop-column", 7),
            ("unused-ignore", 8),
        ]
    );
    assert!(got[0].2.contains("no reason"));
    assert!(got[2].2.contains("`drop-colum` is not a bellows rule"));
    assert!(got[4].2.contains("silences nothing"));
    // Reasons can be made optional.
    fs::write(
        dir.path().join("bellows.toml"),
        "require-ignore-reason = false\n",
    )
    .expect("write");
    let (v, _, _) = json(dir.path(), &["."]);
    let drops = found(&v).iter().filter(|(r, _)| r == "drop-column").count();
    assert_eq!(drops, 1);
}

#[test]
fn drizzle_journal_problems() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    fs::create_dir(d.join("meta")).expect("mkdir");
    for f in ["0000_a.sql", "0001_b.sql", "0003_stray.sql"] {
        fs::write(d.join(f), "SELECT 1;\n").expect("write");
    }
    fs::write(
        d.join("meta/_journal.json"),
        r#"{"version":"7","dialect":"postgresql","entries":[
  {"idx":0,"version":"7","when":1700000000000,"tag":"0000_a","breakpoints":true},
  {"idx":1,"version":"7","when":1690000000000,"tag":"0001_b","breakpoints":true},
  {"idx":1,"version":"7","when":1710000000000,"tag":"0002_gone","breakpoints":true}
]}"#,
    )
    .expect("write");
    let (v, code, _) = json(d, &["."]);
    assert_eq!(code, 1);
    let journal: Vec<String> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|x| x["rule"] == "migration-journal")
        .map(|x| {
            format!(
                "{}:{} {}",
                x["file"]
                    .as_str()
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap_or(""),
                x["span"]["start"]["line"],
                x["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(journal.len(), 4, "{journal:#?}");
    assert!(
        journal[0].starts_with("_journal.json:3 journal entry `0001_b` is not later than `0000_a`"),
        "{journal:#?}"
    );
    assert!(
        journal[1].starts_with("_journal.json:4 journal entry `0002_gone` has no file"),
        "{journal:#?}"
    );
    assert!(
        journal[2]
            .starts_with("_journal.json:4 journal idx 1 is used by `0001_b` and by `0002_gone`"),
        "{journal:#?}"
    );
    assert!(
        journal[3].contains("0003_stray.sql is not in the journal"),
        "{journal:#?}"
    );
}

#[test]
fn duplicate_versions_in_golang_migrate() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    fs::write(d.join("000001_a.up.sql"), "SELECT 1;").expect("write");
    fs::write(d.join("000001_b.up.sql"), "SELECT 2;").expect("write");
    let (v, _, _) = json(d, &["."]);
    assert_eq!(
        found(&v),
        vec![(
            "migration-journal".to_string(),
            "000001_b.up.sql".to_string()
        )]
    );
}
