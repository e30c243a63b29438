//! Errors from loading the word-list data files.

use std::fmt;

/// A word-list, alternatives or jargon file could not be used.
#[derive(Debug)]
pub enum ListError {
    /// The file is not valid TOML, or does not have the expected tables and keys.
    Toml(toml::de::Error),
    /// An entry is unusable, e.g. an empty stem, which would match every word.
    Invalid {
        /// Which list the entry is in, e.g. `"sv.masculine"`.
        list: String,
        /// The entry as written in the file.
        entry: String,
        /// Why it was rejected.
        reason: &'static str,
    },
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Toml(e) => write!(f, "word list is not in the expected TOML form: {e}"),
            Self::Invalid {
                list,
                entry,
                reason,
            } => write!(f, "invalid entry {entry:?} in {list}: {reason}"),
        }
    }
}

impl std::error::Error for ListError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Toml(e) => Some(e),
            Self::Invalid { .. } => None,
        }
    }
}

impl From<toml::de::Error> for ListError {
    fn from(e: toml::de::Error) -> Self {
        Self::Toml(e)
    }
}
