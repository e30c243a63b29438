//! Word tokenisers shared by the checks.
//!
//! Two kinds of word, because the checks have different needs:
//!
//! * **Letter words** (wording and jargon checks): maximal runs of letters (`char::is_alphabetic`,
//!   so å ä ö é and every other script count), where a hyphen *between two letters* joins the
//!   runs: "EU-stöd" and "co-operative" are one token. Everything else (digits, spaces,
//!   punctuation, emoji, en/em dashes) separates words.
//! * **LIX words** (readability): maximal runs of letters *and digits*, where a hyphen, an
//!   apostrophe, `.`, `,` or `:` between two such characters joins them, so "3,5", "12.00",
//!   "t.ex", "EU:s", "e-tjänsten" and "don't" are each one word, as a reader (and a
//!   whitespace-splitting LIX counter) would see them.
//!
//! Combining marks (U+0300..U+036F etc.) continue a word, so a decomposed "o" + U+0308 stays
//! inside the word rather than splitting it.

use super::location::Indexed;

/// A word as a half-open range of char indices into an [`Indexed`] text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token {
    pub(super) start: usize,
    pub(super) end: usize,
}

/// Hyphen characters that join words: ASCII hyphen-minus, U+2010 HYPHEN, U+2011 NON-BREAKING
/// HYPHEN. En and em dashes are punctuation between words, not inside them.
pub(super) fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Combining diacritical marks, which belong to the letter before them.
pub(super) fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

fn is_lix_joiner(c: char) -> bool {
    is_hyphen(c) || matches!(c, '\'' | '\u{2019}' | '.' | ',' | ':')
}

/// Scans maximal runs of `core` chars, continued by combining marks and by a single `joiner`
/// char that has a `core` char on both sides.
fn scan(ix: &Indexed<'_>, core: fn(char) -> bool, joiner: fn(char) -> bool) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = ix.char_at(i) {
        if !core(c) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        loop {
            match ix.char_at(i) {
                Some(c) if core(c) || is_combining_mark(c) => i += 1,
                Some(c) if joiner(c) && ix.char_at(i + 1).is_some_and(core) => i += 2,
                _ => break,
            }
        }
        out.push(Token { start, end: i });
    }
    out
}

/// Letter words, for the wording and jargon checks.
pub(super) fn letter_words(ix: &Indexed<'_>) -> Vec<Token> {
    scan(ix, char::is_alphabetic, is_hyphen)
}

/// LIX words, for readability and sentence length.
pub(super) fn lix_words(ix: &Indexed<'_>) -> Vec<Token> {
    scan(ix, char::is_alphanumeric, is_lix_joiner)
}

/// The hyphen-separated parts of a token ("servant-leader" -> "servant", "leader").
pub(super) fn hyphen_parts(ix: &Indexed<'_>, tok: Token) -> Vec<Token> {
    let mut parts = Vec::new();
    let mut start = tok.start;
    for i in tok.start..tok.end {
        if ix.char_at(i).is_some_and(is_hyphen) {
            parts.push(Token { start, end: i });
            start = i + 1;
        }
    }
    parts.push(Token {
        start,
        end: tok.end,
    });
    parts
}

/// The form used for matching: lower case, hyphens unified to `-`, and the decomposed Swedish
/// letters (a/o/e/u + combining ring, diaeresis or acute) composed, so that text pasted from a
/// source in NFD still matches stems written with å, ä, ö, é, ü.
pub(super) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let composed = match (out.chars().next_back(), c) {
            (Some('a'), '\u{030A}') => Some('å'),
            (Some('a'), '\u{0308}') => Some('ä'),
            (Some('o'), '\u{0308}') => Some('ö'),
            (Some('u'), '\u{0308}') => Some('ü'),
            (Some('e'), '\u{0301}') => Some('é'),
            _ => None,
        };
        if let Some(composed) = composed {
            out.pop();
            out.push(composed);
        } else if is_hyphen(c) {
            out.push('-');
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Number of letters in a word (digits, hyphens, marks and other joiners are not letters).
pub(super) fn letter_count(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphabetic()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str, f: fn(&Indexed<'_>) -> Vec<Token>) -> Vec<String> {
        let ix = Indexed::new(text);
        f(&ix)
            .into_iter()
            .map(|t| ix.slice(t.start, t.end).to_string())
            .collect()
    }

    #[test]
    fn letter_words_keep_hyphenated_words_and_split_on_everything_else() {
        assert_eq!(
            words(
                "EU-stöd, co-operative–decisive; -ledare 3ledare e‑post",
                letter_words
            ),
            [
                "EU-stöd",
                "co-operative",
                "decisive",
                "ledare",
                "ledare",
                "e‑post"
            ]
        );
        // A hyphen needs a letter on both sides: "kvinno- och" keeps only "kvinno".
        assert_eq!(
            words("kvinno- och mansdominerade", letter_words),
            ["kvinno", "och", "mansdominerade"]
        );
    }

    #[test]
    fn lix_words_keep_numbers_abbreviations_and_genitives_whole() {
        assert_eq!(
            words("t.ex. 3,5 mnkr, kl. 12.00, EU:s e-tjänst don't.", lix_words),
            [
                "t.ex",
                "3,5",
                "mnkr",
                "kl",
                "12.00",
                "EU:s",
                "e-tjänst",
                "don't"
            ]
        );
    }

    #[test]
    fn fold_lowercases_and_composes_swedish_letters() {
        assert_eq!(fold("ÅSIKT"), "åsikt");
        assert_eq!(fold("Ödmjuk"), "ödmjuk");
        assert_eq!(fold("o\u{0308}dmjuk"), "ödmjuk");
        assert_eq!(fold("A\u{030A}SIKT"), "åsikt");
        assert_eq!(fold("self\u{2010}confident"), "self-confident");
    }

    #[test]
    fn decomposed_letters_stay_inside_the_word() {
        assert_eq!(
            words("o\u{0308}m hand", letter_words),
            ["o\u{0308}m", "hand"]
        );
        assert_eq!(letter_count("o\u{0308}dmjuk"), 6);
    }
}
