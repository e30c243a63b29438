//! Stored evaluations: the request, what it read, and the result as it was returned.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::evaluations;
use super::{DbConnection, StorageResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evaluations)]
pub struct StoredEvaluation {
    pub id: String,
    pub org_id: i64,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub ruleset: String,
    pub scheme_id: i64,
    pub data_hash: String,
    /// The request as JSON, to run it again.
    pub request: String,
    /// The evaluation as JSON, exactly as returned.
    pub body: String,
}

pub fn insert(conn: &mut DbConnection, evaluation: &StoredEvaluation) -> StorageResult<()> {
    diesel::insert_into(evaluations::table)
        .values(evaluation)
        .execute(conn)?;
    Ok(())
}

pub fn find(
    conn: &mut DbConnection,
    org_id: i64,
    id: &str,
) -> StorageResult<Option<StoredEvaluation>> {
    Ok(evaluations::table
        .filter(evaluations::org_id.eq(org_id))
        .filter(evaluations::id.eq(id))
        .select(StoredEvaluation::as_select())
        .first(conn)
        .optional()?)
}
