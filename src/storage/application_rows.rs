//! The columns of an application row that both its writer ([`super::ingest`]) and its reader
//! ([`super::applications`], the re-tagging service) work with: the tag columns and the decision
//! history with its JSON codec.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::applications;
use super::{StorageResult, decode_json};
use crate::domain::application::{DecisionReason, Outcome};
use crate::domain::tagging::{Dimension, Tags};

/// The tag columns of an application (its groups under `scheme_id`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = applications)]
#[diesel(treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct TagColumns {
    pub scheme_id: i64,
    pub gender: String,
    pub background: String,
    pub background_detail: String,
    pub age_band: String,
    pub county: String,
    pub municipality: String,
    pub size_band: String,
    pub tag_notes: Option<String>,
}

impl TagColumns {
    pub fn new(scheme_id: i64, tags: &Tags) -> Self {
        let v = |d: Dimension| tags.get(d).value.clone();
        Self {
            scheme_id,
            gender: v(Dimension::Gender),
            background: v(Dimension::Background),
            background_detail: v(Dimension::BackgroundDetail),
            age_band: v(Dimension::AgeBand),
            county: v(Dimension::County),
            municipality: v(Dimension::Municipality),
            size_band: v(Dimension::SizeBand),
            tag_notes: tags.notes_json(),
        }
    }

    /// The tags these columns hold; damaged notes are [`StorageError::Corrupt`], never read as
    /// "no notes".
    pub fn tags(&self) -> StorageResult<Tags> {
        let notes = match &self.tag_notes {
            Some(text) => decode_json("applications.tag_notes", text)?,
            None => serde_json::Map::new(),
        };
        Ok(Tags::from_stored(
            [
                &self.gender,
                &self.background,
                &self.background_detail,
                &self.age_band,
                &self.county,
                &self.municipality,
                &self.size_band,
            ]
            .map(String::as_str),
            &notes,
        ))
    }
}

/// One version of a decision, as kept in an application's `decision_history` (an append-only
/// JSON array, oldest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRecord {
    pub version: i32,
    pub outcome: Outcome,
    pub amount_granted_ore: i64,
    pub decided_on: NaiveDate,
    pub reason: DecisionReason,
    pub recorded_at: NaiveDateTime,
}

/// Reads a stored decision history.
pub fn decode_history(text: &str) -> StorageResult<Vec<DecisionRecord>> {
    decode_json("applications.decision_history", text)
}

/// A decision history as stored.
pub fn encode_history(history: &[DecisionRecord]) -> String {
    serde_json::to_string(history).expect("decision history serialises")
}
