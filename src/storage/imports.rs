//! Import jobs: every bulk import is recorded with its counts and its rejected rows, so that a
//! client can read the result again (`GET /api/v1/imports/{id}`), also after losing the
//! connection.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::import_jobs;
use super::{DbConnection, StorageResult, now};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_jobs)]
#[diesel(treat_none_as_default_value = false)]
pub struct ImportJob {
    pub id: String,
    pub org_id: i64,
    pub format: String,
    /// running, completed, failed, interrupted
    pub status: String,
    pub lines: i64,
    pub accepted: i64,
    pub unchanged: i64,
    pub rejected: i64,
    /// JSON array of rejected rows.
    pub errors: String,
    pub errors_truncated: bool,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

pub fn start(conn: &mut DbConnection, id: &str, org_id: i64, format: &str) -> StorageResult<()> {
    diesel::insert_into(import_jobs::table)
        .values(ImportJob {
            id: id.to_owned(),
            org_id,
            format: format.to_owned(),
            status: "running".into(),
            lines: 0,
            accepted: 0,
            unchanged: 0,
            rejected: 0,
            errors: "[]".into(),
            errors_truncated: false,
            started_at: now(),
            finished_at: None,
        })
        .execute(conn)?;
    Ok(())
}

/// Records the final counts of a job.
pub fn finish(conn: &mut DbConnection, job: &ImportJob) -> StorageResult<()> {
    diesel::update(import_jobs::table.find(&job.id))
        .set((
            import_jobs::status.eq(&job.status),
            import_jobs::lines.eq(job.lines),
            import_jobs::accepted.eq(job.accepted),
            import_jobs::unchanged.eq(job.unchanged),
            import_jobs::rejected.eq(job.rejected),
            import_jobs::errors.eq(&job.errors),
            import_jobs::errors_truncated.eq(job.errors_truncated),
            import_jobs::finished_at.eq(job.finished_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, org_id: i64, id: &str) -> StorageResult<Option<ImportJob>> {
    Ok(import_jobs::table
        .filter(import_jobs::org_id.eq(org_id))
        .filter(import_jobs::id.eq(id))
        .select(ImportJob::as_select())
        .first(conn)
        .optional()?)
}

/// Marks jobs left running by a process that stopped (their committed batches stay).
pub fn mark_interrupted(conn: &mut DbConnection) -> StorageResult<usize> {
    Ok(
        diesel::update(import_jobs::table.filter(import_jobs::status.eq("running")))
            .set((
                import_jobs::status.eq("interrupted"),
                import_jobs::finished_at.eq(Some(now())),
            ))
            .execute(conn)?,
    )
}
