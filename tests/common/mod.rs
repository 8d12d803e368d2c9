//! Helpers shared by the integration tests.

// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

use bellows::lint::{Settings, lint_text};
use bellows::source::LineIndex;

/// A finding as tests compare it: rule id, 1-based line and column, underlined text.
#[derive(Debug, PartialEq, Eq)]
pub struct Seen {
    pub rule: &'static str,
    pub line: usize,
    pub column: usize,
    pub text: String,
}

/// Lints `sql` with `settings` and returns every finding in source order.
pub fn lint_with(sql: &str, settings: &Settings) -> Vec<Seen> {
    let (diags, _) = lint_text(sql, settings);
    let index = LineIndex::new(sql);
    diags
        .iter()
        .map(|d| {
            let pos = index.position(sql, d.finding.span.start);
            Seen {
                rule: d.rule,
                line: pos.line,
                column: pos.column,
                text: d.finding.span.slice(sql).to_string(),
            }
        })
        .collect()
}

/// Lints `sql` with default settings.
pub fn lint(sql: &str) -> Vec<Seen> {
    lint_with(sql, &Settings::default())
}

/// The error-level findings.
pub fn errors(sql: &str) -> Vec<Seen> {
    let (diags, _) = lint_text(sql, &Settings::default());
    let keep: Vec<_> = diags
        .iter()
        .map(|d| d.severity == bellows::diagnostic::Severity::Error)
        .collect();
    lint(sql)
        .into_iter()
        .zip(keep)
        .filter_map(|(s, k)| k.then_some(s))
        .collect()
}

/// The findings of one rule.
pub fn of(rule: &str, sql: &str) -> Vec<Seen> {
    lint(sql).into_iter().filter(|s| s.rule == rule).collect()
}

/// The `bellows` binary, run from the crate root without colours.
pub fn bellows() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("bellows").expect("binary builds");
    cmd.env("NO_COLOR", "1");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}
