//! The call check in the service: gathers what the checks read (the call's design, the firm
//! population, an evaluation of the programme's earlier calls), runs them, stores the result
//! with the call's version, keeps the history of checks and overrides, stores firm populations,
//! evaluates the running allocation of an open call, and decides whether a call may be
//! published.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::analysis::findings::Level;
use crate::callcheck::checks::{
    self, CheckInputs, CheckReport, EarlierCalls, EarlierFinding, Verdict,
};
use crate::callcheck::design::CallDesign;
use crate::callcheck::eligibility::{Population, PopulationUpload};
use crate::config::CallCheckSettings;
use crate::domain::tagging::Dimension;
use crate::locale::Language;
use crate::services::calls::{self, Call};
use crate::services::evaluations::{EvaluationRequest, EvaluationResult, Evaluator};
use crate::services::publication::{Publication, publication};
use crate::services::{ServiceError, ServiceResult};
use crate::storage::callchecks::{self, StoredCheck, StoredOverride};
use crate::storage::programmes;
use crate::storage::{DbConnection, StorageResult, decode_json};

/// A stored check, as returned (and stored, byte for byte).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallCheck {
    pub id: String,
    pub call_id: i64,
    pub call_code: String,
    /// The version of the call that was checked.
    pub call_version: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    #[serde(flatten)]
    pub report: CheckReport,
}

/// A case officer's decision to publish although a check of this version failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Override {
    pub id: String,
    pub call_version: i32,
    pub reason: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

impl From<StoredOverride> for Override {
    fn from(o: StoredOverride) -> Self {
        Self {
            id: o.id,
            call_version: o.call_version,
            reason: o.reason,
            created_at: o.created_at,
            created_by: o.created_by,
        }
    }
}

/// Runs call checks for one organisation.
pub struct CallChecker<'a> {
    pub settings: &'a CallCheckSettings,
    pub evaluator: Evaluator<'a>,
}

impl CallChecker<'_> {
    /// Checks the current version of the stored call `call_id` and stores the result; returns
    /// it with its stored JSON.
    pub fn check_call(
        &self,
        conn: &mut DbConnection,
        org_id: i64,
        call_id: i64,
        created_by: &str,
        language: Language,
        region: Option<String>,
    ) -> ServiceResult<(CallCheck, String)> {
        let Call {
            stored: call,
            design,
            ..
        } = calls::find(conn, org_id, call_id)?;
        let report = self.run(
            conn,
            org_id,
            &design,
            Some(&call.programme_code),
            Some(&call.call.code),
            created_by,
            language,
            region,
        )?;
        let check = CallCheck {
            id: uuid::Uuid::new_v4().to_string(),
            call_id: call.call.id,
            call_code: call.call.code.clone(),
            call_version: call.call.version,
            created_at: crate::storage::now(),
            created_by: created_by.to_owned(),
            report,
        };
        let body = serde_json::to_string(&check).expect("a check serialises");
        callchecks::insert_check(
            conn,
            &StoredCheck {
                id: check.id.clone(),
                org_id,
                call_id: check.call_id,
                call_version: check.call_version,
                verdict: check.report.verdict.code().to_owned(),
                created_at: check.created_at,
                created_by: check.created_by.clone(),
                body: body.clone(),
            },
        )?;
        Ok((check, body))
    }

    /// Runs every check on `design`; the programme's earlier calls are evaluated (and that
    /// evaluation stored) when the programme is known, against the baselines of `region`, else
    /// of the one county the design names.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &self,
        conn: &mut DbConnection,
        org_id: i64,
        design: &CallDesign,
        programme: Option<&str>,
        this_call: Option<&str>,
        created_by: &str,
        language: Language,
        region: Option<String>,
    ) -> ServiceResult<CheckReport> {
        let population = population_for(conn, org_id, design)?;
        let region = region.or_else(|| design.single_county());
        let earlier = match programme {
            Some(code) => {
                Some(self.earlier_calls(conn, org_id, code, this_call, created_by, region)?)
            }
            None => None,
        };
        Ok(checks::run(
            design,
            &CheckInputs {
                settings: self.settings,
                language,
                population: population.as_ref(),
                earlier: earlier.as_ref(),
            },
        ))
    }

    fn earlier_calls(
        &self,
        conn: &mut DbConnection,
        org_id: i64,
        programme: &str,
        this_call: Option<&str>,
        created_by: &str,
        region: Option<String>,
    ) -> ServiceResult<EarlierCalls> {
        let Some(found) = programmes::find_programme(conn, org_id, programme)? else {
            return Err(ServiceError::field(
                "/programmeCode",
                "no programme with this code in this organisation",
            ));
        };
        let this_id = match this_call {
            Some(code) => programmes::find_call_by_code(conn, org_id, code)?.map(|c| c.call.id),
            None => None,
        };
        let calls = programmes::call_ids_of_programme(conn, org_id, found.id)?
            .into_iter()
            .filter(|id| Some(*id) != this_id)
            .count();
        if calls == 0 {
            return Ok(EarlierCalls {
                evaluation_id: None,
                calls: 0,
                applications: 0,
                decided: 0,
                findings: Vec::new(),
            });
        }
        let request = EvaluationRequest {
            programme: Some(programme.to_owned()),
            except_call: this_id.and(this_call.map(str::to_owned)),
            dimensions: self
                .settings
                .earlier_dimensions
                .iter()
                .filter_map(|d| Dimension::from_code(d))
                .collect(),
            depth: Some(self.settings.earlier_depth),
            region,
            ..Default::default()
        };
        let evaluated = self.evaluator.evaluate(conn, org_id, created_by, request)?;
        let result = &evaluated.evaluation.result;
        let mut findings: Vec<EarlierFinding> = result
            .outcome
            .findings
            .iter()
            .filter(|f| matches!(f.level, Level::Red | Level::Watch))
            .map(|f| EarlierFinding {
                rule: f.rule.clone(),
                group: f.label.clone(),
                level: f.level,
                approvals_gap: f.resource_gap.as_ref().map(|g| g.approvals_at_parity),
                sek_gap: f.resource_gap.as_ref().map(|g| g.sek_at_parity),
                explanation: f.explanation.clone(),
            })
            .collect();
        // Red before watch; the engine's own order within each.
        findings.sort_by_key(|f| f.level);
        Ok(EarlierCalls {
            evaluation_id: Some(evaluated.evaluation.id.clone()),
            calls,
            applications: result.data.applications,
            decided: result.data.judged,
            findings,
        })
    }

    /// The running allocation of the call `call_id`, evaluated now (not stored), over the
    /// dimensions the checks read of earlier calls.
    pub fn monitor(
        &self,
        conn: &mut DbConnection,
        org_id: i64,
        call_id: i64,
        language: Language,
        region: Option<String>,
    ) -> ServiceResult<(Call, EvaluationResult)> {
        let call = calls::find(conn, org_id, call_id)?;
        let request = EvaluationRequest {
            call: Some(call.stored.call.code.clone()),
            dimensions: self
                .settings
                .earlier_dimensions
                .iter()
                .filter_map(|d| Dimension::from_code(d))
                .collect(),
            depth: Some(self.settings.earlier_depth),
            language,
            region: region.or_else(|| call.design.single_county()),
            ..Default::default()
        };
        let (evaluation, _) = self.evaluator.compute(conn, org_id, request)?;
        Ok((call, evaluation))
    }
}

/// A change of verdict between the two newest checks.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerdictChange {
    pub check: String,
    pub from: Verdict,
    pub to: Verdict,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckHistory {
    /// The call's current version.
    pub call_version: i32,
    /// Whether the call may be published now (a check of this version without fail, or an
    /// override).
    pub publishable: bool,
    /// Newest first.
    pub checks: Vec<CallCheck>,
    /// What changed from the second newest check to the newest.
    pub changes: Vec<VerdictChange>,
    pub overrides: Vec<Override>,
}

/// The checks of the call `call_id`, newest first, with what changed between the last two, the
/// overrides recorded and whether it may be published now.
pub fn history(conn: &mut DbConnection, org_id: i64, call_id: i64) -> ServiceResult<CheckHistory> {
    let call = calls::find(conn, org_id, call_id)?;
    let checks = callchecks::checks_of_call(conn, org_id, call_id)?
        .into_iter()
        .map(|c| decode_json::<CallCheck>("call_checks.body", &c.body))
        .collect::<StorageResult<Vec<_>>>()?;
    let changes = match checks.as_slice() {
        [newest, previous, ..] => verdict_changes(&previous.report, &newest.report),
        _ => Vec::new(),
    };
    let publishable = publication(conn, org_id, &call.stored)? == Publication::Allowed;
    Ok(CheckHistory {
        call_version: call.stored.call.version,
        publishable,
        checks,
        changes,
        overrides: callchecks::overrides_of_call(conn, org_id, call_id)?
            .into_iter()
            .map(Override::from)
            .collect(),
    })
}

fn verdict_changes(before: &CheckReport, after: &CheckReport) -> Vec<VerdictChange> {
    after
        .checks
        .iter()
        .filter_map(|now| {
            let then = before.checks.iter().find(|c| c.id == now.id)?;
            (then.verdict != now.verdict).then(|| VerdictChange {
                check: now.id.code().to_owned(),
                from: then.verdict,
                to: now.verdict,
            })
        })
        .collect()
}

/// A firm population as stored.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PopulationStored {
    pub region: String,
    pub year: i32,
    pub source: String,
    pub cells: usize,
}

/// Stores an uploaded firm population, replacing an earlier one of the same region and year.
pub fn store_population(
    conn: &mut DbConnection,
    org_id: i64,
    upload: PopulationUpload,
) -> ServiceResult<PopulationStored> {
    let population = upload.into_population().map_err(ServiceError::Invalid)?;
    let body = serde_json::to_string(&population).expect("a population serialises");
    callchecks::put_population(conn, org_id, &population.region, population.year, &body)?;
    Ok(PopulationStored {
        region: population.region,
        year: population.year,
        source: population.source,
        cells: population.cells.len(),
    })
}

/// The firm population for a call: of its one county where it names one, else the newest.
fn population_for(
    conn: &mut DbConnection,
    org_id: i64,
    design: &CallDesign,
) -> StorageResult<Option<Population>> {
    let stored = match design.single_county() {
        Some(county) => callchecks::latest_population(conn, org_id, Some(&county))?.map_or_else(
            || callchecks::latest_population(conn, org_id, None),
            |b| Ok(Some(b)),
        )?,
        None => callchecks::latest_population(conn, org_id, None)?,
    };
    stored
        .map(|body| decode_json("firm_populations.body", &body))
        .transpose()
}

/// Records an override for the current version of the call `call_id`; there must be a check of
/// it to override, and a reason of 10 to 4,000 characters.
pub fn record_override(
    conn: &mut DbConnection,
    org_id: i64,
    call_id: i64,
    reason: &str,
    created_by: &str,
) -> Result<Override, OverrideError> {
    if !(10..=4_000).contains(&reason.trim().chars().count()) {
        return Err(
            ServiceError::field("/reason", "must say why, in 10 to 4,000 characters").into(),
        );
    }
    let call = calls::find(conn, org_id, call_id)?.stored;
    let version = call.call.version;
    let checked = callchecks::checks_of_call(conn, org_id, call.call.id)?
        .iter()
        .any(|c| c.call_version == version);
    if !checked {
        return Err(OverrideError::Unchecked(version));
    }
    let record = StoredOverride {
        id: uuid::Uuid::new_v4().to_string(),
        org_id,
        call_id: call.call.id,
        call_version: version,
        reason: reason.trim().to_owned(),
        created_at: crate::storage::now(),
        created_by: created_by.to_owned(),
    };
    callchecks::insert_override(conn, &record)?;
    Ok(record.into())
}

/// Why an override was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    /// The current version has no check to override.
    #[error("version {0} of the call has not been checked")]
    Unchecked(i32),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<crate::storage::StorageError> for OverrideError {
    fn from(error: crate::storage::StorageError) -> Self {
        OverrideError::Service(error.into())
    }
}
