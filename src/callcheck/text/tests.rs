//! Tests across the modules: the bundled data, realistic calls computed by hand, odd input.
//!
//! The expected numbers for the two realistic calls were computed by hand, sentence by sentence
//! and word by word, in `fixtures/utlysning-sv.hand.md` and `fixtures/call-en.hand.md`.

use super::lix::{LixBand, lix};
use super::plain::{DEFAULT_LONG_SENTENCE_WORDS, JargonList, plain_language};
use super::sentences::sentences;
use super::wording::{Alternatives, Balance, Coding, WordLists, analyse};
use crate::locale::Language;

const SV_CALL: &str = include_str!("fixtures/utlysning-sv.txt");
const EN_CALL: &str = include_str!("fixtures/call-en.txt");

fn coded(text: &str, lang: Language, coding: Coding) -> Vec<String> {
    analyse(text, lang, &WordLists::bundled(), None)
        .occurrences
        .into_iter()
        .filter(|o| o.coding == coding)
        .map(|o| o.word)
        .collect()
}

#[test]
fn bundled_word_lists_parse() {
    let lists = WordLists::bundled();
    // The counts of the shared data file (duplicates already removed there).
    assert_eq!(lists.lang(Language::En).masculine().len(), 52);
    assert_eq!(lists.lang(Language::En).feminine().len(), 50);
    assert_eq!(lists.lang(Language::Sv).masculine().len(), 46);
    assert_eq!(lists.lang(Language::Sv).feminine().len(), 47);
    assert!(
        lists
            .lang(Language::Sv)
            .exclude()
            .contains(&"bestämmelse".to_string())
    );
}

#[test]
fn bundled_alternatives_parse_and_are_neutral() {
    let lists = WordLists::bundled();
    let alts = Alternatives::bundled();
    for lang in [Language::Sv, Language::En] {
        let list = lists.lang(lang);
        let mut n = 0;
        for (stem, words) in alts.stems(lang) {
            n += 1;
            let known = list
                .masculine()
                .iter()
                .chain(list.feminine())
                .any(|s| s == stem);
            assert!(known, "{lang:?} alternative key {stem:?} is not a stem");
            for w in words {
                let a = analyse(w, lang, &lists, None);
                assert!(
                    a.occurrences.is_empty(),
                    "{lang:?} alternative {w:?} for {stem:?} is itself coded: {:?}",
                    a.occurrences
                );
            }
        }
        assert!(n > 20);
    }
    assert_eq!(
        alts.for_stem(Language::En, "driven"),
        ["engaged", "motivated"]
    );
    assert_eq!(alts.for_stem(Language::Sv, "KRAFT")[0], "styrka");
}

#[test]
fn bundled_jargon_parses() {
    let j = JargonList::bundled();
    assert!(j.entries().len() >= 40);
    assert!(j.entries().iter().any(|e| e.term == "föreligga"));
}

// ---------------------------------------------------------------------------------------------
// The realistic Swedish call (fixtures/utlysning-sv.txt, hand computation in
// fixtures/utlysning-sv.hand.md).

#[test]
fn swedish_call_lix_matches_the_hand_computation() {
    let l = lix(SV_CALL).unwrap();
    assert_eq!(l.words, 244);
    assert_eq!(l.sentences, 23);
    assert_eq!(l.long_words, 71);
    assert!((l.score - (244.0 / 23.0 + 7100.0 / 244.0)).abs() < 1e-9);
    assert!((l.score - 39.71).abs() < 0.005);
    assert_eq!(l.band, LixBand::Medium);
}

#[test]
fn swedish_call_sentence_lengths_match_the_hand_computation() {
    let words: Vec<usize> = sentences(SV_CALL).iter().map(|s| s.words).collect();
    assert_eq!(
        words,
        [
            2, 9, 12, 13, 3, 16, 16, 13, 5, 11, 12, 12, 15, 4, 5, 3, 9, 14, 39, 9, 12, 3, 7
        ]
    );
    let long: Vec<usize> = sentences(SV_CALL).iter().map(|s| s.long_words).collect();
    assert_eq!(
        long,
        [
            1, 3, 5, 6, 0, 3, 1, 3, 2, 6, 3, 2, 3, 1, 2, 1, 2, 3, 12, 5, 5, 0, 2
        ]
    );
}

#[test]
fn swedish_call_wording_matches_the_hand_computation() {
    let a = analyse(
        SV_CALL,
        Language::Sv,
        &WordLists::bundled(),
        Some(&Alternatives::bundled()),
    );
    assert_eq!(
        coded(SV_CALL, Language::Sv, Coding::Masculine),
        [
            "driver",
            "driven",
            "självständig",
            "ledare",
            "beslut",
            "utmaningar"
        ]
    );
    assert_eq!(
        coded(SV_CALL, Language::Sv, Coding::Feminine),
        [
            "stöd",
            "kvinnor",
            "samarbeta",
            "Stödet",
            "stöd",
            "stöd",
            "stöd",
            "social"
        ]
    );
    assert_eq!((a.masculine_count, a.feminine_count, a.score), (6, 8, 2));
    assert_eq!(a.balance, Balance::Feminine);
    let ledare = a.occurrences.iter().find(|o| o.word == "ledare").unwrap();
    assert_eq!(ledare.stem, "ledare");
    assert_eq!(ledare.alternatives, ["chef", "samordnare"]);
    for o in &a.occurrences {
        let b = o.location.byte_offset;
        assert_eq!(&SV_CALL[b..b + o.word.len()], o.word);
    }
}

#[test]
fn swedish_call_plain_language_matches_the_hand_computation() {
    let p = plain_language(SV_CALL, &JargonList::bundled(), DEFAULT_LONG_SENTENCE_WORDS);
    assert_eq!(p.long_sentences.len(), 1);
    let long = p.long_sentences[0];
    assert_eq!(long.words, 39);
    assert_eq!((long.location.line, long.location.column), (16, 1));
    let s = long.location.slice(SV_CALL).unwrap();
    assert!(s.starts_with("Om ditt företag") && s.ends_with("rättvis prövning."));

    let found: Vec<&str> = p.jargon.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(
        found,
        [
            "Bifoga",
            "erforderliga",
            "inkommit",
            "äger rum",
            "i syfte att",
            "tillhandahålla",
            "föreligger"
        ]
    );
    let bifoga = &p.jargon[0];
    assert_eq!((bifoga.location.line, bifoga.location.column), (13, 3));
    assert_eq!(bifoga.plain, ["skicka med"]);
    for h in &p.jargon {
        assert_eq!(h.location.slice(SV_CALL), Some(h.text.as_str()));
    }
}

// ---------------------------------------------------------------------------------------------
// The realistic English call (fixtures/call-en.txt, hand computation in fixtures/call-en.hand.md).

#[test]
fn english_call_lix_matches_the_hand_computation() {
    let l = lix(EN_CALL).unwrap();
    assert_eq!((l.words, l.sentences, l.long_words), (216, 21, 50));
    assert!((l.score - (216.0 / 21.0 + 5000.0 / 216.0)).abs() < 1e-9);
    assert!((l.score - 33.43).abs() < 0.005);
    assert_eq!(l.band, LixBand::Easy);
}

#[test]
fn english_call_wording_matches_the_hand_computation() {
    assert_eq!(
        coded(EN_CALL, Language::En, Coding::Masculine),
        [
            "driven",
            "independent",
            "leaders",
            "confident",
            "decisive",
            "analysis"
        ]
    );
    assert_eq!(
        coded(EN_CALL, Language::En, Coding::Feminine),
        ["collaborate", "share", "support"]
    );
    let a = analyse(EN_CALL, Language::En, &WordLists::bundled(), None);
    assert_eq!(a.score, -3);
    assert_eq!(a.balance, Balance::Masculine);
    let p = plain_language(EN_CALL, &JargonList::bundled(), DEFAULT_LONG_SENTENCE_WORDS);
    assert!(p.long_sentences.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Odd input: nothing may panic, LIX must be None rather than NaN.

#[test]
fn odd_input_never_panics() {
    let lists = WordLists::bundled();
    let alts = Alternatives::bundled();
    let jargon = JargonList::bundled();
    let inputs = [
        "",
        " ",
        "\n\n\r\n",
        ".",
        "...!?:;,",
        "- - - • • *",
        "🚀🎉👍🏽👨‍👩‍👧",
        "Ärlig 🚀 ledare👍🏽stöd",
        "o\u{0308}m o\u{0308}dmjuk A\u{030A}SIKT",
        "\u{0308}\u{0301} \u{200B}\u{FEFF}",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ΑΒΓ Привет 你好。世界！",
        "İstanbul ǅemal ß ﬁnans",
        "a-",
        "-a",
        "a--b",
        "t.ex.",
        "m.m.",
        "3,5.",
        "2018.",
        "\r",
        "x\u{2028}y\u{2029}z",
        "\0\u{7}\u{1b}[31m",
    ];
    for text in inputs {
        let a = analyse(text, Language::Sv, &lists, Some(&alts));
        for o in &a.occurrences {
            assert_eq!(o.location.slice(text), Some(o.word.as_str()), "{text:?}");
        }
        let _ = analyse(text, Language::En, &lists, None);
        if let Some(l) = lix(text) {
            assert!(l.score.is_finite() && l.score >= 0.0, "{text:?}");
            assert!(l.sentences >= 1 && l.words >= l.sentences, "{text:?}");
        }
        let p = plain_language(text, &jargon, 0);
        for s in &p.long_sentences {
            assert!(s.location.slice(text).is_some(), "{text:?}");
        }
        for s in sentences(text) {
            assert!(s.location.slice(text).is_some(), "{text:?}");
        }
    }
}

#[test]
fn wordless_text_has_no_lix() {
    for text in ["", "   ", "...", "🚀🎉", "- • *", "\u{0308}"] {
        assert_eq!(lix(text), None, "{text:?}");
    }
}

#[test]
fn decomposed_swedish_letters_still_match() {
    let a = analyse(
        "o\u{0308}dmjuk A\u{030A}SIKT",
        Language::Sv,
        &WordLists::bundled(),
        None,
    );
    let stems: Vec<&str> = a.occurrences.iter().map(|o| o.stem.as_str()).collect();
    assert_eq!(stems, ["ödmjuk", "åsikt"]);
    assert_eq!(a.occurrences[1].word, "A\u{030A}SIKT");
}

#[test]
fn results_serialise_to_json() {
    let a = analyse("driven ledare", Language::Sv, &WordLists::bundled(), None);
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["balance"], "masculine");
    assert_eq!(json["occurrences"][0]["coding"], "masculine");
    assert_eq!(json["occurrences"][0]["location"]["byteOffset"], 0);
    let l = serde_json::to_value(lix("Hej på dig.").unwrap()).unwrap();
    assert_eq!(l["band"], "very_easy");
}

#[test]
fn random_text_never_panics() {
    // A small deterministic generator (no extra dependency): texts from a palette of the
    // characters the rules care about, plus multi-byte and zero-width ones.
    const PALETTE: &[char] = &[
        'a',
        'ö',
        'Å',
        'é',
        'L',
        's',
        't',
        'e',
        'x',
        '1',
        '9',
        '.',
        ',',
        ':',
        '?',
        '!',
        '-',
        '\u{2010}',
        '–',
        '\'',
        '’',
        ' ',
        '\n',
        '\r',
        '\t',
        '•',
        '*',
        '…',
        '\u{0308}',
        '\u{200B}',
        '🚀',
        '👍',
        '\u{1F3FD}',
        '\u{200D}',
        '你',
        '。',
        '\u{2028}',
        '"',
        '(',
        ')',
    ];
    let lists = WordLists::bundled();
    let jargon = JargonList::bundled();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    for _ in 0..2000 {
        let len = usize::try_from(next() % 60).unwrap_or(0);
        let text: String = (0..len)
            .map(|_| PALETTE[usize::try_from(next()).unwrap_or(0) % PALETTE.len()])
            .collect();
        let a = analyse(&text, Language::Sv, &lists, None);
        for o in &a.occurrences {
            assert_eq!(o.location.slice(&text), Some(o.word.as_str()), "{text:?}");
        }
        if let Some(l) = lix(&text) {
            assert!(l.score.is_finite(), "{text:?}");
        }
        let p = plain_language(&text, &jargon, 3);
        for s in &p.long_sentences {
            assert!(s.location.slice(&text).is_some(), "{text:?}");
        }
    }
}

#[test]
fn one_huge_word_is_linear_not_quadratic() {
    // Guards against accidental O(n^2) work per word (e.g. re-scanning the folded prefix).
    let text = format!("öm{}", "ö".repeat(200_000));
    let a = analyse(&text, Language::Sv, &WordLists::bundled(), None);
    assert_eq!(a.occurrences.len(), 1);
    assert_eq!(a.occurrences[0].location.char_len, 200_002);
    assert_eq!(lix(&text).map(|l| (l.words, l.long_words)), Some((1, 1)));
}
