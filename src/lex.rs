//! A fast lexer for the plain SQL most migrations are made of, producing exactly the
//! tokens sqlparser's tokenizer would, plus each token's byte offset.
//!
//! sqlparser's tokenizer reads a character at a time through a peekable iterator and was
//! about a quarter of a corpus run. This lexer works on bytes and knows only the common
//! forms: white space, comments, ASCII words, quoted identifiers, `'…'` and `$tag$…$tag$`
//! strings, plain numbers and the usual punctuation. On anything else (a non-ASCII word,
//! `E'…'`, an exponent, an operator that could be a custom one, an unterminated quote…) it
//! returns `None` and the caller uses sqlparser's tokenizer, so what sqlparser reads is the
//! same either way. `tests/lex.rs` checks that claim on every statement of the corpus and on
//! random text.

use sqlparser::ast::DollarQuotedString;
use sqlparser::dialect::{Dialect, PostgreSqlDialect};
use sqlparser::keywords::{ALL_KEYWORDS, ALL_KEYWORDS_INDEX, Keyword};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Whitespace, Word};
use std::sync::OnceLock;

/// What the lexer read of a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Lexed {
    /// The tokens, blanks (spaces, tabs, line breaks) left out unless asked for.
    pub tokens: Vec<TokenWithSpan>,
    /// The byte range of each token of `tokens`.
    pub bytes: Vec<(usize, usize)>,
    /// Where every token starts, its location as sqlparser counts it and its byte offset:
    /// an AST span ends where the next token starts, blank or not. Without blanks, only the
    /// first blank of each run is listed (no span ends at a later one).
    pub starts: Vec<(Location, usize)>,
}

/// The tokens of `text` as sqlparser's PostgreSQL tokenizer (without unescaping) makes
/// them; `None` when `text` holds something this lexer leaves to sqlparser. Blanks are kept
/// only with `keep_blanks`: sqlparser's parser skips them (comments are kept, as PostgreSQL
/// optimizer hints live in comments), and leaving them out spares a third of the tokens.
pub fn tokenize(text: &str, keep_blanks: bool) -> Option<Lexed> {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
        col: 1,
        word_end: None,
    };
    // About one token per four bytes in real migrations, blanks included.
    let capacity = text.len() / 4 + 1;
    let mut lexed = Lexed {
        tokens: Vec::with_capacity(capacity),
        bytes: Vec::with_capacity(capacity),
        starts: Vec::with_capacity(capacity),
    };
    while lexer.at < lexer.bytes.len() {
        let start = lexer.at;
        let from = lexer.location();
        // sqlparser reads a `:name` placeholder without skipping blanks, so a blank right
        // after a colon is kept: without it, `: 1` would read as the placeholder `:1`.
        let last = lexed.tokens.last().map(|t| &t.token);
        let after_colon = matches!(last, Some(Token::Colon));
        if !keep_blanks && !after_colon && lexer.skip_blanks() {
            // Only where a run of blanks starts can an AST span end; a run whose first blank
            // was kept after a colon has its start listed already.
            if !last.is_some_and(is_blank) {
                lexed.starts.push((from, start));
            }
            continue;
        }
        let token = lexer.next()?;
        lexed.starts.push((from, start));
        if keep_blanks || !is_blank(&token) || after_colon {
            lexed.tokens.push(TokenWithSpan {
                token,
                span: Span::new(from, lexer.location()),
            });
            lexed.bytes.push((start, lexer.at));
        }
    }
    Some(lexed)
}

/// A space, tab or line break: what the parser skips.
fn is_blank(token: &Token) -> bool {
    matches!(
        token,
        Token::Whitespace(Whitespace::Space | Whitespace::Tab | Whitespace::Newline)
    )
}

/// Characters that may continue a PostgreSQL custom operator: where one follows an
/// operator, sqlparser may read a longer one, so the lexer steps aside. The dialect says
/// which they are, so the two cannot drift apart.
fn is_operator_part(b: u8) -> bool {
    ascii_class(b, Class::OPERATOR)
}

/// The longest keyword sqlparser knows, in bytes, or more.
const LONGEST_KEYWORD: usize = 48;

/// The keyword an unquoted word spells, as sqlparser looks it up (ASCII case-insensitive):
/// the word in upper case, looked up in a hash map of the keywords (comparing it with each
/// candidate keyword case-insensitively was 3% of a corpus run).
fn keyword(word: &str) -> Keyword {
    static KEYWORDS: OnceLock<foldhash::HashMap<&'static [u8], Keyword>> = OnceLock::new();
    let keywords = KEYWORDS.get_or_init(|| {
        ALL_KEYWORDS
            .iter()
            .zip(ALL_KEYWORDS_INDEX)
            .map(|(k, &kw)| (k.as_bytes(), kw))
            .collect()
    });
    let word = word.as_bytes();
    let mut upper = [0u8; LONGEST_KEYWORD];
    let Some(buf) = upper.get_mut(..word.len()) else {
        return Keyword::NoKeyword;
    };
    for (u, b) in buf.iter_mut().zip(word) {
        *u = b.to_ascii_uppercase();
    }
    keywords.get(&*buf).copied().unwrap_or(Keyword::NoKeyword)
}

/// An ASCII byte that may continue an unquoted word, as the dialect says (non-ASCII
/// letters may too, but there the lexer steps aside).
fn is_word_part(b: u8) -> bool {
    ascii_class(b, Class::WORD)
}

/// What the dialect says an ASCII byte may be part of, as bits.
struct Class;

impl Class {
    const WORD: u8 = 1;
    const OPERATOR: u8 = 2;
}

/// True when the ASCII byte `b` is of `class`: the dialect's answers, asked once for all
/// 128 bytes (asking it for every byte of every word was a tenth of the lexer's time).
fn ascii_class(b: u8, class: u8) -> bool {
    static CLASSES: OnceLock<[u8; 128]> = OnceLock::new();
    let classes = CLASSES.get_or_init(|| {
        let dialect = PostgreSqlDialect {};
        let mut classes = [0; 128];
        for (b, c) in (0u8..).zip(classes.iter_mut()) {
            let ch = char::from(b);
            if dialect.is_identifier_part(ch) {
                *c |= Class::WORD;
            }
            if dialect.is_custom_operator_part(ch) {
                *c |= Class::OPERATOR;
            }
        }
        classes
    });
    classes.get(usize::from(b)).is_some_and(|c| c & class != 0)
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    line: u64,
    col: u64,
    /// Where the last word read ends: sqlparser reads `._` right after a word as a period
    /// (`public._helper`), and refuses it anywhere else.
    word_end: Option<usize>,
}

impl Lexer<'_> {
    fn location(&self) -> Location {
        Location::new(self.line, self.col)
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    /// Moves past `n` bytes that hold no line break and only ASCII.
    fn skip_ascii(&mut self, n: usize) {
        self.at += n;
        self.col += n as u64;
    }

    /// Moves past a run of blanks (spaces, tabs, line breaks); false when there is none.
    fn skip_blanks(&mut self) -> bool {
        let start = self.at;
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b' ' | b'\t' | b'\r' => self.col += 1,
                b'\n' => {
                    self.line += 1;
                    self.col = 1;
                }
                _ => break,
            }
            self.at += 1;
        }
        self.at > start
    }

    /// Moves to byte `to`, counting lines and characters (not bytes) as sqlparser does.
    fn advance_to(&mut self, to: usize) {
        for c in self.text[self.at..to].chars() {
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
        self.at = to;
    }

    /// The next token, or `None` to leave the text to sqlparser.
    fn next(&mut self) -> Option<Token> {
        let b = self.peek(0)?;
        let next = self.peek(1);
        let simple = |t: Token, n: usize, me: &mut Self| {
            me.skip_ascii(n);
            Some(t)
        };
        match b {
            b' ' => simple(Token::Whitespace(Whitespace::Space), 1, self),
            b'\t' => simple(Token::Whitespace(Whitespace::Tab), 1, self),
            b'\n' => {
                self.advance_to(self.at + 1);
                Some(Token::Whitespace(Whitespace::Newline))
            }
            b'\r' => {
                let n = if next == Some(b'\n') { 2 } else { 1 };
                self.advance_to(self.at + n);
                Some(Token::Whitespace(Whitespace::Newline))
            }
            b'-' if next == Some(b'-') => {
                let start = self.at + 2;
                let end = self.bytes[start..]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .map_or(self.bytes.len(), |p| start + p);
                let comment = self.text[start..end].to_string();
                self.advance_to(end);
                Some(Token::Whitespace(Whitespace::SingleLineComment {
                    comment,
                    prefix: "--".to_string(),
                }))
            }
            b'/' if next == Some(b'*') => self.block_comment(),
            b'\'' => {
                let (value, end) = self.quoted(self.at, b'\'')?;
                self.advance_to(end);
                Some(Token::SingleQuotedString(value))
            }
            b'"' => {
                let (value, end) = self.quoted(self.at, b'"')?;
                self.advance_to(end);
                self.word_end = Some(end);
                Some(Token::make_word(&value, Some('"')))
            }
            b'$' => self.dollar(),
            b'0'..=b'9' => self.number(),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.word(b, next),
            b'(' => simple(Token::LParen, 1, self),
            b')' => simple(Token::RParen, 1, self),
            b',' => simple(Token::Comma, 1, self),
            b';' => simple(Token::SemiColon, 1, self),
            b'[' => simple(Token::LBracket, 1, self),
            b']' => simple(Token::RBracket, 1, self),
            b'{' => simple(Token::LBrace, 1, self),
            b'}' => simple(Token::RBrace, 1, self),
            b'+' => simple(Token::Plus, 1, self),
            b'*' => simple(Token::Mul, 1, self),
            b'/' => simple(Token::Div, 1, self),
            b'.' => match next {
                Some(b'_') if self.word_end == Some(self.at) => simple(Token::Period, 1, self),
                Some(c) if c.is_ascii_digit() || c == b'_' => None,
                _ => simple(Token::Period, 1, self),
            },
            b':' => match next {
                Some(b':') => simple(Token::DoubleColon, 2, self),
                Some(b'=') => simple(Token::Assignment, 2, self),
                _ => simple(Token::Colon, 1, self),
            },
            b'=' => match next {
                Some(b'>') => simple(Token::RArrow, 2, self),
                Some(b'=') => simple(Token::DoubleEq, 2, self),
                _ => simple(Token::Eq, 1, self),
            },
            b'!' if next == Some(b'=') => simple(Token::Neq, 2, self),
            // The operators below may start a longer custom operator: only their plain
            // form, followed by something that cannot continue an operator, is read here.
            _ => {
                let (token, n) = match (b, next) {
                    (b'-', _) => (Token::Minus, 1),
                    (b'%', _) => (Token::Mod, 1),
                    (b'|', Some(b'|')) => (Token::StringConcat, 2),
                    (b'<', Some(b'=')) => (Token::LtEq, 2),
                    (b'<', Some(b'>')) => (Token::Neq, 2),
                    (b'<', _) => (Token::Lt, 1),
                    (b'>', Some(b'=')) => (Token::GtEq, 2),
                    (b'>', _) => (Token::Gt, 1),
                    _ => return None,
                };
                if self.peek(n).is_some_and(is_operator_part) {
                    return None;
                }
                simple(token, n, self)
            }
        }
    }

    /// `/* … */`, nested as PostgreSQL nests them.
    fn block_comment(&mut self) -> Option<Token> {
        let start = self.at + 2;
        let mut depth = 1;
        let mut i = start;
        loop {
            match (self.bytes.get(i)?, self.bytes.get(i + 1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    i += 2;
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    if depth == 0 {
                        let comment = self.text[start..i].to_string();
                        self.advance_to(i + 2);
                        return Some(Token::Whitespace(Whitespace::MultiLineComment(comment)));
                    }
                    i += 2;
                }
                _ => i += 1,
            }
        }
    }

    /// A string or identifier quoted by `quote` starting at `open`: its text with doubled
    /// quotes kept doubled (sqlparser does not unescape here), and the byte after it.
    fn quoted(&self, open: usize, quote: u8) -> Option<(String, usize)> {
        let mut i = open + 1;
        loop {
            let p = self.bytes[i..].iter().position(|&c| c == quote)?;
            i += p + 1;
            if self.bytes.get(i) == Some(&quote) {
                i += 1;
            } else {
                return Some((self.text[open + 1..i - 1].to_string(), i));
            }
        }
    }

    /// `$$…$$`, `$tag$…$tag$`, or a `$1` placeholder.
    fn dollar(&mut self) -> Option<Token> {
        let tag_start = self.at + 1;
        let tag_len = self.bytes[tag_start..]
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
            .unwrap_or(self.bytes.len() - tag_start);
        let after_tag = tag_start + tag_len;
        match self.bytes.get(after_tag) {
            Some(b'$') => {
                let tag = &self.text[tag_start..after_tag];
                let delimiter = &self.text[self.at..=after_tag];
                let body_start = after_tag + 1;
                let body_end = body_start
                    + memchr::memmem::find(&self.bytes[body_start..], delimiter.as_bytes())?;
                let value = self.text[body_start..body_end].to_string();
                self.advance_to(body_end + delimiter.len());
                Some(Token::DollarQuotedString(DollarQuotedString {
                    value,
                    tag: (!tag.is_empty()).then(|| tag.to_string()),
                }))
            }
            // A non-ASCII letter could continue the tag.
            Some(c) if !c.is_ascii() => None,
            _ if tag_len > 0 => {
                let placeholder = self.text[self.at..after_tag].to_string();
                self.skip_ascii(1 + tag_len);
                Some(Token::Placeholder(placeholder))
            }
            _ => None,
        }
    }

    /// An integer or a plain decimal (`12`, `1.5`, `3.`).
    fn number(&mut self) -> Option<Token> {
        let digits = |from: usize| {
            self.bytes[from..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map_or(self.bytes.len(), |p| from + p)
        };
        let mut end = digits(self.at);
        if self.bytes.get(end) == Some(&b'.') {
            end = digits(end + 1);
        }
        // Exponents, `0x…`, `1_000`, `1L`, `1.2.3`, `1abc`: left to sqlparser.
        if self
            .bytes
            .get(end)
            .is_some_and(|&c| is_word_part(c) || c == b'.' || !c.is_ascii())
        {
            return None;
        }
        let number = self.text[self.at..end].to_string();
        self.skip_ascii(end - self.at);
        Some(Token::Number(number, false))
    }

    /// An unquoted word; `first` is its first byte and `next` the byte after.
    fn word(&mut self, first: u8, next: Option<u8>) -> Option<Token> {
        // B'…', E'…', N'…', X'…', U&'…' are literals, not words.
        let prefix = match first.to_ascii_lowercase() {
            b'b' => matches!(next, Some(b'\'' | b'"')),
            b'e' | b'n' | b'x' => next == Some(b'\''),
            b'u' => next == Some(b'&'),
            _ => false,
        };
        if prefix {
            return None;
        }
        let end = self.bytes[self.at..]
            .iter()
            .position(|&c| !is_word_part(c))
            .map_or(self.bytes.len(), |p| self.at + p);
        if self.bytes.get(end).is_some_and(|c| !c.is_ascii()) {
            return None;
        }
        let value = &self.text[self.at..end];
        let token = Token::Word(Word {
            value: value.to_string(),
            quote_style: None,
            keyword: keyword(value),
        });
        self.skip_ascii(end - self.at);
        self.word_end = Some(end);
        Some(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn sqlparser_tokens(text: &str) -> Vec<TokenWithSpan> {
        Tokenizer::new(&PostgreSqlDialect {}, text)
            .with_unescape(false)
            .tokenize_with_location()
            .unwrap_or_default()
    }

    /// The starts a reading without blanks lists: every token's but blanks after a blank.
    fn run_starts(all: &Lexed) -> Vec<(Location, usize)> {
        let mut starts = Vec::new();
        for (k, t) in all.tokens.iter().enumerate() {
            if !(is_blank(&t.token) && k > 0 && is_blank(&all.tokens[k - 1].token)) {
                starts.push((t.span.start, all.bytes[k].0));
            }
        }
        starts
    }

    /// The lexer reads `text` itself, and as sqlparser does.
    fn same(text: &str) {
        let all = tokenize(text, true).unwrap_or_else(|| panic!("stepped aside: {text:?}"));
        assert_eq!(all.tokens, sqlparser_tokens(text), "{text:?}");
        for (t, &(start, end)) in all.tokens.iter().zip(&all.bytes) {
            assert_eq!(
                t.span.start.line as usize,
                text[..start].matches('\n').count() + 1
            );
            assert_eq!(
                t.span.end.line as usize,
                text[..end].matches('\n').count() + 1
            );
        }
        let compact = tokenize(text, false).unwrap_or_else(|| panic!("stepped aside: {text:?}"));
        assert_eq!(compact.starts, run_starts(&all));
        // Blanks go, but for one right after a colon.
        let kept: Vec<_> = (0..all.tokens.len())
            .filter(|&k| {
                !is_blank(&all.tokens[k].token)
                    || (k > 0 && all.tokens[k - 1].token == Token::Colon)
            })
            .map(|k| all.tokens[k].clone())
            .collect();
        assert_eq!(compact.tokens, kept);
    }

    #[test]
    fn reads_common_migration_sql_as_sqlparser_does() {
        same("ALTER TABLE \"user\" ADD COLUMN \"x\" varchar(255) DEFAULT 'a''b' NOT NULL;");
        same("CREATE INDEX CONCURRENTLY idx ON t USING btree (a, b DESC) WHERE (c >= 1.5);");
        same("-- a comment\r\nSELECT 1 -- tail\n/* a /* nested */ block */ x::text || 'é' <> y");
        same("CREATE FUNCTION f() RETURNS int AS $body$ SELECT $1 $x$ $body$ LANGUAGE sql;");
        same("SELECT :a, : 1, :\n\n b, x::text");
        same("DO $$ BEGIN x := 1; END $$;\tSELECT a[1], b.c, d != e, f <= g, 3. , h % i");
        same("SELECT 'línea\nnueva', \"col\"\"umn\", 10 - 2 * 3 / 4 + 5 > 6 < 7 = 8 ;");
        same("UPDATE t SET a = a - 1, b = '{}'::jsonb, c = ARRAY[1,2] WHERE d => e");
        same("CREATE FUNCTION public._f() RETURNS int AS $$ SELECT \"s\"._g(x._y) $$");
    }

    #[test]
    fn finds_every_keyword_in_any_case() {
        for (k, expected) in ALL_KEYWORDS.iter().zip(ALL_KEYWORDS_INDEX) {
            assert_eq!(keyword(&k.to_lowercase()), *expected, "{k}");
            assert_eq!(keyword(k), *expected, "{k}");
        }
        assert_eq!(keyword("not_a_keyword"), Keyword::NoKeyword);
        assert_eq!(keyword(&"select".repeat(20)), Keyword::NoKeyword);
        assert_eq!(keyword(""), Keyword::NoKeyword);
    }

    #[test]
    fn steps_aside_for_what_it_does_not_know() {
        for text in [
            "SELECT E'a\\nb'",
            "SELECT b'101', x'ff', n'x', U&'d\\0061'",
            "SELECT 1e10",
            "SELECT 1_000",
            "SELECT .5",
            "SELECT a ._b",
            "SELECT (a)._b",
            "SELECT a->>'b'",
            "SELECT a @> b",
            "SELECT a ~ 'x'",
            "SELECT a <=> b",
            "SELECT 'unterminated",
            "SELECT \"unterminated",
            "SELECT $$ unterminated",
            "/* unterminated",
            "SELECT café",
        ] {
            assert!(tokenize(text, true).is_none(), "{text:?}");
        }
    }
}
