//! Reading a file: its text, its statements, and how they were read. `engine.rs` runs the
//! rules over them.

use crate::config::Level;
use crate::diagnostic::{Diagnostic, Finding, Severity};
use crate::engine::{self, Source};
use crate::ir::{Origin, Statement};
use crate::layout::Runner;
use crate::parse;
use crate::pg_version::PgVersion;
use crate::rules::{IO_ERROR, RuleMeta};
use crate::since::Changes;
use crate::source::Span;
use crate::split;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a run is configured with: `bellows.toml` and the command line, merged.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Target PostgreSQL version.
    pub pg_version: PgVersion,
    /// The runner of every folder, overriding detection.
    pub runner: Option<Runner>,
    /// Lint down migrations (rollback scripts) too.
    pub include_down: bool,
    /// Severity per rule id, overriding the defaults.
    pub levels: BTreeMap<String, Level>,
    /// An ignore comment needs a reason after a colon to take effect.
    pub require_ignore_reason: bool,
    /// With `--since`: what changed since the ref; only those files are reported.
    pub since: Option<Changes>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            pg_version: PgVersion::default(),
            runner: None,
            include_down: false,
            levels: BTreeMap::new(),
            require_ignore_reason: true,
            since: None,
        }
    }
}

impl Settings {
    /// The severity a rule reports at, or `None` when it is off.
    pub fn severity(&self, meta: &RuleMeta) -> Option<Severity> {
        match self.levels.get(meta.id) {
            Some(Level::Off) => None,
            Some(Level::Warning) => Some(Severity::Warning),
            Some(Level::Error) => Some(Severity::Error),
            None => Some(meta.default_severity),
        }
    }
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
    /// Down migrations (rollback scripts) not linted (see `--include-down`).
    pub down_skipped: usize,
    /// Read by their leading keywords only (GRANT, COMMENT, function definitions, …).
    pub skimmed: usize,
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
        self.down_skipped += other.down_skipped;
        self.skimmed += other.skimmed;
    }
}

/// The result for one input file.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The path as given or found.
    pub path: PathBuf,
    /// The file's text: empty when it could not be read, or when nothing was found in it
    /// (reporters need the text only to place findings).
    pub text: Arc<String>,
    /// Findings, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// How its statements were read.
    pub stats: Stats,
    /// The migration runner its folder was linted as (none for unreadable files).
    pub runner: Option<Runner>,
}

/// A result for a file that could not be read.
pub fn io_error(path: &Path, message: String) -> FileResult {
    FileResult {
        path: path.to_path_buf(),
        text: Arc::default(),
        diagnostics: vec![Diagnostic {
            rule: IO_ERROR.id,
            severity: IO_ERROR.default_severity,
            finding: Finding::new(Span::default(), message, "")
                .help("bellows lints UTF-8 text files; the other files were still linted"),
            statement: Span::default(),
            run: None,
        }],
        stats: Stats::default(),
        runner: None,
    }
}

/// Reads a file as UTF-8 SQL text, or says why it cannot.
pub fn read_sql(path: &Path) -> Result<String, String> {
    let name = path.display();
    let cannot = |e: std::io::Error| format!("cannot read {name}: {e}");
    let mut file = open_for_reading(path).map_err(cannot)?;
    // Reading a FIFO or a device would block or never end: only regular files are read.
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(format!("cannot read {name}: not a regular file"));
    }
    let bytes = read_all(&mut file, meta.len()).map_err(cannot)?;
    if let Some(at) = memchr::memchr(0, &bytes) {
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

/// Reads `file` to its end, `len` bytes long as far as its metadata says. `File`'s own
/// `read_to_end` asks the size and the position again, and reads once more to find the
/// end (three more system calls per file, 10,000 in a corpus run).
fn read_all(file: &mut std::fs::File, len: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let len = usize::try_from(len).unwrap_or(0);
    // One byte more than the size, so that a file read whole finds its end without a
    // second buffer; a file that grew since its metadata was read is read on to its end.
    let mut bytes = vec![0; len.saturating_add(1)];
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => {
                bytes.truncate(filled);
                return Ok(bytes);
            }
            // A read of a regular file stops short only at its end: one that stops at the
            // size the metadata gave need not be confirmed by another.
            Ok(n) if filled + n == len => {
                bytes.truncate(len);
                return Ok(bytes);
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    file.take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Opens `path` for reading without blocking: opening a FIFO waits for a writer otherwise,
/// and what it is can only be asked of it once it is open (asking by path first would look
/// the path up twice).
#[cfg(unix)]
fn open_for_reading(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// Opens `path` for reading, once it is known to be a regular file.
#[cfg(not(unix))]
fn open_for_reading(path: &Path) -> std::io::Result<std::fs::File> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    std::fs::File::open(path)
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
    let mut stats = Stats {
        statements: split.statements.len(),
        ..Stats::default()
    };
    // A large file is read in chunks on all cores; most files are one chunk.
    let chunks: Vec<Chunk> = if split.statements.len() <= CHUNK {
        vec![read_chunk(text, &split.statements, 0)]
    } else {
        split
            .statements
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, raws)| read_chunk(text, raws, c * CHUNK))
            .collect()
    };
    let total = chunks.iter().map(|c| c.statements.len()).sum();
    let mut statements = Vec::with_capacity(total);
    let mut owner = Vec::with_capacity(total);
    // Each chunk is moved out and freed in turn, so the statements are held about once.
    for chunk in chunks {
        statements.extend(chunk.statements);
        owner.extend(chunk.owner);
        stats.add(&chunk.stats);
    }
    Reading {
        split,
        statements,
        owner,
        stats,
    }
}

/// Statements read per task when a file is read on several cores: large enough that a
/// task's overhead is nothing, small enough to keep the cores busy.
const CHUNK: usize = 256;

/// The statements read from one run of raw statements, and whose each is.
struct Chunk {
    statements: Vec<Statement>,
    owner: Vec<usize>,
    stats: Stats,
}

/// Reads `raws`, the raw statements from index `first_index` on.
fn read_chunk(text: &str, raws: &[split::RawStatement], first_index: usize) -> Chunk {
    let mut chunk = Chunk {
        statements: Vec::with_capacity(raws.len()),
        owner: Vec::with_capacity(raws.len()),
        stats: Stats::default(),
    };
    let stats = &mut chunk.stats;
    for (k, raw) in raws.iter().enumerate() {
        let first = chunk.statements.len();
        let body = parse::statements(text, raw.span, &mut chunk.statements);
        chunk.owner.resize(chunk.statements.len(), first_index + k);
        match chunk.statements.get(first).map(|s| &s.origin) {
            Some(Origin::Parsed) => stats.parsed += 1,
            Some(Origin::Fallback) => stats.fallback += 1,
            Some(Origin::Unanalyzed { .. }) => stats.unanalyzed += 1,
            Some(Origin::Skimmed) => stats.skimmed += 1,
            Some(Origin::ParseError { .. }) | None => {}
        }
        stats.do_statements += body.statements;
        stats.dynamic_sql += body.dynamic_sql;
        stats.do_unreadable += body.unreadable;
    }
    chunk
}

/// Splits and reads every statement of `text`: the statements as [`read`] lists them.
pub fn read_statements(text: &str) -> (split::Split, Vec<Statement>) {
    let reading = read(text);
    (reading.split, reading.statements)
}

/// Lints SQL text that is not on disk (one migration of the configured runner, `plain`
/// by default): the diagnostics in source order and the statement counts.
pub fn lint_text(text: &str, settings: &Settings) -> (Vec<Diagnostic>, Stats) {
    let source = Source::new(PathBuf::from("<input>"), Arc::new(text.to_owned()));
    let mut results = engine::lint_folder(None, &[&source], settings);
    match results.pop() {
        Some((_, r)) => (r.diagnostics, r.stats),
        None => (Vec::new(), source.reading.stats),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_whole_whatever_size_their_metadata_gave() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.sql");
        let text = "SELECT 1;\n".repeat(1000);
        std::fs::write(&path, &text).unwrap();
        let len = text.len() as u64;
        // The size as read, a file that grew since (smaller), one that shrank (larger).
        for claimed in [len, 0, 1, len - 1, len + 1, len * 2] {
            let mut file = std::fs::File::open(&path).unwrap();
            assert_eq!(
                read_all(&mut file, claimed).unwrap(),
                text.as_bytes(),
                "{claimed}"
            );
        }
        std::fs::write(&path, "").unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        assert!(read_all(&mut file, 0).unwrap().is_empty());
        assert_eq!(read_sql(&path).unwrap(), "");
    }

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
