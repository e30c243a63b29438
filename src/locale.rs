//! The language of everything written for people, and the Swedish and English forms of numbers,
//! money and percentages. The bottom layer: explanations, reports and call checks all write
//! their figures with these functions, so one figure reads the same everywhere.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codes;

// Also the language of the call texts the call check reads; the doc line below is the type's
// description in the API document, so it stays as it was.
/// The language of explanations and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Sv,
    En,
}

impl Language {
    /// Picks the Swedish or the English text.
    pub fn pick<'a>(self, sv: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::Sv => sv,
            Language::En => en,
        }
    }

    /// The ISO 639-1 code ("sv", "en"), which is the serde name.
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    /// Parses an ISO 639-1 code, ignoring case and surrounding spaces (" SV " is Swedish), as
    /// people type it; `None` for other languages.
    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(&code.trim().to_ascii_lowercase())
    }
}

/// An amount in kronor, rounded to a whole, digits grouped: "1 234 567 kr" / "SEK 1,234,567".
pub fn sek(lang: Language, amount: f64) -> String {
    let grouped = whole(lang, amount);
    match lang {
        Language::Sv => format!("{grouped}\u{a0}kr"),
        Language::En => grouped.strip_prefix('-').map_or_else(
            || format!("SEK\u{a0}{grouped}"),
            |g| format!("-SEK\u{a0}{g}"),
        ),
    }
}

/// An amount in kronor, rounded to a whole, with no digit grouping and ordinary spaces:
/// "1234567 kr" / "SEK 1234567". The form of the call check's reasons, which stored checks keep
/// byte for byte.
pub fn sek_ungrouped(lang: Language, amount: f64) -> String {
    match lang {
        Language::Sv => format!("{amount:.0} kr"),
        Language::En => format!("SEK {amount:.0}"),
    }
}

/// A number rounded to a whole, digits grouped: "1 234 567" / "1,234,567".
pub fn whole(lang: Language, x: f64) -> String {
    let rounded = x.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(match lang {
                Language::Sv => '\u{a0}',
                Language::En => ',',
            });
        }
        grouped.push(c);
    }
    let sign = if rounded < 0 { "-" } else { "" };
    format!("{sign}{grouped}")
}

/// A number with fixed decimals and no digit grouping, with a decimal comma in Swedish.
pub fn number(lang: Language, x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    match lang {
        Language::Sv => text.replace('.', ","),
        Language::En => text,
    }
}

/// A share as a percentage with one decimal: "31,5 %" / "31.5%".
pub fn percent(lang: Language, share: f64) -> String {
    number(lang, share * 100.0, 1) + lang.pick("\u{a0}%", "%")
}

/// A share as a percentage with one decimal only when it is not whole: "50 %" / "50%",
/// "12,5 %" / "12.5%".
pub fn percent_compact(lang: Language, share: f64) -> String {
    let pct = share * 100.0;
    let decimals = if (pct - pct.round()).abs() < 1e-9 {
        0
    } else {
        1
    };
    number(lang, pct, decimals) + lang.pick("\u{a0}%", "%")
}

/// A share as a whole percentage with an ordinary space, the same in both languages ("32 %"):
/// the form of the call check's reasons, which stored checks keep byte for byte.
pub fn percent_rounded(share: f64) -> String {
    format!("{:.0} %", share * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_are_the_serde_names_read_leniently() {
        assert_eq!(Language::Sv.code(), "sv");
        assert_eq!(Language::En.code(), "en");
        assert_eq!(Language::from_code(" EN "), Some(Language::En));
        assert_eq!(Language::from_code("de"), None);
        assert_eq!(Language::default(), Language::Sv);
    }

    #[test]
    fn money_and_numbers_read_locally() {
        assert_eq!(
            sek(Language::Sv, 1_234_567.4),
            "1\u{a0}234\u{a0}567\u{a0}kr"
        );
        assert_eq!(sek(Language::En, -1000.0), "-SEK\u{a0}1,000");
        assert_eq!(sek_ungrouped(Language::Sv, 1_234_567.4), "1234567 kr");
        assert_eq!(sek_ungrouped(Language::En, 1_234_567.4), "SEK 1234567");
        assert_eq!(whole(Language::En, 999.5), "1,000");
        assert_eq!(number(Language::Sv, 0.126, 2), "0,13");
        assert_eq!(number(Language::En, 1234.5, 1), "1234.5");
    }

    #[test]
    fn percentages_in_each_form() {
        assert_eq!(percent(Language::Sv, 0.315), "31,5\u{a0}%");
        assert_eq!(percent(Language::En, 0.315), "31.5%");
        assert_eq!(percent_compact(Language::Sv, 0.5), "50\u{a0}%");
        assert_eq!(percent_compact(Language::En, 0.125), "12.5%");
        assert_eq!(percent_rounded(0.316), "32 %");
    }
}
