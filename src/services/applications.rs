//! Applications and decisions one at a time: written through the same writer as bulk imports
//! (one transaction with the statistics cube), and read back with their decisions and groups.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::applicant::ApplicantFacts;
use crate::domain::application::{Application, Decision, DecisionReason, Outcome};
use crate::domain::money::{MoneyDto, Ore};
use crate::domain::tagging::{Dimension, TagSource};
use crate::services::{ServiceError, ServiceResult};
use crate::storage::applications::{self, ApplicationRecord};
use crate::storage::ingest::{IngestContext, IngestRow, RowResult, write_batch};
use crate::storage::{DbConnection, StorageError, StorageResult, decode_json, orgs, write_tx};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicantView {
    /// The pseudonymous applicant key (a keyed hash of the organisation number).
    pub applicant_key: String,
    #[serde(flatten)]
    pub facts: ApplicantFacts,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionView {
    pub version: i32,
    pub outcome: Outcome,
    pub amount_granted: MoneyDto,
    #[schema(value_type = String, format = Date)]
    pub decided_on: chrono::NaiveDate,
    pub reason: DecisionReason,
    pub recorded_at: chrono::NaiveDateTime,
}

/// A group the application counts in, under the organisation's current tagging scheme.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    pub dimension: Dimension,
    pub value: String,
    pub source: TagSource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationView {
    pub external_id: String,
    pub call_code: String,
    #[schema(value_type = String, format = Date)]
    pub received_on: chrono::NaiveDate,
    pub amount_applied: MoneyDto,
    pub applicant: ApplicantView,
    /// Bumped each time the application's content changes.
    pub revision: i32,
    /// Every decision version, oldest first; the last is in force.
    pub decisions: Vec<DecisionView>,
    pub groups: Vec<GroupView>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl ApplicationView {
    fn from_record(record: ApplicationRecord) -> StorageResult<Self> {
        let facts: ApplicantFacts = decode_json("applications.facts", &record.row.facts)?;
        let decisions = record
            .decisions
            .into_iter()
            .map(|d| DecisionView {
                version: d.version,
                outcome: d.outcome,
                amount_granted: MoneyDto::sek(Ore(d.amount_granted_ore)),
                decided_on: d.decided_on,
                reason: d.reason,
                recorded_at: d.recorded_at,
            })
            .collect();
        let groups = record
            .tags
            .map(|tags| {
                Dimension::ALL
                    .iter()
                    .map(|d| {
                        let t = tags.get(*d);
                        GroupView {
                            dimension: *d,
                            value: t.value.clone(),
                            source: t.source,
                            reason: t.reason.clone(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            external_id: record.row.external_id,
            call_code: record.call_code,
            received_on: record.row.received_on,
            amount_applied: MoneyDto::sek(Ore(record.row.amount_applied_ore)),
            applicant: ApplicantView {
                applicant_key: record.row.applicant_key,
                facts,
            },
            revision: record.row.revision,
            decisions,
            groups,
            created_at: record.row.created_at,
            updated_at: record.row.updated_at,
        })
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteResult {
    Created,
    Updated,
    DecisionRecorded,
    /// The same content was already stored: nothing changed.
    Unchanged,
}

/// What a single write carries.
pub enum Write {
    Application(Box<Application>),
    Decision(Decision),
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("no application with this external id".into())
}

/// Writes one application or decision (in one transaction with the cube) and reads the
/// application back.
pub fn write(
    conn: &mut DbConnection,
    org_id: i64,
    external_id: &str,
    write: Write,
) -> ServiceResult<(WriteResult, ApplicationView)> {
    let scheme = orgs::current_scheme(conn, org_id)?;
    let scheme_id = scheme.id;
    let row = match write {
        Write::Application(app) => IngestRow::application(0, external_id.to_owned(), *app, &scheme),
        Write::Decision(decision) => IngestRow::decision(external_id.to_owned(), decision),
    };
    let mut ctx = IngestContext::new(org_id, scheme);
    let result = write_tx(conn, org_id, |c| write_batch(c, &mut ctx, vec![row]))?
        .pop()
        .ok_or_else(|| StorageError::Config("no result for a written row".into()))?;
    let result = match result {
        RowResult::Created { .. } => WriteResult::Created,
        RowResult::Updated { .. } => WriteResult::Updated,
        RowResult::DecisionRecorded { .. } => WriteResult::DecisionRecorded,
        RowResult::Unchanged { .. } => WriteResult::Unchanged,
        RowResult::Rejected(errors) => return Err(ServiceError::Invalid(errors)),
        RowResult::NotFound => return Err(not_found()),
    };
    let record = applications::find(conn, org_id, scheme_id, external_id)?
        .ok_or_else(|| StorageError::Config("written application not found".into()))?;
    Ok((result, ApplicationView::from_record(record)?))
}

/// The application with its decision history and its groups under the current scheme.
pub fn find(
    conn: &mut DbConnection,
    org_id: i64,
    external_id: &str,
) -> ServiceResult<ApplicationView> {
    let scheme = orgs::current_scheme(conn, org_id)?;
    let record = applications::find(conn, org_id, scheme.id, external_id)?.ok_or_else(not_found)?;
    Ok(ApplicationView::from_record(record)?)
}
