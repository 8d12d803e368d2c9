//! The fast lexer against sqlparser's tokenizer on arbitrary text: where the lexer reads a
//! text itself, its tokens and spans must be exactly sqlparser's.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(lexed) = bellows::lex::tokenize(text, true) else {
        return;
    };
    let theirs = Tokenizer::new(&PostgreSqlDialect {}, text)
        .with_unescape(false)
        .tokenize_with_location()
        .expect("the lexer read a text sqlparser's tokenizer rejects");
    assert_eq!(lexed.tokens, theirs);
    // Without blanks: the same tokens but blanks, and the start of each run of blanks.
    let compact = bellows::lex::tokenize(text, false).expect("reads it again");
    let blank = |t: &sqlparser::tokenizer::TokenWithSpan| {
        matches!(
            t.token,
            Token::Whitespace(Whitespace::Space | Whitespace::Tab | Whitespace::Newline)
        )
    };
    // A blank right after a colon stays: sqlparser reads `:name` without skipping blanks.
    let kept: Vec<_> = (0..lexed.tokens.len())
        .filter(|&k| !blank(&lexed.tokens[k]) || (k > 0 && lexed.tokens[k - 1].token == Token::Colon))
        .map(|k| lexed.tokens[k].clone())
        .collect();
    assert_eq!(compact.tokens, kept);
    let run_starts: Vec<_> = (0..lexed.tokens.len())
        .filter(|&k| !(blank(&lexed.tokens[k]) && k > 0 && blank(&lexed.tokens[k - 1])))
        .map(|k| (lexed.tokens[k].span.start, lexed.bytes[k].0))
        .collect();
    assert_eq!(compact.starts, run_starts);
});
