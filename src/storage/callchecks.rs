//! Call checks as they were made (returned byte for byte later), the overrides that let a call
//! with a failed check be published, and the organisations' firm populations.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{call_checks, call_overrides, firm_populations};
use super::{DbConnection, StorageResult, now};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = call_checks)]
pub struct StoredCheck {
    pub id: String,
    pub org_id: i64,
    pub call_id: i64,
    pub call_version: i32,
    /// The worst verdict: pass, warn, cannot_assess or fail.
    pub verdict: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    /// The check as JSON, exactly as returned.
    pub body: String,
}

pub fn insert_check(conn: &mut DbConnection, check: &StoredCheck) -> StorageResult<()> {
    diesel::insert_into(call_checks::table)
        .values(check)
        .execute(conn)?;
    Ok(())
}

/// Every check of a call, newest first.
pub fn checks_of_call(
    conn: &mut DbConnection,
    org_id: i64,
    call_id: i64,
) -> StorageResult<Vec<StoredCheck>> {
    Ok(call_checks::table
        .filter(call_checks::org_id.eq(org_id))
        .filter(call_checks::call_id.eq(call_id))
        .order((call_checks::created_at.desc(), call_checks::id.desc()))
        .select(StoredCheck::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = call_overrides)]
pub struct StoredOverride {
    pub id: String,
    pub org_id: i64,
    pub call_id: i64,
    pub call_version: i32,
    pub reason: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

pub fn insert_override(conn: &mut DbConnection, record: &StoredOverride) -> StorageResult<()> {
    diesel::insert_into(call_overrides::table)
        .values(record)
        .execute(conn)?;
    Ok(())
}

/// Every override of a call, oldest first.
pub fn overrides_of_call(
    conn: &mut DbConnection,
    org_id: i64,
    call_id: i64,
) -> StorageResult<Vec<StoredOverride>> {
    Ok(call_overrides::table
        .filter(call_overrides::org_id.eq(org_id))
        .filter(call_overrides::call_id.eq(call_id))
        .order((call_overrides::created_at, call_overrides::id))
        .select(StoredOverride::as_select())
        .load(conn)?)
}

/// Every override of the organisation's calls (optionally only some), with the call's code, by
/// call and then oldest first: one query however many calls there are.
pub fn overrides_in(
    conn: &mut DbConnection,
    org_id: i64,
    call_ids: Option<&[i64]>,
) -> StorageResult<Vec<(StoredOverride, String)>> {
    use super::schema::calls;
    let mut query = call_overrides::table
        .inner_join(calls::table)
        .filter(call_overrides::org_id.eq(org_id))
        .order((
            call_overrides::call_id,
            call_overrides::created_at,
            call_overrides::id,
        ))
        .select((StoredOverride::as_select(), calls::code))
        .into_boxed();
    if let Some(ids) = call_ids {
        query = query.filter(call_overrides::call_id.eq_any(ids.to_vec()));
    }
    Ok(query.load(conn)?)
}

/// Stores the population of one region and year, replacing an earlier upload of the same.
pub fn put_population(
    conn: &mut DbConnection,
    org_id: i64,
    region: &str,
    year: i32,
    body: &str,
) -> StorageResult<()> {
    conn.transaction(|conn| {
        diesel::delete(
            firm_populations::table
                .filter(firm_populations::org_id.eq(org_id))
                .filter(firm_populations::region.eq(region))
                .filter(firm_populations::year.eq(year)),
        )
        .execute(conn)?;
        diesel::insert_into(firm_populations::table)
            .values((
                firm_populations::org_id.eq(org_id),
                firm_populations::region.eq(region),
                firm_populations::year.eq(year),
                firm_populations::body.eq(body),
                firm_populations::updated_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The newest population of a region (`None`: of any region, Sweden last), as stored JSON.
pub fn latest_population(
    conn: &mut DbConnection,
    org_id: i64,
    region: Option<&str>,
) -> StorageResult<Option<String>> {
    let mut rows: Vec<(String, i32, String)> = firm_populations::table
        .filter(firm_populations::org_id.eq(org_id))
        .select((
            firm_populations::region,
            firm_populations::year,
            firm_populations::body,
        ))
        .load(conn)?;
    if let Some(region) = region {
        rows.retain(|(r, _, _)| r == region);
    }
    // Newest year first; within a year a county's own figures before Sweden's.
    rows.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| (a.0 == "SE").cmp(&(b.0 == "SE")))
    });
    Ok(rows.into_iter().next().map(|(_, _, body)| body))
}
