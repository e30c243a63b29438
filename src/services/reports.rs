//! Reports in the service: made and stored with an audit entry, returned byte for byte (JSON) or
//! rendered from the stored JSON (CSV, HTML), made again on today's data and compared.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::analysis::engine::Level;
use crate::report::build::ReportMaker;
use crate::report::model::{Report, ReportRequest};
use crate::services::evaluations::EvaluationError;
use crate::storage::reports::{self, AuditEntry, StoredReport};
use crate::storage::{DbConnection, StorageError, StorageResult, orgs};

/// The formats a stored report is returned in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
    Html,
}

impl Format {
    pub fn code(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Html => "html",
        }
    }
}

fn audit(
    conn: &mut DbConnection,
    org_id: i64,
    actor: &str,
    action: &str,
    report: &Report,
    format: Format,
) -> StorageResult<()> {
    reports::record(
        conn,
        &AuditEntry {
            id: uuid::Uuid::new_v4().to_string(),
            org_id,
            at: crate::storage::now(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            report_id: Some(report.id.clone()),
            scope: serde_json::to_string(&report.request).expect("a request serialises"),
            format: format.code().to_owned(),
        },
    )
}

/// How a report came to be made, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Making {
    /// "create" or "rerun".
    pub action: &'static str,
    /// The format it was first handed out in.
    pub format: Format,
}

/// Makes a report, stores it and records who made it; returns it with its stored JSON.
pub fn create(
    maker: &ReportMaker,
    conn: &mut DbConnection,
    org_id: i64,
    actor: &str,
    request: ReportRequest,
    making: Making,
    progress: &dyn Fn(u64),
) -> Result<(Report, String), EvaluationError> {
    let org = orgs::find(conn, org_id)?.ok_or(StorageError::NotFound)?;
    let report = maker.make(conn, &org, actor, request, progress)?;
    let body = serde_json::to_string(&report).expect("a report serialises");
    reports::insert(
        conn,
        &StoredReport {
            id: report.id.clone(),
            org_id,
            created_at: report.created_at,
            created_by: actor.to_owned(),
            request: serde_json::to_string(&report.request).expect("a request serialises"),
            data_hash: report.data.content_hash.clone(),
            body: body.clone(),
        },
    )?;
    audit(conn, org_id, actor, making.action, &report, making.format)?;
    Ok((report, body))
}

/// A stored report, as stored, and the audit entry of this read.
pub fn read(
    conn: &mut DbConnection,
    org_id: i64,
    id: &str,
    actor: &str,
    format: Format,
) -> StorageResult<Option<(Report, String)>> {
    let Some(stored) = reports::find(conn, org_id, id)? else {
        return Ok(None);
    };
    let report: Report = serde_json::from_str(&stored.body)
        .map_err(|e| StorageError::Config(format!("unreadable stored report: {e}")))?;
    audit(conn, org_id, actor, "read", &report, format)?;
    Ok(Some((report, stored.body)))
}

/// A finding whose level differs between two reports of the same request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindingChange {
    pub rule: String,
    pub group: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Level>,
}

/// A stored report next to the same request made again now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub earlier: String,
    pub later: String,
    /// Whether the data read changed.
    pub data_changed: bool,
    pub applications_before: i64,
    pub applications_after: i64,
    pub changes: Vec<FindingChange>,
}

/// Makes the stored report's request again on today's data (a new stored report) and compares.
pub fn rerun(
    maker: &ReportMaker,
    conn: &mut DbConnection,
    org_id: i64,
    id: &str,
    actor: &str,
) -> Result<Option<Comparison>, EvaluationError> {
    let Some(stored) = reports::find(conn, org_id, id)? else {
        return Ok(None);
    };
    let earlier: Report = serde_json::from_str(&stored.body)
        .map_err(|e| StorageError::Config(format!("unreadable stored report: {e}")))?;
    let making = Making {
        action: "rerun",
        format: Format::Json,
    };
    let (later, _) = create(
        maker,
        conn,
        org_id,
        actor,
        earlier.request.clone(),
        making,
        &|_| {},
    )?;
    let levels = |r: &Report| -> BTreeMap<(String, String), Level> {
        r.findings
            .iter()
            .map(|f| ((f.rule.clone(), f.label.clone()), f.level))
            .collect()
    };
    let (before, after) = (levels(&earlier), levels(&later));
    let mut keys: Vec<&(String, String)> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    let changes = keys
        .into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| FindingChange {
            rule: k.0.clone(),
            group: k.1.clone(),
            before: before.get(k).copied(),
            after: after.get(k).copied(),
        })
        .collect();
    Ok(Some(Comparison {
        earlier: earlier.id.clone(),
        later: later.id.clone(),
        data_changed: earlier.data.content_hash != later.data.content_hash,
        applications_before: earlier.data.applications,
        applications_after: later.data.applications,
        changes,
    }))
}
