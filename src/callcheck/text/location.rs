//! Where a finding sits in the checked text.
//!
//! Every finding carries both byte offsets (for slicing the `&str` in Rust) and char offsets (for
//! UIs and JavaScript, which count Unicode scalar values or code units, never UTF-8 bytes), plus a
//! 1-based line and column so a reviewer can find it in the original document.

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// A span of the analysed text.
///
/// `byte_offset..byte_offset + byte_len` is always a valid `str` range of the text that was
/// analysed; `char_offset`/`char_len` count Unicode scalar values (Rust `char`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// Offset of the first byte, for `&text[byte_offset..]`.
    pub byte_offset: usize,
    /// Length in bytes.
    pub byte_len: usize,
    /// Offset in `char`s from the start of the text.
    pub char_offset: usize,
    /// Length in `char`s.
    pub char_len: usize,
    /// 1-based line number of the first character. Lines end at `\n`, a lone `\r`,
    /// U+2028 or U+2029; `\r\n` is one line break.
    pub line: usize,
    /// 1-based column of the first character, counted in `char`s from the start of its line.
    pub column: usize,
}

impl Location {
    /// The byte range, ready for slicing the analysed text.
    pub fn byte_range(&self) -> Range<usize> {
        self.byte_offset..self.byte_offset + self.byte_len
    }

    /// The located text, or `None` if `text` is not the text this location was computed for
    /// (out of range or not on a char boundary).
    pub fn slice<'a>(&self, text: &'a str) -> Option<&'a str> {
        text.get(self.byte_range())
    }
}

/// The text with a char index, so that positions can be turned into [`Location`]s cheaply.
///
/// Positions inside this module are char indices; `chars.len()` is the end of the text.
pub(super) struct Indexed<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
    /// Char index at which each line starts; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
}

impl<'a> Indexed<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut line_starts = vec![0];
        for (i, &(_, c)) in chars.iter().enumerate() {
            let next = chars.get(i + 1).map(|&(_, n)| n);
            if is_line_break(c, next) {
                line_starts.push(i + 1);
            }
        }
        Self {
            text,
            chars,
            line_starts,
        }
    }

    /// Number of chars in the text.
    pub(super) fn len(&self) -> usize {
        self.chars.len()
    }

    /// The char at char index `i`, if any.
    pub(super) fn char_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).map(|&(_, c)| c)
    }

    /// Byte offset of char index `i`; `i == len()` gives the text's byte length.
    pub(super) fn byte_at(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.text.len(), |&(b, _)| b)
    }

    /// The text between two char indices.
    pub(super) fn slice(&self, start: usize, end: usize) -> &'a str {
        let (b0, b1) = (self.byte_at(start), self.byte_at(end.max(start)));
        // Both are char boundaries by construction, so `get` cannot fail; stay panic-free anyway.
        self.text.get(b0..b1).unwrap_or("")
    }

    /// The [`Location`] of chars `start..end`.
    pub(super) fn location(&self, start: usize, end: usize) -> Location {
        let end = end.max(start);
        let byte_offset = self.byte_at(start);
        // Index of the last line that starts at or before `start`.
        let line_idx = self
            .line_starts
            .partition_point(|&s| s <= start)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line_idx).copied().unwrap_or(0);
        Location {
            byte_offset,
            byte_len: self.byte_at(end) - byte_offset,
            char_offset: start,
            char_len: end - start,
            line: line_idx + 1,
            column: start - line_start + 1,
        }
    }
}

/// Whether `c` ends a line. `\r` followed by `\n` does not: the `\n` does, so `\r\n` counts once.
pub(super) fn is_line_break(c: char, next: Option<char>) -> bool {
    match c {
        '\n' | '\u{2028}' | '\u{2029}' => true,
        '\r' => next != Some('\n'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_chars_not_bytes() {
        let text = "åäö\r\nÖl och\nbröd";
        let ix = Indexed::new(text);
        // "Öl" starts at char 5 (å ä ö \r \n), byte 8 (3 two-byte letters + 2).
        let loc = ix.location(5, 7);
        assert_eq!((loc.line, loc.column), (2, 1));
        assert_eq!((loc.char_offset, loc.byte_offset), (5, 8));
        assert_eq!(loc.slice(text), Some("Öl"));
        // Line 3 starts after the second \n (char 11): b r ö d are chars 12..16.
        let bröd = ix.location(12, 16);
        assert_eq!((bröd.line, bröd.column), (3, 1));
        assert_eq!(bröd.slice(text), Some("bröd"));
    }

    #[test]
    fn location_at_end_of_text_is_empty_not_a_panic() {
        let ix = Indexed::new("ab");
        let loc = ix.location(2, 2);
        assert_eq!((loc.byte_offset, loc.byte_len, loc.column), (2, 0, 3));
        assert_eq!(Indexed::new("").location(0, 0).line, 1);
    }
}
