//! `--format json`: the stable machine-readable report (documented in docs/json-output.md).

use super::{Summary, docs_path};
use crate::context::TransactionSource;
use crate::diagnostic::{Severity, Suggestion};
use crate::lint::FileResult;
use crate::locks::{Blocked, LockMode};
use crate::source::{LineIndex, Position, Span};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::value::RawValue;

/// The JSON schema version: bumped only when a field is renamed or removed.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    diagnostics: Diagnostics<'a>,
    summary: JsonSummary,
}

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
    file: String,
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

/// Writes the run as one JSON document to `out`, diagnostic by diagnostic: the report of a
/// large run is never held in memory whole.
pub fn write(files: &[FileResult], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let s = Summary::of(files);
    let report = Report {
        version: VERSION,
        diagnostics: Diagnostics(files),
        summary: JsonSummary {
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
        },
    };
    serde_json::to_writer(&mut *out, &report)?;
    out.write_all(b"\n")
}

/// Every file's diagnostics, serialised as one array. Files are rendered a batch at a time
/// on all cores, and each batch is written before the next is rendered, so the report of a
/// large run is never held whole.
struct Diagnostics<'a>(&'a [FileResult]);

/// Files rendered together.
const BATCH: usize = 64;

impl Serialize for Diagnostics<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.chunks(BATCH).flat_map(|batch| {
            batch
                .par_iter()
                .map(file_diagnostics)
                .collect::<Vec<_>>()
                .into_iter()
                .flatten()
        }))
    }
}

/// The JSON of each of `f`'s diagnostics.
fn file_diagnostics(f: &FileResult) -> Vec<Box<RawValue>> {
    if f.diagnostics.is_empty() {
        return Vec::new();
    }
    let index = LineIndex::new(&f.text);
    let file = f.path.display().to_string();
    let range = |s: Span| Range {
        start: index.position(&f.text, s.start),
        end: index.position(&f.text, s.end),
    };
    f.diagnostics
        .iter()
        .filter_map(|d| {
            // Serialising these plain structs cannot fail.
            serde_json::value::to_raw_value(&JsonDiagnostic {
                rule: d.rule,
                severity: d.severity,
                message: &d.finding.message,
                file: file.clone(),
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
            })
            .ok()
        })
        .collect()
}
