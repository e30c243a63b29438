//! The publication gate: whether the current version of a call may be published. A call whose
//! newest check of that version failed needs a case officer's override first; a changed call is
//! a new version and needs a new check. `services::calls` asks it before a move to `published`,
//! and `services::callchecks` shows its answer with the checks.

use crate::callcheck::checks::{CheckReport, Verdict};
use crate::storage::programmes::CallWithProgramme;
use crate::storage::{DbConnection, StorageResult, callchecks, decode_json};

/// Where a call stands for publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publication {
    Allowed,
    /// No check of the current version.
    Unchecked {
        version: i32,
    },
    /// The newest check of the current version failed these checks, and no override exists.
    Failed {
        version: i32,
        checks: Vec<String>,
    },
}

/// Whether the call may be published now: its newest check of the current version has no fail,
/// or a case officer overrode it for this version.
pub fn publication(
    conn: &mut DbConnection,
    org_id: i64,
    call: &CallWithProgramme,
) -> StorageResult<Publication> {
    let version = call.call.version;
    let checks = callchecks::checks_of_call(conn, org_id, call.call.id)?;
    let Some(newest) = checks.iter().find(|c| c.call_version == version) else {
        return Ok(Publication::Unchecked { version });
    };
    if newest.verdict != Verdict::Fail.code() {
        return Ok(Publication::Allowed);
    }
    let overridden = callchecks::overrides_of_call(conn, org_id, call.call.id)?
        .iter()
        .any(|o| o.call_version == version);
    if overridden {
        return Ok(Publication::Allowed);
    }
    // A stored check is its report with the check's own fields beside it.
    let report: CheckReport = decode_json("call_checks.body", &newest.body)?;
    let failed = report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| c.id.code().to_owned())
        .collect();
    Ok(Publication::Failed {
        version,
        checks: failed,
    })
}
