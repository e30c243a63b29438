//! NDJSON rows: one JSON object per line, blank lines skipped, lines counted from 1.

use std::io::{BufRead, BufReader, Read};

use super::{ImportError, RowError, SourceItem};
use crate::domain::validation::from_json_slice;

/// A line longer than this is refused (and skipped) rather than buffered.
const MAX_LINE_BYTES: usize = 1 << 20;

/// Rows of an NDJSON body.
pub fn rows(body: impl Read) -> impl Iterator<Item = Result<SourceItem, ImportError>> {
    let mut reader = BufReader::with_capacity(256 * 1024, body);
    let mut line_no = 0u64;
    let mut buf = Vec::with_capacity(4096);
    std::iter::from_fn(move || {
        loop {
            buf.clear();
            let (read, too_long) = match read_line(&mut reader, &mut buf) {
                Ok(r) => r,
                Err(e) => return Some(Err(e.into())),
            };
            if read == 0 {
                return None;
            }
            line_no += 1;
            if too_long {
                return Some(Ok(SourceItem::Bad(vec![RowError {
                    line: line_no,
                    pointer: String::new(),
                    column: None,
                    reason: format!("line is longer than {MAX_LINE_BYTES} bytes"),
                }])));
            }
            let mut text: &[u8] = &buf;
            if line_no == 1 {
                text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
            }
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(Ok(match from_json_slice(text) {
                Ok(row) => SourceItem::Row {
                    line: line_no,
                    row: Box::new(row),
                },
                Err(e) => SourceItem::Bad(vec![RowError {
                    line: line_no,
                    pointer: e.pointer,
                    column: None,
                    reason: e.reason,
                }]),
            }));
        }
    })
}

/// Reads one line into `buf` (without the newline). Returns the bytes consumed and whether the
/// line was cut for being too long (the rest of it is consumed and dropped).
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut too_long = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok((consumed, too_long));
        }
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if !too_long {
            if buf.len() + chunk.len() > MAX_LINE_BYTES {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        let used = done.unwrap_or(available.len());
        reader.consume(used);
        consumed += used;
        if done.is_some() {
            return Ok((consumed, too_long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_skips_blanks() {
        let body = "\u{feff}{\"x\":1}\n\n  \r\nnot json\r\n";
        let items: Vec<_> = rows(body.as_bytes()).collect::<Result<_, _>>().unwrap();
        assert_eq!(items.len(), 2);
        for item in &items {
            match item {
                SourceItem::Bad(errors) => assert!(errors[0].line == 1 || errors[0].line == 4),
                SourceItem::Row { .. } => panic!("neither line is a valid row"),
            }
        }
    }

    #[test]
    fn refuses_overlong_lines_and_goes_on() {
        let mut body = vec![b'x'; MAX_LINE_BYTES + 10];
        body.extend_from_slice(b"\n{}\n");
        let items: Vec<_> = rows(&body[..]).collect::<Result<_, _>>().unwrap();
        assert_eq!(items.len(), 2);
        let SourceItem::Bad(errors) = &items[0] else {
            panic!("expected a refused line")
        };
        assert!(errors[0].reason.contains("longer than"));
    }
}
