//! Reporters: they get file results (diagnostics and source text) and print them.

use crate::diagnostic::{Phase, Severity, Suggestion};
use crate::lint::{FileResult, Stats};
use crate::rules::IO_ERROR;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Component, Path};

pub mod compact;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod sarif;

/// Totals over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files linted (including unreadable ones).
    pub files: usize,
    /// Statement counts.
    pub stats: Stats,
    /// Diagnostics at error severity.
    pub errors: usize,
    /// Diagnostics at warning severity.
    pub warnings: usize,
    /// Files that could not be read.
    pub io_errors: usize,
}

impl Summary {
    /// Totals of `files`.
    pub fn of(files: &[FileResult]) -> Self {
        let mut s = Summary::default();
        for f in files {
            s.add(f);
        }
        s
    }

    /// Counts one more file.
    pub fn add(&mut self, f: &FileResult) {
        self.files += 1;
        self.stats.add(&f.stats);
        for d in &f.diagnostics {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
            }
        }
        if f.diagnostics.iter().any(|d| d.rule == IO_ERROR.id) {
            self.io_errors += 1;
        }
    }
}

/// A suggestion as plain SQL text: each step headed by a comment naming its phase, and
/// whether it needs its own transaction.
pub fn render_suggestion(s: &Suggestion) -> String {
    let mut out = String::new();
    for (i, step) in s.steps.iter().enumerate() {
        let note = match (step.phase, step.separate_transaction) {
            (Phase::App, _) => "app change, deployed before the next step",
            (phase, true) => &format!("{}, own transaction", phase.name()),
            (phase, false) => phase.name(),
        };
        out.push_str(&format!("-- step {} ({note})\n{}\n", i + 1, step.sql));
    }
    out
}

/// Where a rule's page lives, for links in reports.
pub fn docs_path(rule: &str) -> String {
    format!("rules/{rule}.md")
}

/// `path` with forward slashes and without a leading `./`, as CI services want paths
/// relative to the repository root (`./db/1.sql`, and `db\1.sql` on Windows, are `db/1.sql`).
pub fn portable_path(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut root = "";
    for c in path.components() {
        match c {
            // `C:\x` becomes `C:/x`: the drive is the first part, the root is its `/`.
            Component::Prefix(p) => parts.push(p.as_os_str().to_string_lossy().into_owned()),
            Component::RootDir if parts.is_empty() => root = "/",
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => parts.push("..".into()),
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
        }
    }
    match format!("{root}{}", parts.join("/")) {
        empty if empty.is_empty() => ".".into(),
        joined => joined,
    }
}

/// A fingerprint for each diagnostic of `file`, in order: the SHA-256 (hex) of the rule,
/// the file's portable path, the statement's text and the flagged words (both with runs of
/// white space made one space), and how many identical diagnostics come before it in the
/// file. Editing, adding or moving other statements leaves it unchanged; so does
/// re-indenting the statement. SHA-256 is fixed by its standard, unlike std's `Hasher`s,
/// whose output may change between Rust releases.
pub fn fingerprints(file: &FileResult) -> Vec<String> {
    let path = portable_path(&file.path);
    let mut seen: HashMap<[u8; 32], usize> = HashMap::new();
    file.diagnostics
        .iter()
        .map(|d| {
            let mut key = Sha256::new();
            for field in [
                d.rule,
                &path,
                &squeeze(d.statement.slice(&file.text)),
                &squeeze(d.finding.span.slice(&file.text)),
            ] {
                // Length-prefixed, so that no two different field lists hash the same bytes.
                key.update((field.len() as u64).to_le_bytes());
                key.update(field.as_bytes());
            }
            let key: [u8; 32] = key.finalize().into();
            let n = seen.entry(key).or_default();
            let occurrence = *n;
            *n += 1;
            let mut h = Sha256::new();
            h.update(key);
            h.update((occurrence as u64).to_le_bytes());
            h.finalize().iter().map(|b| format!("{b:02x}")).collect()
        })
        .collect()
}

/// `text` with every run of white space made one space, and none at either end.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` linted as the file `path`, for reporters' tests.
#[cfg(test)]
pub(crate) fn linted(path: &str, text: &str) -> FileResult {
    let (diagnostics, stats) = crate::lint::lint_text(text, &crate::lint::Settings::default());
    FileResult {
        path: std::path::PathBuf::from(path),
        text: std::sync::Arc::new(text.to_string()),
        diagnostics,
        stats,
        runner: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fingerprints of the `rule` diagnostics of a file.
    fn of_rule(f: &FileResult, rule: &str) -> Vec<String> {
        f.diagnostics
            .iter()
            .zip(fingerprints(f))
            .filter(|(d, _)| d.rule == rule)
            .map(|(_, h)| h)
            .collect()
    }

    #[test]
    fn fingerprints_survive_edits_elsewhere_and_tell_findings_apart() {
        let before = linted(
            "db/1.sql",
            "ALTER TABLE a DROP COLUMN x;\nALTER TABLE b DROP COLUMN y;\n",
        );
        let again = linted(
            "./db/1.sql",
            "ALTER TABLE a DROP COLUMN x;\nALTER TABLE b DROP COLUMN y;\n",
        );
        let after = linted(
            "db/1.sql",
            "-- a new comment\nSELECT 1;\n\nALTER TABLE a DROP COLUMN x;\nALTER TABLE b\n  DROP COLUMN y;\n",
        );
        let [x, y] = of_rule(&before, "drop-column").try_into().unwrap();
        assert_ne!(x, y);
        assert_eq!(x.len(), 64);
        assert!(x.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(of_rule(&again, "drop-column"), [x.clone(), y.clone()]);
        assert_eq!(of_rule(&after, "drop-column"), [x.clone(), y]);
        // Another file, or another rule on the same statement, is another finding.
        assert_ne!(
            of_rule(
                &linted("db/2.sql", "ALTER TABLE a DROP COLUMN x;"),
                "drop-column"
            )[0],
            x
        );
    }

    #[test]
    fn the_same_statement_twice_gives_two_fingerprints() {
        let f = linted(
            "1.sql",
            "ALTER TABLE a DROP COLUMN x;\nALTER TABLE a DROP COLUMN x;\n",
        );
        let hashes = of_rule(&f, "drop-column");
        assert_eq!(hashes.len(), 2);
        assert_ne!(hashes[0], hashes[1]);
    }

    #[test]
    fn portable_paths_use_forward_slashes_without_a_leading_dot() {
        assert_eq!(portable_path(Path::new("./db/1.sql")), "db/1.sql");
        assert_eq!(portable_path(Path::new("db/./1.sql")), "db/1.sql");
        assert_eq!(portable_path(Path::new("../db/1.sql")), "../db/1.sql");
        assert_eq!(portable_path(Path::new("/srv/db/1.sql")), "/srv/db/1.sql");
        assert_eq!(portable_path(Path::new(".")), ".");
    }
}
