//! Calls for applications: creating them, reading them with their designs, and changing them,
//! which includes the status machine and the publication gate. A change is one transaction, so
//! the gate and the change see the same version of the call.

use chrono::NaiveDate;
use diesel::Connection;

use crate::callcheck::design::CallDesign;
use crate::domain::call::{CallStatus, check_dates};
use crate::domain::money::Ore;
use crate::services::publication::{Publication, publication};
use crate::services::{ServiceError, ServiceResult};
use crate::storage::programmes::{self, CallChanges, CallWithProgramme, NewCall};
use crate::storage::{DbConnection, StorageError, decode_json};

/// A stored call with what its columns hold read back.
#[derive(Debug, Clone)]
pub struct Call {
    pub stored: CallWithProgramme,
    pub status: CallStatus,
    pub design: CallDesign,
}

impl Call {
    fn read(stored: CallWithProgramme) -> ServiceResult<Self> {
        let status =
            CallStatus::from_code(&stored.call.status).ok_or_else(|| StorageError::Corrupt {
                column: "calls.status",
                reason: "not a call status".into(),
            })?;
        let design = decode_json("calls.design", &stored.call.design)?;
        Ok(Self {
            stored,
            status,
            design,
        })
    }
}

fn design_json(design: &CallDesign) -> String {
    serde_json::to_string(design).expect("a call design serialises")
}

/// A new call, checked by the caller (codes, title, design).
#[derive(Debug, Clone)]
pub struct CallDraft {
    pub programme_code: String,
    pub code: String,
    pub title: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub budget: Ore,
    pub design: CallDesign,
}

/// Creates the call, as a draft at version 1.
pub fn create(conn: &mut DbConnection, org_id: i64, draft: &CallDraft) -> ServiceResult<Call> {
    let new = NewCall {
        programme_code: draft.programme_code.clone(),
        code: draft.code.clone(),
        title: draft.title.clone(),
        opens_on: draft.opens_on,
        closes_on: draft.closes_on,
        budget_ore: draft.budget.0,
        design: design_json(&draft.design),
    };
    let created = programmes::create_call(conn, org_id, &new).map_err(|e| match e {
        StorageError::NotFound => ServiceError::field(
            "/programmeCode",
            "no programme with this code in this organisation",
        ),
        StorageError::Conflict(_) => {
            ServiceError::Conflict("a call with this code already exists".into())
        }
        other => other.into(),
    })?;
    Call::read(created)
}

/// The call `id` of the organisation.
pub fn find(conn: &mut DbConnection, org_id: i64, id: i64) -> ServiceResult<Call> {
    let stored = programmes::find_call(conn, org_id, id)?
        .ok_or_else(|| ServiceError::NotFound("no such call".into()))?;
    Call::read(stored)
}

/// One page of calls ordered by id, optionally of one programme.
pub fn list(
    conn: &mut DbConnection,
    org_id: i64,
    programme_code: Option<&str>,
    after_id: Option<i64>,
    limit: i64,
) -> ServiceResult<Vec<Call>> {
    programmes::list_calls(conn, org_id, programme_code, after_id, limit)?
        .into_iter()
        .map(Call::read)
        .collect()
}

/// Changes to a call, checked by the caller; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct CallUpdate {
    pub title: Option<String>,
    pub opens_on: Option<NaiveDate>,
    pub closes_on: Option<NaiveDate>,
    pub budget: Option<Ore>,
    /// Replaces the whole design.
    pub design: Option<CallDesign>,
    pub status: Option<CallStatus>,
}

/// Why a call may not be changed as asked.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The status machine has no such move.
    #[error("a {} call cannot become {}", from.code(), to.code())]
    NotMovable { from: CallStatus, to: CallStatus },
    /// A published call with applications cannot go back to draft.
    #[error("the call has applications")]
    HasApplications,
    /// Publishing and changing the content at once: the new version could not have been checked.
    #[error("the call is changed in the request that publishes it")]
    ChangedWhilePublishing,
    /// Publishing a version that has not been checked.
    #[error("version {version} of the call has not been checked")]
    Unchecked { version: i32 },
    /// Publishing a version whose newest check failed these checks, without an override.
    #[error("the check of version {version} failed")]
    CheckFailed { version: i32, checks: Vec<String> },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StorageError> for CallError {
    fn from(error: StorageError) -> Self {
        CallError::Service(error.into())
    }
}

impl From<diesel::result::Error> for CallError {
    fn from(error: diesel::result::Error) -> Self {
        CallError::Service(error.into())
    }
}

/// Changes the call: its content (a new version when anything differs) or its status, in one
/// transaction. A move to published is gated by the call check (see
/// [`crate::services::publication::publication`]).
pub fn update(
    conn: &mut DbConnection,
    org_id: i64,
    id: i64,
    update: CallUpdate,
) -> Result<Call, CallError> {
    conn.transaction(|conn| {
        let current = find(conn, org_id, id)?;
        let stored = &current.stored.call;
        let opens = update.opens_on.unwrap_or(stored.opens_on);
        let closes = update.closes_on.unwrap_or(stored.closes_on);
        check_dates(opens, closes).map_err(|reason| ServiceError::field("/closesOn", reason))?;
        let from = current.status;
        if let Some(to) = update.status {
            if !from.can_move_to(to) {
                return Err(CallError::NotMovable { from, to });
            }
            if from == CallStatus::Published
                && to == CallStatus::Draft
                && programmes::count_applications(conn, org_id, id)? > 0
            {
                return Err(CallError::HasApplications);
            }
        }
        let changes = CallChanges {
            title: update.title,
            opens_on: update.opens_on,
            closes_on: update.closes_on,
            budget_ore: update.budget.map(|b| b.0),
            // Compared as designs, not as text: an unchanged design is no new version.
            design: update
                .design
                .as_ref()
                .filter(|d| **d != current.design)
                .map(design_json),
            status: update.status.map(|s| s.code().to_owned()),
        };
        if update.status == Some(CallStatus::Published) && from != CallStatus::Published {
            if changes.changes_content(stored) {
                return Err(CallError::ChangedWhilePublishing);
            }
            match publication(conn, org_id, &current.stored)? {
                Publication::Allowed => {}
                Publication::Unchecked { version } => {
                    return Err(CallError::Unchecked { version });
                }
                Publication::Failed { version, checks } => {
                    return Err(CallError::CheckFailed { version, checks });
                }
            }
        }
        programmes::update_call(conn, stored, &changes)?;
        Ok(find(conn, org_id, id)?)
    })
}
