//! Gender-coded wording: which words in a call are stereotypically masculine or feminine.
//!
//! Research on job advertisements (Gaucher, Friesen & Kay 2011) found that masculine-coded
//! wording makes women find an advert less appealing and less likely to feel they belong, with
//! little effect the other way. A call for grant applications is an advert for money, so the same
//! check applies: it is a prompt for a human to reconsider words, never a verdict.
//!
//! # Rules (following the gender-decoder project, with the differences noted)
//!
//! The reference is gender-decoder (github.com/lovedaybrooke/gender-decoder, MIT licence),
//! `app/models.py`, and its Swedish fork (Muamaidbengt/gender-decoder). There:
//!
//! * the text is split on whitespace and on ``. , “ ” ‘ ’ < > * ? ! " [ ] @ ' : ; ( ) / &`` and
//!   tab, and lower-cased; the Swedish fork first replaces every char above U+00FF by a space;
//! * a word containing a hyphen is split at its hyphens, **unless** it starts with one of the
//!   hyphenated stems ("co-operat", "self-confiden", ...), in which case it stays whole (its tests:
//!   "servant-leader" -> "servant", "leader"; "co-operative" stays one word);
//! * every (word, stem) pair where the word starts with the stem is counted;
//! * `coding_score = feminine_count - masculine_count`, and the result is "empty" if both counts
//!   are 0, "neutral" if they are equal, "strongly feminine-coded" if the score is > 3,
//!   "feminine-coded" if > 0, "strongly masculine-coded" if < -3, else "masculine-coded".
//!   So "strongly" means a difference of **4 or more**; its tests check 3 -> feminine-coded and
//!   4 -> strongly feminine-coded, 4 masculine -> strongly masculine-coded.
//!
//! This module reproduces the hyphen rule and the thresholds exactly ([`Balance::from_counts`]).
//! It differs, on purpose, in:
//!
//! * **Word characters**: a word is a run of Unicode letters (see the tokeniser), so digits and
//!   all symbols separate words and letters beyond Latin-1 (ő, ł, ș) do not split a name.
//! * **One count per word and coding**: a word that begins with two stems of the same list
//!   ("ledare" with "leda" and "ledare", "stödja" with "stöd" and "stödj", "dominant" with
//!   "domina" and "dominant") counts once, reported with the longest stem. gender-decoder counts
//!   it twice, which is an artefact of overlapping stems, not a stronger signal.
//! * **Exclusions**: words beginning with a prefix in the data file's `[exclude]` table are not
//!   coded (e.g. "bestämmelse" is not "bestäm", "ömsesidig" is not "öm", "committee" is not
//!   "commit"). gender-decoder has no such mechanism; the list is this project's and lives in the
//!   data file, not in code.
//! * gender-decoder's loop that splits hyphenated words mutates the list it iterates over, so the
//!   second word of a text is never split; that bug is not reproduced.
//!
//! # Known over-matches that are *not* excluded
//!
//! Prefix matching is deliberately crude. Some matches are the same word used in another sense,
//! and are left for the human reviewer: Swedish "stöd" (a grant, in a call for grants), "beslut"
//! (an administrative decision), "driver" ("driver ett företag", runs a business), "beroende på"
//! (depending on); English "support", "lead applicant", "agreement", "kinds". They show up in
//! almost every call, which is a reason to read the occurrences, not just the balance.

use super::error::ListError;
use super::location::{Indexed, Location};
use super::tokens::{fold, hyphen_parts, letter_words};
use crate::locale::Language;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Path of the bundled word-list file, relative to the crate root.
pub const WORD_LISTS_PATH: &str = "config/wordlists/gender-coded-words.toml";
/// Path of the bundled neutral-alternatives file, relative to the crate root.
pub const ALTERNATIVES_PATH: &str = "config/wordlists/neutral-alternatives.toml";

const BUNDLED_WORD_LISTS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/config/wordlists/gender-coded-words.toml"
));
const BUNDLED_ALTERNATIVES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/config/wordlists/neutral-alternatives.toml"
));

/// Which stereotype a word is coded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Coding {
    /// Stereotypically masculine, e.g. "ambitiös", "competitive".
    Masculine,
    /// Stereotypically feminine, e.g. "samarbete", "supportive".
    Feminine,
}

/// The coded stems of one language, folded to lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LangLists {
    masculine: Vec<String>,
    feminine: Vec<String>,
    exclude: Vec<String>,
    /// Stems containing a hyphen; a hyphenated word starting with one is matched whole.
    hyphenated: Vec<String>,
}

impl LangLists {
    /// Masculine-coded stems.
    pub fn masculine(&self) -> &[String] {
        &self.masculine
    }

    /// Feminine-coded stems.
    pub fn feminine(&self) -> &[String] {
        &self.feminine
    }

    /// Prefixes of words that are never coded, although they begin with a stem.
    pub fn exclude(&self) -> &[String] {
        &self.exclude
    }

    /// The stems of one coding.
    pub fn stems(&self, coding: Coding) -> &[String] {
        match coding {
            Coding::Masculine => &self.masculine,
            Coding::Feminine => &self.feminine,
        }
    }

    /// The longest stem of `coding` that `key` (a folded word) begins with.
    fn longest_stem(&self, key: &str, coding: Coding) -> Option<&str> {
        self.stems(coding)
            .iter()
            .filter(|s| key.starts_with(s.as_str()))
            .max_by_key(|s| s.len())
            .map(String::as_str)
    }
}

/// Gender-coded word stems for every supported language, from
/// `config/wordlists/gender-coded-words.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordLists {
    sv: LangLists,
    en: LangLists,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWordLists {
    sv: RawLang,
    en: RawLang,
    #[serde(default)]
    exclude: RawExclude,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLang {
    masculine: Vec<String>,
    feminine: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExclude {
    #[serde(default)]
    sv: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
}

/// Folds and checks the entries of one list; empty entries would match every word.
fn clean_list(name: &str, entries: Vec<String>) -> Result<Vec<String>, ListError> {
    let mut out: Vec<String> = Vec::with_capacity(entries.len());
    for entry in entries {
        let folded = fold(entry.trim());
        let reason = if !folded.chars().any(char::is_alphabetic) {
            Some("must contain a letter")
        } else if folded.chars().any(char::is_whitespace) {
            Some("must be a single word")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(ListError::Invalid {
                list: name.to_string(),
                entry,
                reason,
            });
        }
        if !out.contains(&folded) {
            out.push(folded);
        }
    }
    Ok(out)
}

fn lang_lists(code: &str, raw: RawLang, exclude: Vec<String>) -> Result<LangLists, ListError> {
    let masculine = clean_list(&format!("{code}.masculine"), raw.masculine)?;
    let feminine = clean_list(&format!("{code}.feminine"), raw.feminine)?;
    let exclude = clean_list(&format!("exclude.{code}"), exclude)?;
    let hyphenated = masculine
        .iter()
        .chain(&feminine)
        .filter(|s| s.contains('-'))
        .cloned()
        .collect();
    Ok(LangLists {
        masculine,
        feminine,
        exclude,
        hyphenated,
    })
}

impl WordLists {
    /// Parses the word-list file: tables `[en]` and `[sv]` with arrays `masculine` and
    /// `feminine`, and an optional table `[exclude]` with arrays `en` and `sv`.
    pub fn from_toml(text: &str) -> Result<Self, ListError> {
        let raw: RawWordLists = toml::from_str(text)?;
        Ok(Self {
            sv: lang_lists("sv", raw.sv, raw.exclude.sv)?,
            en: lang_lists("en", raw.en, raw.exclude.en)?,
        })
    }

    /// The word lists bundled at build time from [`WORD_LISTS_PATH`].
    ///
    /// # Panics
    ///
    /// Only if the bundled file is broken, which the test `bundled_word_lists_parse` rules out.
    pub fn bundled() -> Self {
        Self::from_toml(BUNDLED_WORD_LISTS).expect("bundled gender-coded-words.toml is valid")
    }

    /// The lists of one language.
    pub fn lang(&self, lang: Language) -> &LangLists {
        match lang {
            Language::Sv => &self.sv,
            Language::En => &self.en,
        }
    }
}

/// Suggested neutral alternatives for some coded stems, from
/// `config/wordlists/neutral-alternatives.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Alternatives {
    sv: BTreeMap<String, Vec<String>>,
    en: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlternatives {
    #[serde(default)]
    sv: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    en: BTreeMap<String, Vec<String>>,
}

fn clean_alternatives(
    code: &str,
    raw: BTreeMap<String, Vec<String>>,
) -> Result<BTreeMap<String, Vec<String>>, ListError> {
    let mut out = BTreeMap::new();
    for (stem, words) in raw {
        let words: Vec<String> = words
            .into_iter()
            .map(|w| w.trim().to_string())
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return Err(ListError::Invalid {
                list: format!("alternatives.{code}"),
                entry: stem,
                reason: "needs at least one alternative",
            });
        }
        out.insert(fold(stem.trim()), words);
    }
    Ok(out)
}

impl Alternatives {
    /// Parses the alternatives file: tables `[en]` and `[sv]` mapping a stem (as written in the
    /// word-list file) to an array of suggestions.
    pub fn from_toml(text: &str) -> Result<Self, ListError> {
        let raw: RawAlternatives = toml::from_str(text)?;
        Ok(Self {
            sv: clean_alternatives("sv", raw.sv)?,
            en: clean_alternatives("en", raw.en)?,
        })
    }

    /// The alternatives bundled at build time from [`ALTERNATIVES_PATH`].
    ///
    /// # Panics
    ///
    /// Only if the bundled file is broken, which the test `bundled_alternatives_parse` rules out.
    pub fn bundled() -> Self {
        Self::from_toml(BUNDLED_ALTERNATIVES).expect("bundled neutral-alternatives.toml is valid")
    }

    /// Suggestions for a stem; empty if there are none.
    pub fn for_stem(&self, lang: Language, stem: &str) -> &[String] {
        let map = match lang {
            Language::Sv => &self.sv,
            Language::En => &self.en,
        };
        map.get(&fold(stem)).map_or(&[], Vec::as_slice)
    }

    /// All stems with suggestions, for one language.
    pub fn stems(&self, lang: Language) -> impl Iterator<Item = (&str, &[String])> {
        let map = match lang {
            Language::Sv => &self.sv,
            Language::En => &self.en,
        };
        map.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

/// One coded word in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodedWord {
    /// The word as written (a hyphen part, such as "leader" in "servant-leader", is a word).
    pub word: String,
    /// The stem it matched, in lower case.
    pub stem: String,
    /// Masculine or feminine.
    pub coding: Coding,
    /// Where the word is; `&text[location.byte_range()] == word`.
    pub location: Location,
    /// Suggested neutral alternatives, if the alternatives file has any for the stem.
    pub alternatives: Vec<String>,
}

/// The overall result, on gender-decoder's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Balance {
    /// Feminine-coded words outnumber masculine ones by 4 or more.
    StronglyFeminine,
    /// Feminine-coded words outnumber masculine ones by 1 to 3.
    Feminine,
    /// Equally many of each, and at least one.
    Neutral,
    /// No coded words at all (gender-decoder's "empty").
    Empty,
    /// Masculine-coded words outnumber feminine ones by 1 to 3.
    Masculine,
    /// Masculine-coded words outnumber feminine ones by 4 or more.
    StronglyMasculine,
}

impl Balance {
    /// gender-decoder's rule: `score = feminine - masculine`; "strongly" beyond ±3.
    pub fn from_counts(feminine: usize, masculine: usize) -> Self {
        match score(feminine, masculine) {
            0 if feminine == 0 => Self::Empty,
            0 => Self::Neutral,
            s if s > 3 => Self::StronglyFeminine,
            s if s > 0 => Self::Feminine,
            s if s < -3 => Self::StronglyMasculine,
            _ => Self::Masculine,
        }
    }

    /// gender-decoder's own label, e.g. "strongly masculine-coded".
    pub fn label_en(self) -> &'static str {
        match self {
            Self::StronglyFeminine => "strongly feminine-coded",
            Self::Feminine => "feminine-coded",
            Self::Neutral => "neutral",
            Self::Empty => "empty",
            Self::Masculine => "masculine-coded",
            Self::StronglyMasculine => "strongly masculine-coded",
        }
    }

    /// A Swedish label for the UI.
    pub fn label_sv(self) -> &'static str {
        match self {
            Self::StronglyFeminine => "starkt feminint kodad",
            Self::Feminine => "feminint kodad",
            Self::Neutral => "neutral",
            Self::Empty => "inga kodade ord",
            Self::Masculine => "maskulint kodad",
            Self::StronglyMasculine => "starkt maskulint kodad",
        }
    }
}

/// `feminine - masculine`, saturating (counts are bounded by the text length anyway).
fn score(feminine: usize, masculine: usize) -> i64 {
    let f = i64::try_from(feminine).unwrap_or(i64::MAX);
    let m = i64::try_from(masculine).unwrap_or(i64::MAX);
    f.saturating_sub(m)
}

/// The result of [`analyse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WordingAnalysis {
    /// The language whose list was used.
    pub lang: Language,
    /// Every coded word, in text order (masculine before feminine for the same word).
    pub occurrences: Vec<CodedWord>,
    /// Number of masculine-coded words.
    pub masculine_count: usize,
    /// Number of feminine-coded words.
    pub feminine_count: usize,
    /// `feminine_count - masculine_count`, gender-decoder's `coding_score`: negative leans
    /// masculine, positive leans feminine.
    pub score: i64,
    /// The score on gender-decoder's scale.
    pub balance: Balance,
}

/// Finds the gender-coded words of `text` using the list for `lang`.
///
/// A stem matches any word that begins with it, ignoring case. Never panics.
pub fn analyse(
    text: &str,
    lang: Language,
    lists: &WordLists,
    alternatives: Option<&Alternatives>,
) -> WordingAnalysis {
    let ix = Indexed::new(text);
    let list = lists.lang(lang);
    let mut occurrences = Vec::new();
    for tok in letter_words(&ix) {
        let whole = fold(ix.slice(tok.start, tok.end));
        // gender-decoder's hyphen rule: keep the word whole only if it begins with a
        // hyphenated stem, otherwise match each part on its own.
        let units = if whole.contains('-') && !list.hyphenated.iter().any(|s| whole.starts_with(s))
        {
            hyphen_parts(&ix, tok)
        } else {
            vec![tok]
        };
        for unit in units {
            let written = ix.slice(unit.start, unit.end);
            let key = fold(written);
            if list.exclude.iter().any(|e| key.starts_with(e.as_str())) {
                continue;
            }
            for coding in [Coding::Masculine, Coding::Feminine] {
                if let Some(stem) = list.longest_stem(&key, coding) {
                    occurrences.push(CodedWord {
                        word: written.to_string(),
                        stem: stem.to_string(),
                        coding,
                        location: ix.location(unit.start, unit.end),
                        alternatives: alternatives
                            .map(|a| a.for_stem(lang, stem).to_vec())
                            .unwrap_or_default(),
                    });
                }
            }
        }
    }
    let masculine_count = occurrences
        .iter()
        .filter(|o| o.coding == Coding::Masculine)
        .count();
    let feminine_count = occurrences.len() - masculine_count;
    WordingAnalysis {
        lang,
        occurrences,
        masculine_count,
        feminine_count,
        score: score(feminine_count, masculine_count),
        balance: Balance::from_counts(feminine_count, masculine_count),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[en]
masculine = ["lead", "self-confiden", "domina", "dominant", "compet"]
feminine = ["support", "co-operat", "share", "sharin", "commit"]
[sv]
masculine = ["leda", "ledare", "åsikt", "bestäm", "driv"]
feminine = ["stöd", "stödj", "öm", "ärlig", "barn"]
[exclude]
sv = ["ömse", "bestämmelse"]
en = ["committee"]
"#;

    fn small() -> WordLists {
        WordLists::from_toml(SMALL).unwrap()
    }

    fn found(text: &str, lang: Language) -> Vec<(String, &'static str)> {
        analyse(text, lang, &small(), None)
            .occurrences
            .into_iter()
            .map(|o| {
                let c = match o.coding {
                    Coding::Masculine => "m",
                    Coding::Feminine => "f",
                };
                (o.word, c)
            })
            .collect()
    }

    fn words(v: &[(String, &str)]) -> Vec<String> {
        v.iter().map(|(w, _)| w.clone()).collect()
    }

    #[test]
    fn stems_match_prefixes_only_not_inside_words() {
        // "barnomsorg" begins with "barn" (intended); "skolbarn" and "projektledare" contain a
        // stem but do not begin with one, so they are not coded.
        let got = found(
            "Barnomsorg för skolbarn. Projektledare och ledare.",
            Language::Sv,
        );
        assert_eq!(words(&got), ["Barnomsorg", "ledare"]);
    }

    #[test]
    fn matching_ignores_case_including_swedish_letters() {
        let got = found("ÅSIKTER, Ärlighet och ÖMHET. åsikt", Language::Sv);
        assert_eq!(
            got,
            [
                ("ÅSIKTER".to_string(), "m"),
                ("Ärlighet".to_string(), "f"),
                ("ÖMHET".to_string(), "f"),
                ("åsikt".to_string(), "m"),
            ]
        );
    }

    #[test]
    fn hyphenated_words_follow_gender_decoder() {
        // Split unless the word begins with a hyphenated stem (gender-decoder's own test case).
        let got = found(
            "Sharing, co-operative, 'servant-leader', self-confident",
            Language::En,
        );
        assert_eq!(
            words(&got),
            ["Sharing", "co-operative", "leader", "self-confident"]
        );
        // Swedish has no hyphenated stems: "EU-stöd" is split and its part "stöd" is coded.
        let sv = analyse("EU-stöd", Language::Sv, &small(), None);
        assert_eq!(sv.occurrences[0].word, "stöd");
        assert_eq!(sv.occurrences[0].location.char_offset, 3);
    }

    #[test]
    fn overlapping_stems_count_once_with_the_longest_stem() {
        let a = analyse("ledare stödja dominant", Language::Sv, &small(), None);
        let stems: Vec<&str> = a.occurrences.iter().map(|o| o.stem.as_str()).collect();
        assert_eq!(stems, ["ledare", "stödj"]);
        let en = analyse("dominant", Language::En, &small(), None);
        assert_eq!(en.masculine_count, 1);
        assert_eq!(en.occurrences[0].stem, "dominant");
    }

    #[test]
    fn exclusions_from_the_data_file_apply() {
        let got = found(
            "ömsesidig öm bestämmelserna bestämd kommittén committee committed",
            Language::Sv,
        );
        assert_eq!(words(&got), ["öm", "bestämd"]);
        let en = found("committee committed", Language::En);
        assert_eq!(words(&en), ["committed"]);
    }

    #[test]
    fn offsets_point_at_the_word() {
        let text = "Rubrik\r\nVi söker en 🚀 driven ledare för EU-stöd.\nÄrlig? Ja.";
        let a = analyse(text, Language::Sv, &small(), None);
        assert_eq!(a.occurrences.len(), 4);
        for o in &a.occurrences {
            let b = o.location.byte_offset;
            assert_eq!(&text[b..b + o.word.len()], o.word);
            assert_eq!(o.location.slice(text), Some(o.word.as_str()));
            let by_chars: String = text
                .chars()
                .skip(o.location.char_offset)
                .take(o.location.char_len)
                .collect();
            assert_eq!(by_chars, o.word);
        }
        let ärlig = &a.occurrences[3];
        assert_eq!(
            (
                ärlig.word.as_str(),
                ärlig.location.line,
                ärlig.location.column
            ),
            ("Ärlig", 3, 1)
        );
        let driven = &a.occurrences[0];
        assert_eq!((driven.location.line, driven.location.column), (2, 15));
    }

    #[test]
    fn balance_reproduces_gender_decoder_thresholds() {
        use Balance::*;
        let cases = [
            ((0, 0), Empty),
            ((2, 2), Neutral),
            ((1, 0), Feminine),
            ((3, 0), Feminine),
            ((4, 0), StronglyFeminine),
            ((6, 2), StronglyFeminine),
            ((3, 2), Feminine),
            ((2, 3), Masculine),
            ((0, 3), Masculine),
            ((0, 4), StronglyMasculine),
            ((2, 6), StronglyMasculine),
        ];
        for ((f, m), want) in cases {
            assert_eq!(Balance::from_counts(f, m), want, "f={f} m={m}");
        }
        assert_eq!(StronglyMasculine.label_en(), "strongly masculine-coded");
    }

    #[test]
    fn score_and_counts_are_consistent() {
        let a = analyse(
            "ledare ledare leda åsikt stöd",
            Language::Sv,
            &small(),
            None,
        );
        assert_eq!((a.masculine_count, a.feminine_count, a.score), (4, 1, -3));
        assert_eq!(a.balance, Balance::Masculine);
    }

    #[test]
    fn alternatives_are_attached_per_occurrence() {
        let alts = Alternatives::from_toml("[sv]\n\"leda\" = [\"samordna\"]\n").unwrap();
        let a = analyse("leda ledare", Language::Sv, &small(), Some(&alts));
        assert_eq!(a.occurrences[0].alternatives, ["samordna"]);
        assert!(a.occurrences[1].alternatives.is_empty());
    }

    #[test]
    fn bad_lists_are_rejected() {
        let empty_stem =
            "[en]\nmasculine = [\"\"]\nfeminine = []\n[sv]\nmasculine = []\nfeminine = []";
        assert!(matches!(
            WordLists::from_toml(empty_stem),
            Err(ListError::Invalid { .. })
        ));
        assert!(matches!(
            WordLists::from_toml("[en]\nmasculine = 1"),
            Err(ListError::Toml(_))
        ));
        assert!(Alternatives::from_toml("[sv]\nx = []").is_err());
    }

    #[test]
    fn lang_codes_round_trip() {
        for lang in [Language::Sv, Language::En] {
            assert_eq!(Language::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Language::from_code(" SV "), Some(Language::Sv));
        assert_eq!(Language::from_code("de"), None);
    }
}
