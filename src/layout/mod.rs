//! Which migration tool a folder belongs to, and how that tool runs its files: the
//! transaction model every lock and transaction rule depends on.

use std::fmt;
use std::path::{Path, PathBuf};
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

/// Recognises the runner of a migrations folder from its file names and contents.
/// `files` are the folder's SQL files with their text.
pub fn detect(dir: &Path, files: &[(PathBuf, &str)]) -> Runner {
    let names: Vec<String> = files
        .iter()
        .filter_map(|(p, _)| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let any_text = |needle: &str| files.iter().any(|(_, t)| t.contains(needle));
    let path_text = dir.to_string_lossy().replace('\\', "/");
    if dir.join("meta/_journal.json").is_file() || any_text("--> statement-breakpoint") {
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
    if files.iter().any(|(_, t)| blocks::has_dbmate_directives(t)) {
        return Runner::Dbmate;
    }
    if files.iter().any(|(_, t)| blocks::has_goose_directives(t)) {
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
    let sqlx_marker = files
        .iter()
        .any(|(_, t)| first_line(t) == "-- no-transaction");
    if sqlx_marker {
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

/// True when the runner can only tell from the whole file whether it is transactional
/// (sqlx's first-line directive, goose's NO TRANSACTION).
pub fn unit_opts_out(runner: Runner, text: &str) -> bool {
    match runner {
        Runner::Sqlx => first_line(text) == "-- no-transaction",
        Runner::Goose => blocks::goose_no_transaction(text),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_names(dir: &str, files: &[(&str, &str)]) -> Runner {
        let owned: Vec<(PathBuf, &str)> = files
            .iter()
            .map(|(n, t)| (Path::new(dir).join(n), *t))
            .collect();
        detect(Path::new(dir), &owned)
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
