//! LIX, läsbarhetsindex (Björnsson 1968): the usual Swedish readability measure.
//!
//! `LIX = words / sentences + 100 * long_words / words`, the average sentence length plus the
//! percentage of long words (more than 6 letters). Words and sentences are defined in
//! [`super::sentences`]. LIX says nothing about content or structure; it is one signal that a
//! call may be hard to read, which matters because Språklagen 11 § requires public texts to be
//! "vårdat, enkelt och begripligt".

use super::location::Indexed;
use super::sentences::split;
use serde::{Deserialize, Serialize};

/// Where a LIX score falls on the Swedish scale.
///
/// Björnsson's reference values are about 20 for children's books, 30 fiction, 40 newspapers,
/// 50 official texts and 60 bureaucratic Swedish; the bands here are centred on them, with cut
/// points at 25, 35, 45 and 55. (lix.se instead cuts at 30, 40, 50 and 60, labelling e.g. 50-60
/// "svår, normalt värde för officiella texter"; the labels are the same, the cut points differ.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LixBand {
    /// Below 25: children's books.
    VeryEasy,
    /// 25 to below 35: fiction, popular magazines.
    Easy,
    /// 35 to below 45: newspapers.
    Medium,
    /// 45 to below 55: typical of official texts.
    Difficult,
    /// 55 and above: bureaucratic Swedish.
    VeryDifficult,
}

impl LixBand {
    /// The band of a score.
    pub fn from_score(score: f64) -> Self {
        if score < 25.0 {
            Self::VeryEasy
        } else if score < 35.0 {
            Self::Easy
        } else if score < 45.0 {
            Self::Medium
        } else if score < 55.0 {
            Self::Difficult
        } else {
            Self::VeryDifficult
        }
    }

    /// Swedish label, e.g. "svår (typiskt för officiella texter)".
    pub fn label_sv(self) -> &'static str {
        match self {
            Self::VeryEasy => "mycket lättläst (barnböcker)",
            Self::Easy => "lättläst (skönlitteratur, populärtidningar)",
            Self::Medium => "medelsvår (normal tidningstext)",
            Self::Difficult => "svår (typiskt för officiella texter)",
            Self::VeryDifficult => "mycket svår (byråkratsvenska)",
        }
    }

    /// English label, e.g. "difficult (typical of official texts)".
    pub fn label_en(self) -> &'static str {
        match self {
            Self::VeryEasy => "very easy (children's books)",
            Self::Easy => "easy (fiction, popular magazines)",
            Self::Medium => "medium (newspapers)",
            Self::Difficult => "difficult (typical of official texts)",
            Self::VeryDifficult => "very difficult (bureaucratic Swedish)",
        }
    }
}

/// The LIX of a text, with the counts it was computed from so a reviewer can check it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lix {
    /// `words / sentences + 100 * long_words / words`; finite and non-negative.
    pub score: f64,
    /// Number of words.
    pub words: usize,
    /// Number of sentences.
    pub sentences: usize,
    /// Number of words with more than 6 letters.
    pub long_words: usize,
    /// The band of `score`.
    pub band: LixBand,
}

/// LIX of `text`, or `None` if it has no words (LIX is undefined then, so no NaN or 0 is
/// invented). Never panics.
pub fn lix(text: &str) -> Option<Lix> {
    let sentences = split(&Indexed::new(text));
    let words: usize = sentences.iter().map(|s| s.words).sum();
    let long_words: usize = sentences.iter().map(|s| s.long_words).sum();
    from_counts(words, sentences.len(), long_words)
}

/// LIX from counts; `None` if there are no words or no sentences.
pub fn from_counts(words: usize, sentences: usize, long_words: usize) -> Option<Lix> {
    if words == 0 || sentences == 0 {
        return None;
    }
    // Counts of a text fit f64's 53-bit mantissa exactly.
    let (w, s, l) = (words as f64, sentences as f64, long_words as f64);
    let score = w / s + 100.0 * l / w;
    Some(Lix {
        score,
        words,
        sentences,
        long_words,
        band: LixBand::from_score(score),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_wordless_text_has_no_lix() {
        assert_eq!(lix(""), None);
        assert_eq!(lix("   \n\t "), None);
        assert_eq!(lix("?!.,;:—…"), None);
        assert_eq!(lix("🚀🎉👍🏽"), None);
        assert_eq!(from_counts(0, 0, 0), None);
    }

    #[test]
    fn small_text_by_hand() {
        // "Vi söker företag." 3 words, 1 long ("företag", 7 letters).
        // "Ansök senast i morgon!" 4 words, 0 long ("senast" and "morgon" have 6).
        // LIX = 7/2 + 100*1/7 = 3.5 + 14.2857... = 17.857...
        let l = lix("Vi söker företag. Ansök senast i morgon!").unwrap();
        assert_eq!((l.words, l.sentences, l.long_words), (7, 2, 1));
        assert!((l.score - (3.5 + 100.0 / 7.0)).abs() < 1e-9);
        assert_eq!(l.band, LixBand::VeryEasy);
    }

    #[test]
    fn bands_use_the_swedish_scale() {
        assert_eq!(LixBand::from_score(24.99), LixBand::VeryEasy);
        assert_eq!(LixBand::from_score(25.0), LixBand::Easy);
        assert_eq!(LixBand::from_score(34.9), LixBand::Easy);
        assert_eq!(LixBand::from_score(35.0), LixBand::Medium);
        assert_eq!(LixBand::from_score(45.0), LixBand::Difficult);
        assert_eq!(LixBand::from_score(54.99), LixBand::Difficult);
        assert_eq!(LixBand::from_score(55.0), LixBand::VeryDifficult);
        assert_eq!(
            LixBand::Difficult.label_sv(),
            "svår (typiskt för officiella texter)"
        );
    }
}
