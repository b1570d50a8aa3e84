//! Byte offsets to 1-based line and column (columns count chars, as editors and humans do).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    /// 1-based.
    pub line: usize,
    /// 1-based, in chars.
    pub col: usize,
}

use std::borrow::Cow;

pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Cow<'a, [usize]>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        LineIndex {
            text,
            line_starts: Cow::Owned(Self::starts(text)),
        }
    }

    /// The byte offset each line starts at, to keep next to a text that is looked up many times.
    pub fn starts(text: &str) -> Vec<usize> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        line_starts
    }

    /// An index over `text` from its `starts` (as [`LineIndex::starts`] computed them), built for free.
    pub fn with_starts(text: &'a str, starts: &'a [usize]) -> LineIndex<'a> {
        LineIndex {
            text,
            line_starts: Cow::Borrowed(starts),
        }
    }

    /// The indexed text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The byte offset a 1-based line starts at (the text's end past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Offsets past the end clamp to the end; offsets inside a char clamp to its start.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let col = self.text[self.line_starts[line]..offset].chars().count() + 1;
        LineCol {
            line: line + 1,
            col,
        }
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &'a str {
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len());
        let end = self
            .line_starts
            .get(line)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        self.text[start..end.max(start)].trim_end_matches('\r')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets() {
        let idx = LineIndex::new("ab\ncdé\n");
        assert_eq!(idx.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(idx.line_col(3), LineCol { line: 2, col: 1 });
        assert_eq!(idx.line_col(6), LineCol { line: 2, col: 3 });
        assert_eq!(idx.line_col(7), LineCol { line: 2, col: 4 });
        assert_eq!(idx.line_col(99), LineCol { line: 3, col: 1 });
        assert_eq!(idx.line_text(2), "cdé");
    }
}
