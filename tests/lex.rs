//! The fast lexer (`bellows::lex`) must read exactly what sqlparser's tokenizer reads, or
//! step aside: checked on every statement of `../shared/corpus` and on random text.

use bellows::discover::{Input, discover, globs};
use bellows::lex;
use bellows::split::split;
use proptest::prelude::*;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{TokenWithSpan, Tokenizer};
use std::path::Path;

fn sqlparser_tokens(text: &str) -> Option<Vec<TokenWithSpan>> {
    Tokenizer::new(&PostgreSqlDialect {}, text)
        .with_unescape(false)
        .tokenize_with_location()
        .ok()
}

/// Compares the two readings of `text`; returns whether the fast lexer read it.
fn check(text: &str) -> Result<bool, String> {
    let Some(lexed) = lex::tokenize(text, true) else {
        return Ok(false);
    };
    let (ours, bytes) = (lexed.tokens, lexed.bytes);
    let theirs =
        sqlparser_tokens(text).ok_or_else(|| format!("lexed text sqlparser rejects: {text:?}"))?;
    if ours != theirs {
        let at = ours.iter().zip(&theirs).position(|(a, b)| a != b);
        return Err(format!(
            "tokens differ at {at:?}: ours {:?}, sqlparser {:?}, in {text:?}",
            at.and_then(|i| ours.get(i)),
            at.and_then(|i| theirs.get(i)),
        ));
    }
    // Each byte range is where sqlparser's lines and columns say the token is.
    let location = |offset: usize| {
        let before = &text[..offset];
        let line = before.matches('\n').count() as u64 + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
        (line, column)
    };
    for (t, &(start, end)) in ours.iter().zip(&bytes) {
        let (s, e) = (t.span.start, t.span.end);
        if location(start) != (s.line, s.column) || location(end) != (e.line, e.column) {
            return Err(format!(
                "bytes {start}..{end} are not at {:?} in {text:?}",
                t.span
            ));
        }
    }
    Ok(true)
}

/// sqlparser reads the statement the same from the lexer's tokens without blanks as from
/// its own tokenizer's.
fn parses_the_same(text: &str) -> Result<(), String> {
    let Some(lexed) = lex::tokenize(text, false) else {
        return Ok(());
    };
    let dialect = PostgreSqlDialect {};
    let ours = Parser::new(&dialect)
        .with_tokens_with_locations(lexed.tokens)
        .parse_statements();
    let theirs = Parser::new(&dialect)
        .with_tokens_with_locations(sqlparser_tokens(text).unwrap_or_default())
        .parse_statements();
    if format!("{ours:?}") != format!("{theirs:?}") {
        return Err(format!("parsed differently: {text:?}"));
    }
    Ok(())
}

#[test]
fn corpus_statements_lex_as_sqlparser_lexes_them() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !dir.is_dir() {
        eprintln!("SKIPPED: ../shared/corpus is absent, so the lexer was not compared on it");
        return;
    }
    let found = discover(&[dir.to_path_buf()], &globs(&[]).expect("no globs"));
    let (mut fast, mut total) = (0usize, 0usize);
    let mut failures = Vec::new();
    for input in &found.inputs {
        let Input::File(f) = input else {
            panic!("unreadable corpus entry: {input:?}");
        };
        let text = std::fs::read_to_string(f).expect("corpus files are UTF-8");
        for s in split(&text).statements {
            total += 1;
            let stmt = s.span.slice(&text);
            match check(stmt).and_then(|read| parses_the_same(stmt).map(|()| read)) {
                Ok(read) => fast += usize::from(read),
                Err(e) => failures.push(format!("{}: {e}", f.display())),
            }
        }
    }
    eprintln!("fast lexer read {fast} of {total} corpus statements");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The point of the lexer is to read most statements itself.
    assert!(fast * 10 >= total * 9, "only {fast} of {total} statements");
}

/// Pieces random statements are built from: the forms the lexer reads, the forms it must
/// step aside for, and the characters where the two meet.
const PIECES: &[&str] = &[
    " ", "\n", "\r\n", "\r", "\t", "a", "Z", "_x", "e", "E", "b", "n", "u", "x", "$", "$1", "$$",
    "$t$", "'", "''", "\"", "\"\"", "--", "/*", "*/", "-", "+", "*", "/", "%", "|", "||", "<", ">",
    "=", "!", ":", "::", ".", ",", ";", "(", ")", "[", "]", "{", "}", "0", "12", "3.5", "_", "&",
    "@", "#", "~", "^", "?", "`", "\\", "é", "€", "SELECT", "from", "\u{a0}", "\u{c}",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn random_text_lexes_as_sqlparser_lexes_it(
        picks in proptest::collection::vec(0..PIECES.len(), 0..40)
    ) {
        let text: String = picks.iter().map(|&i| PIECES[i]).collect();
        if let Err(e) = check(&text).and_then(|_| parses_the_same(&text)) {
            prop_assert!(false, "{}", e);
        }
    }
}

/// Pieces of plain migration SQL, each ending in a blank so that no two run together: text
/// made of them is what the lexer exists for, and it must read it itself.
const PLAIN: &[&str] = &[
    "a ",
    "Zq_1 ",
    "select ",
    "FROM ",
    "e ",
    "b ",
    "x ",
    "12 ",
    "3.5 ",
    "7. ",
    "'it''s' ",
    "'' ",
    "\"Col\"\"x\" ",
    "$$ body $ $$ ",
    "$t$ a $$ b $t$ ",
    "$1 ",
    "-- note\n",
    "/* a /* b */ c */ ",
    "( ",
    ") ",
    ", ",
    "; ",
    ". ",
    ":: ",
    ": ",
    ":= ",
    "= ",
    "=> ",
    "== ",
    "!= ",
    "<> ",
    "<= ",
    ">= ",
    "< ",
    "> ",
    "- ",
    "+ ",
    "* ",
    "/ ",
    "% ",
    "|| ",
    "[ ",
    "] ",
    "{ ",
    "} ",
    "\t",
    "\r\n",
    "'é€' ",
    "\"naïve\" ",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn plain_sql_is_read_by_the_lexer_as_sqlparser_reads_it(
        picks in proptest::collection::vec(0..PLAIN.len(), 0..60)
    ) {
        let text: String = picks.iter().map(|&i| PLAIN[i]).collect();
        match check(&text).and_then(|read| parses_the_same(&text).map(|()| read)) {
            Ok(read) => prop_assert!(read, "the lexer stepped aside from {:?}", text),
            Err(e) => prop_assert!(false, "{}", e),
        }
    }
}
