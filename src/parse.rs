//! Reads one statement: sqlparser first, the token fallback for what it rejects, and a
//! `parse-error` only for text that names no PostgreSQL command. A `DO` block's body runs
//! at migration time, so the SQL statements in it are read too and follow the block.

use crate::dialect::Postgres;
use crate::fallback;
use crate::fallback::do_block::{self, Piece};
use crate::ident::QualifiedName;
use crate::ir::{ObjectKind, Op, Origin, Statement};
use crate::lower;
use crate::source::{OffsetMap, Span};
use crate::split;
use crate::tokens;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Location;

/// Nesting depth past which sqlparser gives up with an error instead of recursing on.
pub const RECURSION_LIMIT: usize = 64;

/// How many `DO` blocks deep (a DO in a DO's body, or in an `EXECUTE` there) bodies are read.
const MAX_DO_DEPTH: usize = 4;

/// Parses and lowers the statement at `span` of `file_text` (for a `DO` block, without the
/// statements of its body: see [`statements`]).
pub fn statement(file_text: &str, span: Span) -> Statement {
    let text = span.slice(file_text);
    let mut stmt = read(text, &OffsetMap::Shift(span.start), false);
    if let Op::Do { dynamic } = &mut stmt.op {
        *dynamic = do_block::dynamic_sql(text);
    }
    stmt
}

/// What the `DO` block bodies of a statement held besides the statements read from them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BodyCounts {
    /// SQL statements read from the bodies.
    pub statements: usize,
    /// `EXECUTE` of a string built at run time: what it runs is unknown until then.
    pub dynamic_sql: usize,
    /// Bodies, and statements in them, bellows could not read: a language other than
    /// PL/pgSQL, text that does not tokenize, blocks nested too deep, statements that name
    /// no SQL command (PL/pgSQL bellows does not know).
    pub unreadable: usize,
}

/// Reads the statement at `span` of `file_text` into `out`. When it is a `DO` block, the
/// SQL statements of its body follow it, with `in_do_block` set.
pub fn statements(file_text: &str, span: Span, out: &mut Vec<Statement>) -> BodyCounts {
    let mut counts = BodyCounts::default();
    let stmt = read(span.slice(file_text), &OffsetMap::Shift(span.start), false);
    let is_do = matches!(stmt.op, Op::Do { .. });
    out.push(stmt);
    if is_do {
        let at = out.len() - 1;
        let map = OffsetMap::Shift(span.start);
        let dynamic = do_body(span.slice(file_text), &map, 1, out, &mut counts);
        out[at].op = Op::Do { dynamic };
    }
    counts
}

/// Reads the body of the DO statement `text`, placed in the file by `map`, `depth` blocks
/// deep. Returns what the body runs that bellows does not read (see [`Op::Do`]).
fn do_body(
    text: &str,
    map: &OffsetMap,
    depth: usize,
    out: &mut Vec<Statement>,
    counts: &mut BodyCounts,
) -> Option<Vec<Option<String>>> {
    if depth > MAX_DO_DEPTH {
        counts.unreadable += 1;
        return do_block::dynamic_sql(text);
    }
    let Some(body) = do_block::body(text) else {
        counts.unreadable += 1;
        return None;
    };
    let body_map = body.map.then(map);
    let Some(pieces) = do_block::pieces(&body.text) else {
        counts.unreadable += 1;
        return None;
    };
    let mut dynamic = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Sql(s) => {
                let text = s.slice(&body.text);
                inner(text, &body_map.skip(s.start), depth, out, counts);
            }
            // EXECUTE runs every statement of its string.
            Piece::Execute(literal) => {
                let map = literal.map.then(&body_map);
                let cut = split::split(&literal.text);
                for raw in &cut.statements {
                    let text = raw.span.slice(&literal.text);
                    inner(text, &map.skip(raw.span.start), depth, out, counts);
                }
                counts.unreadable += usize::from(cut.unterminated.is_some());
            }
            Piece::Dynamic { prefix } => {
                counts.dynamic_sql += 1;
                dynamic.push(prefix);
            }
        }
    }
    Some(dynamic)
}

/// Reads one SQL statement of a DO body (and, for a DO block, its body in turn).
fn inner(
    text: &str,
    map: &OffsetMap,
    depth: usize,
    out: &mut Vec<Statement>,
    counts: &mut BodyCounts,
) {
    let stmt = read(text, map, true);
    // Text that names no SQL command is PL/pgSQL bellows does not know, not a user error.
    if matches!(stmt.origin, Origin::ParseError { .. }) {
        counts.unreadable += 1;
        return;
    }
    counts.statements += 1;
    let is_do = matches!(stmt.op, Op::Do { .. });
    out.push(stmt);
    if is_do {
        let at = out.len() - 1;
        let dynamic = do_body(text, map, depth + 1, out, counts);
        out[at].op = Op::Do { dynamic };
    }
}

/// Reads the statement `text`, whose bytes stand in the file where `map` says.
fn read(text: &str, map: &OffsetMap, in_do_block: bool) -> Statement {
    let span = map.span(Span::new(0, text.len()));
    let words = fallback::words_in_text(text, 8);
    let command = fallback::Command::of(&words);
    // The command's words (`CREATE UNIQUE INDEX`), which messages name the statement by.
    let command_span = command
        .as_ref()
        .and_then(|c| words.get(..c.len))
        .map(|w| map.span(words_span(text, w)));
    // The commonest DDL is read from its tokens when its form is one `direct` knows; none of
    // it is skimmed.
    let direct = command
        .as_ref()
        .is_some_and(|c| crate::direct::COMMANDS.iter().any(|name| c.is(name)));
    if let Some(op) = command
        .as_ref()
        .filter(|_| !direct)
        .and_then(|c| skim(text, map, c))
    {
        return Statement {
            span,
            keyword_span: command_span.unwrap_or(span),
            op,
            origin: Origin::Skimmed,
            concurrently: None,
            in_do_block,
        };
    }
    let (mut raw, mut layout) = match tokens::lex_mapped(text, map) {
        Ok(t) => t,
        Err(e) => return untokenizable(text, map, &e.message, e.location, in_do_block),
    };
    let read_directly = |toks: &tokens::Tokens| {
        crate::direct::read(toks).map(|op| Statement {
            span,
            keyword_span: command_span.unwrap_or(span),
            op,
            origin: Origin::Parsed,
            concurrently: toks.concurrently(),
            in_do_block,
        })
    };
    if direct && !in_do_block {
        let toks = layout.into_tokens(raw);
        if let Some(stmt) = read_directly(&toks) {
            return stmt;
        }
        // sqlparser reads the rest. It takes the tokens with their white space, which the
        // copy just made left out: lexing again is cheaper than keeping them for all.
        (raw, layout) = match tokens::lex_mapped(text, map) {
            Ok(t) => t,
            Err(e) => return untokenizable(text, map, &e.message, e.location, in_do_block),
        };
    }
    // A DO body's statements are edited before the parser reads them, which needs our
    // copy first; any other statement's tokens go to the parser, which gives them back.
    let (raw, edited) = if in_do_block {
        let toks = layout.copy_tokens(&raw);
        match do_block::plpgsql_edits(&toks) {
            edits if edits.is_empty() => {
                if let Some(stmt) = direct.then(|| read_directly(&toks)).flatten() {
                    return stmt;
                }
                (raw, Some(toks))
            }
            edits => {
                let (raw, toks) = toks.edited(&raw, &edits);
                (raw, Some(toks))
            }
        }
    } else {
        (raw, None)
    };
    let mut parser = Parser::new(&Postgres)
        .with_recursion_limit(RECURSION_LIMIT)
        .with_tokens_with_locations(raw);
    let parsed = parser.parse_statements();
    let raw = parser.into_tokens();
    // The fallback reads a rejected statement from the parser's tokens and our copy.
    let (raw, toks) = match edited {
        Some(toks) => (raw, toks),
        None if parsed.is_ok() => (Vec::new(), layout.into_tokens(raw)),
        None => {
            let toks = layout.copy_tokens(&raw);
            (raw, toks)
        }
    };
    let keyword_span = command_span
        .or_else(|| toks.sig.first().map(|t| t.span))
        .unwrap_or(span);
    let concurrently = toks.concurrently();
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
        in_do_block,
    }
}

/// Commands no rule or context fact reads beyond their leading keywords.
const SKIMMED: &[&str] = &[
    "GRANT",
    "REVOKE",
    "SECURITY",
    "ALTER DEFAULT PRIVILEGES",
    "CREATE POLICY",
    "ALTER POLICY",
    "DROP POLICY",
];

/// Reads a statement by its leading keywords and the name it acts on when nothing needs
/// more: the commands in [`SKIMMED`]; `CREATE FUNCTION` / `CREATE PROCEDURE` (the body does
/// not run at migration time); `CREATE [MATERIALIZED] VIEW` (its query is not modelled);
/// `INSERT` (rows are not); `CREATE TRIGGER` (only its table is locked); `COMMENT ON`.
/// `None` sends the statement to sqlparser: another command, a name in a form this does
/// not know, or text that does not tokenize.
fn skim(text: &str, map: &OffsetMap, command: &fallback::Command) -> Option<Op> {
    if SKIMMED.iter().any(|name| command.is(name)) {
        Some(Op::Other {
            command: command.name(),
        })
    } else if command.is("CREATE FUNCTION") {
        skim_routine(text, map, ObjectKind::Function, "FUNCTION")
    } else if command.is("CREATE PROCEDURE") {
        skim_routine(text, map, ObjectKind::Procedure, "PROCEDURE")
    } else if command.is("CREATE VIEW") {
        skim_view(text, map, ObjectKind::View)
    } else if command.is("CREATE MATERIALIZED VIEW") {
        skim_view(text, map, ObjectKind::MaterializedView)
    } else if command.is("INSERT") {
        skim_insert(text, map)
    } else if command.is("CREATE TRIGGER") {
        skim_trigger(text, map)
    } else if command.is("COMMENT") {
        skim_comment(text, map)
    } else {
        None
    }
}

/// The span of `words`, slices of `text` in order (from [`fallback::words_in_text`]), in
/// `text`; empty at 0 when there are none.
fn words_span(text: &str, words: &[&str]) -> Span {
    let offset = |w: &str| w.as_ptr() as usize - text.as_ptr() as usize;
    match (words.first(), words.last()) {
        (Some(first), Some(last)) => Span::new(offset(first), offset(last) + last.len()),
        _ => Span::new(0, 0),
    }
}

/// The significant tokens of `text` up to its first `(` (all of it when there is none), and
/// whether there was one: enough for the name a statement starts with, without reading
/// the rest.
fn head_tokens(text: &str, map: &OffsetMap) -> Option<(tokens::Tokens, bool)> {
    let (head, paren) = match text.find('(') {
        Some(at) => (&text[..at], true),
        None => (text, false),
    };
    let toks = tokens::spanned(head, map).ok()?;
    Some((toks, paren))
}

/// `CREATE FUNCTION` / `CREATE PROCEDURE`: the name, read from the text before the
/// parameters.
fn skim_routine(text: &str, map: &OffsetMap, kind: ObjectKind, keyword: &str) -> Option<Op> {
    let (toks, true) = head_tokens(text, map)? else {
        return None;
    };
    let at = toks.sig.iter().position(|t| t.is_kw(keyword))?;
    let (name, end) = toks.qualified_name(at + 1)?;
    (end == toks.sig.len()).then_some(Op::CreateObject {
        kind,
        name,
        enum_values: None,
    })
}

/// True when the name read from a statement's head ends where `follows` allows: at one of
/// those keywords, or at the `(` the head stopped at.
fn name_ends(toks: &tokens::Tokens, end: usize, paren: bool, follows: &[&str]) -> bool {
    match toks.sig.get(end) {
        None => paren,
        Some(t) => follows.iter().any(|kw| t.is_kw(kw)),
    }
}

/// `CREATE [OR REPLACE] [TEMP] [RECURSIVE] VIEW name …` and
/// `CREATE MATERIALIZED VIEW [IF NOT EXISTS] name …`: the name.
fn skim_view(text: &str, map: &OffsetMap, kind: ObjectKind) -> Option<Op> {
    let (toks, paren) = head_tokens(text, map)?;
    let at = toks.sig.iter().position(|t| t.is_kw("VIEW"))? + 1;
    let (name, end) = fallback::object_name(&toks, at)?;
    name_ends(&toks, end, paren, &["AS", "WITH", "USING", "TABLESPACE"]).then_some(
        Op::CreateObject {
            kind,
            name,
            enum_values: None,
        },
    )
}

/// `INSERT INTO table …`: the table.
fn skim_insert(text: &str, map: &OffsetMap) -> Option<Op> {
    let (toks, paren) = head_tokens(text, map)?;
    if !toks.is_kw(1, "INTO") {
        return None;
    }
    let (table, end) = toks.qualified_name(2)?;
    let follows = ["AS", "VALUES", "SELECT", "DEFAULT", "OVERRIDING", "WITH"];
    name_ends(&toks, end, paren, &follows).then_some(Op::Insert { table })
}

/// `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER name … ON table …`: the table. `ON` is a
/// reserved word, so the first one unquoted is the one before the table.
fn skim_trigger(text: &str, map: &OffsetMap) -> Option<Op> {
    let (toks, paren) = head_tokens(text, map)?;
    let on = toks.sig.iter().position(|t| t.is_kw("ON"))?;
    let (table, end) = toks.qualified_name(on + 1)?;
    let follows = [
        "FROM",
        "NOT",
        "DEFERRABLE",
        "INITIALLY",
        "REFERENCING",
        "FOR",
        "WHEN",
        "EXECUTE",
    ];
    name_ends(&toks, end, paren, &follows).then_some(Op::CreateTrigger { table })
}

/// `COMMENT ON <object> name IS …`: the relation whose comment (or whose column's) changes,
/// for tables, views, indexes and sequences. The whole statement is tokenized: the comment
/// itself may hold a `(`.
fn skim_comment(text: &str, map: &OffsetMap) -> Option<Op> {
    let toks = tokens::spanned(text, map).ok()?;
    if !toks.is_kw(1, "ON") {
        return None;
    }
    let (kind, at) = if toks.is_kw(2, "MATERIALIZED") && toks.is_kw(3, "VIEW") {
        (ObjectKind::MaterializedView, 4)
    } else {
        let kind = match toks.sig.get(2).and_then(|t| t.keyword()).as_deref() {
            Some("TABLE" | "COLUMN") => ObjectKind::Table,
            Some("VIEW") => ObjectKind::View,
            Some("INDEX") => ObjectKind::Index,
            Some("SEQUENCE") => ObjectKind::Sequence,
            _ => {
                return Some(Op::Comment {
                    kind: ObjectKind::Other,
                    relation: None,
                });
            }
        };
        (kind, 3)
    };
    // The name's parts: `table.column` or `schema.table.column` for a column.
    let (mut parts, end) = toks.name_parts(at)?;
    if !toks.is_kw(end, "IS") {
        return None;
    }
    if toks.is_kw(2, "COLUMN") {
        parts.pop();
    }
    let relation = parts.pop().map(|name| QualifiedName {
        schema: parts.pop(),
        name,
    });
    Some(Op::Comment { kind, relation })
}

/// A statement whose text sqlparser could not even cut into tokens.
fn untokenizable(
    text: &str,
    map: &OffsetMap,
    message: &str,
    loc: Location,
    in_do_block: bool,
) -> Statement {
    let span = map.span(Span::new(0, text.len()));
    let words = fallback::words_of_text(text, 8);
    let origin = match fallback::classify(&words) {
        Some((command, _)) => Origin::Unanalyzed { command },
        None => {
            let at = locate(text, loc).map_or(span, |o| map.span(Span::new(o, o + 1)));
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
        in_do_block,
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

    /// The statements of the file `sql`'s only statement, DO bodies included.
    fn read_all(sql: &str) -> (Vec<Statement>, BodyCounts) {
        let raws = split::split(sql).statements;
        assert_eq!(raws.len(), 1, "{sql}");
        let mut out = Vec::new();
        let counts = statements(sql, raws[0].span, &mut out);
        (out, counts)
    }

    #[test]
    fn drizzle_foreign_key_in_a_do_block() {
        let sql = "DO $$ BEGIN\n ALTER TABLE \"posts\" ADD CONSTRAINT \"posts_author_id_users_id_fk\" FOREIGN KEY (\"author_id\") REFERENCES \"public\".\"users\"(\"id\") ON DELETE cascade ON UPDATE no action;\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;\n";
        let (stmts, counts) = read_all(sql);
        assert_eq!(counts.statements, 1);
        assert_eq!(stmts.len(), 2);
        assert!(matches!(stmts[0].op, Op::Do { .. }));
        assert_eq!(stmts[0].origin, Origin::Fallback);
        assert!(!stmts[0].in_do_block);
        let fk = &stmts[1];
        assert!(fk.in_do_block);
        assert_eq!(fk.origin, Origin::Parsed);
        assert!(
            fk.span
                .slice(sql)
                .starts_with("ALTER TABLE \"posts\" ADD CONSTRAINT")
        );
        assert!(fk.span.slice(sql).ends_with("ON UPDATE no action"));
        assert_eq!(fk.keyword_span.slice(sql), "ALTER TABLE");
        let Op::AlterTable(at) = &fk.op else {
            panic!("{:?}", fk.op)
        };
        assert_eq!(at.table.span().slice(sql), "\"posts\"");
        let crate::ir::ActionKind::AddConstraint(c) = &at.actions[0].kind else {
            panic!("{:?}", at.actions[0].kind)
        };
        assert_eq!(
            c.name.as_ref().map(|n| n.span.slice(sql)),
            Some("\"posts_author_id_users_id_fk\"")
        );
    }

    #[test]
    fn drizzle_enum_in_a_do_block() {
        let sql = "DO $$ BEGIN\n CREATE TYPE \"public\".\"role\" AS ENUM('admin', 'user');\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$";
        let (stmts, _) = read_all(sql);
        assert_eq!(stmts.len(), 2);
        assert_eq!(
            stmts[1].span.slice(sql),
            "CREATE TYPE \"public\".\"role\" AS ENUM('admin', 'user')"
        );
        assert_eq!(stmts[1].keyword_span.slice(sql), "CREATE TYPE");
        assert!(stmts[1].in_do_block);
    }

    #[test]
    fn nested_ifs_and_blocks() {
        let sql = "do $body$\ndeclare n int;\nbegin\n  if not exists (select 1 from pg_type where typname = 'x') then\n    if n > 0 then\n      perform pg_sleep(0);\n    elsif n < 0 then\n      begin\n        alter table t alter column c set not null;\n      end;\n    else\n      n := 1;\n    end if;\n  end if;\nend\n$body$ language plpgsql";
        let (stmts, counts) = read_all(sql);
        assert_eq!(counts.statements, 2);
        assert_eq!(counts.unreadable, 0);
        assert_eq!(stmts[1].span.slice(sql), "perform pg_sleep(0)");
        assert_eq!(stmts[1].keyword_span.slice(sql), "perform");
        assert_eq!(stmts[1].origin, Origin::Parsed);
        let Op::AlterTable(at) = &stmts[2].op else {
            panic!("{:?}", stmts[2].op)
        };
        assert_eq!(at.actions[0].focus.slice(sql), "set not null");
        assert_eq!(
            stmts[2].span.slice(sql),
            "alter table t alter column c set not null"
        );
    }

    /// A DO statement carries the dynamic SQL of its body (the leading literal of each
    /// `EXECUTE` of a built string), read alone or with its body's statements alike.
    #[test]
    fn do_statements_carry_their_dynamic_sql() {
        let sql = "DO $$\nBEGIN\n  EXECUTE 'CREATE INDEX i ON t (a)';\n  EXECUTE format('DROP TABLE %I', 't');\n  EXECUTE 'ALTER TABLE ' || t || ' DROP COLUMN c';\n  EXECUTE q;\nEND $$";
        let want = Some(vec![
            Some("DROP TABLE %I".to_string()),
            Some("ALTER TABLE ".to_string()),
            None,
        ]);
        let (stmts, _) = read_all(sql);
        let Op::Do { dynamic } = &stmts[0].op else {
            panic!("{:?}", stmts[0].op)
        };
        assert_eq!(dynamic, &want);
        let Op::Do { dynamic } = statement(sql, Span::new(0, sql.len())).op else {
            panic!("not a DO");
        };
        assert_eq!(dynamic, want);
        let unreadable = "DO LANGUAGE plperl $$ my $x = 1; $$";
        let Op::Do { dynamic } = statement(unreadable, Span::new(0, unreadable.len())).op else {
            panic!("not a DO");
        };
        assert_eq!(dynamic, None);
    }

    #[test]
    fn execute_literal_spans_point_inside_the_literal() {
        let sql = "DO $$\nBEGIN\n  EXECUTE 'CREATE INDEX CONCURRENTLY i ON t (a) WHERE b <> ''x''';\n  EXECUTE format('DROP TABLE %I', 't');\nEND $$";
        let (stmts, counts) = read_all(sql);
        assert_eq!(counts.dynamic_sql, 1);
        assert_eq!(stmts.len(), 2);
        let index = &stmts[1];
        assert_eq!(
            index.span.slice(sql),
            "CREATE INDEX CONCURRENTLY i ON t (a) WHERE b <> ''x''"
        );
        assert_eq!(index.keyword_span.slice(sql), "CREATE INDEX");
        assert_eq!(
            index.concurrently.map(|c| c.slice(sql)),
            Some("CONCURRENTLY")
        );
        let Op::CreateIndex(ci) = &index.op else {
            panic!("{:?}", index.op)
        };
        assert_eq!(ci.table.span().slice(sql), "t");
        assert_eq!(ci.head.slice(sql), "CREATE INDEX CONCURRENTLY i ON t");
    }

    #[test]
    fn crlf_do_block() {
        let sql = "DO $$\r\nBEGIN\r\n  ALTER TABLE \"a\" ADD COLUMN \"b\" text;\r\n  DROP INDEX CONCURRENTLY \"a_idx\";\r\nEND $$;\r\n";
        let (stmts, _) = read_all(sql);
        assert_eq!(stmts.len(), 3);
        assert_eq!(
            stmts[1].span.slice(sql),
            "ALTER TABLE \"a\" ADD COLUMN \"b\" text"
        );
        assert_eq!(stmts[1].keyword_span.slice(sql), "ALTER TABLE");
        assert_eq!(
            stmts[2].span.slice(sql),
            "DROP INDEX CONCURRENTLY \"a_idx\""
        );
        assert_eq!(stmts[2].origin, Origin::Fallback);
        assert_eq!(
            stmts[2].concurrently.map(|c| c.slice(sql)),
            Some("CONCURRENTLY")
        );
    }

    #[test]
    fn do_blocks_in_single_quotes_and_other_languages() {
        let sql = "DO 'BEGIN UPDATE t SET a = ''x''; END'";
        let (stmts, _) = read_all(sql);
        assert_eq!(stmts[1].span.slice(sql), "UPDATE t SET a = ''x''");
        let (stmts, counts) = read_all("DO LANGUAGE plv8 $$ plv8.execute('DROP TABLE t') $$");
        assert_eq!(stmts.len(), 1);
        assert_eq!(counts.unreadable, 1);
    }

    #[test]
    fn unknown_plpgsql_is_counted_not_an_error() {
        let (stmts, counts) = read_all("DO $$ BEGIN frobnicate 1; UPDATE t SET a = 1; END $$");
        assert_eq!(counts.unreadable, 1);
        assert_eq!(stmts.len(), 2);
        assert!(matches!(stmts[1].op, Op::Update { .. }));
    }

    #[test]
    fn do_inside_do() {
        let sql = "DO $a$ BEGIN EXECUTE 'DO $b$ BEGIN TRUNCATE t; END $b$'; END $a$";
        let (stmts, counts) = read_all(sql);
        assert_eq!(counts.statements, 2);
        assert!(matches!(stmts[1].op, Op::Do { .. }));
        assert_eq!(stmts[2].span.slice(sql), "TRUNCATE t");
    }

    #[test]
    fn statements_no_rule_reads_are_skimmed() {
        let s = read("GRANT SELECT ON users TO app");
        assert_eq!(s.origin, Origin::Skimmed);
        assert!(matches!(&s.op, Op::Other { command } if command == "GRANT"));
        assert_eq!(s.keyword_span, Span::new(0, 5));
        // Only the name of a function matters: its body is not read.
        let sql = "CREATE OR REPLACE FUNCTION \"app\".touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$";
        let s = read(sql);
        assert_eq!(s.origin, Origin::Skimmed);
        match &s.op {
            Op::CreateObject { kind, name, .. } => {
                assert_eq!(*kind, ObjectKind::Function);
                assert_eq!(name.sql(), "\"app\".touch");
                assert_eq!(name.span().slice(sql), "\"app\".touch");
            }
            other => panic!("{other:?}"),
        }
        // What is not skimmed is parsed as before.
        assert_eq!(read("CREATE TABLE t (id int)").origin, Origin::Parsed);
    }

    /// The statement `sql` skimmed: its operation, and the text of its command's words.
    fn skimmed(sql: &str) -> (Op, &str) {
        let s = read(sql);
        assert_eq!(s.origin, Origin::Skimmed, "{sql}");
        (s.op, s.keyword_span.slice(sql))
    }

    /// The name a skimmed statement creates, inserts into, or puts a trigger or comment on.
    fn skimmed_name(sql: &str) -> (String, &str) {
        let (op, command) = skimmed(sql);
        let name = match &op {
            Op::CreateObject { name, .. } => name.sql(),
            Op::Insert { table } | Op::CreateTrigger { table } => table.sql(),
            Op::Comment { relation, .. } => relation.as_ref().map_or("-".into(), |r| r.sql()),
            other => panic!("{other:?}"),
        };
        (name, command)
    }

    #[test]
    fn views_inserts_triggers_and_comments_are_read_by_their_names() {
        let cases = [
            ("CREATE VIEW v AS SELECT 1", "v", "CREATE VIEW"),
            (
                "CREATE OR REPLACE TEMP VIEW app.\"V\" (a) AS SELECT 1",
                "app.\"V\"",
                "CREATE OR REPLACE TEMP VIEW",
            ),
            (
                "CREATE VIEW v WITH (security_invoker = true) AS SELECT a FROM t WHERE b IN (1)",
                "v",
                "CREATE VIEW",
            ),
            (
                "CREATE MATERIALIZED VIEW IF NOT EXISTS s.mv AS SELECT 1 WITH NO DATA",
                "s.mv",
                "CREATE MATERIALIZED VIEW",
            ),
            ("INSERT INTO t VALUES (1)", "t", "INSERT"),
            ("INSERT INTO s.t (a, b) SELECT 1, 2", "s.t", "INSERT"),
            ("insert into t as x default values", "t", "insert"),
            (
                "CREATE TRIGGER trg BEFORE UPDATE OF a, b ON s.t FOR EACH ROW EXECUTE FUNCTION f()",
                "s.t",
                "CREATE TRIGGER",
            ),
            (
                "CREATE OR REPLACE CONSTRAINT TRIGGER trg AFTER INSERT ON t DEFERRABLE EXECUTE FUNCTION f()",
                "t",
                "CREATE OR REPLACE CONSTRAINT TRIGGER",
            ),
            (
                "COMMENT ON TABLE s.t IS 'rows (all of them)'",
                "s.t",
                "COMMENT",
            ),
            ("COMMENT ON COLUMN s.t.c IS NULL", "s.t", "COMMENT"),
            ("COMMENT ON COLUMN t.c IS 'x'", "t", "COMMENT"),
            ("COMMENT ON COLUMN c IS 'x'", "-", "COMMENT"),
            ("COMMENT ON FUNCTION f(int) IS 'x'", "-", "COMMENT"),
        ];
        let mut compared = 0;
        for (sql, name, command) in cases {
            assert_eq!(skimmed_name(sql), (name.to_string(), command), "{sql}");
            // Where sqlparser reads it, the lowering reads the same, spans of names included.
            if let Some(parsed) = crate::lower::parsed(sql) {
                assert_eq!(
                    format!("{:?}", skimmed(sql).0),
                    format!("{parsed:?}"),
                    "{sql}"
                );
                compared += 1;
            }
        }
        assert!(compared >= cases.len() - 2, "{compared}");
        let kind_of = |sql| match skimmed(sql).0 {
            Op::CreateObject { kind, .. } | Op::Comment { kind, .. } => kind,
            other => panic!("{other:?}"),
        };
        assert_eq!(kind_of("CREATE VIEW v AS SELECT 1"), ObjectKind::View);
        assert_eq!(
            kind_of("CREATE MATERIALIZED VIEW v AS SELECT 1"),
            ObjectKind::MaterializedView
        );
        assert_eq!(kind_of("COMMENT ON INDEX i IS 'x'"), ObjectKind::Index);
        assert_eq!(kind_of("COMMENT ON COLUMN t.c IS 'x'"), ObjectKind::Table);
        assert_eq!(
            kind_of("COMMENT ON MATERIALIZED VIEW v IS 'x'"),
            ObjectKind::MaterializedView
        );
        assert_eq!(kind_of("COMMENT ON SCHEMA s IS 'x'"), ObjectKind::Other);
        // A name in a form the skim does not know goes to sqlparser, which reads it as before.
        for sql in [
            "CREATE VIEW v",
            "INSERT t VALUES (1)",
            "INSERT INTO t.\"unterminated VALUES (1)",
            "CREATE TRIGGER trg BEFORE INSERT ON t.(x) EXECUTE FUNCTION f()",
            "COMMENT ON TABLE t 'x'",
        ] {
            assert_ne!(read(sql).origin, Origin::Skimmed, "{sql}");
        }
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
