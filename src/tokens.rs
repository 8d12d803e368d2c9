//! sqlparser's token stream for one statement, with byte spans in the file.
//!
//! The parser path uses it to find the words a finding underlines (the AST does not keep
//! keyword positions), and the fallback reads statements sqlparser rejects from it.

use crate::ident::{Name, QualifiedName};
use crate::lex;
use crate::source::{OffsetMap, Span};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword as K;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, TokenizerError};

/// One significant token (not white space, not a comment) and its bytes in the file.
#[derive(Debug, Clone)]
pub struct Tok {
    /// The token.
    pub token: Token,
    /// Its bytes in the file.
    pub span: Span,
}

impl Tok {
    /// True when this is the unquoted keyword `kw` (compared case-insensitively).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }

    /// The identifier this token spells, if it is a word.
    pub fn name(&self) -> Option<Name> {
        match &self.token {
            Token::Word(w) => Some(Name::new(
                w.value.clone(),
                w.quote_style.is_some(),
                self.span,
            )),
            _ => None,
        }
    }

    /// The unquoted word as written, or `None`.
    pub fn word(&self) -> Option<&str> {
        match &self.token {
            Token::Word(w) if w.quote_style.is_none() => Some(&w.value),
            _ => None,
        }
    }

    /// The unquoted word, upper case, or `None`.
    pub fn keyword(&self) -> Option<String> {
        self.word().map(str::to_ascii_uppercase)
    }
}

/// A statement's tokens.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// Significant tokens in order.
    pub sig: Vec<Tok>,
    /// Start location (as sqlparser counts it, relative to the statement) and file byte
    /// offset of every token, comments and white space included, in order.
    starts: Vec<(Location, usize)>,
    /// For each significant token, its index in the parser's token list (`None` when an
    /// edit hid it from the parser).
    raw_index: Vec<Option<usize>>,
}

/// Tokenizes `text` (a statement starting at file byte `base`). Returns the tokens for the
/// parser and our spanned copy.
pub fn tokenize(text: &str, base: usize) -> Result<(Vec<TokenWithSpan>, Tokens), TokenizerError> {
    tokenize_mapped(text, &OffsetMap::Shift(base))
}

/// Our spanned copy of the tokens of `text`, whose bytes stand in the file where `map`
/// says, for readers that do not hand them to the parser (no token is copied).
pub fn spanned(text: &str, map: &OffsetMap) -> Result<Tokens, TokenizerError> {
    let (raw, layout) = lex_mapped(text, map)?;
    Ok(layout.into_tokens(raw))
}

/// Tokenizes `text`, whose bytes stand in the file where `map` says.
pub fn tokenize_mapped(
    text: &str,
    map: &OffsetMap,
) -> Result<(Vec<TokenWithSpan>, Tokens), TokenizerError> {
    let (raw, layout) = lex_mapped(text, map)?;
    let toks = layout.copy_tokens(&raw);
    Ok((raw, toks))
}

/// Tokenizes `text`, whose bytes stand in the file where `map` says: the tokens for the
/// parser, and where they stand, from which [`Layout::into_tokens`] makes our spanned copy
/// once the parser gives them back (copying each token would cost more than parsing it).
pub fn lex_mapped(
    text: &str,
    map: &OffsetMap,
) -> Result<(Vec<TokenWithSpan>, Layout), TokenizerError> {
    if let Some(lexed) = lex::tokenize(text, false) {
        return Ok(from_lexed(lexed, map));
    }
    let dialect = PostgreSqlDialect {};
    let raw = Tokenizer::new(&dialect, text)
        .with_unescape(false)
        .tokenize_with_location()?;
    let mut walker = Walker::new(text);
    let offsets: Vec<usize> = raw.iter().map(|t| walker.seek(t.span.start)).collect();
    let mut starts = Vec::with_capacity(raw.len());
    let mut sig = Vec::with_capacity(raw.len());
    for (i, t) in raw.iter().enumerate() {
        let start = offsets[i];
        let end = offsets.get(i + 1).copied().unwrap_or(text.len());
        starts.push((t.span.start, map.offset(start)));
        if !matches!(t.token, Token::Whitespace(_) | Token::EOF) {
            sig.push((i, map.span(Span::new(start, trim_end(text, start, end)))));
        }
    }
    Ok((raw, Layout { starts, sig }))
}

/// The parser's tokens and where they stand, from what the fast lexer read.
fn from_lexed(lexed: lex::Lexed, map: &OffsetMap) -> (Vec<TokenWithSpan>, Layout) {
    let starts = lexed
        .starts
        .into_iter()
        .map(|(loc, byte)| (loc, map.offset(byte)))
        .collect();
    let mut sig = Vec::with_capacity(lexed.tokens.len());
    for (i, (t, &(start, end))) in lexed.tokens.iter().zip(&lexed.bytes).enumerate() {
        if !matches!(t.token, Token::Whitespace(_)) {
            sig.push((i, map.span(Span::new(start, end))));
        }
    }
    (lexed.tokens, Layout { starts, sig })
}

/// Where a statement's tokens stand in the file, without the tokens themselves.
#[derive(Debug)]
pub struct Layout {
    /// As [`Tokens`] keeps them.
    starts: Vec<(Location, usize)>,
    /// Each significant token's index in the parser's list, and its bytes in the file.
    sig: Vec<(usize, Span)>,
}

impl Layout {
    /// Our spanned copy, made of the tokens `raw`: the list [`lex_mapped`] returned with
    /// this layout (as the parser gives it back).
    pub fn into_tokens(self, raw: Vec<TokenWithSpan>) -> Tokens {
        let mut sig = Vec::with_capacity(self.sig.len());
        let mut raw_index = Vec::with_capacity(self.sig.len());
        let mut spots = self.sig.into_iter().peekable();
        for (k, t) in raw.into_iter().enumerate() {
            if let Some((_, span)) = spots.next_if(|&(i, _)| i == k) {
                sig.push(Tok {
                    token: t.token,
                    span,
                });
                raw_index.push(Some(k));
            }
        }
        Tokens {
            sig,
            starts: self.starts,
            raw_index,
        }
    }

    /// Our spanned copy, with copies of the tokens of `raw`.
    pub fn copy_tokens(&self, raw: &[TokenWithSpan]) -> Tokens {
        // Sized up front: collected through `filter_map`, the lists grew a token at a time.
        let mut sig = Vec::with_capacity(self.sig.len());
        let mut raw_index = Vec::with_capacity(self.sig.len());
        for &(i, span) in &self.sig {
            if let Some(t) = raw.get(i) {
                sig.push(Tok {
                    token: t.token.clone(),
                    span,
                });
                raw_index.push(Some(i));
            }
        }
        Tokens {
            sig,
            starts: self.starts.clone(),
            raw_index,
        }
    }
}

/// Changes to a statement's tokens before sqlparser reads them again.
#[derive(Debug, Clone, Default)]
pub struct Edits {
    /// Significant tokens sqlparser does not see but spans still cover, by index: a clause
    /// left out of the reading, still part of the user's text.
    pub hide: Vec<usize>,
    /// Significant tokens left out of both, by index: text that is not part of the
    /// statement being read.
    pub drop: Vec<usize>,
    /// Significant tokens to read as another token, by index (spans unchanged).
    pub replace: Vec<(usize, Token)>,
}

impl Edits {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.hide.is_empty() && self.drop.is_empty() && self.replace.is_empty()
    }

    /// Hides significant tokens `from..to` from sqlparser.
    pub fn hide_range(&mut self, from: usize, to: usize) {
        self.hide.extend(from..to);
    }
}

/// The end of a token's text, not counting trailing white space that sqlparser folded in.
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    start + text.get(start..end).map_or(0, |s| s.trim_end().len())
}

/// Walks a text forward, converting sqlparser locations (1-based line and character
/// column) to byte offsets.
struct Walker<'a> {
    text: &'a str,
    byte: usize,
    line: u64,
    col: u64,
}

impl<'a> Walker<'a> {
    fn new(text: &'a str) -> Self {
        Walker {
            text,
            byte: 0,
            line: 1,
            col: 1,
        }
    }

    fn seek(&mut self, to: Location) -> usize {
        if to.line == 0 {
            return self.text.len();
        }
        while (self.line, self.col) < (to.line, to.column) {
            let Some(c) = self.text[self.byte..].chars().next() else {
                break;
            };
            self.byte += c.len_utf8();
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
        self.byte
    }
}

impl Tokens {
    /// File byte offset of the token that starts at `loc` (an AST span start).
    pub fn offset_of(&self, loc: Location) -> Option<usize> {
        let i = self
            .starts
            .binary_search_by(|(l, _)| (l.line, l.column).cmp(&(loc.line, loc.column)))
            .ok()?;
        Some(self.starts[i].1)
    }

    /// Index of the significant token starting at file byte `offset`.
    pub fn index_at(&self, offset: usize) -> Option<usize> {
        self.sig
            .binary_search_by(|t| t.span.start.cmp(&offset))
            .ok()
    }

    /// The span of the significant token starting at `loc`.
    pub fn span_at(&self, loc: Location) -> Option<Span> {
        let off = self.offset_of(loc)?;
        self.index_at(off).map(|i| self.sig[i].span)
    }

    /// Index of the first significant token at or after `from` that is the keyword
    /// sequence `words` (all consecutive), and the span it covers.
    pub fn find_seq(&self, from: usize, to: usize, words: &[&str]) -> Option<(usize, Span)> {
        let to = to.min(self.sig.len());
        (from..to).find_map(|i| {
            let matched = words
                .iter()
                .enumerate()
                .all(|(k, w)| i + k < to && self.sig[i + k].is_kw(w));
            matched.then(|| (i, self.sig[i].span.to(self.sig[i + words.len() - 1].span)))
        })
    }

    /// Splits `from..to` at commas outside parentheses: the items of a list.
    pub fn split_top_level_commas(&self, from: usize, to: usize) -> Vec<(usize, usize)> {
        let mut items = Vec::new();
        let mut depth = 0i32;
        let mut start = from;
        for i in from..to.min(self.sig.len()) {
            match self.sig[i].token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                Token::Comma if depth == 0 => {
                    items.push((start, i));
                    start = i + 1;
                }
                _ => {}
            }
        }
        if start < to.min(self.sig.len()) {
            items.push((start, to.min(self.sig.len())));
        }
        items
    }

    /// Span covering significant tokens `from..to`.
    pub fn span_of(&self, from: usize, to: usize) -> Option<Span> {
        let first = self.sig.get(from)?;
        let last = self.sig.get(to.checked_sub(1)?)?;
        Some(first.span.to(last.span))
    }

    /// Reads a possibly qualified name (`a`, `a.b`, `a.b.c`) at `i`; returns it and the
    /// index after it.
    pub fn qualified_name(&self, i: usize) -> Option<(QualifiedName, usize)> {
        let (mut parts, j) = self.name_parts(i)?;
        let name = parts.pop()?;
        Some((
            QualifiedName {
                schema: parts.pop(),
                name,
            },
            j,
        ))
    }

    /// Reads the dot-separated parts of a name at `i` (`a`, `a.b`, `s.t.c`); returns them
    /// and the index after them.
    pub fn name_parts(&self, i: usize) -> Option<(Vec<Name>, usize)> {
        let mut parts = vec![self.sig.get(i)?.name()?];
        let mut j = i + 1;
        while self.is(j, &Token::Period) {
            parts.push(self.sig.get(j + 1)?.name()?);
            j += 2;
        }
        Some((parts, j))
    }

    /// The statement with `edits` applied to its tokens `raw` (as `tokenize` returned them,
    /// or as an earlier edit did): the parser's input and our spanned copy. Locations and
    /// spans stay those of the text, so what the parser reads still points at the user's
    /// bytes.
    pub fn edited(&self, raw: &[TokenWithSpan], edits: &Edits) -> (Vec<TokenWithSpan>, Tokens) {
        let mut raw_out = Vec::with_capacity(raw.len());
        let mut sig = Vec::with_capacity(self.sig.len());
        let mut raw_index = Vec::with_capacity(self.sig.len());
        let mut next_raw = 0;
        for (i, tok) in self.sig.iter().enumerate() {
            if edits.drop.contains(&i) {
                if let Some(r) = self.raw_index[i] {
                    raw_out.extend(raw.get(next_raw..r).unwrap_or_default().iter().cloned());
                    next_raw = r + 1;
                }
                continue;
            }
            let token = edits
                .replace
                .iter()
                .find(|(k, _)| *k == i)
                .map_or_else(|| tok.token.clone(), |(_, t)| t.clone());
            // A hidden token stays in our copy only, where no AST location points at it.
            let index = match self.raw_index[i] {
                Some(r) => {
                    raw_out.extend(raw.get(next_raw..r).unwrap_or_default().iter().cloned());
                    next_raw = r + 1;
                    raw.get(r).filter(|_| !edits.hide.contains(&i)).map(|t| {
                        raw_out.push(TokenWithSpan::new(token.clone(), t.span));
                        raw_out.len() - 1
                    })
                }
                None => None,
            };
            raw_index.push(index);
            sig.push(Tok {
                token,
                span: tok.span,
            });
        }
        raw_out.extend(raw.get(next_raw..).unwrap_or_default().iter().cloned());
        (
            raw_out,
            Tokens {
                sig,
                starts: self.starts.clone(),
                raw_index,
            },
        )
    }

    /// Index of the first significant token in `from..to` that `is` accepts, outside
    /// parentheses and brackets (`is` sees only those tokens, in order).
    pub fn find_top_level(
        &self,
        from: usize,
        to: usize,
        mut is: impl FnMut(&Tok) -> bool,
    ) -> Option<usize> {
        let mut depth = 0i32;
        for i in from..to.min(self.sig.len()) {
            let t = &self.sig[i];
            if depth == 0 && is(t) {
                return Some(i);
            }
            match t.token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                _ => {}
            }
        }
        None
    }

    /// Index of the `)` matching the `(` at `open`, or the end when it never closes.
    pub fn matching_paren(&self, open: usize) -> usize {
        let mut depth = 0;
        for (i, t) in self.sig.iter().enumerate().skip(open) {
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
        self.sig.len()
    }

    /// The token ranges of a column definition's options: the definition's tokens after
    /// its name are `first..end`, and each option (`DEFAULT now()`, `NOT NULL`,
    /// `CONSTRAINT fk REFERENCES users (id) ON DELETE SET NULL`) runs to the next one. The
    /// type is what comes before the first.
    pub fn column_options(&self, first: usize, end: usize) -> Vec<(usize, usize)> {
        let end = end.min(self.sig.len());
        let mut depth = 0;
        let mut starts = Vec::new();
        let mut k = first;
        while k < end {
            match self.sig[k].token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            if depth == 0 && self.starts_column_option(k) {
                starts.push(k);
                // `CONSTRAINT name KIND` and `NOT NULL` are one option each.
                if self.sig[k].is_kw("CONSTRAINT") {
                    k += 3;
                    continue;
                }
            }
            k += 1;
        }
        starts
            .iter()
            .enumerate()
            .map(|(i, &s)| (s, starts.get(i + 1).copied().unwrap_or(end)))
            .collect()
    }

    /// True when token `k` (at parenthesis depth 0 of a column definition) begins a column
    /// option. `DEFAULT` and `NULL` after `SET` belong to `ON DELETE SET …`; `NULL` after
    /// `NOT`, `IS` or `DEFAULT` belongs to that; `NOT` begins an option only as `NOT NULL`,
    /// and not as `IS NOT NULL` inside a default expression.
    fn starts_column_option(&self, k: usize) -> bool {
        // Asked of every token of every column definition: the tokens' keywords are
        // compared, not their text.
        let keyword = |i: usize| match self.sig.get(i).map(|t| &t.token) {
            Some(Token::Word(w)) => w.keyword,
            _ => K::NoKeyword,
        };
        let prev = k.checked_sub(1).map_or(K::NoKeyword, keyword);
        match keyword(k) {
            K::CONSTRAINT
            | K::PRIMARY
            | K::UNIQUE
            | K::REFERENCES
            | K::CHECK
            | K::GENERATED
            | K::COLLATE => true,
            K::DEFAULT => prev != K::SET,
            K::NULL => !matches!(prev, K::SET | K::NOT | K::IS | K::DEFAULT),
            K::NOT => keyword(k + 1) == K::NULL && prev != K::IS,
            _ => false,
        }
    }

    /// True when significant token `i` exists and is the keyword `kw`.
    pub fn is_kw(&self, i: usize, kw: &str) -> bool {
        self.sig.get(i).is_some_and(|t| t.is_kw(kw))
    }

    /// True when significant token `i` is the unquoted keyword `kw`, compared by sqlparser's
    /// keyword rather than by text.
    pub fn is_keyword(&self, i: usize, kw: K) -> bool {
        matches!(self.sig.get(i).map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == kw)
    }

    /// True when the item of a `CREATE TABLE` list at `i` is a table constraint, as
    /// sqlparser tells them from columns by their first word.
    pub fn starts_table_constraint(&self, i: usize) -> bool {
        [
            K::CONSTRAINT,
            K::PRIMARY,
            K::UNIQUE,
            K::FOREIGN,
            K::CHECK,
            K::EXCLUDE,
        ]
        .iter()
        .any(|&kw| self.is_keyword(i, kw))
    }

    /// The items of the list `from..to`, split at top-level commas; `None` when one is empty
    /// (`(a int,)`, a trailing comma after the last action), which PostgreSQL rejects.
    pub fn list_items(&self, from: usize, to: usize) -> Option<Vec<(usize, usize)>> {
        let items = self.split_top_level_commas(from, to);
        let whole = items.first().is_some_and(|&(a, _)| a == from)
            && items.last().is_some_and(|&(_, b)| b == to)
            && items.iter().all(|&(a, b)| a < b);
        whole.then_some(items)
    }

    /// True when significant token `i` exists and is `token`.
    pub fn is(&self, i: usize, token: &Token) -> bool {
        self.sig.get(i).is_some_and(|t| &t.token == token)
    }

    /// The first top-level `CONCURRENTLY` keyword, if any.
    pub fn concurrently(&self) -> Option<Span> {
        self.sig
            .iter()
            .find(|t| t.is_kw("CONCURRENTLY"))
            .map(|t| t.span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy made of the tokens the parser gives back is the copy made by cloning them,
    /// whichever lexer read the text (sqlparser's keeps blanks, which the copy leaves out).
    #[test]
    fn tokens_taken_back_equal_tokens_copied() {
        for text in [
            "ALTER TABLE t ADD COLUMN c int DEFAULT 1 -- note\n;",
            "CREATE TABLE \"é名\" (ü int, d text DEFAULT E'x')",
            "SELECT $1, :name, a::text FROM t /* hint */ WHERE b <> 'y'",
        ] {
            let (raw, layout) = lex_mapped(text, &OffsetMap::Shift(7)).unwrap();
            let copied = layout.copy_tokens(&raw);
            let taken = layout.into_tokens(raw);
            assert!(!taken.sig.is_empty(), "{text}");
            assert_eq!(format!("{taken:?}"), format!("{copied:?}"), "{text}");
        }
    }

    #[test]
    fn spans_are_file_bytes_even_after_multibyte_text() {
        let text = "ALTER TABLE \"é名\" DROP COLUMN x";
        let (_, toks) = tokenize(text, 100).unwrap();
        let drop = toks.sig.iter().find(|t| t.is_kw("DROP")).unwrap();
        assert_eq!(
            drop.span,
            Span::new(
                100 + text.find("DROP").unwrap(),
                100 + text.find("DROP").unwrap() + 4
            )
        );
        let name = toks.sig[2].name().unwrap();
        assert_eq!(name.value, "é名");
        assert!(name.quoted);
    }

    #[test]
    fn comments_are_not_significant() {
        let (_, toks) = tokenize("CREATE /* c */ INDEX -- x\n i ON t (a)", 0).unwrap();
        assert!(toks.sig[1].is_kw("INDEX"));
        assert!(toks.find_seq(0, usize::MAX, &["CREATE", "INDEX"]).is_some());
    }

    #[test]
    fn qualified_names_and_lists() {
        let (_, toks) = tokenize("ALTER TABLE \"public\".users ADD a int, DROP b", 0).unwrap();
        let (q, next) = toks.qualified_name(2).unwrap();
        assert_eq!(q.sql(), "\"public\".users");
        assert_eq!(next, 5);
        assert_eq!(toks.split_top_level_commas(next, toks.sig.len()).len(), 2);
    }

    #[test]
    fn edits_keep_the_spans_of_the_tokens_that_stay() {
        let text = "CREATE INDEX i ON ONLY t (a)";
        let (raw, toks) = tokenize(text, 5).unwrap();
        let edits = Edits {
            drop: vec![4],
            replace: vec![(0, Token::make_keyword("ALTER"))],
            ..Edits::default()
        };
        let (raw2, toks2) = toks.edited(&raw, &edits);
        assert_eq!(raw2.len(), raw.len() - 1);
        assert_eq!(toks2.sig.len(), toks.sig.len() - 1);
        assert!(toks2.sig.iter().all(|t| !t.is_kw("ONLY")));
        assert!(toks2.sig[0].is_kw("ALTER"));
        assert_eq!(toks2.sig[0].span, toks.sig[0].span);
        assert_eq!(toks2.sig[4].span, toks.sig[5].span);
        assert_eq!(toks2.sig[4].span.start, 5 + text.find(" t ").unwrap() + 1);
        let hidden = Edits {
            hide: vec![4],
            ..Edits::default()
        };
        let (raw3, toks3) = toks.edited(&raw, &hidden);
        assert_eq!(raw3.len(), raw.len() - 1);
        assert_eq!(toks3.sig.len(), toks.sig.len());
        // A second edit of the result keeps track of the hidden token: dropping it leaves
        // the parser's input as it was.
        let (raw4, toks4) = toks3.edited(&raw3, &edits);
        assert_eq!(raw4.len(), raw3.len());
        assert_eq!(toks4.sig.len(), toks3.sig.len() - 1);
        assert!(toks4.sig[0].is_kw("ALTER"));
    }

    #[test]
    fn mapped_tokens_land_on_the_escaped_bytes() {
        // The text `a 'x' b` as it appears inside a literal that doubles its quotes: file
        // bytes `a ''x'' b` starting at 100.
        let map = OffsetMap::Table(vec![100, 101, 102, 104, 105, 107, 108, 109]);
        let (_, toks) = tokenize_mapped("a 'x' b", &map).unwrap();
        assert_eq!(toks.sig[1].span, Span::new(102, 107));
        assert_eq!(toks.sig[2].span, Span::new(108, 109));
    }
}
