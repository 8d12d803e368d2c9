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

/// One diagnostic of the report. Its `Serialize` is the schema's definition; the report
/// writes it with [`JsonDiagnostic::write_to`], which a test holds to the same bytes.
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
    docs: DocsPath<'a>,
    /// The migration runner of the file's folder.
    runner: Option<&'static str>,
    /// Why the statement runs in a transaction block (`explicit`, `runner`), or null.
    transaction: Option<TransactionSource>,
}

impl JsonDiagnostic<'_> {
    /// Appends the diagnostic to `out` as its `Serialize` renders it, only faster: the keys
    /// are written as they are (serde_json escapes each of them, some thirty per diagnostic),
    /// strings through [`write_string`] and other values through serde_json, and `file` is
    /// the file's path rendered once for all of its diagnostics.
    fn write_to(&self, file: &[u8], out: &mut Vec<u8>) -> serde_json::Result<()> {
        out.extend_from_slice(b"{\"rule\":");
        write_string(self.rule, out);
        out.extend_from_slice(b",\"severity\":");
        serde_json::to_writer(&mut *out, &self.severity)?;
        out.extend_from_slice(b",\"message\":");
        write_string(self.message, out);
        out.extend_from_slice(b",\"file\":");
        out.extend_from_slice(file);
        out.extend_from_slice(b",\"span\":");
        self.span.write_to(out)?;
        out.extend_from_slice(b",\"statement\":");
        self.statement.write_to(out)?;
        if let Some(lock) = &self.lock {
            out.extend_from_slice(b",\"lock\":");
            serde_json::to_writer(&mut *out, lock)?;
        }
        out.extend_from_slice(b",\"help\":");
        match self.help {
            Some(help) => write_string(help, out),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"suggestion\":");
        match self.suggestion {
            Some(s) => write_suggestion(s, out)?,
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"docs\":\"rules/");
        write_escaped(self.docs.0, out);
        out.extend_from_slice(b".md\"");
        out.extend_from_slice(b",\"runner\":");
        serde_json::to_writer(&mut *out, &self.runner)?;
        out.extend_from_slice(b",\"transaction\":");
        serde_json::to_writer(&mut *out, &self.transaction)?;
        out.push(b'}');
        Ok(())
    }
}

/// JSON's escape for each byte that needs one: `u` for `\u00XX`, 0 for none (serde_json's
/// choice of escapes, which the report keeps byte for byte).
const ESCAPES: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// A mask of the bytes of `x` (eight bytes, little-endian) that need an escape: a control
/// character, `"` or `\`. Its lowest set bit marks the first such byte exactly; bits above
/// it may mark bytes that need none.
fn escape_mask(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    control | zero_bytes(x ^ (ONES * u64::from(b'"'))) | zero_bytes(x ^ (ONES * u64::from(b'\\')))
}

/// Appends `s` to `out` as a JSON string, byte for byte as serde_json writes it, eight bytes
/// at a time up to each byte to escape (serde_json looks each byte up: a twentieth of a
/// corpus run).
fn write_string(s: &str, out: &mut Vec<u8>) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    write_escaped(s, out);
    out.push(b'"');
}

/// Appends `s` to `out` escaped as in a JSON string, without the quotes.
fn write_escaped(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    loop {
        let at = match bytes
            .get(i..i + 8)
            .and_then(|c| <[u8; 8]>::try_from(c).ok())
        {
            Some(chunk) => match escape_mask(u64::from_le_bytes(chunk)) {
                0 => {
                    i += 8;
                    continue;
                }
                mask => i + (mask.trailing_zeros() / 8) as usize,
            },
            None => match bytes[i..]
                .iter()
                .position(|&b| ESCAPES[usize::from(b)] != 0)
            {
                Some(k) => i + k,
                None => break,
            },
        };
        let b = bytes[at];
        out.extend_from_slice(&bytes[run..at]);
        match ESCAPES[usize::from(b)] {
            b'u' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
            }
            escape => out.extend_from_slice(&[b'\\', escape]),
        }
        i = at + 1;
        run = i;
    }
    out.extend_from_slice(&bytes[run..]);
}

/// A rule's documentation file, `rules/<id>.md`, which the report writes without building
/// the path first (a `format!` per diagnostic).
struct DocsPath<'a>(&'a str);

impl Serialize for DocsPath<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&docs_path(self.0))
    }
}

/// Appends `s` to `out` as its `Serialize` renders it (see [`JsonDiagnostic::write_to`]).
fn write_suggestion(s: &Suggestion, out: &mut Vec<u8>) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"title\":");
    write_string(&s.title, out);
    out.extend_from_slice(b",\"mechanical\":");
    serde_json::to_writer(&mut *out, &s.mechanical)?;
    out.extend_from_slice(b",\"steps\":[");
    for (i, step) in s.steps.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"phase\":");
        serde_json::to_writer(&mut *out, &step.phase)?;
        out.extend_from_slice(b",\"sql\":");
        write_string(&step.sql, out);
        out.extend_from_slice(b",\"separate_transaction\":");
        serde_json::to_writer(&mut *out, &step.separate_transaction)?;
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(())
}

impl Range {
    /// Appends the range to `out` as its `Serialize` renders it (see
    /// [`JsonDiagnostic::write_to`]).
    fn write_to(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        for (key, p) in [(&b"{\"start\":"[..], self.start), (b",\"end\":", self.end)] {
            out.extend_from_slice(key);
            out.extend_from_slice(b"{\"line\":");
            serde_json::to_writer(&mut *out, &p.line)?;
            out.extend_from_slice(b",\"column\":");
            serde_json::to_writer(&mut *out, &p.column)?;
            out.extend_from_slice(b",\"offset\":");
            serde_json::to_writer(&mut *out, &p.offset)?;
            out.push(b'}');
        }
        out.push(b'}');
        Ok(())
    }
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
        // A diagnostic takes about 1.2 KB in the corpus's report.
        let mut buf = Vec::with_capacity(f.diagnostics.len() * 1024);
        // Writing to a Vec cannot fail.
        let _ = for_each_diagnostic(f, |d, file| {
            if !buf.is_empty() {
                buf.push(b',');
            }
            d.write_to(file, &mut buf)?;
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

/// Calls `each` with the JSON form of each of `f`'s diagnostics, and the file's path
/// rendered as a JSON string.
fn for_each_diagnostic(
    f: &FileResult,
    mut each: impl FnMut(&JsonDiagnostic, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    if f.diagnostics.is_empty() {
        return Ok(());
    }
    let index = LineIndex::new(&f.text);
    // As `display` writes it, without formatting a valid UTF-8 path.
    let file = f.path.to_string_lossy();
    let mut file_json = Vec::with_capacity(file.len() + 2);
    write_string(&file, &mut file_json);
    let range = |s: Span| Range {
        start: index.position(&f.text, s.start),
        end: index.position(&f.text, s.end),
    };
    for d in &f.diagnostics {
        each(
            &JsonDiagnostic {
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
                docs: DocsPath(d.rule),
                runner: f.runner.map(|r| r.name()),
                transaction: d.run.and_then(|r| r.transaction),
            },
            &file_json,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Runner;
    use crate::lint::Settings;
    use crate::report::linted;

    /// `write_to` and `Serialize` disagree on no diagnostic of `f`.
    fn assert_same_as_serde(f: &FileResult) {
        for_each_diagnostic(f, |d, file| {
            let mut fast = Vec::new();
            d.write_to(file, &mut fast)?;
            let serde = serde_json::to_vec(d)?;
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&serde)
            );
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn diagnostics_are_written_as_serde_renders_them() {
        let sql = "BEGIN;\nALTER TABLE \"Users\" ADD COLUMN n int NOT NULL;\n\
                   CREATE INDEX i ON t (a);\nALTER TABLE t ALTER COLUMN c TYPE bigint;\n\
                   COMMENT ON TABLE t IS 'naïve \"quoted\" \\ text';\n\
                   ALTER TABLE t ADD COLUMN at timestamp, ADD COLUMN j json;\n\
                   SELECT oops FROM;\nDROP TABLE \"t\u{1}\";\nCOMMIT;\n";
        let f = FileResult {
            runner: Some(Runner::Drizzle),
            ..linted("dir/wïth \"quote\" and \\.sql", sql)
        };
        assert!(f.diagnostics.len() >= 6, "{:#?}", f.diagnostics);
        assert!(f.diagnostics.iter().any(|d| d.finding.lock.is_some()));
        assert!(f.diagnostics.iter().any(|d| d.finding.lock.is_none()));
        assert!(f.diagnostics.iter().any(|d| d.finding.suggestion.is_some()));
        assert_same_as_serde(&f);
        assert_same_as_serde(&linted("plain.sql", sql));
    }

    proptest::proptest! {
        /// Any text, control characters and all, is escaped as serde_json escapes it.
        #[test]
        fn strings_are_written_as_serde_writes_them(s in "(\\PC|[\\x00-\\x1f\"\\\\]){0,40}") {
            let mut fast = Vec::new();
            write_string(&s, &mut fast);
            proptest::prop_assert_eq!(fast, serde_json::to_vec(&s).unwrap());
        }
    }

    #[test]
    fn every_control_character_is_escaped_as_serde_escapes_it() {
        let all: String = (0u8..0x80)
            .map(char::from)
            .chain("é名\u{7f}".chars())
            .collect();
        for s in [
            all.as_str(),
            "",
            "plain",
            "12345678\"",
            "1234567\n9",
            "é\u{1}",
        ] {
            let mut fast = Vec::new();
            write_string(s, &mut fast);
            assert_eq!(fast, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn every_corpus_diagnostic_is_written_as_serde_renders_it() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
        if !dir.is_dir() {
            eprintln!("SKIPPED: ../shared/corpus is absent, so the corpus comparison did not run");
            return;
        }
        let found =
            crate::discover::discover(&[dir.to_path_buf()], &crate::discover::globs(&[]).unwrap());
        let mut diagnostics = 0;
        for f in crate::engine::run(&found.inputs, &Settings::default()) {
            diagnostics += f.diagnostics.len();
            assert_same_as_serde(&f);
        }
        assert!(diagnostics > 5_000, "only {diagnostics} diagnostics");
    }
}
