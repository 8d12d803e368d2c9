//! The fast lexer against sqlparser's tokenizer on arbitrary text: where the lexer reads a
//! text itself, its tokens and spans must be exactly sqlparser's.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::Tokenizer;

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
    let blanks_left_out = bellows::lex::tokenize(text, false).expect("reads it again");
    assert_eq!(blanks_left_out.starts, lexed.starts);
});
