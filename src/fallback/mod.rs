//! The token-level path: names statements by PostgreSQL's command list and recognises the
//! statements sqlparser rejects, producing the same IR as `lower.rs`.
//!
//! One module per statement family: `reparse` (clauses hidden so that sqlparser can read
//! the rest), `maintenance` (REINDEX, CLUSTER, VACUUM, REFRESH MATERIALIZED VIEW), `alter`
//! (ALTER TABLE, ALTER INDEX, ALTER SEQUENCE) and `do_block` (DO and its PL/pgSQL body).

mod alter;
pub mod do_block;
mod maintenance;
mod reparse;

pub use maintenance::vacuum;

use crate::ident::QualifiedName;
use crate::ir::{Expr, Op};
use crate::source::Span;
use crate::tokens::{Tok, Tokens};
use sqlparser::tokenizer::{Token, TokenWithSpan};

mod objects;

/// Commands that are one keyword, or a keyword followed by anything.
const SIMPLE_COMMANDS: &[&str] = &[
    "ABORT",
    "ANALYZE",
    "ANALYSE",
    "BEGIN",
    "CALL",
    "CHECKPOINT",
    "CLOSE",
    "CLUSTER",
    "COMMENT",
    "COMMIT",
    "COPY",
    "DEALLOCATE",
    "DECLARE",
    "DELETE",
    "DISCARD",
    "DO",
    "END",
    "EXECUTE",
    "EXPLAIN",
    "FETCH",
    "GRANT",
    "IMPORT",
    "INSERT",
    "LISTEN",
    "LOAD",
    "LOCK",
    "MERGE",
    "MOVE",
    "NOTIFY",
    "PREPARE",
    "REASSIGN",
    "REFRESH",
    "REINDEX",
    "RELEASE",
    "RESET",
    "REVOKE",
    "ROLLBACK",
    "SAVEPOINT",
    "SECURITY",
    "SELECT",
    "SET",
    "SHOW",
    "START",
    "TABLE",
    "TRUNCATE",
    "UNLISTEN",
    "UPDATE",
    "VACUUM",
    "VALUES",
    "WITH",
];

/// Commands of several words that do not start with CREATE, ALTER or DROP.
const MULTI_WORD_COMMANDS: &[&[&str]] = &[
    &["REFRESH", "MATERIALIZED", "VIEW"],
    &["START", "TRANSACTION"],
    &["SECURITY", "LABEL"],
    &["IMPORT", "FOREIGN", "SCHEMA"],
    &["REASSIGN", "OWNED"],
];

/// Object kinds `CREATE`, `ALTER` and `DROP` take, longest first so that
/// `MATERIALIZED VIEW` wins over `VIEW`.
const OBJECT_KINDS: &[&[&str]] = &[
    &["FOREIGN", "DATA", "WRAPPER"],
    &["TEXT", "SEARCH", "CONFIGURATION"],
    &["TEXT", "SEARCH", "DICTIONARY"],
    &["TEXT", "SEARCH", "PARSER"],
    &["TEXT", "SEARCH", "TEMPLATE"],
    &["MATERIALIZED", "VIEW"],
    &["FOREIGN", "TABLE"],
    &["EVENT", "TRIGGER"],
    &["OPERATOR", "CLASS"],
    &["OPERATOR", "FAMILY"],
    &["USER", "MAPPING"],
    &["ACCESS", "METHOD"],
    &["DEFAULT", "PRIVILEGES"],
    &["LARGE", "OBJECT"],
    &["AGGREGATE"],
    &["CAST"],
    &["COLLATION"],
    &["CONVERSION"],
    &["DATABASE"],
    &["DOMAIN"],
    &["EXTENSION"],
    &["FUNCTION"],
    &["GROUP"],
    &["INDEX"],
    &["LANGUAGE"],
    &["OPERATOR"],
    &["OWNED"],
    &["POLICY"],
    &["PROCEDURE"],
    &["PUBLICATION"],
    &["ROLE"],
    &["ROUTINE"],
    &["RULE"],
    &["SCHEMA"],
    &["SEQUENCE"],
    &["SERVER"],
    &["STATISTICS"],
    &["SUBSCRIPTION"],
    &["SYSTEM"],
    &["TABLE"],
    &["TABLESPACE"],
    &["TRANSFORM"],
    &["TRIGGER"],
    &["TYPE"],
    &["USER"],
    &["VIEW"],
];

/// Words that may stand between `CREATE` and the object kind.
const CREATE_MODIFIERS: &[&str] = &[
    "OR",
    "REPLACE",
    "TEMP",
    "TEMPORARY",
    "UNLOGGED",
    "GLOBAL",
    "LOCAL",
    "UNIQUE",
    "DEFAULT",
    "TRUSTED",
    "PROCEDURAL",
    "CONSTRAINT",
    "RECURSIVE",
];

/// The PostgreSQL command a statement's leading words name (`CREATE FUNCTION`, `GRANT`), and
/// how many words that took, or `None` when no command starts this way.
pub fn classify<S: AsRef<str>>(words: &[S]) -> Option<(String, usize)> {
    let command = Command::of(words)?;
    Some((command.name(), command.len))
}

/// The command a statement's leading words name, without building its name: classifying
/// is done for every statement, naming only for some.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    /// The first word, upper case (`CREATE`, `GRANT`).
    pub head: &'static str,
    /// The words after it that are part of the command's name (`FUNCTION`).
    pub rest: &'static [&'static str],
    /// How many leading words the command took, modifiers (`OR REPLACE`) included.
    pub len: usize,
}

/// Longer than any word of a command's name.
const WORD_BUF: usize = 32;

/// `word` in ASCII upper case, written in `buf`; `None` when it is too long to be a word of
/// a command's name.
fn upper<'b>(word: &str, buf: &'b mut [u8; WORD_BUF]) -> Option<&'b str> {
    let out = buf.get_mut(..word.len())?;
    out.copy_from_slice(word.as_bytes());
    out.make_ascii_uppercase();
    std::str::from_utf8(out).ok()
}

/// [`OBJECT_KINDS`] by their first word, in their order.
fn kinds_by_first_word() -> &'static foldhash::HashMap<&'static str, Vec<&'static [&'static str]>> {
    static KINDS: std::sync::OnceLock<foldhash::HashMap<&str, Vec<&[&str]>>> =
        std::sync::OnceLock::new();
    KINDS.get_or_init(|| {
        let mut by_first: foldhash::HashMap<&str, Vec<&[&str]>> = Default::default();
        for &kind in OBJECT_KINDS {
            if let Some(&first) = kind.first() {
                by_first.entry(first).or_default().push(kind);
            }
        }
        by_first
    })
}

/// [`SIMPLE_COMMANDS`], to look a word up in.
fn simple_commands() -> &'static foldhash::HashMap<&'static str, &'static str> {
    static SIMPLE: std::sync::OnceLock<foldhash::HashMap<&str, &str>> = std::sync::OnceLock::new();
    SIMPLE.get_or_init(|| SIMPLE_COMMANDS.iter().map(|&c| (c, c)).collect())
}

/// Commands whose name goes on with an object kind.
const OBJECT_COMMANDS: &[&str] = &["CREATE", "ALTER", "DROP", "COMMENT"];

impl Command {
    /// The command `words` (in any case) start with.
    pub fn of<S: AsRef<str>>(words: &[S]) -> Option<Self> {
        let is = |i: usize, kw: &str| {
            words
                .get(i)
                .is_some_and(|w| w.as_ref().eq_ignore_ascii_case(kw))
        };
        let first = words.first()?.as_ref();
        if let Some(&head) = OBJECT_COMMANDS
            .iter()
            .find(|h| first.eq_ignore_ascii_case(h))
        {
            if head == "COMMENT" {
                return Some(Command {
                    head,
                    rest: &[],
                    len: 1,
                });
            }
            let mut i = 1;
            if head == "CREATE" {
                while CREATE_MODIFIERS.iter().any(|m| is(i, m)) {
                    i += 1;
                }
            }
            // Kinds are looked up by their first word: there are sixty of them, and every
            // statement is classified.
            let mut buf = [0; WORD_BUF];
            let kinds = kinds_by_first_word().get(upper(words.get(i)?.as_ref(), &mut buf)?)?;
            let kind = kinds
                .iter()
                .find(|kind| kind.iter().enumerate().skip(1).all(|(k, w)| is(i + k, w)))?;
            return Some(Command {
                head,
                rest: kind,
                len: i + kind.len(),
            });
        }
        if let Some(cmd) = MULTI_WORD_COMMANDS
            .iter()
            .find(|cmd| cmd.iter().enumerate().all(|(k, w)| is(k, w)))
        {
            return Some(Command {
                head: cmd[0],
                rest: &cmd[1..],
                len: cmd.len(),
            });
        }
        let mut buf = [0; WORD_BUF];
        simple_commands()
            .get(upper(first, &mut buf)?)
            .map(|&head| Command {
                head,
                rest: &[],
                len: 1,
            })
    }

    /// True when the command's name is `name` (`"CREATE POLICY"`).
    pub fn is(&self, name: &str) -> bool {
        let Some(mut rest) = name.strip_prefix(self.head) else {
            return false;
        };
        for w in self.rest {
            match rest.strip_prefix(' ').and_then(|r| r.strip_prefix(w)) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }

    /// The command's name (`CREATE FUNCTION`).
    pub fn name(&self) -> String {
        let mut name = self.head.to_string();
        for w in self.rest {
            name.push(' ');
            name.push_str(w);
        }
        name
    }
}

/// Upper-case leading words of the statement's tokens (stops at the first non-word).
fn leading_words(toks: &Tokens, n: usize) -> Vec<String> {
    toks.sig.iter().take(n).map_while(|t| t.keyword()).collect()
}

/// Leading words of the statement's tokens as written (stops at the first non-word).
fn leading_words_as_written(toks: &Tokens, n: usize) -> Vec<&str> {
    toks.sig.iter().take(n).map_while(Tok::word).collect()
}

/// The command the statement's tokens name, e.g. `CREATE FUNCTION`.
pub fn command_name(toks: &Tokens) -> Option<String> {
    classify(&leading_words_as_written(toks, 8)).map(|(c, _)| c)
}

/// Leading words of a statement whose text could not even be tokenized.
pub fn words_of_text(text: &str, n: usize) -> Vec<String> {
    words_in_text(text, n)
        .into_iter()
        .map(str::to_ascii_uppercase)
        .collect()
}

/// Leading words of `text` as written (comments skipped), at most `n`.
pub fn words_in_text(text: &str, n: usize) -> Vec<&str> {
    let mut words = Vec::with_capacity(n);
    let mut rest = text;
    while words.len() < n {
        rest = trim_blanks(rest);
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, r)| r);
            continue;
        }
        if rest.starts_with("/*") {
            rest = rest.split_once("*/").map_or("", |(_, r)| r);
            continue;
        }
        let len = word_len(rest);
        if len == 0 {
            break;
        }
        words.push(&rest[..len]);
        rest = &rest[len..];
    }
    words
}

/// `text.trim_start()`: every statement's leading words are read, so ASCII blanks are
/// skipped byte by byte, without decoding characters.
fn trim_blanks(text: &str) -> &str {
    let ascii = text
        .bytes()
        .take_while(|&b| b.is_ascii() && char::from(b).is_whitespace())
        .count();
    text[ascii..].trim_start()
}

/// The length of the word `text` starts with: letters, digits and `_`, ASCII read byte by
/// byte and the rest as characters.
fn word_len(text: &str) -> usize {
    let ascii = text
        .bytes()
        .take_while(|&b| b.is_ascii_alphanumeric() || b == b'_')
        .count();
    let rest = &text[ascii..];
    if rest.starts_with(|c: char| !c.is_ascii()) {
        ascii
            + rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len())
    } else {
        ascii
    }
}

/// The object a `CREATE`, `ALTER` or `DROP` statement bellows does not model acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandTarget {
    /// The object named after the command's words (for `CREATE INDEX`, the table after `ON`).
    pub name: QualifiedName,
    /// True when the rest of the statement only changes ownership, privileges, comments or
    /// storage (`OWNER TO`, `SET (…)`, `SET TABLESPACE`, `RESET (…)`), which no schema fact
    /// depends on.
    pub cosmetic: bool,
}

/// Words after the object's name that start a change of ownership or storage only.
const COSMETIC_WORDS: &[&[&str]] = &[
    &["OWNER", "TO"],
    &["SET", "TABLESPACE"],
    &["SET", "STATISTICS"],
    &["SET", "("],
    &["RESET", "("],
    &["SET", "WITHOUT", "CLUSTER"],
    &["CLUSTER", "ON"],
];

/// Reads which object the statement `text` (starting at file byte `base`) creates, alters or
/// drops, for statements neither path could model: `ALTER TABLE [IF EXISTS] [ONLY] name …`,
/// `DROP VIEW [IF EXISTS] name`, `CREATE [OR REPLACE] VIEW name`, and for `CREATE INDEX` the
/// table after `ON [ONLY]`. `None` when the text does not read that way.
pub fn command_target(text: &str, base: usize) -> Option<CommandTarget> {
    let toks = crate::tokens::spanned(text, &crate::source::OffsetMap::Shift(base)).ok()?;
    let (command, n) = classify(&leading_words_as_written(&toks, 8))?;
    let mut i = n;
    if command == "CREATE INDEX" {
        i = (n..toks.sig.len()).find(|&k| toks.is_kw(k, "ON"))? + 1;
    }
    let (name, next) = object_name(&toks, i)?;
    let cosmetic = command.starts_with("ALTER ")
        && COSMETIC_WORDS.iter().any(|words| {
            words.iter().enumerate().all(|(k, w)| match *w {
                "(" => toks.is(next + k, &Token::LParen),
                w => toks.is_kw(next + k, w),
            })
        });
    Some(CommandTarget { name, cosmetic })
}

/// The name of the object a command acts on, at token `i` (just after the command's
/// words) past `IF [NOT] EXISTS`, `CONCURRENTLY` and `ONLY`; returns it and the index after
/// it.
pub fn object_name(toks: &Tokens, mut i: usize) -> Option<(QualifiedName, usize)> {
    for words in [
        &["IF", "NOT", "EXISTS"][..],
        &["IF", "EXISTS"],
        &["CONCURRENTLY"],
    ] {
        if words.iter().enumerate().all(|(k, w)| toks.is_kw(i + k, w)) {
            i += words.len();
        }
    }
    if toks.is_kw(i, "ONLY") {
        i += 1;
    }
    toks.qualified_name(i)
}

/// Upper-case keywords of tokens `from..to`, at most `n`, joined by spaces: a description
/// of an action bellows does not model (`OWNER TO`, `ENABLE ROW LEVEL`).
pub fn leading_keywords(toks: &Tokens, from: usize, to: usize, n: usize) -> String {
    toks.sig[from.min(toks.sig.len())..to.min(toks.sig.len())]
        .iter()
        .take(n)
        .map_while(|t| t.keyword())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What an ALTER TABLE action bellows does not model is, by its leading keywords: `OWNER
/// TO`, `ENABLE ROW LEVEL`, `SET UNLOGGED`. For `ALTER [COLUMN] c …` the column's name is
/// left out, so that the words say what is done to it: `ALTER COLUMN SET STATISTICS`.
pub fn action_description(toks: &Tokens, from: usize, to: usize) -> String {
    if toks.is_kw(from, "ALTER") && !toks.is_kw(from + 1, "CONSTRAINT") {
        let name = from + 1 + usize::from(toks.is_kw(from + 1, "COLUMN"));
        let rest = leading_keywords(toks, name + 1, to, 3);
        return format!("ALTER COLUMN {rest}").trim_end().to_string();
    }
    leading_keywords(toks, from, to, 3)
}

/// SQL value functions written without parentheses (`CURRENT_TIMESTAMP`): they count as
/// calls for volatility.
const BARE_FUNCTIONS: &[&str] = &[
    "CURRENT_TIMESTAMP",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "LOCALTIMESTAMP",
    "LOCALTIME",
    "CURRENT_USER",
    "SESSION_USER",
    "CURRENT_ROLE",
    "USER",
];

/// Keywords that a `(` may follow without being function calls (`x IN (…)`, `a AND (b)`).
const NOT_CALLS: &[&str] = &[
    "ALL", "AND", "ANY", "ARRAY", "AS", "BETWEEN", "ELSE", "EXISTS", "FROM", "IN", "IS", "LIKE",
    "ILIKE", "NOT", "OR", "ROW", "SELECT", "SIMILAR", "SOME", "THEN", "VALUES", "WHEN", "WHERE",
];

/// An expression read from the tokens in `span`, with `text` as its rendering.
pub fn expr_from_tokens(toks: &Tokens, span: Span, text: String) -> Expr {
    // The tokens are in file order: the ones inside are a run of them, found by halving
    // (a filter over all of them made a long CREATE TABLE quadratic in its defaults).
    let from = toks.sig.partition_point(|t| t.span.start < span.start);
    let to = toks.sig.partition_point(|t| t.span.start < span.end);
    let inside: Vec<_> = toks.sig[from..to.max(from)]
        .iter()
        .filter(|t| t.span.end <= span.end)
        .collect();
    let mut calls = Vec::new();
    let mut idents = Vec::new();
    // Type names after `::` or `CAST(… AS` are not calls, even with modifiers:
    // `'x'::character varying(20)`.
    let mut in_type = false;
    let mut depth_in_type = 0;
    for (k, t) in inside.iter().enumerate() {
        if in_type {
            match &t.token {
                Token::LParen => depth_in_type += 1,
                Token::RParen if depth_in_type > 0 => depth_in_type -= 1,
                Token::Word(_) | Token::LBracket | Token::RBracket | Token::Number(..) => {}
                Token::Comma if depth_in_type > 0 => {}
                _ if depth_in_type == 0 => in_type = false,
                _ => {}
            }
            if in_type {
                continue;
            }
        }
        let next_is_word = matches!(inside.get(k + 1).map(|n| &n.token), Some(Token::Word(_)));
        if matches!(t.token, Token::DoubleColon) || (t.is_kw("AS") && next_is_word) {
            in_type = true;
            depth_in_type = 0;
            continue;
        }
        let Token::Word(w) = &t.token else { continue };
        let called = matches!(inside.get(k + 1).map(|n| &n.token), Some(Token::LParen));
        let after_dot = k > 0 && matches!(inside[k - 1].token, Token::Period);
        let followed_by_dot = matches!(inside.get(k + 1).map(|n| &n.token), Some(Token::Period));
        let keyword = w.quote_style.is_none()
            && (w.value.eq_ignore_ascii_case("CAST")
                || NOT_CALLS.iter().any(|n| w.value.eq_ignore_ascii_case(n)));
        if called && !keyword {
            calls.push(crate::ident::fold(&w.value, w.quote_style.is_some()));
        } else if !called
            && !after_dot
            && !followed_by_dot
            && w.quote_style.is_none()
            && BARE_FUNCTIONS
                .iter()
                .any(|b| w.value.eq_ignore_ascii_case(b))
        {
            calls.push(w.value.to_lowercase());
        } else if !called && !followed_by_dot {
            // `t.col` names `col`; `t` only qualifies it.
            idents.push(crate::ident::fold(&w.value, w.quote_style.is_some()));
        }
    }
    let is_null = inside.len() == 1 && inside[0].is_kw("NULL");
    Expr {
        text,
        span,
        calls,
        is_null,
        idents,
    }
}

/// Recognises a statement sqlparser rejected, from its tokens `raw` (as the parser takes
/// them) and `toks` (our spanned copy). `span` is the statement's range in the file.
pub fn lower_tokens(raw: &[TokenWithSpan], toks: &Tokens, span: Span) -> Option<Op> {
    let first = toks.sig.first()?;
    let second = toks.sig.get(1);
    let is = |t: Option<&crate::tokens::Tok>, kw: &str| t.is_some_and(|t| t.is_kw(kw));
    if first.is_kw("BEGIN") || (first.is_kw("START") && is(second, "TRANSACTION")) {
        return Some(Op::Begin);
    }
    if first.is_kw("COMMIT") || first.is_kw("END") {
        return (!is(second, "PREPARED")).then_some(Op::Commit);
    }
    if first.is_kw("ROLLBACK") || first.is_kw("ABORT") {
        let to_savepoint = toks
            .sig
            .iter()
            .any(|t| t.is_kw("TO") || t.is_kw("PREPARED"));
        return (!to_savepoint).then_some(Op::Rollback);
    }
    if first.is_kw("DO") {
        // The body is read apart (`parse`), which fills in what it runs.
        return do_block::is_do(toks).then_some(Op::Do { dynamic: None });
    }
    if let Some(op) = reparse::reparse(raw, toks, span) {
        return Some(op);
    }
    let words = leading_words(toks, 2);
    match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["REINDEX", ..] => maintenance::reindex(toks),
        ["CLUSTER", ..] => maintenance::cluster(toks),
        ["VACUUM", ..] => maintenance::vacuum(toks),
        ["REFRESH", ..] => maintenance::refresh_materialized_view(toks),
        ["ALTER", "TABLE"] => alter::alter_table(raw, toks),
        ["ALTER", "INDEX"] => alter::alter_index(toks),
        ["ALTER", "SEQUENCE"] => alter::alter_sequence(toks),
        _ => None,
    }
    .or_else(|| objects::lower(toks))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`words_in_text`] as it reads, character by character.
    fn words_by_chars(text: &str, n: usize) -> Vec<&str> {
        let mut words = Vec::new();
        let mut rest = text;
        while words.len() < n {
            rest = rest.trim_start();
            if let Some(r) = rest.strip_prefix("--") {
                rest = r.split_once('\n').map_or("", |(_, r)| r);
                continue;
            }
            if rest.starts_with("/*") {
                rest = rest.split_once("*/").map_or("", |(_, r)| r);
                continue;
            }
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if len == 0 {
                break;
            }
            words.push(&rest[..len]);
            rest = &rest[len..];
        }
        words
    }

    #[test]
    fn leading_words_read_bytes_as_characters_would() {
        for text in [
            "  CREATE\u{b}TABLE t",
            "\u{a0}ALTER\u{2003}TABLE",
            "-- c\n/* d */ DROP TABLE tëst_1 (",
            "ÉCRIRE x",
            "a_b9$c d",
            "\r\n\x0cGRANT",
            "",
        ] {
            assert_eq!(words_in_text(text, 8), words_by_chars(text, 8), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn leading_words_of_any_text_read_as_characters_would(
            text in "[ \t\n\u{b}\u{c}\r\u{a0}\u{2003}a-zA-Z0-9_éÉ$(;*/-]{0,40}",
        ) {
            proptest::prop_assert_eq!(words_in_text(&text, 8), words_by_chars(&text, 8));
        }
    }

    #[test]
    fn command_names_compare_whole_words() {
        let c = Command::of(&["create", "or", "replace", "Policy", "p"]).unwrap();
        assert_eq!((c.name().as_str(), c.len), ("CREATE POLICY", 4));
        assert!(c.is("CREATE POLICY"));
        for other in [
            "CREATE",
            "CREATE POLICYX",
            "CREATE POLICY X",
            "CREATEPOLICY",
            "",
        ] {
            assert!(!c.is(other), "{other}");
        }
        let g = Command::of(&["GRANT", "x"]).unwrap();
        assert!(g.is("GRANT") && !g.is("GRANT ALL"));
    }

    fn words(s: &str) -> Vec<String> {
        words_of_text(s, 8)
    }

    #[test]
    fn names_postgresql_commands() {
        for (sql, want) in [
            ("GRANT SELECT ON t TO r", "GRANT"),
            ("CREATE OR REPLACE FUNCTION f()", "CREATE FUNCTION"),
            ("create unique index i on t (a)", "CREATE INDEX"),
            (
                "CREATE MATERIALIZED VIEW v AS SELECT 1",
                "CREATE MATERIALIZED VIEW",
            ),
            ("DROP INDEX CONCURRENTLY i", "DROP INDEX"),
            (
                "ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT",
                "ALTER DEFAULT PRIVILEGES",
            ),
            ("REINDEX TABLE t", "REINDEX"),
            (
                "REFRESH MATERIALIZED VIEW CONCURRENTLY v",
                "REFRESH MATERIALIZED VIEW",
            ),
            ("START TRANSACTION", "START TRANSACTION"),
            ("DO $$ BEGIN END $$", "DO"),
            ("CREATE TEMP TABLE t (a int)", "CREATE TABLE"),
        ] {
            assert_eq!(
                classify(&words(sql)).map(|c| c.0).as_deref(),
                Some(want),
                "{sql}"
            );
        }
    }

    #[test]
    fn rejects_what_is_not_a_command() {
        for sql in [
            "CRATE TABLE t",
            "ALTER TABEL t",
            "hello world",
            "123",
            "CREATE",
        ] {
            assert_eq!(classify(&words(sql)), None, "{sql}");
        }
    }

    fn calls(sql: &str) -> Vec<String> {
        let (_, toks) = crate::tokens::tokenize(sql, 0).unwrap();
        expr_from_tokens(&toks, Span::new(0, sql.len()), sql.into()).calls
    }

    #[test]
    fn calls_are_functions_not_keywords_or_types() {
        assert_eq!(calls("gen_random_uuid()"), vec!["gen_random_uuid"]);
        assert_eq!(
            calls("(floor(random() * 10))::int"),
            vec!["floor", "random"]
        );
        assert_eq!(calls("'x'::character varying(20)"), Vec::<String>::new());
        assert_eq!(calls("CAST(now() AS timestamp(3))"), vec!["now"]);
        assert_eq!(calls("a IN (1, 2) AND (b OR c)"), Vec::<String>::new());
        assert_eq!(calls("CURRENT_TIMESTAMP"), vec!["current_timestamp"]);
        assert_eq!(calls("x.\"Now\"()"), vec!["Now"]);
    }

    #[test]
    fn idents_are_the_names_outside_calls_types_and_qualifiers() {
        let (_, toks) = crate::tokens::tokenize("t.a > 0 AND lower(\"B\") = 'x'::text", 0).unwrap();
        let e = expr_from_tokens(&toks, Span::new(0, 40), String::new());
        assert_eq!(e.idents, vec!["a", "and", "B"]);
    }

    #[test]
    fn command_targets() {
        let t = |sql: &str| command_target(sql, 0).map(|t| (t.name.sql(), t.cosmetic));
        assert_eq!(
            t("ALTER TABLE IF EXISTS ONLY app.t ALTER COLUMN a SET STORAGE PLAIN"),
            Some(("app.t".into(), false))
        );
        assert_eq!(
            t("ALTER TYPE mood OWNER TO admin"),
            Some(("mood".into(), true))
        );
        assert_eq!(
            t("ALTER VIEW v SET (security_invoker = on)"),
            Some(("v".into(), true))
        );
        assert_eq!(
            t("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY t USING x (a)"),
            Some(("t".into(), false))
        );
        assert_eq!(t("CREATE TABLE t (LIKE u)"), Some(("t".into(), false)));
        assert_eq!(t("ALTER TABLE"), None);
    }

    #[test]
    fn text_words_skip_comments() {
        assert_eq!(words("/* x */ -- y\n drop  table"), vec!["DROP", "TABLE"]);
    }
}
