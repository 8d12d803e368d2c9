//! The migration history beyond single statements: applied migrations edited since a ref,
//! Drizzle's journal out of step with its files, and two migrations with one version.

use crate::diagnostic::{Diagnostic, Finding, Severity};
use crate::layout::{Runner, is_flyway_name};
use crate::lint::{FileResult, Stats};
use crate::rules::{MIGRATION_JOURNAL, MIGRATION_MODIFIED};
use crate::source::Span;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// A file-level diagnostic at the start of a file.
fn at_start(rule: &'static str, severity: Severity, finding: Finding) -> Diagnostic {
    Diagnostic {
        rule,
        severity,
        finding,
        statement: Span::default(),
        run: None,
    }
}

/// `migration-modified` for `path`: it existed at the `--since` ref and was changed.
pub fn modified(path: &Path) -> Diagnostic {
    at_start(
        MIGRATION_MODIFIED.id,
        MIGRATION_MODIFIED.default_severity,
        Finding::new(
            Span::default(),
            format!(
                "{} was already applied (it exists at the --since ref) and has been changed",
                path.display()
            ),
            "",
        )
        .help("applied migrations are immutable: databases that ran the old version never see the change; revert it and write a new migration"),
    )
}

/// `migration-journal` findings about duplicate versions, by source index: two up
/// migrations of a Flyway, golang-migrate or sqlx folder with the same version.
pub fn duplicate_versions(runner: Runner, paths: &[&Path]) -> Vec<(usize, Diagnostic)> {
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(version) = version_of(runner, &name) else {
            continue;
        };
        match first.get(&version) {
            Some(&j) => out.push((
                i,
                at_start(
                    MIGRATION_JOURNAL.id,
                    MIGRATION_JOURNAL.default_severity,
                    Finding::new(
                        Span::default(),
                        format!(
                            "version {version} is used twice: by {} and by this file",
                            paths[j].display()
                        ),
                        "",
                    )
                    .help(format!(
                        "{} applies one migration per version: give this one a new, higher version",
                        runner.name()
                    )),
                ),
            )),
            None => {
                first.insert(version, i);
            }
        }
    }
    out
}

/// The version of an up migration file, as the runner reads it.
fn version_of(runner: Runner, name: &str) -> Option<String> {
    match runner {
        Runner::Flyway if is_flyway_name(name) && name.starts_with('V') => {
            let (v, _) = name[1..].split_once("__")?;
            // Flyway reads `1_2` and `1.2` as the same version; leading zeros do not count.
            let parts: Vec<String> = v
                .split(['.', '_'])
                .map(|p| p.trim_start_matches('0').to_string())
                .collect();
            Some(parts.join("."))
        }
        Runner::GolangMigrate if name.ends_with(".up.sql") => leading_number(name),
        Runner::Sqlx if !name.ends_with(".down.sql") => leading_number(name),
        _ => None,
    }
}

fn leading_number(name: &str) -> Option<String> {
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then(|| digits.trim_start_matches('0').to_string())
}

#[derive(Deserialize)]
struct Journal {
    #[serde(default)]
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    idx: i64,
    when: i64,
    tag: String,
}

/// Checks a Drizzle folder's `meta/_journal.json` against its files: an entry whose file
/// is missing, a file missing from the journal, a duplicate `idx`, and an entry whose
/// `when` is not later than the previous one (drizzle's migrator then skips it silently).
/// Returns the journal's own result when it has findings.
pub fn journal(dir: &Path, paths: &[&Path]) -> Option<FileResult> {
    let path = dir.join("meta").join("_journal.json");
    let text = std::fs::read_to_string(&path).ok()?;
    let finding = |span: Span, message: String, help: &str| {
        at_start(
            MIGRATION_JOURNAL.id,
            MIGRATION_JOURNAL.default_severity,
            Finding::new(span, message, "").help(help.to_string()),
        )
    };
    let mut diagnostics = Vec::new();
    match serde_json::from_str::<Journal>(&text) {
        Err(e) => diagnostics.push(finding(
            Span::default(),
            format!("the Drizzle journal cannot be read: {e}"),
            "drizzle-kit writes this file; regenerate it rather than editing it by hand",
        )),
        Ok(journal) => {
            // Entries stand in order in the text: each tag is searched after the previous
            // one, so the journal is scanned once, not once per entry.
            let mut from = 0;
            let mut tag_span = |tag: &str| {
                let needle = format!("\"{tag}\"");
                match text.get(from..).and_then(|rest| rest.find(&needle)) {
                    Some(at) => {
                        from += at + needle.len();
                        Span::new(from - needle.len(), from)
                    }
                    None => Span::default(),
                }
            };
            let mut seen_idx: HashMap<i64, &str> = HashMap::new();
            let mut previous_when: Option<(i64, &str)> = None;
            for e in &journal.entries {
                let span = tag_span(&e.tag);
                if !dir.join(format!("{}.sql", e.tag)).is_file() {
                    diagnostics.push(finding(
                        span,
                        format!("journal entry `{}` has no file {}.sql", e.tag, e.tag),
                        "drizzle-kit migrate fails on it: restore the file or regenerate the journal",
                    ));
                }
                if let Some(other) = seen_idx.insert(e.idx, &e.tag) {
                    diagnostics.push(finding(
                        span,
                        format!("journal idx {} is used by `{other}` and by `{}`", e.idx, e.tag),
                        "every migration needs its own idx: regenerate with drizzle-kit rather than merging journals by hand",
                    ));
                }
                if let Some((when, tag)) = previous_when
                    && e.when <= when
                {
                    diagnostics.push(finding(
                        span,
                        format!(
                            "journal entry `{}` is not later than `{tag}` (when {} ≤ {when}): drizzle's migrator skips it without a word",
                            e.tag, e.when
                        ),
                        "give it a `when` later than every earlier entry (this happens when branches with migrations are merged)",
                    ));
                }
                previous_when = Some((e.when, &e.tag));
            }
            let tags: Vec<&str> = journal.entries.iter().map(|e| e.tag.as_str()).collect();
            for path in paths {
                let in_dir = path.parent() == Some(dir);
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
                if let (true, Some(stem)) = (in_dir, stem)
                    && !tags.contains(&stem.as_str())
                {
                    diagnostics.push(finding(
                        Span::default(),
                        format!("{} is not in the journal: drizzle-kit migrate never runs it", path.display()),
                        "generate migrations with drizzle-kit generate, which adds the journal entry",
                    ));
                }
            }
        }
    }
    (!diagnostics.is_empty()).then(|| FileResult {
        path,
        text: Arc::from(text),
        diagnostics,
        stats: Stats::default(),
        runner: Some(Runner::Drizzle),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_as_runners_read_them() {
        assert_eq!(
            version_of(Runner::Flyway, "V1_2__a.sql").as_deref(),
            Some("1.2")
        );
        assert_eq!(
            version_of(Runner::Flyway, "V01.2__b.sql").as_deref(),
            Some("1.2")
        );
        assert_eq!(version_of(Runner::Flyway, "R__views.sql"), None);
        assert_eq!(
            version_of(Runner::GolangMigrate, "0003_x.up.sql").as_deref(),
            Some("3")
        );
        assert_eq!(version_of(Runner::GolangMigrate, "0003_x.down.sql"), None);
        assert_eq!(
            version_of(Runner::Sqlx, "20240101_x.sql").as_deref(),
            Some("20240101")
        );
        assert_eq!(version_of(Runner::Plain, "1_x.sql"), None);
    }
}
