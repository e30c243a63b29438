//! Reading one application back, with its decision history, for the integrator that sent it.
//! There is deliberately no query that lists or filters applications by group.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::application_rows::{DecisionRecord, TagColumns, decode_history};
use super::schema::{applications, calls};
use super::{DbConnection, StorageResult};
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
    let decisions = decode_history(&row.decision_history)?;
    let tags = (row.tags.scheme_id == scheme_id)
        .then(|| row.tags.tags())
        .transpose()?;
    Ok(Some(ApplicationRecord {
        row,
        call_code,
        decisions,
        tags,
    }))
}
