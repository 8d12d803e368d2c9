//! The command line: `bellows check`, `bellows rules`, `bellows explain`, `bellows schema`.

use crate::discover::{self, Input};
use crate::lint::{self, FileResult, Settings};
use crate::pg_version::PgVersion;
use crate::report::{self, human, json};
use crate::rules;
use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code: no errors.
const EXIT_CLEAN: u8 = 0;
/// Exit code: findings at error severity.
const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage or I/O error.
const EXIT_TROUBLE: u8 = 2;

/// A linter for PostgreSQL schema migrations: finds the statements that lock or rewrite a
/// live table or break the running application, and prints the safe rewrite.
#[derive(Debug, Parser)]
#[command(name = "bellows", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lint migration files and folders (folders are searched for *.sql files).
    Check(CheckArgs),
    /// List every rule with its default severity.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// The rule id, as `bellows rules` lists it (e.g. set-not-null).
        rule: String,
    },
    /// Replay migration files in order and print the schema they build: tables with their
    /// columns, constraints and indexes, views, types, sequences.
    Schema(SchemaArgs),
}

#[derive(Debug, clap::Args)]
struct SchemaArgs {
    /// Files and folders to replay, in order; folders are walked for *.sql files in sorted
    /// order [default: the current folder].
    paths: Vec<PathBuf>,
    /// Output format (human: a listing per schema; json: see docs/schema-output.md).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Leave out files matching this glob (repeatable), e.g. --exclude '**/*.down.sql'.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Files and folders to lint [default: the current folder].
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Leave out files matching this glob (repeatable), e.g. --exclude '**/*.down.sql'.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Target PostgreSQL major version (15, 15.4 or v15).
    #[arg(long, value_name = "VERSION", default_value = "15", value_parser = parse_pg_version)]
    pg_version: PgVersion,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// Graphical report with source excerpts (plain when not a terminal or NO_COLOR is set).
    Human,
    /// One JSON document (see docs/json-output.md).
    Json,
}

fn parse_pg_version(s: &str) -> Result<PgVersion, String> {
    s.parse()
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                EXIT_TROUBLE
            } else {
                EXIT_CLEAN
            });
        }
    };
    let code = match cli.command {
        Command::Check(args) => check(args),
        Command::Rules => list_rules(),
        Command::Explain { rule } => explain(&rule),
        Command::Schema(args) => schema(args),
    };
    ExitCode::from(code)
}

fn check(args: CheckArgs) -> u8 {
    let exclude = match discover::globs(&args.exclude) {
        Ok(g) => g,
        Err(e) => return fail(&e),
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let found = discover::discover(&paths, &exclude);
    for note in &found.notes {
        eprintln!("bellows: {note}");
    }
    let settings = Settings {
        pg_version: args.pg_version,
    };
    let results: Vec<FileResult> = found
        .inputs
        .par_iter()
        .map(|input| match input {
            Input::File(p) => lint::lint_file(p, &settings),
            Input::Unreadable { path, message } => lint::io_error(path, message.clone()),
        })
        .collect();
    let text = match args.format {
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            human::render(&results, color)
        }
        Format::Json => json::render(&results) + "\n",
    };
    write_stdout(&text);
    exit_code(&results)
}

/// 2 when a file could not be read, 1 when there are error findings, else 0.
fn exit_code(results: &[FileResult]) -> u8 {
    let io = results
        .iter()
        .any(|f| f.diagnostics.iter().any(|d| d.rule == rules::IO_ERROR.id));
    if io {
        EXIT_TROUBLE
    } else if report::Summary::of(results).errors > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn list_rules() -> u8 {
    let width = rules::all().map(|m| m.id.len()).max().unwrap_or(0);
    let mut text = String::new();
    for m in rules::all() {
        text.push_str(&format!(
            "{:width$}  {:7}  {}\n",
            m.id,
            m.default_severity.to_string(),
            m.summary
        ));
    }
    write_stdout(&text);
    EXIT_CLEAN
}

fn explain(rule: &str) -> u8 {
    match rules::find(rule) {
        Some(m) => {
            write_stdout(m.docs);
            EXIT_CLEAN
        }
        None => fail(&format!("no rule `{rule}`; `bellows rules` lists them all")),
    }
}

/// Replays the files and prints the schema; 2 when a file could not be read (the schema then
/// lacks what it does).
fn schema(args: SchemaArgs) -> u8 {
    let exclude = match discover::globs(&args.exclude) {
        Ok(g) => g,
        Err(e) => return fail(&e),
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let found = discover::discover(&paths, &exclude);
    for note in &found.notes {
        eprintln!("bellows: {note}");
    }
    let replay = crate::schema::replay(&found.inputs);
    write_stdout(&match args.format {
        Format::Human => crate::schema::human(&replay),
        Format::Json => crate::schema::json(&replay),
    });
    for message in &replay.unreadable {
        eprintln!("bellows: {message}");
    }
    if replay.unreadable.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_TROUBLE
    }
}

fn fail(message: &str) -> u8 {
    eprintln!("bellows: error: {message}");
    EXIT_TROUBLE
}

/// Writes to stdout; a closed pipe (`bellows … | head`) is not an error worth a panic.
fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
