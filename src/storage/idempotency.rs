//! `Idempotency-Key` on POSTs: the first request with a key is processed and its response kept;
//! a retry with the same key and body gets the kept response; the same key with another body is
//! refused. A key whose request is still running answers 409.

use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::{DbConnection, StorageError, StorageResult, now};

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// First use of the key: go ahead, then call [`complete`].
    Fresh,
    /// Seen with the same body and finished: replay this.
    Replay(StoredResponse),
    /// Seen with the same body and still running.
    InProgress,
    /// Seen with a different body.
    Mismatch,
}

/// Claims `key` for a request whose body hashes to `request_hash`.
pub fn claim(
    conn: &mut DbConnection,
    org_id: i64,
    key: &str,
    request_hash: &str,
) -> StorageResult<Claim> {
    let inserted = crate::with_backend!(conn, c => diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::org_id.eq(org_id),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::created_at.eq(now()),
        ))
        .on_conflict((idempotency_keys::org_id, idempotency_keys::idem_key))
        .do_nothing()
        .execute(c))?;
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let (hash, status, body, location): (String, Option<i32>, Option<String>, Option<String>) =
        idempotency_keys::table
            .filter(idempotency_keys::org_id.eq(org_id))
            .filter(idempotency_keys::idem_key.eq(key))
            .select((
                idempotency_keys::request_hash,
                idempotency_keys::status_code,
                idempotency_keys::response_body,
                idempotency_keys::location,
            ))
            .first(conn)?;
    if hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    Ok(match (status, body) {
        (Some(status), Some(body)) => Claim::Replay(StoredResponse {
            status: u16::try_from(status).unwrap_or(500),
            body,
            location,
        }),
        _ => Claim::InProgress,
    })
}

/// Keeps the response of a claimed key.
pub fn complete(
    conn: &mut DbConnection,
    org_id: i64,
    key: &str,
    response: &StoredResponse,
) -> StorageResult<()> {
    let updated = diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::org_id.eq(org_id))
            .filter(idempotency_keys::idem_key.eq(key)),
    )
    .set((
        idempotency_keys::status_code.eq(i32::from(response.status)),
        idempotency_keys::response_body.eq(&response.body),
        idempotency_keys::location.eq(&response.location),
    ))
    .execute(conn)?;
    if updated == 1 {
        Ok(())
    } else {
        Err(StorageError::NotFound)
    }
}

/// Forgets a claimed key whose request failed, so that a retry can run again.
pub fn release(conn: &mut DbConnection, org_id: i64, key: &str) -> StorageResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::org_id.eq(org_id))
            .filter(idempotency_keys::idem_key.eq(key))
            .filter(idempotency_keys::status_code.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

/// Forgets every claim without a response (at start-up: their requests died with the process).
pub fn release_unfinished(conn: &mut DbConnection) -> StorageResult<usize> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::status_code.is_null()))
            .execute(conn)?,
    )
}
