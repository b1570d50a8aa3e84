//! Byte offsets ⇄ LSP positions (0-based line, UTF-16 code units), as the protocol requires.

use lsp_types::{Position, Range as LspRange};
use std::ops::Range;

/// Line starts of one text, for conversions in both directions.
pub struct LineMap<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineMap<'a> {
    pub fn new(text: &'a str) -> LineMap<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineMap { text, starts }
    }

    /// Offsets past the end clamp to the end; offsets inside a char clamp to its start.
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let col: usize = self.text[self.starts[line]..offset]
            .chars()
            .map(char::len_utf16)
            .sum();
        Position::new(line as u32, col as u32)
    }

    pub fn range(&self, span: &Range<usize>) -> LspRange {
        LspRange::new(self.position(span.start), self.position(span.end))
    }

    /// A position past the end of its line clamps to the line's end (before `\r\n`); past the last
    /// line, to the end of the text. A position inside a surrogate pair clamps to the char's start.
    pub fn offset(&self, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(self.text.len(), |e| e - 1);
        let line = self.text[start..end.max(start)].trim_end_matches('\r');
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units + c.len_utf16() > pos.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_both_ways() {
        let text = "ab\n\"é😀x\"\r\nz";
        let map = LineMap::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(map.position(x), Position::new(1, 4), "é is 1 unit, 😀 is 2");
        assert_eq!(map.offset(Position::new(1, 4)), x);
        assert_eq!(
            map.offset(Position::new(1, 3)),
            x - 4,
            "inside the pair clamps to 😀"
        );
        assert_eq!(map.offset(Position::new(1, 99)), text.find('\r').unwrap());
        assert_eq!(map.offset(Position::new(9, 0)), text.len());
        assert_eq!(map.position(999), Position::new(2, 1));
    }
}
