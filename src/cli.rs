//! The command line: `bellows check`, `bellows rules`, `bellows explain`, `bellows locks`,
//! `bellows schema`.

use crate::config::{self, Config, FailOn};
use crate::discover::{self, Input};
use crate::engine;
use crate::layout::Runner;
use crate::lint::Settings;
use crate::locks_report;
use crate::pg_version::PgVersion;
use crate::report::{self, compact, github, gitlab, human, json, sarif};
use crate::rules;
use crate::since;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
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
    /// Show the locks each statement takes and the locks its transaction already holds.
    Locks(locks_report::LocksArgs),
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
    #[arg(long, value_enum, default_value_t = ListingFormat::Human)]
    format: ListingFormat,
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
    /// Target PostgreSQL major version (15, 15.4 or v15) [default: 15, or bellows.toml's].
    #[arg(long, value_name = "VERSION", value_parser = parse_pg_version)]
    pg_version: Option<PgVersion>,
    /// The migration tool that runs the files, instead of detecting it per folder: drizzle,
    /// prisma, flyway, golang-migrate, dbmate, sqlx, goose, plain.
    #[arg(long, value_name = "NAME", value_parser = parse_runner)]
    runner: Option<Runner>,
    /// Report only migration files added or changed since this git ref (staged and
    /// unstaged changes count); earlier files are still read for context.
    #[arg(long, value_name = "GIT_REF")]
    since: Option<String>,
    /// Also lint down migrations (rollback scripts), which are skipped by default.
    #[arg(long)]
    include_down: bool,
    /// Exit with 1 on findings at this severity or above [default: error].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
    /// Configuration file [default: the nearest bellows.toml from the current folder up].
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// Graphical report with source excerpts (plain when not a terminal or NO_COLOR is set).
    Human,
    /// One JSON document (see docs/json-output.md).
    Json,
    /// SARIF 2.1.0, for code scanning (see docs/ci.md).
    Sarif,
    /// GitHub Actions annotations, one workflow command per finding (see docs/ci.md).
    Github,
    /// GitLab Code Quality report (see docs/ci.md).
    Gitlab,
    /// One line per finding, `file:line:col: severity[rule] message` (see docs/editors.md).
    Compact,
}

/// Output formats of the listing commands.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListingFormat {
    /// For a person.
    Human,
    /// One JSON document.
    Json,
}

fn parse_pg_version(s: &str) -> Result<PgVersion, String> {
    s.parse()
}

fn parse_runner(s: &str) -> Result<Runner, String> {
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
        Command::Locks(args) => locks_report::run(args),
        Command::Schema(args) => schema(args),
    };
    ExitCode::from(code)
}

fn check(args: CheckArgs) -> u8 {
    let known: Vec<&str> = rules::all().map(|m| m.id).collect();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config_path = args.config.clone().or_else(|| config::find(&cwd));
    let config = match &config_path {
        Some(p) => match Config::load(p, &known) {
            Ok(c) => c,
            Err(e) => return fail(&e.to_string()),
        },
        None => Config::default(),
    };
    let config_dir = config_path
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.clone());
    let mut exclude_globs = config.exclude.clone();
    exclude_globs.extend(args.exclude.iter().cloned());
    let exclude = match discover::globs(&exclude_globs) {
        Ok(g) => g,
        Err(e) => return fail(&e),
    };
    let include = match discover::globs(&config.include) {
        Ok(g) => g,
        Err(e) => return fail(&e),
    };
    let paths = if !args.paths.is_empty() {
        args.paths.clone()
    } else if !config.include.is_empty() {
        vec![config_dir.clone()]
    } else {
        vec![PathBuf::from(".")]
    };
    let mut found = discover::discover(&paths, &exclude);
    if !config.include.is_empty() && args.paths.is_empty() {
        found.inputs.retain(|input| match input {
            Input::File(p) => p
                .strip_prefix(&config_dir)
                .is_ok_and(|rel| include.is_match(rel)),
            Input::Unreadable { .. } => true,
        });
    }
    for note in &found.notes {
        eprintln!("bellows: {note}");
    }
    let since = match &args.since {
        Some(reference) => match since::changes_since(reference, &cwd) {
            Ok(c) => Some(c),
            Err(e) => return fail(&e),
        },
        None => None,
    };
    let settings = Settings {
        pg_version: args.pg_version.or(config.pg_version).unwrap_or_default(),
        runner: args.runner.or(config.runner),
        include_down: args.include_down,
        levels: config.rules.clone(),
        require_ignore_reason: config.require_ignore_reason.unwrap_or(true),
        since,
    };
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or_default();
    if matches!(args.format, Format::Json) {
        // Streamed: each file's diagnostics are rendered as soon as they are made, and
        // written, then freed, as soon as the ones before them are.
        let mut summary = report::Summary::default();
        let out = std::io::BufWriter::new(std::io::stdout().lock());
        // A closed pipe (`bellows … | head`) is not an error worth reporting: linting goes
        // on for the exit code, and nothing more is written.
        let mut stream = json::Stream::begin(out).ok();
        engine::run_prepared(
            &found.inputs,
            &settings,
            |r| {
                summary.add(&r);
                json::Rendered::of(&r)
            },
            |rendered| {
                if stream
                    .as_mut()
                    .is_some_and(|s| s.rendered(&rendered).is_err())
                {
                    stream = None;
                }
            },
        );
        if let Some(s) = stream {
            let _ = s.finish(&summary).and_then(|mut out| out.flush());
        }
        return exit_code(&summary, fail_on);
    }
    let results = engine::run(&found.inputs, &settings);
    let text = match args.format {
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            human::render(&results, color)
        }
        Format::Json => json::render(&results),
        Format::Sarif => sarif::render(&results) + "\n",
        Format::Github => github::render(&results),
        Format::Gitlab => gitlab::render(&results) + "\n",
        Format::Compact => compact::render(&results),
    };
    write_stdout(&text);
    exit_code(&report::Summary::of(&results), fail_on)
}

/// 2 when a file could not be read, 1 when there are findings at the failing severity,
/// else 0.
fn exit_code(summary: &report::Summary, fail_on: FailOn) -> u8 {
    let failing = summary.errors > 0 || (fail_on == FailOn::Warning && summary.warnings > 0);
    if summary.io_errors > 0 {
        EXIT_TROUBLE
    } else if failing {
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
        ListingFormat::Human => crate::schema::human(&replay),
        ListingFormat::Json => crate::schema::json(&replay),
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
