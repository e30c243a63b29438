//! Money: integer öre inside, a decimal string with two places and a currency at the API.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// The only currency accepted: every programme in scope pays out Swedish kronor, and sums over
/// mixed currencies would be wrong without exchange rates.
pub const SEK: &str = "SEK";
/// Ten billion kronor: far above any grant, far below i64 overflow when summed.
const MAX_ORE: i64 = 1_000_000_000_000;

/// A non-negative amount in öre (1/100 SEK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ore(pub i64);

impl Ore {
    /// Parses a decimal string with at most two decimals ("250000", "250000.5", "250000.50").
    /// `decimal_comma` also accepts the Swedish spreadsheet form "250 000,50".
    pub fn parse(text: &str, decimal_comma: bool) -> Result<Ore, String> {
        let trimmed = text.trim();
        let normalised: String = if decimal_comma {
            trimmed
                .chars()
                .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
                .map(|c| if c == ',' { '.' } else { c })
                .collect()
        } else {
            trimmed.to_owned()
        };
        let well_formed = !normalised.is_empty()
            && normalised.split_once('.').map_or(
                normalised.chars().all(|c| c.is_ascii_digit()),
                |(i, f)| {
                    !i.is_empty()
                        && i.chars().all(|c| c.is_ascii_digit())
                        && f.chars().all(|c| c.is_ascii_digit())
                },
            );
        if !well_formed {
            return Err(format!(
                "must be a non-negative decimal amount such as \"250000.00\", got {text:?}"
            ));
        }
        let value =
            Decimal::from_str(&normalised).map_err(|_| "is not a valid amount".to_owned())?;
        if value.scale() > 2 && value.normalize().scale() > 2 {
            return Err("must have at most two decimals".into());
        }
        let ore = (value * Decimal::ONE_HUNDRED)
            .to_i64()
            .filter(|o| *o <= MAX_ORE)
            .ok_or_else(|| "is too large".to_owned())?;
        Ok(Ore(ore))
    }

    /// "250000.00"
    pub fn to_decimal_string(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }

    pub fn as_sek(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

/// An amount as the API carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoneyDto {
    /// Decimal string with at most two decimals; responses always carry two.
    #[schema(example = "250000.00")]
    #[validate(custom(function = "validate_amount"))]
    pub amount: String,
    /// ISO 4217 code; only SEK is accepted.
    #[serde(default = "default_currency")]
    #[schema(example = "SEK")]
    #[validate(custom(function = "validate_currency"))]
    pub currency: String,
}

fn default_currency() -> String {
    SEK.to_owned()
}

fn validate_amount(amount: &str) -> Result<(), validator::ValidationError> {
    Ore::parse(amount, false)
        .map(|_| ())
        .map_err(|m| validator::ValidationError::new("amount").with_message(m.into()))
}

fn validate_currency(currency: &str) -> Result<(), validator::ValidationError> {
    if currency == SEK {
        Ok(())
    } else {
        Err(validator::ValidationError::new("currency")
            .with_message(format!("only SEK is supported, got {currency:?}").into()))
    }
}

impl MoneyDto {
    pub fn sek(ore: Ore) -> Self {
        Self {
            amount: ore.to_decimal_string(),
            currency: SEK.to_owned(),
        }
    }

    /// The amount in öre; callers validate first, so this only fails on unvalidated input.
    pub fn ore(&self) -> Result<Ore, String> {
        Ore::parse(&self.amount, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_api_amounts() {
        assert_eq!(Ore::parse("250000.00", false), Ok(Ore(25_000_000)));
        assert_eq!(Ore::parse("250000", false), Ok(Ore(25_000_000)));
        assert_eq!(Ore::parse("0.5", false), Ok(Ore(50)));
        assert_eq!(Ore::parse("1.230", false), Ok(Ore(123)));
    }

    #[test]
    fn parses_swedish_spreadsheet_amounts() {
        assert_eq!(Ore::parse("250 000,50", true), Ok(Ore(25_000_050)));
        assert_eq!(Ore::parse("250\u{a0}000", true), Ok(Ore(25_000_000)));
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in [
            "",
            "-1",
            "1.234",
            "1e5",
            "abc",
            "1,5",
            ".5",
            "99999999999999",
        ] {
            assert!(Ore::parse(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_two_places() {
        assert_eq!(Ore(25_000_050).to_decimal_string(), "250000.50");
        assert_eq!(Ore(7).to_decimal_string(), "0.07");
    }
}
