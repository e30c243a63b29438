//! Reports in the service: made (the scope, its stored evaluation, one pass over its tagged
//! applications, the overrides of its calls) and stored with an audit entry, returned byte for
//! byte (JSON) or rendered from the stored JSON (CSV, HTML), made again on today's data and
//! compared. The figures themselves are computed by `report::build`, with no I/O.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::analysis::cells::month_of;
use crate::analysis::findings::Level;
use crate::config::ReportSettings;
use crate::report::build::{ReportContext, Tally};
use crate::report::model::{CallOverride, Report, ReportRequest};
use crate::services::compare::{FindingChange, finding_changes};
use crate::services::evaluations::{EvaluationRequest, Evaluator, scope_calls};
use crate::services::{ServiceError, ServiceResult};
use crate::storage::reports::{self, AuditEntry, StoredReport};
use crate::storage::{DbConnection, StorageResult, callchecks, decode_json, orgs, tagged};

/// The formats a stored report is returned in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
    Html,
}

impl Format {
    /// The serde name.
    pub fn code(self) -> &'static str {
        crate::codes::code(&self)
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

/// What a report is made with.
pub struct ReportMaker<'a> {
    pub evaluator: Evaluator<'a>,
    pub settings: &'a ReportSettings,
}

impl ReportMaker<'_> {
    /// Makes the report: the evaluation behind it is stored, the report is not (see [`create`]).
    /// `progress` is told how many applications have been read.
    pub fn make(
        &self,
        conn: &mut DbConnection,
        org: &orgs::Organisation,
        created_by: &str,
        request: ReportRequest,
        progress: &dyn Fn(u64),
    ) -> ServiceResult<Report> {
        let evaluation_request = EvaluationRequest {
            programme: request.programme.clone(),
            call: request.call.clone(),
            from: request.from.clone(),
            to: request.to.clone(),
            dimensions: request.dimensions.clone(),
            depth: request.depth,
            language: request.language,
            ruleset: request.ruleset.clone(),
            region: request.region.clone(),
            ..Default::default()
        }
        .normalised(self.evaluator.default_ruleset)
        .map_err(ServiceError::Invalid)?;
        let request = ReportRequest {
            dimensions: evaluation_request.dimensions.clone(),
            depth: evaluation_request.depth,
            ruleset: evaluation_request.ruleset.clone(),
            ..request
        };
        let call_ids = scope_calls(conn, org.id, &evaluation_request)?;
        let months = evaluation_request.months();
        let evaluation = self
            .evaluator
            .evaluate(conn, org.id, created_by, evaluation_request)?
            .evaluation;
        let result = evaluation.result;

        // One pass over the applications of the scope.
        let mut tally = Tally::new(&request);
        let mut read = 0u64;
        tagged::scan(
            conn,
            org.id,
            result.tagging.scheme_id,
            call_ids.as_deref(),
            |row| {
                let month = month_of(row.figures.received_on);
                if months.is_some_and(|(from, to)| !(from..=to).contains(&month)) {
                    return;
                }
                tally.add(&row);
                read += 1;
                if read.is_multiple_of(10_000) {
                    progress(read);
                }
            },
        )?;
        progress(read);

        let overrides = callchecks::overrides_in(conn, org.id, call_ids.as_deref())?
            .into_iter()
            .map(|(o, call)| CallOverride {
                call,
                call_version: o.call_version,
                reason: o.reason,
                created_at: o.created_at,
                created_by: o.created_by,
            })
            .collect();
        let context = ReportContext {
            id: uuid::Uuid::new_v4().to_string(),
            created_at: crate::storage::now(),
            created_by: created_by.to_owned(),
            organisation: org.code.clone(),
            request,
            ruleset: result.ruleset,
            tagging: result.tagging,
            evaluation_id: evaluation.id,
            findings: &result.outcome.findings,
            baselines: &result.baselines,
            overrides,
        };
        Ok(tally.make(context, self.settings, |notes| {
            decode_json("applications.tag_notes", notes)
        })?)
    }
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
) -> ServiceResult<(Report, String)> {
    let org =
        orgs::find(conn, org_id)?.ok_or_else(|| ServiceError::NotFound("not found".into()))?;
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

/// The stored report `id`, decoded.
fn stored(conn: &mut DbConnection, org_id: i64, id: &str) -> ServiceResult<(Report, String)> {
    let stored = reports::find(conn, org_id, id)?
        .ok_or_else(|| ServiceError::NotFound("no such report".into()))?;
    let report = decode_json("reports.body", &stored.body)?;
    Ok((report, stored.body))
}

/// A stored report, as stored, and the audit entry of this read.
pub fn read(
    conn: &mut DbConnection,
    org_id: i64,
    id: &str,
    actor: &str,
    format: Format,
) -> ServiceResult<(Report, String)> {
    let (report, body) = stored(conn, org_id, id)?;
    audit(conn, org_id, actor, "read", &report, format)?;
    Ok((report, body))
}

/// A finding whose level differs between two reports of the same request (absent: it appeared
/// or went).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportFindingChange {
    pub rule: String,
    /// The group, as the report labels it.
    pub group: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Level>,
}

/// The report's API names the label `group` (docs/api.md); the change is the same.
impl From<FindingChange> for ReportFindingChange {
    fn from(change: FindingChange) -> Self {
        ReportFindingChange {
            rule: change.rule,
            group: change.label,
            before: change.before,
            after: change.after,
        }
    }
}

/// A stored report next to the same request made again now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportRerun {
    pub earlier: String,
    pub later: String,
    /// Whether the data read changed.
    pub data_changed: bool,
    pub applications_before: i64,
    pub applications_after: i64,
    pub changes: Vec<ReportFindingChange>,
}

/// Makes the stored report's request again on today's data (a new stored report) and compares.
pub fn rerun(
    maker: &ReportMaker,
    conn: &mut DbConnection,
    org_id: i64,
    id: &str,
    actor: &str,
) -> ServiceResult<ReportRerun> {
    let (earlier, _) = stored(conn, org_id, id)?;
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
    let changes = finding_changes(
        &earlier.findings,
        &later.findings,
        |f| (f.rule.clone(), f.label.clone()),
        |f| (&f.rule, &f.label, f.level),
    )
    .into_iter()
    .map(ReportFindingChange::from)
    .collect();
    Ok(ReportRerun {
        earlier: earlier.id.clone(),
        later: later.id.clone(),
        data_changed: earlier.data.content_hash != later.data.content_hash,
        applications_before: earlier.data.applications,
        applications_after: later.data.applications,
        changes,
    })
}

/// One line of the audit log, its scope read back.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditLine {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_id: Option<String>,
    /// The report's request.
    #[schema(value_type = Object)]
    pub scope: serde_json::Value,
    pub format: String,
}

/// One page of the audit log, newest first, before `before` (time and entry id) when given.
pub fn audit_page(
    conn: &mut DbConnection,
    org_id: i64,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> ServiceResult<Vec<AuditLine>> {
    reports::audit_page(conn, org_id, before, limit)?
        .into_iter()
        .map(|e| {
            Ok(AuditLine {
                scope: decode_json("audit_log.scope", &e.scope)?,
                id: e.id,
                at: e.at,
                actor: e.actor,
                action: e.action,
                report_id: e.report_id,
                format: e.format,
            })
        })
        .collect()
}
