//! `--format gitlab`: a GitLab Code Quality report, the JSON array GitLab reads from a job's
//! `artifacts:reports:codequality` file and shows in merge requests.
//!
//! Severity: `error` is `major` and `warning` is `minor` (the mapping other linters' Code
//! Quality reports use, so that bellows' findings sort among theirs as expected).
//! `fingerprint` is [`super::fingerprints`]: stable across runs and unchanged by edits to
//! other statements, so GitLab can tell new findings from those already on the target
//! branch.

use super::{fingerprints, portable_path};
use crate::diagnostic::Severity;
use crate::lint::FileResult;
use crate::source::LineIndex;
use serde::Serialize;

#[derive(Serialize)]
struct Issue<'a> {
    description: &'a str,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// Renders the run as one Code Quality JSON array (`[]` when there is nothing to report).
pub fn render(files: &[FileResult]) -> String {
    let mut issues = Vec::new();
    for f in files {
        let index = LineIndex::new(&f.text);
        let path = portable_path(&f.path);
        for (d, fingerprint) in f.diagnostics.iter().zip(fingerprints(f)) {
            issues.push(Issue {
                description: &d.finding.message,
                check_name: d.rule,
                fingerprint,
                severity: match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                },
                location: Location {
                    path: path.clone(),
                    lines: Lines {
                        begin: index.position(&f.text, d.finding.span.start).line,
                    },
                },
            });
        }
    }
    // Serialising these plain structs cannot fail; an empty array is still a valid report.
    serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into())
}
