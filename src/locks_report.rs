//! `bellows locks FILE…`: for each statement, in order, the locks it takes (from the lock
//! model), what they block, whether it rewrites or scans, whether it may run in a
//! transaction block, and the locks its transaction already holds when it starts (from the
//! context, so that a runner's implied transaction counts like an explicit one).
//!
//! The JSON form is documented in `docs/locks.md`.

use crate::context::Context;
use crate::discover::{self, Input};
use crate::engine::{self, FileView, Source, Visitor};
use crate::ir::Statement;
use crate::layout::Runner;
use crate::lint;
use crate::lint::Settings;
use crate::locks::{self, Blocked, LockFacts, LockMode, Relation};
use crate::pg_version::PgVersion;
use clap::ValueEnum;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// Exit code: the report was printed.
const EXIT_CLEAN: u8 = 0;
/// Exit code: a file could not be read (the others are still reported).
const EXIT_TROUBLE: u8 = 2;

/// The statement text shown in the human table, at most this many characters.
const SQL_WIDTH: usize = 44;

/// `bellows locks` arguments.
#[derive(Debug, clap::Args)]
pub struct LocksArgs {
    /// Migration files, or folders searched for *.sql files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Target PostgreSQL major version (15, 15.4 or v15).
    #[arg(long, value_name = "VERSION", default_value = "15", value_parser = parse_pg_version)]
    pg_version: PgVersion,
}

fn parse_pg_version(s: &str) -> Result<PgVersion, String> {
    s.parse()
}

/// How the report is printed.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// A table per file.
    Human,
    /// One JSON document (see docs/locks.md).
    Json,
}

/// The report of one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLocks {
    /// The file, as given or found.
    pub file: String,
    /// The 1-based line the statement starts on.
    pub line: usize,
    /// The statement's text, trimmed.
    pub sql: String,
    /// Each lock it takes.
    pub locks: Vec<LockEntry>,
    /// What its strongest lock makes wait.
    pub blocks: Vec<Blocked>,
    /// True when it rewrites a relation.
    pub rewrite: bool,
    /// True when it reads every row of a relation.
    pub scan: bool,
    /// True when it may run inside a transaction block.
    pub transactional: bool,
    /// The locks the enclosing transaction holds when it starts.
    pub held: Vec<HeldEntry>,
}

/// One lock a statement takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockEntry {
    /// The relation: a table or index name as written, or what the statement reaches
    /// through one (`each index of users`).
    pub relation: String,
    /// What kind of relation ([`Relation::kind`]).
    pub kind: &'static str,
    /// The lock mode, as PostgreSQL's documentation writes it.
    pub mode: LockMode,
    /// True when the relation is rewritten.
    pub rewrite: bool,
    /// True when every row of the relation is read.
    pub scan: bool,
    /// For the indexes or partitions of a table, that table: the human table shows them on
    /// the table's row when their lock is the table's.
    #[serde(skip)]
    pub of: Option<String>,
}

/// A lock the enclosing transaction already holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldEntry {
    /// The table.
    pub relation: String,
    /// The strongest mode held.
    pub mode: LockMode,
    /// The statement that took that mode.
    pub since: Place,
}

/// Where a statement starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The file.
    pub file: String,
    /// The 1-based line.
    pub line: usize,
}

#[derive(Serialize)]
struct Report<'a> {
    statements: &'a [StatementLocks],
}

/// Runs `bellows locks`: prints the report of every file found and returns the exit code.
pub fn run(args: LocksArgs) -> u8 {
    let exclude = match discover::globs(&[]) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("bellows: error: {e}");
            return EXIT_TROUBLE;
        }
    };
    let found = discover::discover(&args.paths, &exclude);
    for note in &found.notes {
        eprintln!("bellows: {note}");
    }
    let mut code = EXIT_CLEAN;
    // Files are grouped by migrations folder and walked as the folder's runner runs them,
    // so the transaction (Drizzle's, say) is the one `bellows check` sees.
    let mut folders: Vec<(PathBuf, Vec<Source>)> = Vec::new();
    for input in &found.inputs {
        match input {
            Input::File(path) => match lint::read_sql(path) {
                Ok(text) => {
                    let dir = engine::migrations_folder(path);
                    let source = Source::new(path.clone(), Arc::from(text));
                    match folders.iter_mut().find(|(d, _)| *d == dir) {
                        Some((_, sources)) => sources.push(source),
                        None => folders.push((dir.to_path_buf(), vec![source])),
                    }
                }
                Err(message) => {
                    eprintln!("bellows: {message}");
                    code = EXIT_TROUBLE;
                }
            },
            Input::Unreadable { message, .. } => {
                eprintln!("bellows: {message}");
                code = EXIT_TROUBLE;
            }
        }
    }
    let settings = Settings {
        pg_version: args.pg_version,
        ..Settings::default()
    };
    let mut files = Vec::new();
    for (dir, sources) in &folders {
        let sources: Vec<&Source> = sources.iter().collect();
        let runner = engine::runner_of(Some(dir), &sources, &settings);
        files.extend(folder_locks(runner, &sources, &settings));
    }
    let text = match args.format {
        Format::Human => render_human(&files),
        Format::Json => render_json(&files.concat()) + "\n",
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`bellows locks … | head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    code
}

/// The report of every statement of one file, `DO` block bodies included, walked with a
/// context so that each statement sees the locks its transaction holds (psql-like: only
/// explicit transaction blocks).
pub fn file_locks(file: &str, text: &str, pg: PgVersion) -> Vec<StatementLocks> {
    let source = Source::new(PathBuf::from(file), Arc::new(text.to_owned()));
    let settings = Settings {
        pg_version: pg,
        ..Settings::default()
    };
    folder_locks(Runner::Plain, &[&source], &settings)
        .pop()
        .unwrap_or_default()
}

/// The reports of a folder's files, walked as `runner` runs them.
fn folder_locks(
    runner: Runner,
    sources: &[&Source],
    settings: &Settings,
) -> Vec<Vec<StatementLocks>> {
    let mut collect = Collect {
        pg: settings.pg_version,
        files: Vec::new(),
    };
    let pending = vec![true; sources.len()];
    engine::walk(runner, &sources, settings, &pending, &mut collect);
    collect.files
}

/// Collects each statement's report during a walk.
struct Collect {
    pg: PgVersion,
    files: Vec<Vec<StatementLocks>>,
}

impl Visitor for Collect {
    fn enter_file(&mut self, _i: usize, _src: &FileView) {
        self.files.push(Vec::new());
    }

    fn statement(&mut self, _i: usize, src: &FileView, k: usize, cx: &Context) {
        let Some(out) = self.files.last_mut() else {
            return;
        };
        // The context indexes the current file's lines once.
        let line = |offset: usize| cx.line_of(offset);
        let file = src.path.display().to_string();
        let held = cx
            .held_locks()
            .map(|h| HeldEntry {
                relation: h.table.sql(),
                mode: h.mode,
                since: Place {
                    file: file.clone(),
                    line: line(h.since.start),
                },
            })
            .collect();
        let stmt = &src.reading.statements[k];
        out.push(statement_locks(
            stmt,
            cx,
            self.pg,
            held,
            &file,
            line(stmt.span.start),
        ));
    }
}

fn statement_locks(
    stmt: &Statement,
    cx: &Context,
    pg: PgVersion,
    held: Vec<HeldEntry>,
    file: &str,
    line: usize,
) -> StatementLocks {
    let claims = locks::statement_in(stmt, pg, cx);
    let entry = |relation_of: &Relation, facts: LockFacts| {
        let relation = relation_of;
        // The table of an index an earlier statement of the file built is known by name.
        let (relation, kind) = match relation {
            Relation::TableOfIndex(i) => match cx.table_of_index(i) {
                Some(t) => (t.sql(), "table"),
                None => (relation.describe(), relation.kind()),
            },
            Relation::Table(t) | Relation::Index(t) => (t.sql(), relation.kind()),
            _ => (relation.describe(), relation.kind()),
        };
        let of = match relation_of {
            Relation::IndexesOf(t) | Relation::PartitionsOf(t) => Some(t.sql()),
            _ => None,
        };
        LockEntry {
            relation,
            kind,
            mode: facts.mode,
            rewrite: facts.rewrite,
            scan: facts.scan,
            of,
        }
    };
    let locks: Vec<LockEntry> = claims.iter().map(|l| entry(&l.relation, l.facts)).collect();
    StatementLocks {
        file: file.to_string(),
        line,
        sql: cx.text(stmt.span).trim().to_string(),
        blocks: locks
            .iter()
            .map(|l| l.mode)
            .max()
            .map_or_else(Vec::new, LockMode::blocks),
        rewrite: locks.iter().any(|l| l.rewrite),
        scan: locks.iter().any(|l| l.scan),
        transactional: locks::transactional(stmt, pg),
        locks,
        held,
    }
}

/// The report as one JSON document: `{"statements": [...]}`.
pub fn render_json(statements: &[StatementLocks]) -> String {
    // Serialising these plain structs cannot fail; an empty object would still be valid JSON.
    serde_json::to_string_pretty(&Report { statements }).unwrap_or_else(|_| "{}".into())
}

/// The report as a table per file: a row per lock, the statement's own columns on its
/// first row.
pub fn render_human(files: &[Vec<StatementLocks>]) -> String {
    let mut out = String::new();
    for statements in files {
        let Some(first) = statements.first() else {
            continue;
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&first.file);
        out.push('\n');
        let rows = rows(statements);
        let header = [
            "LINE",
            "STATEMENT",
            "LOCK",
            "ON",
            "BLOCKS",
            "REWRITE",
            "SCAN",
            "IN TX",
            "HELD",
        ]
        .map(String::from);
        let mut widths = header.clone().map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for row in std::iter::once(&header).chain(&rows) {
            let mut line = String::new();
            for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
                let pad = w.saturating_sub(cell.chars().count());
                if i == 0 {
                    // Line numbers align right.
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                }
                line.push_str("  ");
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// The table's rows for one file.
fn rows(statements: &[StatementLocks]) -> Vec<[String; 9]> {
    let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
    let mut rows = Vec::new();
    for s in statements {
        let held = s
            .held
            .iter()
            .map(|h| format!("{} {} (line {})", h.relation, h.mode.name(), h.since.line))
            .collect::<Vec<_>>()
            .join("; ");
        let statement = [s.line.to_string(), first_line(&s.sql)];
        let tail = [yes(s.transactional), held];
        let shown = folded(&s.locks);
        if shown.is_empty() {
            let none = ["-", "", "", "", ""].map(String::from);
            rows.push(join(statement, none, tail));
            continue;
        }
        for (i, (l, on)) in shown.into_iter().enumerate() {
            let lock = [
                l.mode.name().to_string(),
                on,
                blocked(&l.mode.blocks()),
                yes(l.rewrite),
                yes(l.scan),
            ];
            if i == 0 {
                rows.push(join(statement.clone(), lock, tail.clone()));
            } else {
                let blank = [String::new(), String::new()];
                rows.push(join(blank.clone(), lock, blank));
            }
        }
    }
    rows
}

/// The locks to show, each with what it is on: the indexes and partitions of a table
/// locked like the table itself are named on the table's row (`users + indexes,
/// partitions`).
fn folded(locks: &[LockEntry]) -> Vec<(&LockEntry, String)> {
    let same =
        |a: &LockEntry, b: &LockEntry| (a.mode, a.rewrite, a.scan) == (b.mode, b.rewrite, b.scan);
    let mut shown: Vec<(&LockEntry, String, Vec<&str>)> = Vec::new();
    for l in locks {
        let table = l.of.as_ref().and_then(|of| {
            shown
                .iter_mut()
                .find(|(t, _, _)| t.kind == "table" && &t.relation == of && same(t, l))
        });
        match table {
            Some((_, _, parts)) => parts.push(l.kind),
            None => shown.push((l, l.relation.clone(), Vec::new())),
        }
    }
    shown
        .into_iter()
        .map(|(l, on, parts)| {
            if parts.is_empty() {
                (l, on)
            } else {
                (l, format!("{on} + {}", parts.join(", ")))
            }
        })
        .collect()
}

fn join(statement: [String; 2], lock: [String; 5], tail: [String; 2]) -> [String; 9] {
    let [line, sql] = statement;
    let [mode, on, blocks, rewrite, scan] = lock;
    let [tx, held] = tail;
    [line, sql, mode, on, blocks, rewrite, scan, tx, held]
}

/// What a lock blocks, in words: `reads, writes, ddl`, or `-`.
fn blocked(blocks: &[Blocked]) -> String {
    if blocks.is_empty() {
        return "-".into();
    }
    blocks
        .iter()
        .map(|b| match b {
            Blocked::Reads => "reads",
            Blocked::Writes => "writes",
            Blocked::Ddl => "ddl",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statement's first line, cut to [`SQL_WIDTH`] characters; `…` says there is more.
fn first_line(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or("").trim_end();
    let more = sql.lines().nth(1).is_some();
    if line.chars().count() > SQL_WIDTH || more {
        let cut: String = line.chars().take(SQL_WIDTH - 1).collect();
        format!("{} …", cut.trim_end())
    } else {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_locks_and_the_table_of_a_known_index() {
        let sql = "CREATE INDEX i ON orders (a);\nBEGIN;\nDROP INDEX i;\nSELECT 1;\nCOMMIT;\n";
        let report = file_locks("m.sql", sql, PgVersion::DEFAULT);
        assert_eq!(report.len(), 5);
        let drop = &report[2];
        assert_eq!(drop.line, 3);
        assert_eq!(drop.locks[0].relation, "orders");
        assert_eq!(drop.locks[0].kind, "table");
        assert_eq!(drop.locks[1].kind, "index");
        assert!(drop.held.is_empty());
        assert_eq!(
            report[3].held,
            vec![HeldEntry {
                relation: "orders".into(),
                mode: LockMode::AccessExclusive,
                since: Place {
                    file: "m.sql".into(),
                    line: 3
                },
            }]
        );
        assert!(report[4].held.len() == 1 && report[4].locks.is_empty());
    }

    #[test]
    fn long_statements_show_their_first_line() {
        assert_eq!(first_line("SELECT 1"), "SELECT 1");
        assert_eq!(
            first_line("CREATE TABLE t (\n  a int\n)"),
            "CREATE TABLE t ( …"
        );
        let long = format!("SELECT {}", "x".repeat(60));
        assert_eq!(first_line(&long).chars().count(), SQL_WIDTH + 1);
    }
}
