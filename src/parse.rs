//! Reads one statement: sqlparser first, the token fallback for what it rejects, and a
//! `parse-error` only for text that names no PostgreSQL command.

use crate::fallback;
use crate::ir::{Op, Origin, Statement};
use crate::lower;
use crate::source::Span;
use crate::tokens;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Location;

/// Nesting depth past which sqlparser gives up with an error instead of recursing on.
pub(crate) const RECURSION_LIMIT: usize = 64;

/// Parses and lowers the statement at `span` of `file_text`.
pub fn statement(file_text: &str, span: Span) -> Statement {
    let text = span.slice(file_text);
    let (raw, toks) = match tokens::tokenize(text, span.start) {
        Ok(t) => t,
        Err(e) => return untokenizable(text, span, &e.message, e.location),
    };
    let keyword_span = fallback::command_span(&toks)
        .or_else(|| toks.sig.first().map(|t| t.span))
        .unwrap_or(span);
    let concurrently = toks.concurrently();
    let dialect = PostgreSqlDialect {};
    let parsed = Parser::new(&dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .with_tokens_with_locations(raw.clone())
        .parse_statements();
    let (op, origin) = match parsed {
        Ok(stmts) if stmts.len() == 1 => (lower::lower(&stmts[0], &toks, span), Origin::Parsed),
        Ok(_) => (
            Op::Other {
                command: "EMPTY".into(),
            },
            Origin::Parsed,
        ),
        Err(ParserError::RecursionLimitExceeded) => (
            Op::Other {
                command: "INVALID".into(),
            },
            Origin::ParseError {
                message: describe(&ParserError::RecursionLimitExceeded).0,
                at: keyword_span,
            },
        ),
        Err(e) => match fallback::lower_tokens(&raw, &toks, span) {
            Some(op) => (op, Origin::Fallback),
            None => match fallback::command_name(&toks) {
                Some(command) => (
                    Op::Other {
                        command: command.clone(),
                    },
                    Origin::Unanalyzed { command },
                ),
                None => {
                    let (message, loc) = describe(&e);
                    let at = loc.and_then(|l| toks.span_at(l)).unwrap_or(keyword_span);
                    (
                        Op::Other {
                            command: "INVALID".into(),
                        },
                        Origin::ParseError { message, at },
                    )
                }
            },
        },
    };
    Statement {
        span,
        keyword_span,
        op,
        origin,
        concurrently,
        in_do_block: false,
    }
}

/// A statement whose text sqlparser could not even cut into tokens.
fn untokenizable(text: &str, span: Span, message: &str, loc: Location) -> Statement {
    let words = fallback::words_of_text(text, 8);
    let origin = match fallback::classify(&words) {
        Some((command, _)) => Origin::Unanalyzed { command },
        None => {
            let at =
                locate(text, loc).map_or(span, |o| Span::new(span.start + o, span.start + o + 1));
            Origin::ParseError {
                message: message.to_string(),
                at,
            }
        }
    };
    let command = match &origin {
        Origin::Unanalyzed { command } => command.clone(),
        _ => "INVALID".into(),
    };
    Statement {
        span,
        keyword_span: span,
        op: Op::Other { command },
        origin,
        concurrently: None,
        in_do_block: false,
    }
}

/// The parser's message without its trailing location, and that location.
fn describe(e: &ParserError) -> (String, Option<Location>) {
    let msg = match e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m.clone(),
        ParserError::RecursionLimitExceeded => {
            return (
                "statement nests more than 64 levels deep; bellows does not analyse it".into(),
                None,
            );
        }
    };
    match msg.rsplit_once(" at Line: ") {
        Some((head, tail)) => {
            let loc = tail.split_once(", Column: ").and_then(|(l, c)| {
                Some(Location::new(
                    l.trim().parse().ok()?,
                    c.trim().parse().ok()?,
                ))
            });
            (head.to_string(), loc)
        }
        None => (msg, None),
    }
}

/// Byte offset of a 1-based line/character location within `text`.
fn locate(text: &str, loc: Location) -> Option<usize> {
    let mut line = 1u64;
    let mut col = 1u64;
    for (i, c) in text.char_indices() {
        if (line, col) == (loc.line, loc.column) {
            return Some(i);
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(sql: &str) -> Statement {
        statement(sql, Span::new(0, sql.len()))
    }

    #[test]
    fn parsed_statements_are_lowered() {
        let s = read("ALTER TABLE users ALTER COLUMN email SET NOT NULL");
        assert_eq!(s.origin, Origin::Parsed);
        assert!(matches!(s.op, Op::AlterTable(_)));
        assert_eq!(
            s.keyword_span
                .slice("ALTER TABLE users ALTER COLUMN email SET NOT NULL"),
            "ALTER TABLE"
        );
    }

    #[test]
    fn rejected_commands_are_unanalyzed_not_errors() {
        let s = read("CREATE AGGREGATE my_sum (int) (sfunc = int4pl, stype = int)");
        assert!(
            matches!(s.origin, Origin::Unanalyzed { .. } | Origin::Parsed),
            "{:?}",
            s.origin
        );
    }

    #[test]
    fn text_naming_no_command_is_a_parse_error_at_the_failing_word() {
        let sql = "CRATE TABLE t (id int)";
        let s = read(sql);
        match s.origin {
            Origin::ParseError { at, .. } => assert_eq!(at.slice(sql), "CRATE"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fallback_statements_keep_their_keywords_and_concurrently() {
        for (sql, keywords, concurrently) in [
            (
                r#"DROP INDEX CONCURRENTLY IF EXISTS "a_idx""#,
                "DROP INDEX",
                true,
            ),
            ("REINDEX INDEX CONCURRENTLY a_idx", "REINDEX", true),
            ("REINDEX (VERBOSE) TABLE t", "REINDEX", false),
            (
                "REFRESH MATERIALIZED VIEW CONCURRENTLY v",
                "REFRESH MATERIALIZED VIEW",
                true,
            ),
            ("CLUSTER VERBOSE t USING t_idx", "CLUSTER", false),
            ("VACUUM (FULL, ANALYZE) t", "VACUUM", false),
            (
                "ALTER TABLE m DETACH PARTITION p CONCURRENTLY",
                "ALTER TABLE",
                true,
            ),
            ("ALTER TABLE t SET SCHEMA s", "ALTER TABLE", false),
            ("ALTER INDEX IF EXISTS a RENAME TO b", "ALTER INDEX", false),
            ("ALTER SEQUENCE s AS bigint", "ALTER SEQUENCE", false),
            (
                "CREATE INDEX CONCURRENTLY i ON ONLY t (a) TABLESPACE x",
                "CREATE INDEX",
                true,
            ),
        ] {
            let s = read(sql);
            assert_eq!(s.origin, Origin::Fallback, "{sql}");
            assert_eq!(s.keyword_span.slice(sql), keywords, "{sql}");
            assert_eq!(
                s.concurrently.map(|c| c.slice(sql)),
                concurrently.then_some("CONCURRENTLY"),
                "{sql}"
            );
        }
    }

    #[test]
    fn parsed_vacuum_is_read_from_its_tokens() {
        let s = read("VACUUM ANALYZE");
        assert!(matches!(s.op, Op::Vacuum { full: false, ref tables } if tables.is_empty()));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let sql = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
        let s = read(&sql);
        assert!(
            matches!(s.origin, Origin::ParseError { .. }),
            "{:?}",
            s.origin
        );
    }
}
