//! Text analysis for the call check: does the wording of a call for applications invite women
//! and men, whatever their background, to apply on equal terms, and is it plain enough to read?
//!
//! * [`wording`]: gender-coded words (gender-decoder's word lists and scale).
//! * [`lix`]: LIX readability, with the Swedish bands.
//! * [`plain`]: long sentences and officialese (klarspråk).
//! * [`sentences`]: the word and sentence rules that [`lix`] and [`plain`] share.
//!
//! Every finding has a [`Location`] with byte and char offsets and line/column. No function here
//! panics on any input text; the data files are parsed with `from_toml` (or the `bundled()`
//! copies compiled in from `config/wordlists/`).

pub mod error;
pub mod lix;
pub mod location;
pub mod plain;
pub mod sentences;
pub mod wording;

mod tokens;

#[cfg(test)]
mod tests;

pub use error::ListError;
pub use location::Location;
