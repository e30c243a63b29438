//! Reading one application back, with its decision history, for the integrator that sent it.
//! There is deliberately no query that lists or filters applications by group.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::ingest::TagColumns;
use super::schema::{applications, calls};
use super::{DbConnection, StorageError, StorageResult};
use crate::domain::application::{DecisionReason, Outcome};
use crate::domain::tagging::Tags;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct ApplicationRow {
    pub external_id: String,
    pub applicant_key: String,
    pub received_on: NaiveDate,
    pub amount_applied_ore: i64,
    pub facts: String,
    pub revision: i32,
    pub decision_history: String,
    #[diesel(embed)]
    pub tags: TagColumns,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
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
pub fn parse_history(text: &str) -> StorageResult<Vec<DecisionRecord>> {
    serde_json::from_str(text)
        .map_err(|e| StorageError::Config(format!("unreadable decision history: {e}")))
}

/// An application with everything the integrator may read back.
#[derive(Debug, Clone)]
pub struct ApplicationRecord {
    pub row: ApplicationRow,
    pub call_code: String,
    /// Oldest first; the last is the one in force.
    pub decisions: Vec<DecisionRecord>,
    /// The groups under the current scheme (absent while a re-tag has not reached the row).
    pub tags: Option<Tags>,
}

pub fn find(
    conn: &mut DbConnection,
    org_id: i64,
    scheme_id: i64,
    external_id: &str,
) -> StorageResult<Option<ApplicationRecord>> {
    let found: Option<(ApplicationRow, String)> = applications::table
        .inner_join(calls::table)
        .filter(applications::org_id.eq(org_id))
        .filter(applications::external_id.eq(external_id))
        .select((ApplicationRow::as_select(), calls::code))
        .first(conn)
        .optional()?;
    let Some((row, call_code)) = found else {
        return Ok(None);
    };
    let decisions = parse_history(&row.decision_history)?;
    let tags = (row.tags.scheme_id == scheme_id).then(|| row.tags.tags());
    Ok(Some(ApplicationRecord {
        row,
        call_code,
        decisions,
        tags,
    }))
}
