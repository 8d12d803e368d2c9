//! Source text, byte spans and the one conversion from byte offsets to line and column.

use serde::Serialize;

/// A half-open byte range `start..end` into one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (bytes).
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Number of bytes covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Shifts the span by `base` bytes (statement-relative to file-relative).
    pub fn offset(self, base: usize) -> Span {
        Span::new(self.start + base, self.end + base)
    }

    /// The text the span covers, or "" when it does not fit `text`.
    pub fn slice(self, text: &str) -> &str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// Where each byte of a text bellows reads stands in the file. Most texts are slices of the
/// file; the SQL inside a string literal (`EXECUTE '…'`, `DO '…'`) is shorter than the bytes
/// that spell it wherever a quote is doubled, so its bytes are mapped one by one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OffsetMap {
    /// Text byte `i` is file byte `base + i`.
    Shift(usize),
    /// Text byte `i` is spelled by the file bytes starting at entry `i`; the last entry is
    /// the file offset just past the text.
    Table(Vec<usize>),
}

impl OffsetMap {
    /// The file offset of text offset `i` (offsets past the text map past its end).
    pub fn offset(&self, i: usize) -> usize {
        match self {
            OffsetMap::Shift(base) => base + i,
            OffsetMap::Table(starts) => starts.get(i).or(starts.last()).copied().unwrap_or(0),
        }
    }

    /// The file span of text span `s`.
    pub fn span(&self, s: Span) -> Span {
        Span::new(self.offset(s.start), self.offset(s.end))
    }

    /// The map of the same text with its first `n` bytes cut off.
    pub fn skip(&self, n: usize) -> OffsetMap {
        match self {
            OffsetMap::Shift(base) => OffsetMap::Shift(base + n),
            OffsetMap::Table(starts) => {
                OffsetMap::Table(starts.get(n..).map_or_else(Vec::new, <[usize]>::to_vec))
            }
        }
    }

    /// Composes two maps: `self` places a text inside an outer text, which `outer` places in
    /// the file.
    pub fn then(&self, outer: &OffsetMap) -> OffsetMap {
        match self {
            OffsetMap::Shift(base) => outer.skip(*base),
            OffsetMap::Table(starts) => {
                OffsetMap::Table(starts.iter().map(|&i| outer.offset(i)).collect())
            }
        }
    }
}

/// A 1-based line and column (columns count Unicode characters) plus the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    /// Line, starting at 1.
    pub line: usize,
    /// Column in characters, starting at 1.
    pub column: usize,
    /// Byte offset from the start of the file.
    pub offset: usize,
}

/// Maps byte offsets of one text to line and column.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        // Sized for lines of 32 bytes (migrations average 36): most files need no regrowth.
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(line_starts_after_newlines(text.as_bytes()));
        LineIndex { line_starts }
    }

    /// The position of byte `offset` in `text` (the text this index was built from).
    /// An offset inside a multi-byte character counts as that character.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let prefix = text.get(start..offset).unwrap_or_else(|| {
            let mut end = offset;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            &text[start..end]
        });
        Position {
            line: line + 1,
            column: prefix.chars().count() + 1,
            offset,
        }
    }

    /// Byte offset of the first byte of 1-based `line`, if it exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }
}

fn line_starts_after_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    // memchr looks at many bytes per step: every reporter indexes every file with findings.
    memchr::memchr_iter(b'\n', bytes).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_maps_compose() {
        // The literal 'a''b' at file byte 10: its text a'b maps byte 2 (b) to file byte 14.
        let literal = OffsetMap::Table(vec![11, 12, 14, 15]);
        assert_eq!(literal.span(Span::new(1, 3)), Span::new(12, 15));
        let inner = OffsetMap::Shift(1).then(&literal);
        assert_eq!(inner.offset(1), 14);
        assert_eq!(
            OffsetMap::Shift(2).then(&OffsetMap::Shift(5)),
            OffsetMap::Shift(7)
        );
        assert_eq!(
            OffsetMap::Table(vec![0, 2]).then(&OffsetMap::Shift(3)),
            OffsetMap::Table(vec![3, 5])
        );
        assert_eq!(literal.offset(99), 15);
    }

    #[test]
    fn first_byte_is_line_one_column_one() {
        let text = "abc\ndef";
        let idx = LineIndex::new(text);
        assert_eq!(
            idx.position(text, 0),
            Position {
                line: 1,
                column: 1,
                offset: 0
            }
        );
        assert_eq!(idx.position(text, 4).line, 2);
        assert_eq!(idx.position(text, 6).column, 3);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // "é" is two bytes, "名" three: the column after them counts characters.
        let text = "-- é名\nALTER TABLE \"café\" DROP COLUMN x;";
        let idx = LineIndex::new(text);
        let drop = text.find("DROP").unwrap();
        let pos = idx.position(text, drop);
        assert_eq!((pos.line, pos.column), (2, 20));
        let first_line_end = idx.position(text, text.find('\n').unwrap());
        assert_eq!(first_line_end.column, 6);
    }

    #[test]
    fn crlf_counts_carriage_return_as_part_of_the_line() {
        let text = "a;\r\nb;";
        let idx = LineIndex::new(text);
        let pos = idx.position(text, 4);
        assert_eq!((pos.line, pos.column), (2, 1));
    }

    #[test]
    fn offset_past_end_is_clamped() {
        let text = "ab";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 99).column, 3);
    }
}
