//! Sentences and words, as counted for LIX and for the long-sentence check.
//!
//! # What is a word
//!
//! A LIX word is a run of letters and digits, kept together across a hyphen, an apostrophe, `.`,
//! `,` or `:` that has a letter or digit on both sides ("e-tjänsten", "3,5", "12.00", "t.ex",
//! "EU:s", "don't"). Numbers are words (a reader reads them); only letters count towards a long
//! word, which has **more than 6 letters** ([`LONG_WORD_LETTERS`]).
//!
//! # Where a sentence ends
//!
//! The usual statement of LIX (Björnsson 1968, as summarised e.g. by the English Wikipedia
//! article "Lix (readability test)") counts "periods (defined by period, colon or capital first
//! letter)"; Swedish LIX calculators also end a sentence at `!` and `?`. Here a sentence ends:
//!
//! 1. at `.` `!` `?` `:` or `…` (a run such as `?!` or `...` counts once), unless the full stop is
//!    the one right after an abbreviation ([`ABBREVIATIONS`]: "t.ex.", "bl.a.", "s.k.", "ca.",
//!    "e.g." never end a sentence; "osv.", "m.m.", "etc." and the like end one only when the next
//!    word begins with a capital letter). Stops and colons inside a word ("3.5", "EU:s",
//!    "lansstyrelsen.se") are part of the word, never sentence ends;
//! 2. at a blank line (paragraph break), so headings and list items count as sentences;
//! 3. at a single line break when the next line begins with a capital letter, a digit (a
//!    numbered list) or a list bullet (`-`, `–`, `•`, `*` ...): the "capital first letter"
//!    clause, applied where it is reliable, at the start of a line. (A hard-wrapped line that
//!    happens to begin with a name would be split too; text pasted from a web form is rarely
//!    hard-wrapped.)
//! 4. at the end of the text.
//!
//! A "sentence" with no letters at all ("2025." or a list number "3.") is joined to the next
//! sentence (or the previous one at the end of the text), so numbering does not add sentences.

use super::location::{Indexed, Location, is_line_break};
use super::tokens::{Token, letter_count, lix_words};
use serde::{Deserialize, Serialize};

/// A word with more than this many letters is a long word in LIX.
pub const LONG_WORD_LETTERS: usize = 6;

/// Whether an abbreviation's full stop may also end a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbbrevKind {
    /// Its full stop never ends a sentence ("t.ex. Almi", "kl. 12").
    Inner,
    /// It often closes a list or sentence ("... m.m. Stödet"): its full stop ends the sentence
    /// when the next word begins with a capital letter.
    MayEnd,
}

/// Abbreviations (lower case, without the final full stop) whose full stop is not a sentence end.
pub const ABBREVIATIONS: &[(&str, AbbrevKind)] = &[
    // Swedish: abbreviations common in official texts (the project's own selection).
    ("bl.a", AbbrevKind::Inner),
    ("t.ex", AbbrevKind::Inner),
    ("s.k", AbbrevKind::Inner),
    ("dvs", AbbrevKind::Inner),
    ("d.v.s", AbbrevKind::Inner),
    ("p.g.a", AbbrevKind::Inner),
    ("pga", AbbrevKind::Inner),
    ("fr.o.m", AbbrevKind::Inner),
    ("t.o.m", AbbrevKind::Inner),
    ("f.d", AbbrevKind::Inner),
    ("f.n", AbbrevKind::Inner),
    ("f.ö", AbbrevKind::Inner),
    ("i.o.m", AbbrevKind::Inner),
    ("jfr", AbbrevKind::Inner),
    ("resp", AbbrevKind::Inner),
    ("ca", AbbrevKind::Inner),
    ("kl", AbbrevKind::Inner),
    ("nr", AbbrevKind::Inner),
    ("s", AbbrevKind::Inner),
    ("sid", AbbrevKind::Inner),
    ("st", AbbrevKind::MayEnd),
    ("tel", AbbrevKind::Inner),
    ("inkl", AbbrevKind::Inner),
    ("exkl", AbbrevKind::Inner),
    ("enl", AbbrevKind::Inner),
    ("ang", AbbrevKind::Inner),
    ("obs", AbbrevKind::Inner),
    ("kap", AbbrevKind::Inner),
    ("prop", AbbrevKind::Inner),
    ("dnr", AbbrevKind::Inner),
    ("kr", AbbrevKind::MayEnd),
    ("osv", AbbrevKind::MayEnd),
    ("o.s.v", AbbrevKind::MayEnd),
    ("m.m", AbbrevKind::MayEnd),
    ("m.fl", AbbrevKind::MayEnd),
    ("o.d", AbbrevKind::MayEnd),
    ("e.d", AbbrevKind::MayEnd),
    ("etc", AbbrevKind::MayEnd),
    // English.
    ("e.g", AbbrevKind::Inner),
    ("i.e", AbbrevKind::Inner),
    ("approx", AbbrevKind::Inner),
    ("incl", AbbrevKind::Inner),
    ("excl", AbbrevKind::Inner),
    ("mr", AbbrevKind::Inner),
    ("mrs", AbbrevKind::Inner),
    ("ms", AbbrevKind::Inner),
    ("dr", AbbrevKind::Inner),
    ("prof", AbbrevKind::Inner),
    ("vs", AbbrevKind::Inner),
    ("p", AbbrevKind::Inner),
    ("pp", AbbrevKind::Inner),
    ("ltd", AbbrevKind::MayEnd),
    ("inc", AbbrevKind::MayEnd),
];

/// One sentence of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sentence {
    /// From its first word to its closing punctuation (or last word).
    pub location: Location,
    /// Number of words.
    pub words: usize,
    /// Number of words with more than [`LONG_WORD_LETTERS`] letters.
    pub long_words: usize,
}

/// Splits `text` into sentences by the rules above. Never panics; empty or word-less text gives
/// no sentences.
pub fn sentences(text: &str) -> Vec<Sentence> {
    split(&Indexed::new(text))
}

fn is_terminator(c: char) -> bool {
    matches!(
        c,
        '.' | '!' | '?' | ':' | '…' | '‼' | '⁇' | '⁈' | '⁉' | '。' | '！' | '？' | '：'
    )
}

fn is_bullet(c: char) -> bool {
    matches!(
        c,
        '-' | '–' | '—' | '•' | '*' | '·' | '▪' | '◦' | '‣' | '●' | '■' | '□' | '○'
    )
}

fn abbreviation(word: &str) -> Option<AbbrevKind> {
    let lower = word.to_lowercase();
    ABBREVIATIONS
        .iter()
        .find(|(a, _)| *a == lower)
        .map(|&(_, kind)| kind)
}

fn starts_upper(ix: &Indexed<'_>, tok: Option<&Token>) -> bool {
    tok.and_then(|t| ix.char_at(t.start))
        .is_some_and(char::is_uppercase)
}

fn starts_line_item(ix: &Indexed<'_>, tok: Option<&Token>) -> bool {
    tok.and_then(|t| ix.char_at(t.start))
        .is_some_and(|c| c.is_uppercase() || c.is_numeric())
}

/// Whether the gap after `tokens[k]` (up to the next word or the end) ends the sentence.
fn ends_sentence(ix: &Indexed<'_>, tokens: &[Token], k: usize) -> bool {
    let Some(prev) = tokens.get(k) else {
        return false;
    };
    let next = tokens.get(k + 1);
    let gap_end = next.map_or(ix.len(), |t| t.start);
    for i in prev.end..gap_end {
        let Some(c) = ix.char_at(i) else { break };
        if !is_terminator(c) {
            continue;
        }
        // Only the stop written right after the abbreviation belongs to it.
        let abbrev = if c == '.' && i == prev.end {
            abbreviation(ix.slice(prev.start, prev.end))
        } else {
            None
        };
        match abbrev {
            None => return true,
            Some(AbbrevKind::MayEnd) if starts_upper(ix, next) => return true,
            Some(_) => {}
        }
    }
    let mut breaks = 0;
    let mut bullet_after_break = false;
    for i in prev.end..gap_end {
        let Some(c) = ix.char_at(i) else { break };
        if is_line_break(c, ix.char_at(i + 1)) {
            breaks += 1;
        } else if breaks > 0 && is_bullet(c) {
            bullet_after_break = true;
        }
    }
    breaks >= 2 || (breaks == 1 && (bullet_after_break || starts_line_item(ix, next)))
}

/// A sentence as a range of token indices.
struct Group {
    first: usize,
    last: usize,
}

pub(super) fn split(ix: &Indexed<'_>) -> Vec<Sentence> {
    let tokens = lix_words(ix);
    let letters: Vec<usize> = tokens
        .iter()
        .map(|t| letter_count(ix.slice(t.start, t.end)))
        .collect();

    let mut groups: Vec<Group> = Vec::new();
    let mut first = 0;
    for k in 0..tokens.len() {
        if k + 1 == tokens.len() || ends_sentence(ix, &tokens, k) {
            groups.push(Group { first, last: k });
            first = k + 1;
        }
    }

    // Join letter-less groups ("2025.", "3.") to the following group, or the previous one.
    let has_letters = |g: &Group| letters[g.first..=g.last].iter().any(|&n| n > 0);
    let mut merged: Vec<Group> = Vec::with_capacity(groups.len());
    let mut carry: Option<usize> = None;
    for g in groups {
        if has_letters(&g) {
            merged.push(Group {
                first: carry.take().unwrap_or(g.first),
                last: g.last,
            });
        } else if carry.is_none() {
            carry = Some(g.first);
        }
        // A further letter-less group while carrying is absorbed by widening to the next one.
    }
    if let Some(start) = carry {
        match merged.last_mut() {
            Some(prev) => prev.last = tokens.len() - 1,
            None => merged.push(Group {
                first: start,
                last: tokens.len() - 1,
            }),
        }
    }

    merged
        .into_iter()
        .map(|g| {
            let start = tokens[g.first].start;
            let end = closing_end(ix, &tokens, g.last);
            Sentence {
                location: ix.location(start, end),
                words: g.last - g.first + 1,
                long_words: letters[g.first..=g.last]
                    .iter()
                    .filter(|&&n| n > LONG_WORD_LETTERS)
                    .count(),
            }
        })
        .collect()
}

/// End of a sentence whose last word is `tokens[k]`: the word, plus the punctuation written
/// right after it (`.`, `?!`, `.)` ...) if that run contains a sentence terminator.
fn closing_end(ix: &Indexed<'_>, tokens: &[Token], k: usize) -> usize {
    let end = tokens[k].end;
    let limit = tokens.get(k + 1).map_or(ix.len(), |t| t.start);
    let mut i = end;
    while i < limit && ix.char_at(i).is_some_and(|c| !c.is_whitespace()) {
        i += 1;
    }
    let run_has_terminator = (end..i).any(|j| ix.char_at(j).is_some_and(is_terminator));
    if run_has_terminator { i } else { end }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        sentences(text)
            .iter()
            .map(|s| s.location.slice(text).unwrap().to_string())
            .collect()
    }

    #[test]
    fn stops_colons_and_question_marks_end_sentences() {
        assert_eq!(
            texts("Vem kan söka? Du kan: alla får! Slut."),
            ["Vem kan söka?", "Du kan:", "alla får!", "Slut."]
        );
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        let t = "Det gäller t.ex. Almi, bl.a. lån, s.k. checkar m.m. och ca. 5 kr. per st. Nästa.";
        assert_eq!(
            texts(t),
            [
                "Det gäller t.ex. Almi, bl.a. lån, s.k. checkar m.m. och ca. 5 kr. per st.",
                "Nästa."
            ]
        );
        // A list-closing abbreviation ends the sentence before a capital letter.
        assert_eq!(
            texts("Datorer, skrivare osv. Stödet är litet. Se t.ex. Almi."),
            [
                "Datorer, skrivare osv.",
                "Stödet är litet.",
                "Se t.ex. Almi."
            ]
        );
    }

    #[test]
    fn numbers_and_inner_punctuation_do_not_end_sentences() {
        let t = "Räntan är 3,5 procent kl. 12.00 enligt EU:s regler på lansstyrelsen.se i dag.";
        assert_eq!(sentences(t).len(), 1);
        assert_eq!(sentences(t)[0].words, 13);
        // A year at the end of a sentence does end it.
        assert_eq!(
            texts("Lagen kom 2018. Den gäller."),
            ["Lagen kom 2018.", "Den gäller."]
        );
    }

    #[test]
    fn headings_list_items_and_numbering() {
        let t = "Rubrik 2025\n\nSå här gör du:\n- fyll i\n- skicka in\nKlart\n3. Sista steget";
        assert_eq!(
            texts(t),
            [
                "Rubrik 2025",
                "Så här gör du:",
                "fyll i",
                "skicka in",
                "Klart",
                "3. Sista steget"
            ]
        );
        // A wrapped line that continues in lower case is the same sentence.
        assert_eq!(texts("en lång\nmening här"), ["en lång\nmening här"]);
    }

    #[test]
    fn long_words_count_letters_only() {
        // "e-tjänsten" has 9 letters; "EU:s" 3; "1234567" none; "sexbok" 6 (not long).
        let s = sentences("e-tjänsten EU:s 1234567 sexbok sjubokst");
        assert_eq!((s[0].words, s[0].long_words), (5, 2));
    }

    #[test]
    fn odd_input_gives_no_sentences_or_sensible_ones() {
        assert!(sentences("").is_empty());
        assert!(sentences("?!... :: \n\n -- 🚀🎉").is_empty());
        assert_eq!(sentences("2025. 42").len(), 1);
        assert_eq!(texts("Hej. 42."), ["Hej. 42."]);
    }
}
