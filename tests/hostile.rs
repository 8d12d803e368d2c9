//! Hostile input: every case ends with a result or a clear message, exit code ≤ 2, never a
//! panic or a hang, and the good file next to it is still linted.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A folder with one good file whose finding must always be reported.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(
        dir.path().join("0_good.sql"),
        "ALTER TABLE t DROP COLUMN c;\n",
    )
    .expect("write");
    dir
}

struct Outcome {
    code: i32,
    json: Value,
    stderr: String,
}

impl Outcome {
    /// The error-level rules reported for the file (warnings such as
    /// `lock-timeout-missing` are not what these tests are about).
    fn rules_in(&self, file_part: &str) -> Vec<String> {
        self.json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["file"].as_str().is_some_and(|f| f.contains(file_part)))
            .filter(|d| d["severity"] == "error")
            .map(|d| d["rule"].as_str().unwrap_or("").to_string())
            .collect()
    }

    fn message_of(&self, file_part: &str) -> String {
        self.json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .find(|d| d["file"].as_str().is_some_and(|f| f.contains(file_part)))
            .map(|d| d["message"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    }
}

fn run_on(paths: &[&Path]) -> Outcome {
    run_cmd(Command::cargo_bin("bellows").expect("binary"), paths)
}

fn run_cmd(mut cmd: Command, paths: &[&Path]) -> Outcome {
    let out = cmd
        .args(["check", "--format", "json"])
        .args(paths)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    let code = out.status.code().expect("exited, not killed");
    assert!(code <= 2, "exit code {code}");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {stderr}"));
    Outcome { code, json, stderr }
}

fn assert_good_file_linted(o: &Outcome) {
    assert_eq!(o.rules_in("0_good.sql"), vec!["drop-column"], "{}", o.json);
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, bytes).expect("write");
    p
}

#[test]
fn hundred_thousand_nested_parentheses() {
    let dir = folder();
    let sql = format!(
        "SELECT {}1{};\nALTER TABLE u DROP COLUMN d;\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    write(dir.path(), "1_nested.sql", sql.as_bytes());
    let o = run_on(&[dir.path()]);
    assert_eq!(o.code, 1);
    assert_eq!(
        o.rules_in("1_nested.sql"),
        vec!["parse-error", "drop-column"]
    );
    assert!(
        o.message_of("1_nested.sql").contains("nests more than"),
        "{}",
        o.message_of("1_nested.sql")
    );
    assert_good_file_linted(&o);
}

/// A deterministic pseudo-random byte stream (xorshift), so failures reproduce.
fn noise(len: usize, seed: u64, printable: bool) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if printable {
                b" ;'\"$()-*/\nabcdefgSELECT"[(x % 24) as usize]
            } else {
                (x >> 24) as u8
            }
        })
        .collect()
}

#[test]
fn two_hundred_kilobytes_of_random_bytes() {
    let dir = folder();
    write(
        dir.path(),
        "1_random.sql",
        &noise(200_000, 0x9E37_79B9_7F4A_7C15, false),
    );
    write(dir.path(), "2_random_text.sql", &noise(200_000, 42, true));
    let o = run_on(&[dir.path()]);
    assert_eq!(o.code, 2);
    assert_eq!(o.rules_in("1_random.sql"), vec!["io-error"]);
    assert!(
        o.rules_in("2_random_text.sql")
            .iter()
            .all(|r| r == "parse-error")
    );
    assert_good_file_linted(&o);
}

#[test]
fn nul_bytes_and_latin1_are_named_io_errors() {
    let dir = folder();
    write(dir.path(), "1_nul.sql", b"SELECT 1;\0");
    write(
        dir.path(),
        "2_latin1.sql",
        b"COMMENT ON TABLE t IS 'caf\xe9';",
    );
    let o = run_on(&[dir.path()]);
    assert_eq!(o.code, 2);
    assert!(o.message_of("1_nul.sql").contains("NUL byte"));
    assert!(o.message_of("2_latin1.sql").contains("not valid UTF-8"));
    assert_good_file_linted(&o);
}

#[test]
fn unterminated_quote_and_dollar_quote() {
    let dir = folder();
    write(
        dir.path(),
        "1_quote.sql",
        b"SELECT 1;\nSELECT 'abc;\nDROP TABLE x;",
    );
    write(
        dir.path(),
        "2_dollar.sql",
        b"CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1;",
    );
    let o = run_on(&[dir.path()]);
    assert_eq!(o.code, 1);
    assert_eq!(o.rules_in("1_quote.sql"), vec!["parse-error"]);
    assert_eq!(o.rules_in("2_dollar.sql"), vec!["parse-error"]);
    assert_good_file_linted(&o);
}

#[test]
fn three_hundred_thousand_statements() {
    let dir = folder();
    let mut sql = String::with_capacity(9_000_000);
    for i in 0..300_000 {
        sql.push_str(&format!("INSERT INTO t VALUES ({i});\n"));
    }
    sql.push_str("ALTER TABLE t DROP COLUMN last;\n");
    write(dir.path(), "1_many.sql", sql.as_bytes());
    let o = run_on(&[dir.path()]);
    assert_eq!(o.code, 1);
    assert_eq!(o.rules_in("1_many.sql"), vec!["drop-column"]);
    assert_eq!(o.json["summary"]["statements"], 300_002);
    assert_good_file_linted(&o);
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_skipped_with_a_note() {
    let dir = folder();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).expect("symlink");
    let o = run_on(&[dir.path()]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("symlink loop"), "{}", o.stderr);
    assert_eq!(o.json["summary"]["files"], 1);
    assert_good_file_linted(&o);
}

#[test]
fn empty_file_is_clean() {
    let dir = tempfile::tempdir().expect("dir");
    let empty = write(dir.path(), "empty.sql", b"");
    let o = run_on(&[&empty]);
    assert_eq!(o.code, 0);
    assert_eq!(o.json["summary"]["statements"], 0);
}

#[test]
fn a_folder_named_like_a_sql_file_is_walked_not_read() {
    let dir = folder();
    fs::create_dir(dir.path().join("1_dir.sql")).expect("mkdir");
    fs::write(dir.path().join("1_dir.sql/inner.sql"), "DROP TABLE t;").expect("write");
    let o = run_on(&[dir.path()]);
    assert_eq!(o.code, 1);
    assert_eq!(o.json["summary"]["files"], 2);
    assert_good_file_linted(&o);
}

#[cfg(unix)]
#[test]
fn fifo_is_an_io_error_not_a_hang() {
    let dir = folder();
    let fifo = dir.path().join("1_pipe.sql");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let o = run_on(&[dir.path(), &fifo]);
    assert_eq!(o.code, 2);
    assert!(o.message_of("1_pipe.sql").contains("not a regular file"));
    assert_good_file_linted(&o);
}

#[cfg(unix)]
#[test]
fn unreadable_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = folder();
    let locked = write(dir.path(), "1_locked.sql", b"DROP TABLE t;");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    // root reads anything: run bellows as an unprivileged user then.
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let o = if is_root {
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod dir");
        fs::set_permissions(
            dir.path().join("0_good.sql"),
            fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
        let bin = assert_cmd::cargo::cargo_bin("bellows");
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "nobody", "--"]).arg(bin);
        run_cmd(cmd, &[dir.path()])
    } else {
        run_on(&[dir.path()])
    };
    assert_eq!(o.code, 2);
    assert!(
        o.message_of("1_locked.sql").contains("Permission denied"),
        "{}",
        o.json
    );
    assert_good_file_linted(&o);
}
