//! `--format json`: the stable machine-readable report (documented in docs/json-output.md).

use super::{Summary, docs_path};
use crate::context::TransactionSource;
use crate::diagnostic::{Severity, Suggestion};
use crate::lint::FileResult;
use crate::locks::{Blocked, LockMode};
use crate::source::{LineIndex, Position, Span};
use serde::Serialize;
use std::io::{self, Write};

/// The JSON schema version: bumped only when a field is renamed or removed.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Range {
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct Lock {
    mode: LockMode,
    blocks: Vec<Blocked>,
    rewrite: bool,
    scan: bool,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    span: Range,
    statement: Range,
    #[serde(skip_serializing_if = "Option::is_none")]
    lock: Option<Lock>,
    help: Option<&'a str>,
    suggestion: Option<&'a Suggestion>,
    docs: String,
    /// The migration runner of the file's folder.
    runner: Option<&'static str>,
    /// Why the statement runs in a transaction block (`explicit`, `runner`), or null.
    transaction: Option<TransactionSource>,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    statements: usize,
    errors: usize,
    warnings: usize,
    parse_errors: usize,
    unanalyzed: usize,
    do_statements: usize,
    dynamic_sql: usize,
    do_unreadable: usize,
    down_skipped: usize,
    skimmed: usize,
}

/// Renders the run as one JSON document.
pub fn render(files: &[FileResult]) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and what is written is UTF-8.
    let _ = write(files, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the run as one JSON document to `out`.
pub fn write(files: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    let mut stream = Stream::begin(out)?;
    for f in files {
        stream.file(f)?;
    }
    stream.finish(&Summary::of(files))?;
    Ok(())
}

/// The JSON report written file by file as results come in, so that a large run is never
/// held in memory whole: `begin`, then `file` (or `rendered`) for each result in order, then
/// `finish`.
pub struct Stream<W: Write> {
    out: W,
    first: bool,
}

/// One file's diagnostics rendered as JSON, separated by commas, ready to be written by
/// [`Stream::rendered`] once the files before it are. serde_json writes in many small pieces,
/// which a `Vec` takes for less than a buffered writer.
pub struct Rendered(Vec<u8>);

impl Rendered {
    /// Renders `f`'s diagnostics.
    pub fn of(f: &FileResult) -> Self {
        let mut buf = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = for_each_diagnostic(f, |d| {
            if !buf.is_empty() {
                buf.push(b',');
            }
            serde_json::to_writer(&mut buf, d)?;
            Ok(())
        });
        Rendered(buf)
    }
}

impl<W: Write> Stream<W> {
    /// Opens the document.
    pub fn begin(mut out: W) -> io::Result<Self> {
        write!(out, "{{\"version\":{VERSION},\"diagnostics\":[")?;
        Ok(Stream { out, first: true })
    }

    /// Writes the diagnostics of one file.
    pub fn file(&mut self, f: &FileResult) -> io::Result<()> {
        self.rendered(&Rendered::of(f))
    }

    /// Writes one file's diagnostics, rendered beforehand.
    pub fn rendered(&mut self, r: &Rendered) -> io::Result<()> {
        if r.0.is_empty() {
            return Ok(());
        }
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        self.out.write_all(&r.0)
    }

    /// Closes the document with the run's totals; returns the writer.
    pub fn finish(mut self, s: &Summary) -> io::Result<W> {
        self.out.write_all(b"],\"summary\":")?;
        let summary = JsonSummary {
            files: s.files,
            statements: s.stats.statements,
            errors: s.errors,
            warnings: s.warnings,
            parse_errors: s.stats.parse_errors,
            unanalyzed: s.stats.unanalyzed,
            do_statements: s.stats.do_statements,
            dynamic_sql: s.stats.dynamic_sql,
            do_unreadable: s.stats.do_unreadable,
            down_skipped: s.stats.down_skipped,
            skimmed: s.stats.skimmed,
        };
        serde_json::to_writer(&mut self.out, &summary)?;
        self.out.write_all(b"}\n")?;
        Ok(self.out)
    }
}

/// Calls `each` with the JSON form of each of `f`'s diagnostics.
fn for_each_diagnostic(
    f: &FileResult,
    mut each: impl FnMut(&JsonDiagnostic) -> io::Result<()>,
) -> io::Result<()> {
    if f.diagnostics.is_empty() {
        return Ok(());
    }
    let index = LineIndex::new(&f.text);
    let file = f.path.display().to_string();
    let range = |s: Span| Range {
        start: index.position(&f.text, s.start),
        end: index.position(&f.text, s.end),
    };
    for d in &f.diagnostics {
        each(&JsonDiagnostic {
            rule: d.rule,
            severity: d.severity,
            message: &d.finding.message,
            file: &file,
            span: range(d.finding.span),
            statement: range(d.statement),
            lock: d.finding.lock.map(|l| Lock {
                mode: l.mode,
                blocks: l.mode.blocks(),
                rewrite: l.rewrite,
                scan: l.scan,
            }),
            help: d.finding.help.as_deref(),
            suggestion: d.finding.suggestion.as_ref(),
            docs: docs_path(d.rule),
            runner: f.runner.map(|r| r.name()),
            transaction: d.run.and_then(|r| r.transaction),
        })?;
    }
    Ok(())
}
