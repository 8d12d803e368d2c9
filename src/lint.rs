//! The engine: source text → statements → context → rules → diagnostics, for one file.

use crate::context::Context;
use crate::diagnostic::{Diagnostic, Finding, Severity};
use crate::ir::{Origin, Statement};
use crate::parse;
use crate::pg_version::PgVersion;
use crate::rules::{self, IO_ERROR, PARSE_ERROR};
use crate::source::Span;
use crate::split;
use crate::suppress;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a run is configured with.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Target PostgreSQL version.
    pub pg_version: PgVersion,
}

/// Counts of how statements were read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Statements in the file.
    pub statements: usize,
    /// Read by sqlparser.
    pub parsed: usize,
    /// Read by the token fallback.
    pub fallback: usize,
    /// PostgreSQL commands read by neither, not modelled.
    pub unanalyzed: usize,
    /// Text that is not SQL (and unterminated quotes or comments).
    pub parse_errors: usize,
}

impl Stats {
    /// Adds another file's counts.
    pub fn add(&mut self, other: &Stats) {
        self.statements += other.statements;
        self.parsed += other.parsed;
        self.fallback += other.fallback;
        self.unanalyzed += other.unanalyzed;
        self.parse_errors += other.parse_errors;
    }
}

/// The result for one input file.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The path as given or found.
    pub path: PathBuf,
    /// The file's text (empty when it could not be read).
    pub text: Arc<str>,
    /// Findings, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// How its statements were read.
    pub stats: Stats,
}

/// Reads and lints one file. Read failures become an `io-error` diagnostic.
pub fn lint_file(path: &Path, settings: &Settings) -> FileResult {
    match read_sql(path) {
        Ok(text) => {
            let text: Arc<str> = Arc::from(text);
            let (diagnostics, stats) = lint_text(&text, settings);
            FileResult {
                path: path.to_path_buf(),
                text,
                diagnostics,
                stats,
            }
        }
        Err(message) => io_error(path, message),
    }
}

/// A result for a file that could not be read.
pub fn io_error(path: &Path, message: String) -> FileResult {
    FileResult {
        path: path.to_path_buf(),
        text: Arc::from(""),
        diagnostics: vec![Diagnostic {
            rule: IO_ERROR.id,
            severity: IO_ERROR.default_severity,
            finding: Finding::new(Span::default(), message, "")
                .help("bellows lints UTF-8 text files; the other files were still linted"),
            statement: Span::default(),
        }],
        stats: Stats::default(),
    }
}

/// Reads a file as UTF-8 SQL text, or says why it cannot.
fn read_sql(path: &Path) -> Result<String, String> {
    let name = path.display();
    // Reading a FIFO or a device would block or never end: only regular files are read.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("cannot read {name}: not a regular file"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(format!(
            "{name} contains a NUL byte at offset {at}: it looks binary, not SQL"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{name} is not valid UTF-8 (invalid byte at offset {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Splits and reads every statement of `text`.
pub fn read_statements(text: &str) -> (split::Split, Vec<Statement>) {
    let split = split::split(text);
    let statements = split
        .statements
        .iter()
        .map(|raw| parse::statement(text, raw.span))
        .collect();
    (split, statements)
}

/// Lints SQL text: the diagnostics in source order and the statement counts.
pub fn lint_text(text: &str, settings: &Settings) -> (Vec<Diagnostic>, Stats) {
    let (split, statements) = read_statements(text);
    let mut stats = Stats {
        statements: statements.len(),
        ..Stats::default()
    };
    for s in &statements {
        match s.origin {
            Origin::Parsed => stats.parsed += 1,
            Origin::Fallback => stats.fallback += 1,
            Origin::Unanalyzed { .. } => stats.unanalyzed += 1,
            Origin::ParseError { .. } => {}
        }
    }

    let spans: Vec<Span> = statements.iter().map(|s| s.span).collect();
    let ignores = suppress::scan(text, &spans);
    let mut cx = Context::new(text, settings.pg_version).with_statements(&statements);
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut findings = Vec::new();
    let keep = |meta: &'static rules::RuleMeta,
                finding,
                index: Option<usize>,
                statement,
                diagnostics: &mut Vec<Diagnostic>| {
        let ignored = ignores.iter().any(|i| match index {
            Some(index) => i.covers(meta.id, index),
            None => i.covers_file(meta.id),
        });
        let repeated = meta.once_per_file && diagnostics.iter().any(|d| d.rule == meta.id);
        if !ignored && !repeated {
            diagnostics.push(Diagnostic {
                rule: meta.id,
                severity: meta.default_severity,
                finding,
                statement,
            });
        }
    };
    for (index, stmt) in statements.iter().enumerate() {
        for rule in rules::RULES {
            rule.check(stmt, &cx, &mut findings);
            for finding in findings.drain(..) {
                keep(
                    rule.meta(),
                    finding,
                    Some(index),
                    stmt.span,
                    &mut diagnostics,
                );
            }
        }
        cx.apply(stmt);
    }
    for rule in rules::RULES {
        rule.check_end(&cx, &mut findings);
        for finding in findings.drain(..) {
            // A finding that points into a statement (an unterminated BEGIN, say) can be
            // silenced on that statement, like any other.
            let at = finding.span;
            let index = statements
                .iter()
                .position(|s| s.span.start <= at.start && at.end <= s.span.end);
            let statement = index.map_or(at, |i| statements[i].span);
            keep(rule.meta(), finding, index, statement, &mut diagnostics);
        }
    }
    if let Some(open) = split.unterminated {
        diagnostics.push(Diagnostic {
            rule: PARSE_ERROR,
            severity: Severity::Error,
            finding: Finding::new(
                open.at,
                format!("{} starts here and never ends", open.what.describe()),
                "opened here",
            )
            .help("close it; PostgreSQL would read the rest of the file as part of it, so nothing after it was checked"),
            statement: Span::new(open.statement_start, text.len()),
        });
    }
    stats.parse_errors = diagnostics.iter().filter(|d| d.rule == PARSE_ERROR).count();
    diagnostics.sort_by_key(|d| (d.finding.span.start, d.finding.span.end));
    (diagnostics, stats)
}
