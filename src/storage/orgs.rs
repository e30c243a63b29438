//! Organisations (tenants) and their tagging schemes.

use diesel::prelude::*;

use super::schema::{organisations, tag_schemes};
use super::{DbConnection, StorageError, StorageResult, decode_json, now};
use crate::domain::tagging::TaggingScheme;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub current_scheme_id: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
}

/// A stored tagging scheme.
#[derive(Debug, Clone)]
pub struct StoredScheme {
    pub id: i64,
    pub scheme: TaggingScheme,
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> StorageResult<Option<Organisation>> {
    Ok(organisations::table
        .filter(organisations::code.eq(code))
        .select(Organisation::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> StorageResult<Option<Organisation>> {
    Ok(organisations::table
        .find(id)
        .select(Organisation::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection) -> StorageResult<Vec<Organisation>> {
    Ok(organisations::table
        .order(organisations::code)
        .select(Organisation::as_select())
        .load(conn)?)
}

/// Creates an organisation with `scheme` as its tagging scheme.
pub fn create(
    conn: &mut DbConnection,
    code: &str,
    name: &str,
    scheme: &TaggingScheme,
) -> StorageResult<Organisation> {
    conn.transaction(|conn| {
        if find_by_code(conn, code)?.is_some() {
            return Err(StorageError::Conflict(format!(
                "organisation {code:?} already exists"
            )));
        }
        diesel::insert_into(organisations::table)
            .values((
                organisations::code.eq(code),
                organisations::name.eq(name),
                organisations::created_at.eq(now()),
            ))
            .execute(conn)?;
        let org = find_by_code(conn, code)?.ok_or(StorageError::NotFound)?;
        let scheme_id = ensure_scheme(conn, org.id, scheme)?;
        diesel::update(organisations::table.find(org.id))
            .set(organisations::current_scheme_id.eq(scheme_id))
            .execute(conn)?;
        Ok(Organisation {
            current_scheme_id: Some(scheme_id),
            ..org
        })
    })
}

/// The id of `scheme` for this organisation, storing it the first time it is seen.
pub fn ensure_scheme(
    conn: &mut DbConnection,
    org_id: i64,
    scheme: &TaggingScheme,
) -> StorageResult<i64> {
    let fingerprint = scheme.fingerprint();
    let existing = tag_schemes::table
        .filter(tag_schemes::org_id.eq(org_id))
        .filter(tag_schemes::fingerprint.eq(&fingerprint))
        .select(tag_schemes::id)
        .first::<i64>(conn)
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    diesel::insert_into(tag_schemes::table)
        .values((
            tag_schemes::org_id.eq(org_id),
            tag_schemes::fingerprint.eq(&fingerprint),
            tag_schemes::name.eq(scheme.name()),
            tag_schemes::definition.eq(serde_json::to_string(scheme).expect("scheme serialises")),
            tag_schemes::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(tag_schemes::table
        .filter(tag_schemes::org_id.eq(org_id))
        .filter(tag_schemes::fingerprint.eq(&fingerprint))
        .select(tag_schemes::id)
        .first(conn)?)
}

pub fn scheme(conn: &mut DbConnection, scheme_id: i64) -> StorageResult<StoredScheme> {
    let definition: String = tag_schemes::table
        .find(scheme_id)
        .select(tag_schemes::definition)
        .first(conn)?;
    Ok(StoredScheme {
        id: scheme_id,
        scheme: decode_json("tag_schemes.definition", &definition)?,
    })
}

/// The organisation's current tagging scheme.
pub fn current_scheme(conn: &mut DbConnection, org_id: i64) -> StorageResult<StoredScheme> {
    let id = organisations::table
        .find(org_id)
        .select(organisations::current_scheme_id)
        .first::<Option<i64>>(conn)?
        .ok_or_else(|| StorageError::Config(format!("organisation {org_id} has no tag scheme")))?;
    scheme(conn, id)
}

/// Makes `scheme_id` the organisation's current scheme.
pub fn set_current_scheme(
    conn: &mut DbConnection,
    org_id: i64,
    scheme_id: i64,
) -> StorageResult<()> {
    diesel::update(organisations::table.find(org_id))
        .set(organisations::current_scheme_id.eq(scheme_id))
        .execute(conn)?;
    Ok(())
}
