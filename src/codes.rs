//! The codes of enum values. An enum's one spelling is its serde name (`#[serde(rename_all)]` or
//! `#[serde(rename)]`), used by the API, the stored rows and every output format alike; these two
//! functions read that spelling instead of a hand-written `match` that could drift from it.

use serde::Serialize;
use serde::de::{DeserializeOwned, IntoDeserializer, value};

/// The serde name of a unit variant, e.g. `code(&Level::Red) == "red"`.
///
/// Panics on a value that is not a unit variant of an enum: calling it on anything else is a
/// programming error that the first test of the caller shows.
pub fn code<T: Serialize>(value: &T) -> &'static str {
    serde_variant::to_variant_name(value).expect("codes are read from unit variants of enums")
}

/// The value whose serde name is `code`; `None` for any other text.
pub fn parse<T: DeserializeOwned>(code: &str) -> Option<T> {
    T::deserialize(IntoDeserializer::<value::Error>::into_deserializer(code)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Sample {
        PartlyApproved,
        #[serde(rename = "x")]
        Renamed,
    }

    #[test]
    fn codes_are_the_serde_names_both_ways() {
        assert_eq!(code(&Sample::PartlyApproved), "partly_approved");
        assert_eq!(code(&Sample::Renamed), "x");
        assert_eq!(
            parse::<Sample>("partly_approved"),
            Some(Sample::PartlyApproved)
        );
        assert_eq!(parse::<Sample>("x"), Some(Sample::Renamed));
        assert_eq!(parse::<Sample>("Renamed"), None);
        assert_eq!(parse::<Sample>(""), None);
    }
}
