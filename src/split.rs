//! Cuts SQL text into statements with exact byte ranges.
//!
//! Understands `--` and nested `/* */` comments, `'…'` (with `''`), `E'…'` (with backslash
//! escapes), `"…"` identifiers, `$$`/`$tag$` bodies and Drizzle's `--> statement-breakpoint`.
//! An unterminated quote or comment ends the text: it is reported at its opening, because
//! PostgreSQL would read everything after it as part of the literal.

use crate::source::Span;

/// Drizzle-kit's separator, written as a line comment after each statement.
const DRIZZLE_BREAKPOINT: &str = "--> statement-breakpoint";

/// One statement of the text: its range starts at the first byte that is not white space or
/// a comment and ends after its last such byte (the `;` excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawStatement {
    /// Byte range of the statement text, without the terminating `;`.
    pub span: Span,
}

/// Something the splitter could not close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unterminated {
    /// `'…` without its closing quote.
    String,
    /// `"…` without its closing quote.
    Identifier,
    /// `$tag$…` without the closing `$tag$`.
    DollarQuote,
    /// `/* …` without its closing `*/`.
    BlockComment,
}

impl Unterminated {
    /// What the user wrote, for the message.
    pub fn describe(self) -> &'static str {
        match self {
            Unterminated::String => "unterminated quoted string",
            Unterminated::Identifier => "unterminated quoted identifier",
            Unterminated::DollarQuote => "unterminated dollar-quoted string",
            Unterminated::BlockComment => "unterminated /* comment",
        }
    }
}

/// An unterminated construct, which ends the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Open {
    /// The opening (`'`, `$tag$`, `/*`).
    pub at: Span,
    /// What it is.
    pub what: Unterminated,
    /// Where the statement it cuts off starts (the opening itself when it starts one).
    pub statement_start: usize,
}

/// The splitter's result for one text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    /// Statements in order.
    pub statements: Vec<RawStatement>,
    /// An unterminated construct. The statement it stands in, and everything after it,
    /// is not in `statements`.
    pub unterminated: Option<Open>,
}

/// Splits `text` into statements.
pub fn split(text: &str) -> Split {
    Splitter::new(text).run()
}

struct Splitter<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: Split,
    /// Start of the current statement's first significant byte.
    stmt_start: Option<usize>,
    /// End of the current statement's last significant byte.
    stmt_end: usize,
}

impl<'a> Splitter<'a> {
    fn new(text: &'a str) -> Self {
        Splitter {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            out: Split::default(),
            stmt_start: None,
            stmt_end: 0,
        }
    }

    fn run(mut self) -> Split {
        // A UTF-8 byte order mark is not part of the SQL.
        if self.text.starts_with('\u{feff}') {
            self.pos = 3;
        }
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            match b {
                b';' => {
                    self.finish();
                    self.pos += 1;
                }
                b'-' if self.peek(1) == Some(b'-') => {
                    let end = self.line_end(self.pos);
                    if self.text[self.pos..end].trim_end() == DRIZZLE_BREAKPOINT {
                        self.finish();
                    }
                    self.pos = end;
                }
                b'/' if self.peek(1) == Some(b'*') => {
                    if !self.block_comment() {
                        return self.fail(Unterminated::BlockComment);
                    }
                }
                b'\'' => {
                    let escapes = self.is_escape_string_prefix();
                    self.significant(self.pos);
                    if !self.quoted(b'\'', escapes) {
                        return self.fail(Unterminated::String);
                    }
                }
                b'"' => {
                    self.significant(self.pos);
                    if !self.quoted(b'"', false) {
                        return self.fail(Unterminated::Identifier);
                    }
                }
                b'$' => {
                    if let Some(tag_len) = self.dollar_tag() {
                        self.significant(self.pos);
                        if !self.dollar_body(tag_len) {
                            return self.fail(Unterminated::DollarQuote);
                        }
                    } else {
                        self.significant(self.pos);
                        self.pos += 1;
                        self.stmt_end = self.pos;
                    }
                }
                _ if b.is_ascii_whitespace() => {
                    self.pos += self.run_len(|c| c.is_ascii_whitespace());
                }
                _ => {
                    self.significant(self.pos);
                    // Words, numbers and punctuation: nothing in them can end a statement
                    // or open a quote or a comment, so they are passed over in one step.
                    self.pos += self
                        .run_len(|c| !(c.is_ascii_whitespace() || is_special(c)))
                        .max(utf8_len(b));
                    self.stmt_end = self.pos;
                }
            }
        }
        self.finish();
        self.out
    }

    /// How many bytes from `pos` on `keep` accepts.
    fn run_len(&self, keep: impl Fn(u8) -> bool) -> usize {
        self.bytes[self.pos..]
            .iter()
            .position(|&c| !keep(c))
            .unwrap_or(self.bytes.len() - self.pos)
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn significant(&mut self, at: usize) {
        if self.stmt_start.is_none() {
            self.stmt_start = Some(at);
        }
    }

    fn finish(&mut self) {
        if let Some(start) = self.stmt_start.take() {
            self.out.statements.push(RawStatement {
                span: Span::new(start, self.stmt_end),
            });
        }
    }

    fn fail(mut self, what: Unterminated) -> Split {
        let open_len = match what {
            Unterminated::DollarQuote => self.dollar_tag().unwrap_or(1),
            Unterminated::BlockComment => 2,
            _ => 1,
        };
        // The statement the opening stands in is cut off by it: it is reported with the
        // error, not on its own.
        let statement_start = self.stmt_start.take().unwrap_or(self.pos);
        self.out.unterminated = Some(Open {
            at: Span::new(self.pos, self.pos + open_len),
            what,
            statement_start,
        });
        self.out
    }

    fn line_end(&self, from: usize) -> usize {
        self.bytes[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |i| from + i)
    }

    /// Skips a nested block comment starting at `pos`. False if it never closes.
    fn block_comment(&mut self) -> bool {
        let mut depth = 0usize;
        let mut i = self.pos;
        while i < self.bytes.len() {
            if self.bytes[i] == b'/' && self.bytes.get(i + 1) == Some(&b'*') {
                depth += 1;
                i += 2;
            } else if self.bytes[i] == b'*' && self.bytes.get(i + 1) == Some(&b'/') {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    self.pos = i;
                    return true;
                }
            } else {
                i += 1;
            }
        }
        false
    }

    /// `E'…'` or `e'…'` where the `E` is not the end of a longer word.
    fn is_escape_string_prefix(&self) -> bool {
        let p = self.pos;
        p >= 1
            && matches!(self.bytes[p - 1], b'E' | b'e')
            && (p < 2 || !is_ident_byte(self.bytes[p - 2]))
    }

    /// Skips a quoted run opened by `quote` at `pos`. False if it never closes.
    fn quoted(&mut self, quote: u8, backslash_escapes: bool) -> bool {
        let mut i = self.pos + 1;
        while i < self.bytes.len() {
            let b = self.bytes[i];
            if backslash_escapes && b == b'\\' {
                i += 2;
            } else if b == quote {
                if self.bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    self.pos = i + 1;
                    self.stmt_end = self.pos;
                    return true;
                }
            } else {
                i += 1;
            }
        }
        false
    }

    /// Length of a dollar-quote opening tag (`$$` or `$tag$`) at `pos`, if one starts here.
    fn dollar_tag(&self) -> Option<usize> {
        let p = self.pos;
        // `a$b$` is an identifier containing dollars, not a quote.
        if p > 0 && is_ident_byte(self.bytes[p - 1]) {
            return None;
        }
        let rest = &self.bytes[p + 1..];
        let first = *rest.first()?;
        if first == b'$' {
            return Some(2);
        }
        if !(first.is_ascii_alphabetic() || first == b'_' || first >= 0x80) {
            return None;
        }
        let len = rest
            .iter()
            .position(|&b| !(is_ident_byte(b) && b != b'$'))?;
        (rest[len] == b'$').then_some(len + 2)
    }

    /// Skips a dollar-quoted body whose opening tag is `tag_len` bytes. False if unclosed.
    fn dollar_body(&mut self, tag_len: usize) -> bool {
        let tag = &self.text[self.pos..self.pos + tag_len];
        let body_start = self.pos + tag_len;
        // Function bodies are a good part of migrations' bytes: memmem finds the closing tag
        // several times faster than `str::find`.
        match memchr::memmem::find(&self.text.as_bytes()[body_start..], tag.as_bytes()) {
            Some(i) => {
                self.pos = body_start + i + tag_len;
                self.stmt_end = self.pos;
                true
            }
            None => false,
        }
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Bytes the splitter must look at: they end a statement or may open a quote or a comment.
fn is_special(b: u8) -> bool {
    matches!(b, b';' | b'-' | b'/' | b'\'' | b'"' | b'$')
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        split(sql)
            .statements
            .iter()
            .map(|s| s.span.slice(sql))
            .collect()
    }

    #[test]
    fn splits_on_semicolons_and_trims() {
        assert_eq!(
            texts("  SELECT 1;\n\nSELECT 2 ;"),
            vec!["SELECT 1", "SELECT 2"]
        );
    }

    #[test]
    fn last_statement_without_semicolon() {
        assert_eq!(texts("SELECT 1;\nSELECT 2\n"), vec!["SELECT 1", "SELECT 2"]);
    }

    #[test]
    fn line_comments_are_not_statements() {
        assert_eq!(
            texts("-- DROP TABLE x;\nSELECT 1; -- trailing; comment\n-- only"),
            vec!["SELECT 1"]
        );
    }

    #[test]
    fn nested_block_comments() {
        assert_eq!(
            texts("/* a /* b; */ c; */ SELECT 1; /* x */"),
            vec!["SELECT 1"]
        );
    }

    #[test]
    fn single_quotes_with_doubled_quotes() {
        assert_eq!(
            texts("SELECT 'a;''b'; SELECT 2"),
            vec!["SELECT 'a;''b'", "SELECT 2"]
        );
    }

    #[test]
    fn escape_strings_with_backslashes() {
        assert_eq!(
            texts(r"SELECT E'it\'s; fine'; SELECT 2"),
            vec![r"SELECT E'it\'s; fine'", "SELECT 2"]
        );
        // Without the E prefix a backslash is an ordinary character.
        assert_eq!(
            texts(r"SELECT 'a\'; SELECT 2"),
            vec![r"SELECT 'a\'", "SELECT 2"]
        );
    }

    #[test]
    fn quoted_identifiers() {
        assert_eq!(
            texts("ALTER TABLE \"a;\"\"b\" ADD x int; SELECT 2"),
            vec!["ALTER TABLE \"a;\"\"b\" ADD x int", "SELECT 2"]
        );
    }

    #[test]
    fn dollar_quoted_bodies() {
        let sql = "DO $$ BEGIN PERFORM 1; END $$;\nCREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql;";
        let got = texts(sql);
        assert_eq!(got.len(), 2);
        assert!(got[0].ends_with("END $$"));
        assert!(got[1].ends_with("LANGUAGE sql"));
    }

    #[test]
    fn dollar_signs_that_are_not_quotes() {
        assert_eq!(
            texts("SELECT $1; SELECT a$b$c FROM t; SELECT 3"),
            vec!["SELECT $1", "SELECT a$b$c FROM t", "SELECT 3"]
        );
    }

    #[test]
    fn drizzle_breakpoints_separate_statements() {
        let sql = "CREATE TABLE a (id int);--> statement-breakpoint\nCREATE INDEX i ON a (id)\n--> statement-breakpoint\nSELECT 1;";
        assert_eq!(
            texts(sql),
            vec![
                "CREATE TABLE a (id int)",
                "CREATE INDEX i ON a (id)",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn crlf_files() {
        let sql = "SELECT 1;\r\n-- c\r\nSELECT\r\n  2;\r\n";
        assert_eq!(texts(sql), vec!["SELECT 1", "SELECT\r\n  2"]);
    }

    #[test]
    fn unterminated_forms_are_reported_at_their_opening() {
        for (sql, what, at) in [
            ("SELECT 1; SELECT 'abc", Unterminated::String, 17),
            ("SELECT 1; SELECT \"abc", Unterminated::Identifier, 17),
            ("SELECT 1; DO $body$ BEGIN", Unterminated::DollarQuote, 13),
            ("SELECT 1; /* open", Unterminated::BlockComment, 10),
            ("SELECT 1; SELECT E'a\\'", Unterminated::String, 18),
        ] {
            let s = split(sql);
            let open = s.unterminated.expect(sql);
            assert_eq!(open.what, what, "{sql}");
            assert_eq!(open.at.start, at, "{sql}");
            assert_eq!(open.statement_start, 10, "{sql}");
            assert_eq!(s.statements.len(), 1, "{sql}");
        }
        let s = split("DO $body$ BEGIN");
        assert_eq!(s.unterminated.unwrap().at, Span::new(3, 9));
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        assert_eq!(texts("\u{feff}SELECT 1;"), vec!["SELECT 1"]);
    }

    #[test]
    fn multibyte_text_keeps_byte_ranges() {
        let sql = "SELECT 'é;名'; SELECT 2";
        assert_eq!(texts(sql), vec!["SELECT 'é;名'", "SELECT 2"]);
    }
}
