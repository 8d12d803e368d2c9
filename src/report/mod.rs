//! Reporters: they get file results (diagnostics and source text) and print them.

use crate::diagnostic::{Phase, Severity, Suggestion};
use crate::lint::{FileResult, Stats};

pub mod human;
pub mod json;

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
}

impl Summary {
    /// Totals of `files`.
    pub fn of(files: &[FileResult]) -> Self {
        let mut s = Summary {
            files: files.len(),
            ..Summary::default()
        };
        for f in files {
            s.stats.add(&f.stats);
            for d in &f.diagnostics {
                match d.severity {
                    Severity::Error => s.errors += 1,
                    Severity::Warning => s.warnings += 1,
                }
            }
        }
        s
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
