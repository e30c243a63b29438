//! Stored reports, the audit log of who made or read them, and the awarded grants that open
//! data is exported from. Reports are computed from `tagged::scan`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{applications, audit_log, reports};
use super::{DbConnection, StorageResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reports)]
pub struct StoredReport {
    pub id: String,
    pub org_id: i64,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    /// The request as JSON, to make the report again.
    pub request: String,
    pub data_hash: String,
    /// The report as JSON, exactly as returned.
    pub body: String,
}

pub fn insert(conn: &mut DbConnection, report: &StoredReport) -> StorageResult<()> {
    diesel::insert_into(reports::table)
        .values(report)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, org_id: i64, id: &str) -> StorageResult<Option<StoredReport>> {
    Ok(reports::table
        .filter(reports::org_id.eq(org_id))
        .filter(reports::id.eq(id))
        .select(StoredReport::as_select())
        .first(conn)
        .optional()?)
}

/// One line of the audit log.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: String,
    pub org_id: i64,
    pub at: NaiveDateTime,
    /// The token's subject.
    pub actor: String,
    /// "create", "read", "rerun" (a report made again from a stored one's request) or
    /// "export" (open grant data).
    pub action: String,
    pub report_id: Option<String>,
    /// The report's scope as JSON.
    pub scope: String,
    /// "json", "csv" or "html".
    pub format: String,
}

pub fn record(conn: &mut DbConnection, entry: &AuditEntry) -> StorageResult<()> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)?;
    Ok(())
}

/// One page of the audit log, newest first, before `before` (an entry id) when given.
pub fn audit_page(
    conn: &mut DbConnection,
    org_id: i64,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> StorageResult<Vec<AuditEntry>> {
    let mut query = audit_log::table
        .filter(audit_log::org_id.eq(org_id))
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .select(AuditEntry::as_select())
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(
            audit_log::at
                .lt(at)
                .or(audit_log::at.eq(at).and(audit_log::id.lt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// One awarded grant, for open-data export: the latest decision approved (or partly).
#[derive(Debug, Clone)]
pub struct AwardedRow {
    pub external_id: String,
    pub call_code: String,
    pub call_title: String,
    pub programme_code: String,
    pub programme_name: String,
    pub applicant_key: String,
    /// The applicant facts as stored (JSON).
    pub facts: String,
    pub amount_applied_ore: i64,
    pub amount_granted_ore: i64,
    pub received_on: NaiveDate,
    pub decided_on: NaiveDate,
    pub gender: String,
    pub background: String,
    pub updated_at: NaiveDateTime,
}

/// Every awarded grant of the organisation (optionally of some calls), by external id.
pub fn awarded(
    conn: &mut DbConnection,
    org_id: i64,
    call_ids: Option<&[i64]>,
) -> StorageResult<Vec<AwardedRow>> {
    use super::schema::{calls, programmes};
    use applications as a;
    type Row = (
        (String, String, String, String, String, String, String),
        (i64, Option<i64>, NaiveDate, Option<NaiveDate>),
        (String, String, NaiveDateTime),
    );
    let mut query = a::table
        .inner_join(calls::table.inner_join(programmes::table))
        .filter(a::org_id.eq(org_id))
        .filter(a::outcome.eq_any(["approved", "partly_approved"]))
        .order(a::external_id)
        .select((
            (
                a::external_id,
                calls::code,
                calls::title,
                programmes::code,
                programmes::name,
                a::applicant_key,
                a::facts,
            ),
            (
                a::amount_applied_ore,
                a::amount_granted_ore,
                a::received_on,
                a::decided_on,
            ),
            (a::gender, a::background, a::updated_at),
        ))
        .into_boxed();
    if let Some(ids) = call_ids {
        query = query.filter(a::call_id.eq_any(ids.to_vec()));
    }
    let rows: Vec<Row> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(t, (applied, granted, received_on, decided_on), (gender, background, updated_at))| {
                AwardedRow {
                    external_id: t.0,
                    call_code: t.1,
                    call_title: t.2,
                    programme_code: t.3,
                    programme_name: t.4,
                    applicant_key: t.5,
                    facts: t.6,
                    amount_applied_ore: applied,
                    amount_granted_ore: granted.unwrap_or(0),
                    received_on,
                    decided_on: decided_on.unwrap_or(received_on),
                    gender,
                    background,
                    updated_at,
                }
            },
        )
        .collect())
}
