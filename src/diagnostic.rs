//! What rules report (`Finding`) and what reporters print (`Diagnostic`).

use crate::context::TransactionSource;
use crate::layout::Runner;
use crate::locks::LockFacts;
use crate::source::Span;
use serde::Serialize;
use std::fmt;

/// How serious a rule's findings are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported, fails the run only with `--fail-on warning`.
    Warning,
    /// Reported and fails the run.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// The deploy phase a suggested step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Add the new thing alongside the old (safe while the old app version runs).
    Expand,
    /// Copy or check existing rows.
    Backfill,
    /// A change in the application, deployed between migrations (SQL comments only).
    App,
    /// Remove the old thing once no running app version uses it.
    Contract,
}

impl Phase {
    /// The phase's name as printed.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Expand => "expand",
            Phase::Backfill => "backfill",
            Phase::App => "app",
            Phase::Contract => "contract",
        }
    }
}

/// One step of a suggested rewrite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The deploy phase.
    pub phase: Phase,
    /// SQL to run (or, for app steps, SQL comments saying what to change).
    pub sql: String,
    /// True when this step must run in its own transaction (its own migration file, or
    /// outside the runner's transaction).
    pub separate_transaction: bool,
}

/// A rewrite the user can paste, as data: reporters render it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// One line saying what the rewrite does.
    pub title: String,
    /// True when the steps can be applied as they are; false when they change deploy steps
    /// or need app changes and must be reviewed.
    pub mechanical: bool,
    /// The steps in order.
    pub steps: Vec<Step>,
}

/// One finding of a rule, before the engine adds rule id, severity and file.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The words to underline.
    pub span: Span,
    /// A short label under the underline.
    pub label: String,
    /// The headline.
    pub message: String,
    /// What to do, in prose.
    pub help: Option<String>,
    /// The rewrite, when there is one.
    pub suggestion: Option<Suggestion>,
    /// The lock facts behind the finding, when it is about a lock.
    pub lock: Option<LockFacts>,
}

impl Finding {
    /// A finding with a message and label at `span`.
    pub fn new(span: Span, message: impl Into<String>, label: impl Into<String>) -> Self {
        Finding {
            span,
            label: label.into(),
            message: message.into(),
            help: None,
            suggestion: None,
            lock: None,
        }
    }

    /// Adds help text.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds help text unless there is some already.
    pub fn help_if_missing(mut self, help: impl Into<String>) -> Self {
        if self.help.is_none() {
            self.help = Some(help.into());
        }
        self
    }

    /// Adds a suggestion.
    pub fn suggest(mut self, s: Suggestion) -> Self {
        self.suggestion = Some(s);
        self
    }

    /// Adds lock facts.
    pub fn lock(mut self, l: LockFacts) -> Self {
        self.lock = Some(l);
        self
    }
}

/// A finding placed in a file, ready to report.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The rule id (`set-not-null`, `parse-error`, `io-error`).
    pub rule: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// The finding.
    pub finding: Finding,
    /// The statement it is about (empty for file-level diagnostics).
    pub statement: Span,
    /// How that statement runs, when it is a statement of a migration.
    pub run: Option<RunFacts>,
}

/// How a statement runs: under which migration runner, and in which transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunFacts {
    /// The runner of the statement's folder.
    pub runner: Runner,
    /// Why it runs in a transaction block, or `None` when it does not.
    pub transaction: Option<TransactionSource>,
}
