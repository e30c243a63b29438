//! Programmes (support forms): created and listed within one organisation.

use crate::services::{ServiceError, ServiceResult};
use crate::storage::programmes::{self, Programme};
use crate::storage::{DbConnection, StorageError};

/// Creates the programme; its code must be new in the organisation.
pub fn create(
    conn: &mut DbConnection,
    org_id: i64,
    code: &str,
    name: &str,
) -> ServiceResult<Programme> {
    programmes::create_programme(conn, org_id, code, name).map_err(|e| match e {
        StorageError::Conflict(_) => {
            ServiceError::Conflict("a programme with this code already exists".into())
        }
        other => other.into(),
    })
}

/// One page of programmes by code, after `after` when given.
pub fn list(
    conn: &mut DbConnection,
    org_id: i64,
    after: Option<&str>,
    limit: i64,
) -> ServiceResult<Vec<Programme>> {
    Ok(programmes::list_programmes(conn, org_id, after, limit)?)
}
