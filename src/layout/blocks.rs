//! Migration units: the parts of a file a runner runs separately (dbmate's and goose's up
//! and down blocks), with their direction and transaction directives.

use super::{Runner, TransactionModel};
use crate::source::Span;
use std::path::Path;

/// Up (applied on deploy) or down (a rollback script).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Applied on deploy: linted.
    Up,
    /// Rolls a migration back: linted only with `--include-down`.
    Down,
}

/// A part of a file the runner runs as one piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Its bytes in the file.
    pub span: Span,
    /// Up or down.
    pub direction: Direction,
    /// True when the runner wraps the unit in a transaction of its own (or, for Drizzle,
    /// in the one transaction of all pending files).
    pub transactional: bool,
    /// True when the unit is sent as one message (an implicit transaction when it holds
    /// more than one statement).
    pub one_message: bool,
}

/// Splits `text` (the file at `path`) into the units `runner` runs.
pub fn units(runner: Runner, path: &Path, text: &str) -> Vec<Unit> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file_direction =
        if name.ends_with(".down.sql") || (runner == Runner::Flyway && name.starts_with('U')) {
            Direction::Down
        } else {
            Direction::Up
        };
    let model = runner.transaction_model();
    let whole = |transactional: bool| Unit {
        span: Span::new(0, text.len()),
        direction: file_direction,
        transactional,
        one_message: model == TransactionModel::OneMessage,
    };
    match runner {
        Runner::Dbmate => directive_blocks(text, "-- migrate:", |rest| {
            let transactional = !rest.split_whitespace().any(|w| w == "transaction:false");
            (
                rest.starts_with("up"),
                rest.starts_with("down"),
                transactional,
            )
        }),
        Runner::Goose => {
            let no_tx = goose_no_transaction(text);
            directive_blocks(text, "-- +goose ", |rest| {
                let lower = rest.to_ascii_lowercase();
                (lower.starts_with("up"), lower.starts_with("down"), !no_tx)
            })
        }
        Runner::Sqlx | Runner::Flyway => vec![whole(!super::unit_opts_out(runner, text))],
        Runner::Drizzle => vec![whole(true)],
        Runner::Prisma | Runner::Plain | Runner::GolangMigrate => vec![whole(false)],
    }
}

/// Cuts a file at directive lines starting with `prefix`; `classify` reads the rest of the
/// line and says (is up, is down, transactional). Text before the first directive belongs
/// to no unit (both tools ignore it).
fn directive_blocks(
    text: &str,
    prefix: &str,
    classify: impl Fn(&str) -> (bool, bool, bool),
) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(prefix) {
            let (up, down, transactional) = classify(rest.trim());
            if up || down {
                if let Some(last) = out.last_mut() {
                    last.span.end = offset;
                }
                let start = offset + line.len();
                out.push(Unit {
                    span: Span::new(start, text.len()),
                    direction: if up { Direction::Up } else { Direction::Down },
                    transactional,
                    one_message: false,
                });
            }
        }
        offset += line.len();
    }
    out
}

/// True when `+goose` (in any case) occurs in `text`: a cheap test before looking at lines.
fn mentions_goose(text: &str) -> bool {
    text.match_indices('+').any(|(i, _)| {
        text.as_bytes()
            .get(i + 1..i + 6)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"goose"))
    })
}

/// True when the file carries `-- +goose NO TRANSACTION`.
pub fn goose_no_transaction(text: &str) -> bool {
    mentions_goose(text)
        && text
            .lines()
            .any(|l| l.trim().eq_ignore_ascii_case("-- +goose NO TRANSACTION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbmate_blocks_and_transaction_false() {
        let text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down\nDROP INDEX i;\n";
        let u = units(Runner::Dbmate, Path::new("1_x.sql"), text);
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].direction, Direction::Up);
        assert!(!u[0].transactional);
        assert_eq!(
            u[0].span.slice(text).trim(),
            "CREATE INDEX CONCURRENTLY i ON t (a);"
        );
        assert_eq!(u[1].direction, Direction::Down);
        assert!(u[1].transactional);
        assert_eq!(u[1].span.slice(text).trim(), "DROP INDEX i;");
    }

    #[test]
    fn goose_blocks_and_no_transaction() {
        let text = "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- +goose Down\nDROP INDEX i;\n";
        let u = units(Runner::Goose, Path::new("1_x.sql"), text);
        assert_eq!(u.len(), 2);
        assert!(!u[0].transactional);
        let text = "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n";
        let u = units(Runner::Goose, Path::new("1_x.sql"), text);
        assert_eq!(u.len(), 1);
        assert!(u[0].transactional);
    }

    #[test]
    fn file_level_directions_and_opt_outs() {
        let u = units(
            Runner::GolangMigrate,
            Path::new("1_x.down.sql"),
            "DROP TABLE t;",
        );
        assert_eq!(u[0].direction, Direction::Down);
        assert!(u[0].one_message);
        let u = units(
            Runner::Sqlx,
            Path::new("1_x.sql"),
            "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);",
        );
        assert!(!u[0].transactional);
        let u = units(Runner::Flyway, Path::new("U2__undo.sql"), "SELECT 1;");
        assert_eq!(u[0].direction, Direction::Down);
        assert!(u[0].transactional);
    }
}
