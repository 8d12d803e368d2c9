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
///
/// `statements` and the classes after it count the file's own statements: a `DO` block is
/// one statement. The SQL statements inside `DO` bodies are counted apart, in
/// `do_statements`; rules check them like the others.
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
    /// SQL statements read from `DO` block bodies.
    pub do_statements: usize,
    /// `EXECUTE` of strings built at run time in `DO` blocks: not checked.
    pub dynamic_sql: usize,
    /// Parts of `DO` blocks bellows could not read (another language than PL/pgSQL,
    /// PL/pgSQL it does not know): not checked.
    pub do_unreadable: usize,
}

impl Stats {
    /// Adds another file's counts.
    pub fn add(&mut self, other: &Stats) {
        self.statements += other.statements;
        self.parsed += other.parsed;
        self.fallback += other.fallback;
        self.unanalyzed += other.unanalyzed;
        self.parse_errors += other.parse_errors;
        self.do_statements += other.do_statements;
        self.dynamic_sql += other.dynamic_sql;
        self.do_unreadable += other.do_unreadable;
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
pub fn read_sql(path: &Path) -> Result<String, String> {
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

/// A file's statements as bellows read them.
#[derive(Debug, Clone)]
pub struct Reading {
    /// Where the file's own statements stand.
    pub split: split::Split,
    /// Every statement in order: the file's own, each `DO` block followed by the SQL
    /// statements of its body.
    pub statements: Vec<Statement>,
    /// For each of `statements`, the index in `split` of the file statement it is or stands
    /// in: ignore comments written before a `DO` block cover its body too.
    pub owner: Vec<usize>,
    /// How they were read (`parse_errors` is filled in by `lint_text`).
    pub stats: Stats,
}

/// Splits and reads every statement of `text`, `DO` block bodies included.
pub fn read(text: &str) -> Reading {
    let split = split::split(text);
    let mut statements = Vec::with_capacity(split.statements.len());
    let mut owner = Vec::with_capacity(split.statements.len());
    let mut stats = Stats {
        statements: split.statements.len(),
        ..Stats::default()
    };
    for (index, raw) in split.statements.iter().enumerate() {
        let first = statements.len();
        let body = parse::statements(text, raw.span, &mut statements);
        owner.resize(statements.len(), index);
        match statements.get(first).map(|s| &s.origin) {
            Some(Origin::Parsed) => stats.parsed += 1,
            Some(Origin::Fallback) => stats.fallback += 1,
            Some(Origin::Unanalyzed { .. }) => stats.unanalyzed += 1,
            Some(Origin::ParseError { .. }) | None => {}
        }
        stats.do_statements += body.statements;
        stats.dynamic_sql += body.dynamic_sql;
        stats.do_unreadable += body.unreadable;
    }
    Reading {
        split,
        statements,
        owner,
        stats,
    }
}

/// Splits and reads every statement of `text`: the statements as [`read`] lists them.
pub fn read_statements(text: &str) -> (split::Split, Vec<Statement>) {
    let reading = read(text);
    (reading.split, reading.statements)
}

/// Lints SQL text: the diagnostics in source order and the statement counts.
pub fn lint_text(text: &str, settings: &Settings) -> (Vec<Diagnostic>, Stats) {
    let Reading {
        split,
        statements,
        owner,
        mut stats,
    } = read(text);

    let spans: Vec<Span> = split.statements.iter().map(|s| s.span).collect();
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
                    owner.get(index).copied(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn do_block_statements_are_counted_apart() {
        let sql = "CREATE TABLE a (id int);\nDO $$ BEGIN\n  ALTER TABLE a ADD COLUMN b int;\n  EXECUTE format('DROP TABLE %I', 'c');\nEXCEPTION WHEN duplicate_column THEN NULL;\nEND $$;\nSELECT 1;\n";
        let reading = read(sql);
        assert_eq!(reading.statements.len(), 4);
        assert_eq!(reading.owner, vec![0, 1, 1, 2]);
        let (_, stats) = lint_text(sql, &Settings::default());
        assert_eq!(
            stats,
            Stats {
                statements: 3,
                parsed: 2,
                fallback: 1,
                do_statements: 1,
                dynamic_sql: 1,
                ..Stats::default()
            }
        );
    }

    #[test]
    fn an_ignore_before_a_do_block_covers_its_body() {
        let body = "DO $$ BEGIN CREATE INDEX CONCURRENTLY i ON t (a); END $$;\n";
        let rule = "concurrently-in-transaction";
        let (found, _) = lint_text(body, &Settings::default());
        assert!(found.iter().any(|d| d.rule == rule));
        let ignored = format!("-- bellows-ignore {rule}: runs by hand\n{body}SELECT 1;\n");
        let (found, _) = lint_text(&ignored, &Settings::default());
        assert!(found.iter().all(|d| d.rule != rule), "{found:?}");
    }
}
