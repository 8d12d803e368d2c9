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
        let mut line_starts = vec![0];
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
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

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
