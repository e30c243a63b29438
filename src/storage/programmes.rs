//! Programmes (support forms) and calls (utlysningar), always scoped to one organisation.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{calls, programmes};
use super::{DbConnection, StorageError, StorageResult, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = programmes)]
pub struct Programme {
    pub id: i64,
    pub org_id: i64,
    pub code: String,
    pub name: String,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calls)]
pub struct Call {
    pub id: i64,
    pub org_id: i64,
    pub programme_id: i64,
    pub code: String,
    pub title: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub budget_ore: i64,
    pub status: String,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// What the call check reads (`callcheck::design::CallDesign` as JSON).
    pub design: String,
}

/// A call with its programme's code, as the API shows it.
#[derive(Debug, Clone)]
pub struct CallWithProgramme {
    pub call: Call,
    pub programme_code: String,
}

pub fn create_programme(
    conn: &mut DbConnection,
    org_id: i64,
    code: &str,
    name: &str,
) -> StorageResult<Programme> {
    conn.transaction(|conn| {
        if find_programme(conn, org_id, code)?.is_some() {
            return Err(StorageError::Conflict(format!(
                "programme {code:?} already exists"
            )));
        }
        diesel::insert_into(programmes::table)
            .values((
                programmes::org_id.eq(org_id),
                programmes::code.eq(code),
                programmes::name.eq(name),
                programmes::created_at.eq(now()),
            ))
            .execute(conn)?;
        find_programme(conn, org_id, code)?.ok_or(StorageError::NotFound)
    })
}

pub fn find_programme(
    conn: &mut DbConnection,
    org_id: i64,
    code: &str,
) -> StorageResult<Option<Programme>> {
    Ok(programmes::table
        .filter(programmes::org_id.eq(org_id))
        .filter(programmes::code.eq(code))
        .select(Programme::as_select())
        .first(conn)
        .optional()?)
}

/// One page of programmes ordered by code, starting after `after`.
pub fn list_programmes(
    conn: &mut DbConnection,
    org_id: i64,
    after: Option<&str>,
    limit: i64,
) -> StorageResult<Vec<Programme>> {
    let mut query = programmes::table
        .filter(programmes::org_id.eq(org_id))
        .select(Programme::as_select())
        .order(programmes::code)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(programmes::code.gt(after.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// Fields of a new call.
#[derive(Debug, Clone)]
pub struct NewCall {
    pub programme_code: String,
    pub code: String,
    pub title: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub budget_ore: i64,
    pub design: String,
}

pub fn create_call(
    conn: &mut DbConnection,
    org_id: i64,
    new: &NewCall,
) -> StorageResult<CallWithProgramme> {
    conn.transaction(|conn| {
        let programme =
            find_programme(conn, org_id, &new.programme_code)?.ok_or(StorageError::NotFound)?;
        if find_call_by_code(conn, org_id, &new.code)?.is_some() {
            return Err(StorageError::Conflict(format!(
                "call {:?} already exists",
                new.code
            )));
        }
        let at = now();
        diesel::insert_into(calls::table)
            .values((
                calls::org_id.eq(org_id),
                calls::programme_id.eq(programme.id),
                calls::code.eq(&new.code),
                calls::title.eq(&new.title),
                calls::opens_on.eq(new.opens_on),
                calls::closes_on.eq(new.closes_on),
                calls::budget_ore.eq(new.budget_ore),
                calls::design.eq(&new.design),
                calls::status.eq("draft"),
                calls::version.eq(1),
                calls::created_at.eq(at),
                calls::updated_at.eq(at),
            ))
            .execute(conn)?;
        find_call_by_code(conn, org_id, &new.code)?.ok_or(StorageError::NotFound)
    })
}

fn with_programme(
    conn: &mut DbConnection,
    call: Option<Call>,
) -> StorageResult<Option<CallWithProgramme>> {
    let Some(call) = call else { return Ok(None) };
    let programme_code = programmes::table
        .find(call.programme_id)
        .select(programmes::code)
        .first(conn)?;
    Ok(Some(CallWithProgramme {
        call,
        programme_code,
    }))
}

pub fn find_call_by_code(
    conn: &mut DbConnection,
    org_id: i64,
    code: &str,
) -> StorageResult<Option<CallWithProgramme>> {
    let call = calls::table
        .filter(calls::org_id.eq(org_id))
        .filter(calls::code.eq(code))
        .select(Call::as_select())
        .first(conn)
        .optional()?;
    with_programme(conn, call)
}

pub fn find_call(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
) -> StorageResult<Option<CallWithProgramme>> {
    let call = calls::table
        .filter(calls::org_id.eq(org_id))
        .filter(calls::id.eq(id))
        .select(Call::as_select())
        .first(conn)
        .optional()?;
    with_programme(conn, call)
}

/// One page of calls ordered by id, optionally of one programme.
pub fn list_calls(
    conn: &mut DbConnection,
    org_id: i64,
    programme_code: Option<&str>,
    after_id: Option<i64>,
    limit: i64,
) -> StorageResult<Vec<CallWithProgramme>> {
    let mut query = calls::table
        .inner_join(programmes::table)
        .filter(calls::org_id.eq(org_id))
        .select((Call::as_select(), programmes::code))
        .order(calls::id)
        .limit(limit)
        .into_boxed();
    if let Some(code) = programme_code {
        query = query.filter(programmes::code.eq(code.to_owned()));
    }
    if let Some(after) = after_id {
        query = query.filter(calls::id.gt(after));
    }
    Ok(query
        .load::<(Call, String)>(conn)?
        .into_iter()
        .map(|(call, programme_code)| CallWithProgramme {
            call,
            programme_code,
        })
        .collect())
}

/// Changes to a call; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CallChanges {
    pub title: Option<String>,
    pub opens_on: Option<NaiveDate>,
    pub closes_on: Option<NaiveDate>,
    pub budget_ore: Option<i64>,
    pub design: Option<String>,
    pub status: Option<String>,
}

impl CallChanges {
    /// Whether applying these changes changes the call's content (anything but its status).
    pub fn changes_content(&self, call: &Call) -> bool {
        self.title.as_ref().is_some_and(|t| *t != call.title)
            || self.opens_on.is_some_and(|d| d != call.opens_on)
            || self.closes_on.is_some_and(|d| d != call.closes_on)
            || self.budget_ore.is_some_and(|b| b != call.budget_ore)
            || self.design.as_ref().is_some_and(|d| *d != call.design)
    }
}

/// Applies `changes`; a change of content (anything but the status) makes a new version.
pub fn update_call(
    conn: &mut DbConnection,
    call: &Call,
    changes: &CallChanges,
) -> StorageResult<()> {
    let content_changed = changes.changes_content(call);
    diesel::update(calls::table.find(call.id))
        .set((
            calls::title.eq(changes.title.as_ref().unwrap_or(&call.title)),
            calls::opens_on.eq(changes.opens_on.unwrap_or(call.opens_on)),
            calls::closes_on.eq(changes.closes_on.unwrap_or(call.closes_on)),
            calls::budget_ore.eq(changes.budget_ore.unwrap_or(call.budget_ore)),
            calls::design.eq(changes.design.as_ref().unwrap_or(&call.design)),
            calls::status.eq(changes.status.as_ref().unwrap_or(&call.status)),
            calls::version.eq(call.version + i32::from(content_changed)),
            calls::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Number of applications to a call (read from the statistics cube, not counted row by row).
pub fn count_applications(
    conn: &mut DbConnection,
    org_id: i64,
    call_id: i64,
) -> StorageResult<i64> {
    use super::schema::{organisations, stat_cells};
    let scheme: Option<i64> = organisations::table
        .find(org_id)
        .select(organisations::current_scheme_id)
        .first(conn)?;
    let counts: Vec<i64> = stat_cells::table
        .filter(stat_cells::org_id.eq(org_id))
        .filter(stat_cells::scheme_id.nullable().eq(scheme))
        .filter(stat_cells::call_id.eq(call_id))
        .select(stat_cells::applications)
        .load(conn)?;
    Ok(counts.iter().sum())
}

/// Ids of a programme's calls.
pub fn call_ids_of_programme(
    conn: &mut DbConnection,
    org_id: i64,
    programme_id: i64,
) -> StorageResult<Vec<i64>> {
    Ok(calls::table
        .filter(calls::org_id.eq(org_id))
        .filter(calls::programme_id.eq(programme_id))
        .order(calls::id)
        .select(calls::id)
        .load(conn)?)
}

/// The year the last of the calls (`None`: every call of the organisation) closes.
pub fn last_closing_year(
    conn: &mut DbConnection,
    org_id: i64,
    call_ids: Option<&[i64]>,
) -> StorageResult<Option<i32>> {
    use chrono::Datelike;
    let mut query = calls::table
        .filter(calls::org_id.eq(org_id))
        .select(diesel::dsl::max(calls::closes_on))
        .into_boxed();
    if let Some(ids) = call_ids {
        query = query.filter(calls::id.eq_any(ids.to_vec()));
    }
    let last: Option<chrono::NaiveDate> = query.first(conn)?;
    Ok(last.map(|d| d.year()))
}

/// Ids of every call of the organisation.
pub fn call_ids(conn: &mut DbConnection, org_id: i64) -> StorageResult<Vec<i64>> {
    Ok(calls::table
        .filter(calls::org_id.eq(org_id))
        .order(calls::id)
        .select(calls::id)
        .load(conn)?)
}
