//! Which migration tool a folder belongs to, and how that tool runs its files: the
//! transaction model every lock and transaction rule depends on.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

mod blocks;

pub use blocks::{Direction, Unit, units};

/// A migration tool, as bellows models how it runs SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Runner {
    /// `drizzle-kit migrate`: every pending file in ONE transaction.
    Drizzle,
    /// `prisma migrate`: no implicit transaction; explicit BEGIN/COMMIT honoured.
    Prisma,
    /// Flyway: one transaction per migration unless all its statements are
    /// non-transactional.
    Flyway,
    /// golang-migrate: a file is one message (one implicit transaction when it holds more
    /// than one statement).
    GolangMigrate,
    /// dbmate: one transaction per `-- migrate:up` block unless `transaction:false`.
    Dbmate,
    /// sqlx: one transaction per migration unless `-- no-transaction`.
    Sqlx,
    /// goose: one transaction per migration unless `-- +goose NO TRANSACTION`.
    Goose,
    /// psql-like: each statement on its own unless BEGIN/COMMIT.
    Plain,
}

impl Runner {
    /// Every runner, in the order detection tries them.
    pub const ALL: [Runner; 8] = [
        Runner::Drizzle,
        Runner::Prisma,
        Runner::Flyway,
        Runner::Dbmate,
        Runner::Goose,
        Runner::Sqlx,
        Runner::GolangMigrate,
        Runner::Plain,
    ];

    /// The name users write (`--runner golang-migrate`).
    pub fn name(self) -> &'static str {
        match self {
            Runner::Drizzle => "drizzle",
            Runner::Prisma => "prisma",
            Runner::Flyway => "flyway",
            Runner::GolangMigrate => "golang-migrate",
            Runner::Dbmate => "dbmate",
            Runner::Sqlx => "sqlx",
            Runner::Goose => "goose",
            Runner::Plain => "plain",
        }
    }

    /// How a unit of this runner is sent to PostgreSQL.
    pub fn transaction_model(self) -> TransactionModel {
        match self {
            Runner::Drizzle => TransactionModel::AllPending,
            Runner::Prisma | Runner::Plain => TransactionModel::None,
            Runner::GolangMigrate => TransactionModel::OneMessage,
            Runner::Flyway | Runner::Dbmate | Runner::Sqlx | Runner::Goose => {
                TransactionModel::PerUnit
            }
        }
    }

    /// How to run a statement outside the runner's transaction, in the runner's own words.
    pub fn opt_out(self) -> &'static str {
        match self {
            Runner::Drizzle => {
                "drizzle-kit migrate runs every pending migration in one transaction and cannot run this statement: run it outside drizzle-kit (a psql step in the deploy, before or after `drizzle-kit migrate`), and leave it out of the drizzle folder"
            }
            Runner::Prisma | Runner::Plain => "keep it outside any BEGIN … COMMIT block",
            Runner::Flyway => {
                "put it in a migration of its own: Flyway runs a migration without a transaction only when all its statements are non-transactional"
            }
            Runner::GolangMigrate => {
                "put it alone in its own migration file: golang-migrate sends a file as one message, which PostgreSQL runs as one transaction when it holds more than one statement"
            }
            Runner::Dbmate => {
                "put it in its own migration whose up block reads `-- migrate:up transaction:false`"
            }
            Runner::Sqlx => "put it in its own migration whose first line is `-- no-transaction`",
            Runner::Goose => {
                "put it in its own migration with `-- +goose NO TRANSACTION` at the top"
            }
        }
    }
}

impl Runner {
    /// The contents of a migration of this runner that runs `sql` outside any transaction.
    pub fn standalone_migration(self, sql: &str) -> String {
        match self {
            Runner::Drizzle => format!(
                "-- drizzle-kit migrate cannot run this (it runs every migration in one transaction):\n-- run it with psql in a deploy step after `drizzle-kit migrate`, outside the drizzle folder\n{sql}"
            ),
            Runner::Dbmate => format!("-- migrate:up transaction:false\n{sql}"),
            Runner::Sqlx => format!("-- no-transaction\n{sql}"),
            Runner::Goose => format!("-- +goose NO TRANSACTION\n-- +goose Up\n{sql}"),
            Runner::GolangMigrate => {
                format!("-- a migration file of its own, holding only this statement\n{sql}")
            }
            Runner::Flyway => format!(
                "-- a migration of its own (Flyway then runs it without a transaction)\n{sql}"
            ),
            Runner::Prisma | Runner::Plain => sql.to_string(),
        }
    }
}

impl fmt::Display for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Runner {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Runner::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Runner::ALL.iter().map(|r| r.name()).collect();
                format!(
                    "unknown runner `{s}`; expected one of: {}",
                    names.join(", ")
                )
            })
    }
}

/// How a runner wraps the statements of a unit (a file, or a block of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionModel {
    /// Statement by statement, no implicit transaction.
    None,
    /// The whole unit in one transaction (unless the unit opts out).
    PerUnit,
    /// The unit is sent as one message: PostgreSQL runs it as one implicit transaction
    /// when it holds more than one statement.
    OneMessage,
    /// Every pending unit of the folder in one transaction.
    AllPending,
}

/// What a file's text says of the runner that wrote it: the text is looked at once, where
/// the file is read, so that recognising a folder's runner need not read every file again
/// before the folder's walk can start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Markers {
    /// Drizzle's `--> statement-breakpoint`.
    drizzle: bool,
    /// A dbmate `-- migrate:up` line.
    dbmate: bool,
    /// A goose `-- +goose Up` line.
    goose: bool,
    /// sqlx's `-- no-transaction` first line.
    sqlx_no_transaction: bool,
}

impl Markers {
    /// The markers of `text`, found in one pass over its `--` comments.
    pub fn of(text: &str) -> Self {
        let mut m = Markers {
            sqlx_no_transaction: sqlx_no_transaction(text),
            ..Markers::default()
        };
        let bytes = text.as_bytes();
        let dashes = memchr::memmem::Finder::new(b"--");
        let mut from = 0;
        let mut line_start = 0;
        // The line of the previous `--`: only a line's first can open a directive line.
        let mut previous_line = None;
        while let Some(found) = dashes.find(&bytes[from..]) {
            let at = from + found;
            if let Some(n) = memchr::memrchr(b'\n', &bytes[from..at]) {
                line_start = from + n + 1;
            }
            // One byte on: `---> statement-breakpoint` holds the marker one byte in.
            from = at + 1;
            let rest = &bytes[at..];
            m.drizzle |= rest.starts_with(b"--> statement-breakpoint");
            let first_on_line = previous_line != Some(line_start);
            previous_line = Some(line_start);
            // dbmate's and goose's directives are lines of their own.
            if first_on_line && text[line_start..at].trim_start().is_empty() {
                m.dbmate |= rest.starts_with(b"-- migrate:up");
                m.goose |= rest
                    .get(..12)
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"-- +goose up"));
            }
        }
        m
    }
}

/// Recognises the runner of a migrations folder from its file names and contents: `files`
/// are the folder's SQL files, each with the [`Markers`] of its text.
pub fn detect(dir: &Path, files: &[(&Path, Markers)]) -> Runner {
    let names: Vec<String> = files
        .iter()
        .filter_map(|(p, _)| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let any = |marker: fn(&Markers) -> bool| files.iter().any(|(_, m)| marker(m));
    let path_text = dir.to_string_lossy().replace('\\', "/");
    if dir.join("meta/_journal.json").is_file() || any(|m| m.drizzle) {
        return Runner::Drizzle;
    }
    if dir.join("migration_lock.toml").is_file()
        || files.iter().any(|(p, _)| {
            p.file_name().is_some_and(|n| n == "migration.sql")
                && p.parent()
                    .and_then(Path::file_name)
                    .is_some_and(|d| starts_with_digits(&d.to_string_lossy()))
        })
    {
        return Runner::Prisma;
    }
    if any(|m| m.dbmate) {
        return Runner::Dbmate;
    }
    if any(|m| m.goose) {
        return Runner::Goose;
    }
    if names.iter().any(|n| is_flyway_name(n)) {
        return Runner::Flyway;
    }
    if path_text.contains("supabase/migrations") {
        return Runner::Plain;
    }
    let up_down = names
        .iter()
        .any(|n| n.ends_with(".up.sql") || n.ends_with(".down.sql"));
    if any(|m| m.sqlx_no_transaction) {
        return Runner::Sqlx;
    }
    if up_down {
        return Runner::GolangMigrate;
    }
    if !names.is_empty() && names.iter().all(|n| is_versioned_name(n)) {
        return Runner::Sqlx;
    }
    Runner::Plain
}

/// `V1__init.sql`, `V1_2__x.sql`, `V1.2__x.sql`, `U1__undo.sql`, `R__views.sql`.
pub fn is_flyway_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".sql") else {
        return false;
    };
    let Some((version, desc)) = stem.split_once("__") else {
        return false;
    };
    if desc.is_empty() {
        return false;
    }
    match version.as_bytes().first() {
        Some(b'R') => version.len() == 1,
        Some(b'V' | b'U') => {
            let v = &version[1..];
            !v.is_empty()
                && v.starts_with(|c: char| c.is_ascii_digit())
                && v.chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
        }
        _ => false,
    }
}

/// `<timestamp>_<desc>.sql` with sqlx's default 14-digit version (`20240101120000`). Shorter
/// numbered files (`0001_init.sql`) are as often plain psql scripts, so they are not taken
/// for sqlx without its `-- no-transaction` marker.
fn is_versioned_name(name: &str) -> bool {
    name.split_once('_').is_some_and(|(v, rest)| {
        v.len() >= 14 && v.chars().all(|c| c.is_ascii_digit()) && rest.ends_with(".sql")
    })
}

fn starts_with_digits(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
}

fn first_line(text: &str) -> &str {
    text.trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("")
        .trim()
}

/// True when the file opts out of sqlx's transaction with `-- no-transaction` as its first
/// line.
fn sqlx_no_transaction(text: &str) -> bool {
    first_line(text) == "-- no-transaction"
}

/// True when the runner can only tell from the whole file whether it is transactional
/// (sqlx's first-line directive, goose's NO TRANSACTION).
pub fn unit_opts_out(runner: Runner, text: &str) -> bool {
    match runner {
        Runner::Sqlx => sqlx_no_transaction(text),
        Runner::Goose => blocks::goose_no_transaction(text),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn detect_names(dir: &str, files: &[(&str, &str)]) -> Runner {
        let paths: Vec<PathBuf> = files.iter().map(|(n, _)| Path::new(dir).join(n)).collect();
        let marked: Vec<(&Path, Markers)> = paths
            .iter()
            .zip(files)
            .map(|(p, (_, t))| (p.as_path(), Markers::of(t)))
            .collect();
        detect(Path::new(dir), &marked)
    }

    /// What [`Markers::of`] finds in one pass, as a look at every line finds it.
    fn markers_by_search(text: &str) -> Markers {
        Markers {
            drizzle: text.contains("--> statement-breakpoint"),
            dbmate: text.lines().any(|l| l.trim().starts_with("-- migrate:up")),
            goose: text.lines().any(|l| {
                let l = l.trim().as_bytes();
                l.len() >= 12 && l[..12].eq_ignore_ascii_case(b"-- +goose up")
            }),
            sqlx_no_transaction: first_line(text) == "-- no-transaction",
        }
    }

    #[test]
    fn markers_of_directive_lines() {
        for (text, drizzle, dbmate, goose) in [
            ("SELECT 1;--> statement-breakpoint\n", true, false, false),
            ("SELECT 1;---> statement-breakpoint\n", true, false, false),
            ("-- migrate:up\nSELECT 1;", false, true, false),
            ("  \t-- migrate:up\n", false, true, false),
            ("SELECT 1; -- migrate:up\n", false, false, false),
            ("-- -- migrate:up\n", false, false, false),
            ("---- migrate:up\n", false, false, false),
            ("\n  -- +GOOSE Up\nSELECT 1;", false, false, true),
            ("-- x\n-- +goose up", false, false, true),
            ("SELECT '-- +goose up';", false, false, false),
        ] {
            let m = Markers::of(text);
            assert_eq!(
                (m.drizzle, m.dbmate, m.goose),
                (drizzle, dbmate, goose),
                "{text:?}"
            );
            assert_eq!(m, markers_by_search(text), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn markers_match_whole_text_searches(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "--", "-", ">", " ", "\t", "\n", "\r\n", "x", "\u{a0}", "\u{feff}",
                    "--> statement-breakpoint", "-- migrate:up", "-- +goose up",
                    "-- +GOOSE UP", "-- no-transaction", "migrate:up", "+goose",
                ]),
                0..24,
            )
        ) {
            let text = parts.concat();
            proptest::prop_assert_eq!(Markers::of(&text), markers_by_search(&text));
        }
    }

    #[test]
    fn detects_each_runner() {
        assert_eq!(
            detect_names(
                "db",
                &[(
                    "0000_init.sql",
                    "CREATE TABLE a (id int);--> statement-breakpoint\nSELECT 1;"
                )]
            ),
            Runner::Drizzle
        );
        assert_eq!(
            detect_names(
                "prisma/migrations",
                &[("20240101000000_init/migration.sql", "SELECT 1;")]
            ),
            Runner::Prisma
        );
        assert_eq!(
            detect_names("db", &[("V1_2__init.sql", "SELECT 1;")]),
            Runner::Flyway
        );
        assert_eq!(
            detect_names("db", &[("R__views.sql", "SELECT 1;")]),
            Runner::Flyway
        );
        assert_eq!(
            detect_names(
                "db",
                &[
                    ("1_init.up.sql", "SELECT 1;"),
                    ("1_init.down.sql", "SELECT 1;")
                ]
            ),
            Runner::GolangMigrate
        );
        assert_eq!(
            detect_names(
                "db",
                &[(
                    "20240101_init.sql",
                    "-- migrate:up\nSELECT 1;\n-- migrate:down\n"
                )]
            ),
            Runner::Dbmate
        );
        assert_eq!(
            detect_names("db", &[("20240101_init.sql", "-- +goose Up\nSELECT 1;\n")]),
            Runner::Goose
        );
        assert_eq!(
            detect_names(
                "db",
                &[("20240101_init.sql", "-- no-transaction\nSELECT 1;\n")]
            ),
            Runner::Sqlx
        );
        assert_eq!(
            detect_names("migrations", &[("20240101120000_init.sql", "SELECT 1;")]),
            Runner::Sqlx
        );
        assert_eq!(
            detect_names(
                "supabase/migrations",
                &[("20240101120000_init.sql", "SELECT 1;")]
            ),
            Runner::Plain
        );
        assert_eq!(
            detect_names("sql", &[("schema.sql", "SELECT 1;")]),
            Runner::Plain
        );
    }

    #[test]
    fn flyway_names() {
        for ok in [
            "V1__a.sql",
            "V1_2__a.sql",
            "V1.2.3__a_b.sql",
            "U3__undo.sql",
            "R__views.sql",
        ] {
            assert!(is_flyway_name(ok), "{ok}");
        }
        for bad in [
            "V__a.sql",
            "Vx__a.sql",
            "V1_a.sql",
            "V1__.sql",
            "1__a.sql",
            "RX__a.sql",
        ] {
            assert!(!is_flyway_name(bad), "{bad}");
        }
    }

    #[test]
    fn runner_names_round_trip() {
        for r in Runner::ALL {
            assert_eq!(r.name().parse::<Runner>(), Ok(r));
        }
        assert!(
            "liquibase"
                .parse::<Runner>()
                .unwrap_err()
                .contains("golang-migrate")
        );
    }
}
