//! Plain Swedish (klarspråk): long sentences and officialese with plainer alternatives.
//!
//! Språklagen (2009:600) 11 § says the language of public bodies shall be "vårdat, enkelt och
//! begripligt". This check points at two things a writer can fix: sentences longer than a limit
//! (default [`DEFAULT_LONG_SENTENCE_WORDS`]) and words from the project's jargon list
//! (`config/wordlists/jargon-sv.toml`).
//!
//! Passive "-s" verb forms are **not** flagged: telling "ansökan skickas" (passive) from
//! "hoppas", "finns", "minns" (deponent verbs) or nouns in the genitive ("företags") needs a
//! dictionary or a tagger, and a check that is wrong half the time teaches writers to ignore it.

use super::error::ListError;
use super::location::{Indexed, Location};
use super::sentences::split;
use super::tokens::{Token, fold, letter_words};
use serde::{Deserialize, Serialize};

/// Sentences with more words than this are long, unless the caller chooses another limit.
pub const DEFAULT_LONG_SENTENCE_WORDS: usize = 25;

/// Path of the bundled jargon list, relative to the crate root.
pub const JARGON_PATH: &str = "config/wordlists/jargon-sv.toml";

const BUNDLED_JARGON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/config/wordlists/jargon-sv.toml"
));

/// One word of a jargon pattern: exact, or a prefix when written with a trailing `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PatternWord {
    text: String,
    prefix: bool,
}

impl PatternWord {
    fn matches(&self, folded: &str) -> bool {
        if self.prefix {
            folded.starts_with(&self.text)
        } else {
            folded == self.text
        }
    }
}

/// An officialese word or phrase with plainer alternatives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JargonEntry {
    /// The word or phrase in its dictionary form, e.g. "tillhandahålla".
    pub term: String,
    /// The forms searched for, as written in the file, e.g. `["tillhandahåll*", "tillhandahöll*"]`.
    pub forms: Vec<String>,
    /// Plainer alternatives, e.g. `["ge", "erbjuda"]`.
    pub plain: Vec<String>,
    /// Optional advice shown with the alternatives.
    pub note: Option<String>,
    patterns: Vec<Vec<PatternWord>>,
}

/// The jargon list, from `config/wordlists/jargon-sv.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JargonList {
    entries: Vec<JargonEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJargon {
    #[serde(default)]
    entry: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    term: String,
    #[serde(default)]
    forms: Vec<String>,
    plain: Vec<String>,
    #[serde(default)]
    note: Option<String>,
}

fn invalid(term: &str, entry: &str, reason: &'static str) -> ListError {
    ListError::Invalid {
        list: format!("jargon entry {term:?}"),
        entry: entry.to_string(),
        reason,
    }
}

/// Compiles "äg* rum" into words; `*` is allowed only at the end of a word.
fn compile(term: &str, form: &str) -> Result<Vec<PatternWord>, ListError> {
    let mut words = Vec::new();
    for raw in form.split_whitespace() {
        let (body, prefix) = match raw.strip_suffix('*') {
            Some(body) => (body, true),
            None => (raw, false),
        };
        let text = fold(body);
        if text.contains('*') {
            return Err(invalid(term, form, "`*` may only end a word"));
        }
        if !text.chars().all(|c| c.is_alphabetic() || c == '-') || text.is_empty() {
            return Err(invalid(term, form, "words must consist of letters"));
        }
        words.push(PatternWord { text, prefix });
    }
    if words.is_empty() {
        return Err(invalid(term, form, "empty form"));
    }
    Ok(words)
}

impl JargonList {
    /// Parses the jargon file: an array of tables `[[entry]]` with `term`, optional `forms`
    /// (defaults to `[term]`; a trailing `*` on a word matches any ending), `plain` and an optional
    /// `note`. Matching ignores case; the words of a phrase must be separated by whitespace only.
    pub fn from_toml(text: &str) -> Result<Self, ListError> {
        let raw: RawJargon = toml::from_str(text)?;
        let mut entries = Vec::with_capacity(raw.entry.len());
        for e in raw.entry {
            let forms = if e.forms.is_empty() {
                vec![e.term.clone()]
            } else {
                e.forms
            };
            let patterns = forms
                .iter()
                .map(|f| compile(&e.term, f))
                .collect::<Result<Vec<_>, _>>()?;
            if e.plain.iter().all(|p| p.trim().is_empty()) {
                return Err(invalid(&e.term, &e.term, "needs a plainer alternative"));
            }
            entries.push(JargonEntry {
                term: e.term,
                forms,
                plain: e.plain,
                note: e.note,
                patterns,
            });
        }
        Ok(Self { entries })
    }

    /// The jargon list bundled at build time from [`JARGON_PATH`].
    ///
    /// # Panics
    ///
    /// Only if the bundled file is broken, which the test `bundled_jargon_parses` rules out.
    pub fn bundled() -> Self {
        Self::from_toml(BUNDLED_JARGON).expect("bundled jargon-sv.toml is valid")
    }

    /// All entries, in file order.
    pub fn entries(&self) -> &[JargonEntry] {
        &self.entries
    }

    /// Finds entries in the text: at each word the longest matching form wins (ties go to the
    /// earlier entry), and matches do not overlap.
    fn find(&self, ix: &Indexed<'_>) -> Vec<JargonHit> {
        let tokens = letter_words(ix);
        let folded: Vec<String> = tokens
            .iter()
            .map(|t| fold(ix.slice(t.start, t.end)))
            .collect();
        let mut hits = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let mut best: Option<(usize, &JargonEntry)> = None;
            for entry in &self.entries {
                for pattern in &entry.patterns {
                    let n = pattern.len();
                    if phrase_matches(ix, &tokens, &folded, i, pattern)
                        && best.is_none_or(|(len, _)| n > len)
                    {
                        best = Some((n, entry));
                    }
                }
            }
            match best {
                Some((n, entry)) => {
                    let (start, end) = (tokens[i].start, tokens[i + n - 1].end);
                    hits.push(JargonHit {
                        text: ix.slice(start, end).to_string(),
                        term: entry.term.clone(),
                        plain: entry.plain.clone(),
                        note: entry.note.clone(),
                        location: ix.location(start, end),
                    });
                    i += n;
                }
                None => i += 1,
            }
        }
        hits
    }
}

/// Whether `pattern` matches the words starting at token `i`, with only whitespace between them
/// (so "i syfte. Att" is not "i syfte att").
fn phrase_matches(
    ix: &Indexed<'_>,
    tokens: &[Token],
    folded: &[String],
    i: usize,
    pattern: &[PatternWord],
) -> bool {
    if i + pattern.len() > tokens.len() {
        return false;
    }
    pattern.iter().enumerate().all(|(j, p)| {
        let k = i + j;
        let joined = j == 0
            || ix
                .slice(tokens[k - 1].end, tokens[k].start)
                .chars()
                .all(char::is_whitespace);
        joined && p.matches(&folded[k])
    })
}

/// A jargon word or phrase found in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JargonHit {
    /// The text as written, e.g. "Erforderliga" or "äger rum".
    pub text: String,
    /// The entry's dictionary form, e.g. "äga rum".
    pub term: String,
    /// Plainer alternatives.
    pub plain: Vec<String>,
    /// Optional advice from the list.
    pub note: Option<String>,
    /// Where it is.
    pub location: Location,
}

/// A sentence with more words than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LongSentence {
    /// From its first word to its closing punctuation.
    pub location: Location,
    /// Number of words (as counted for LIX).
    pub words: usize,
}

/// The result of [`plain_language`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainLanguage {
    /// The limit used: sentences with more words than this are listed.
    pub long_sentence_words: usize,
    /// Sentences longer than the limit, in text order.
    pub long_sentences: Vec<LongSentence>,
    /// Jargon found, in text order.
    pub jargon: Vec<JargonHit>,
}

/// Lists sentences with more than `long_sentence_words` words (sentences and words as for LIX)
/// and the jargon of `jargon` found in `text`. Never panics.
pub fn plain_language(
    text: &str,
    jargon: &JargonList,
    long_sentence_words: usize,
) -> PlainLanguage {
    let ix = Indexed::new(text);
    let long_sentences = split(&ix)
        .into_iter()
        .filter(|s| s.words > long_sentence_words)
        .map(|s| LongSentence {
            location: s.location,
            words: s.words,
        })
        .collect();
    PlainLanguage {
        long_sentence_words,
        long_sentences,
        jargon: jargon.find(&ix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[[entry]]
term = "erforderlig"
forms = ["erforderlig*"]
plain = ["nödvändig"]

[[entry]]
term = "i syfte att"
plain = ["för att"]

[[entry]]
term = "äga rum"
forms = ["äg* rum", "ägde rum"]
plain = ["vara", "hållas"]

[[entry]]
term = "i syfte"
plain = ["för"]
"#;

    fn hits(text: &str) -> Vec<(String, String)> {
        let list = JargonList::from_toml(SMALL).unwrap();
        plain_language(text, &list, DEFAULT_LONG_SENTENCE_WORDS)
            .jargon
            .into_iter()
            .map(|h| {
                assert_eq!(h.location.slice(text), Some(h.text.as_str()));
                (h.text, h.term)
            })
            .collect()
    }

    #[test]
    fn jargon_matches_words_phrases_and_inflections() {
        let got = hits("Erforderliga intyg. Mötet äger\nrum i syfte att informera.");
        assert_eq!(
            got,
            [
                ("Erforderliga".into(), "erforderlig".into()),
                ("äger\nrum".into(), "äga rum".into()),
                ("i syfte att".into(), "i syfte att".into()),
            ]
        );
    }

    #[test]
    fn phrases_do_not_cross_punctuation_and_prefixes_need_the_start() {
        assert_eq!(
            hits("i syfte. Att ej"),
            [("i syfte".to_string(), "i syfte".to_string())]
        );
        assert!(hits("oerforderlig rummet").is_empty());
    }

    #[test]
    fn long_sentences_are_listed_with_locations() {
        let long = (1..=26).map(|i| format!("ord{i}")).collect::<Vec<_>>();
        let text = format!("Kort mening. {}. Slut.", long.join(" "));
        let p = plain_language(&text, &JargonList::default(), 25);
        assert_eq!(p.long_sentences.len(), 1);
        let s = p.long_sentences[0];
        assert_eq!(s.words, 26);
        assert!(s.location.slice(&text).unwrap().starts_with("ord1 "));
        assert!(s.location.slice(&text).unwrap().ends_with("ord26."));
        assert_eq!(s.location.char_offset, "Kort mening. ".chars().count());
        // Exactly at the limit is not long.
        assert!(
            plain_language(&text, &JargonList::default(), 26)
                .long_sentences
                .is_empty()
        );
    }

    #[test]
    fn bad_jargon_entries_are_rejected() {
        let star = "[[entry]]\nterm = \"x\"\nforms = [\"a*b\"]\nplain = [\"y\"]";
        assert!(JargonList::from_toml(star).is_err());
        let no_plain = "[[entry]]\nterm = \"x\"\nplain = []";
        assert!(JargonList::from_toml(no_plain).is_err());
        let empty = "[[entry]]\nterm = \" \"\nplain = [\"y\"]";
        assert!(JargonList::from_toml(empty).is_err());
    }
}
