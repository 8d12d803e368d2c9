//! The CI and editor formats of `bellows check`: sarif, github, gitlab, compact.

mod common;

use common::bellows;
use serde_json::Value;
use std::fs;

/// stdout and exit code of `bellows check --format <format> <paths>`.
fn check(format: &str, paths: &[&str]) -> (String, i32) {
    let out = bellows()
        .args(["check", "--format", format])
        .args(paths)
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    (text, out.status.code().expect("exit code"))
}

fn demo(format: &str) -> String {
    let (text, code) = check(format, &["fixtures/demo"]);
    assert_eq!(code, 1, "the demo has errors");
    text
}

#[test]
fn demo_compact() {
    insta::assert_snapshot!("demo_compact", demo("compact"));
}

#[test]
fn demo_github() {
    insta::assert_snapshot!("demo_github", demo("github"));
}

#[test]
fn demo_gitlab() {
    insta::assert_snapshot!("demo_gitlab", demo("gitlab"));
}

/// The demo's SARIF log with the rule pages and bellows' version left out, which change
/// without the format changing; `sarif_is_a_valid_2_1_0_log` checks them.
#[test]
fn demo_sarif() {
    let mut text = demo("sarif").replace(
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"version\": \"[version]\"",
    );
    for m in bellows::rules::all() {
        let page = serde_json::to_string(m.docs).expect("a string");
        text = text.replace(&page, "\"[page]\"");
    }
    insta::assert_snapshot!("demo_sarif", text);
}

fn string<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
}

fn int(v: &Value, what: &str) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("{what} is not a non-negative integer: {v}"))
}

fn array<'a>(v: &'a Value, what: &str) -> &'a Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what} is not an array: {v}"))
}

#[test]
fn sarif_is_a_valid_2_1_0_log() {
    let log: Value = serde_json::from_str(&demo("sarif")).expect("SARIF is JSON");
    assert!(string(&log["$schema"], "$schema").ends_with("sarif-schema-2.1.0.json"));
    assert_eq!(log["version"], "2.1.0");
    let runs = array(&log["runs"], "runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "bellows");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

    let rules = array(&driver["rules"], "rules");
    for rule in rules {
        let id = string(&rule["id"], "rules[].id");
        let meta = bellows::rules::find(id).expect("a known rule");
        assert_eq!(rule["shortDescription"]["text"], meta.summary);
        assert!(!string(&rule["fullDescription"]["text"], "fullDescription").is_empty());
        assert_eq!(rule["help"]["markdown"], meta.docs);
        assert_eq!(rule["help"]["text"], meta.docs);
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            meta.default_severity.to_string()
        );
        assert_eq!(rule["properties"]["docs"], format!("rules/{id}.md"));
        assert!(rule.get("helpUri").is_none(), "no page is hosted");
    }

    let results = array(&run["results"], "results");
    assert_eq!(results.len(), 12);
    let mut fixes = Vec::new();
    for r in results {
        let id = string(&r["ruleId"], "ruleId");
        let index = int(&r["ruleIndex"], "ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at its rule");
        assert!(matches!(string(&r["level"], "level"), "error" | "warning"));
        assert!(!string(&r["message"]["text"], "message").is_empty());
        let locations = array(&r["locations"], "locations");
        assert_eq!(locations.len(), 1);
        let physical = &locations[0]["physicalLocation"];
        let uri = string(&physical["artifactLocation"]["uri"], "uri");
        assert!(uri.starts_with("fixtures/demo/0") && uri.ends_with(".sql"));
        let region = &physical["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(int(&region[key], key) >= 1, "{key} is 1-based");
        }
        let fingerprint = string(
            &r["partialFingerprints"]["bellowsFindingHash/v1"],
            "partialFingerprints",
        );
        assert_eq!(fingerprint.len(), 64);
        if let Some(fix) = r.get("fixes") {
            let fix = &array(fix, "fixes")[0];
            assert!(!string(&fix["description"]["text"], "fix description").is_empty());
            let change = &array(&fix["artifactChanges"], "artifactChanges")[0];
            assert_eq!(change["artifactLocation"]["uri"], uri);
            let replacement = &array(&change["replacements"], "replacements")[0];
            string(&replacement["insertedContent"]["text"], "insertedContent");
            int(&replacement["deletedRegion"]["startLine"], "deletedRegion");
            fixes.push(id);
        }
    }
    // One-edit rewrites of the statement in place. Not set-not-null's three steps, nor
    // lock-timeout-missing's added SET, nor CREATE INDEX CONCURRENTLY next to another
    // statement of its migration.
    assert_eq!(
        fixes,
        [
            "prefer-bigint",
            "prefer-identity",
            "prefer-text",
            "prefer-timestamptz"
        ]
    );
}

#[test]
fn sarif_fix_inserts_concurrently_in_a_create_index_alone_in_its_migration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("0003_contact_index.sql");
    fs::write(
        &file,
        "-- bellows-ignore-file lock-timeout-missing: set by the runner\n\
         CREATE INDEX IF NOT EXISTS \"tenant_accounts_contact_idx\" ON \"tenant_accounts\" (\"primary_contact\");\n",
    )
    .expect("writes");
    let (text, code) = check("sarif", &[file.to_str().expect("UTF-8 temp path")]);
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&text).expect("SARIF is JSON");
    let results = array(&log["runs"][0]["results"], "results");
    assert_eq!(results.len(), 1);
    let fix = &results[0]["fixes"][0];
    assert_eq!(
        fix["description"]["text"],
        "create the index concurrently, in its own migration outside a transaction"
    );
    let replacement = &fix["artifactChanges"][0]["replacements"][0];
    // Line 2 is `CREATE INDEX IF NOT EXISTS …`; column 14 is the `I` of IF, where
    // CONCURRENTLY goes.
    assert_eq!(
        replacement["deletedRegion"],
        serde_json::json!({"startLine": 2, "startColumn": 14, "endLine": 2, "endColumn": 14})
    );
    assert_eq!(replacement["insertedContent"]["text"], "CONCURRENTLY ");
}

#[test]
fn gitlab_fingerprints_are_stable_and_distinct() {
    let first: Value = serde_json::from_str(&demo("gitlab")).expect("JSON");
    let second: Value = serde_json::from_str(&demo("gitlab")).expect("JSON");
    let prints = |v: &Value| -> Vec<String> {
        array(v, "report")
            .iter()
            .map(|i| string(&i["fingerprint"], "fingerprint").to_string())
            .collect()
    };
    assert_eq!(prints(&first), prints(&second));
    let mut unique = prints(&first);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 12, "every finding has its own fingerprint");
    for issue in array(&first, "report") {
        assert!(matches!(
            string(&issue["severity"], "severity"),
            "major" | "minor"
        ));
        assert!(int(&issue["location"]["lines"]["begin"], "lines.begin") >= 1);
    }
}

#[test]
fn unreadable_files_are_reported_at_line_one_in_every_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("bad.sql"), b"\xff\xfe").expect("writes");
    let path = dir.path().join("bad.sql");
    let path = path.to_str().expect("UTF-8 temp path");
    let (text, code) = check("compact", &[path]);
    assert_eq!(code, 2);
    assert_eq!(
        text,
        format!(
            "{path}:1:1: error[io-error] {path} is not valid UTF-8 (invalid byte at offset 0); save it as UTF-8\n"
        )
    );
    let (text, _) = check("github", &[path]);
    assert!(
        text.starts_with("::error file=")
            && text.contains(",line=1,col=1,endLine=1,endColumn=1,title=io-error::"),
        "{text}"
    );
    let (text, _) = check("gitlab", &[path]);
    let v: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v[0]["check_name"], "io-error");
    assert_eq!(v[0]["location"]["lines"]["begin"], 1);
    let (text, _) = check("sarif", &[path]);
    let v: Value = serde_json::from_str(&text).expect("JSON");
    let r = &v["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "io-error");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1})
    );
    assert!(
        string(
            &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "uri"
        )
        .starts_with("file:///")
    );
}

#[test]
fn clean_runs_print_nothing_or_an_empty_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("1.sql"), "SELECT 1;\n").expect("writes");
    let path = dir.path().to_str().expect("UTF-8 temp path");
    assert_eq!(check("compact", &[path]), (String::new(), 0));
    assert_eq!(check("github", &[path]), (String::new(), 0));
    assert_eq!(check("gitlab", &[path]), ("[]\n".to_string(), 0));
    let (text, code) = check("sarif", &[path]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"],
        serde_json::json!([])
    );
}
