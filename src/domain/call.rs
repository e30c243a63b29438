//! Programmes (support forms) and calls (utlysningar).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codes;

/// The life of a call: drafted, published (open for applications), closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    #[default]
    Draft,
    Published,
    Closed,
}

impl CallStatus {
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }

    /// Draft -> published -> closed; a published call may go back to draft only while it has
    /// no applications (checked by the caller), and a closed call stays closed.
    pub fn can_move_to(self, next: CallStatus) -> bool {
        matches!(
            (self, next),
            (Self::Draft, Self::Published)
                | (Self::Published, Self::Closed)
                | (Self::Published, Self::Draft)
        ) || self == next
    }
}

/// Codes of programmes and calls: 1-64 characters of letters, digits and `. _ : -`.
pub fn validate_code(code: &str) -> Result<(), validator::ValidationError> {
    let ok = (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(validator::ValidationError::new("code")
            .with_message("must be 1-64 characters of letters, digits and . _ : -".into()))
    }
}

/// Opening must not come after closing.
pub fn check_dates(opens_on: NaiveDate, closes_on: NaiveDate) -> Result<(), String> {
    if closes_on < opens_on {
        Err("must not be before opensOn".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_the_serde_names() {
        assert_eq!(CallStatus::Published.code(), "published");
        assert_eq!(CallStatus::from_code("closed"), Some(CallStatus::Closed));
        assert_eq!(CallStatus::from_code("Draft"), None);
    }
}
