//! Applications and decisions, one at a time. Bulk loads go through `imports`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, put, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::applicant::ApplicantFacts;
use crate::domain::application::{
    Application, ApplicationBody, Decision, DecisionBody, DecisionReason, Outcome,
    validate_external_id,
};
use crate::domain::money::{MoneyDto, Ore};
use crate::domain::tagging::{Dimension, TagSource};
use crate::domain::validation::Errors;
use crate::http::AppState;
use crate::http::auth::{Authorized, WriteData};
use crate::http::extract::ApiJson;
use crate::http::problem::ApiError;
use crate::storage::applications::{self, ApplicationRecord};
use crate::storage::ingest::{IngestContext, IngestRow, RowResult, write_batch};
use crate::storage::{orgs, write_tx};

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
    fn from_record(record: ApplicationRecord) -> Result<Self, ApiError> {
        let facts: ApplicantFacts = serde_json::from_str(&record.row.facts)
            .map_err(|e| ApiError::Internal(format!("stored facts unreadable: {e}")))?;
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

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WriteResponse {
    pub result: WriteResult,
    pub application: ApplicationView,
}

fn checked_external_id(id: &str) -> Result<(), ApiError> {
    validate_external_id(id).map_err(|reason| ApiError::field("/externalId", reason))
}

/// What a single write carries.
enum Write {
    Application(Box<Application>),
    Decision(Decision),
}

/// Writes one row and reads the application back, in one blocking task.
async fn write_one(
    state: &AppState,
    org_id: i64,
    external_id: String,
    write: Write,
) -> Result<(WriteResult, ApplicationView), ApiError> {
    state
        .db
        .run(move |conn| -> Result<_, ApiError> {
            let scheme = orgs::current_scheme(conn, org_id)?;
            let scheme_id = scheme.id;
            let row = match write {
                Write::Application(app) => {
                    IngestRow::application(0, external_id.clone(), *app, &scheme)
                }
                Write::Decision(decision) => IngestRow::decision(external_id.clone(), decision),
            };
            let mut ctx = IngestContext::new(org_id, scheme);
            let result = write_tx(conn, org_id, |c| write_batch(c, &mut ctx, vec![row]))?
                .pop()
                .ok_or_else(|| ApiError::Internal("no result for a written row".into()))?;
            let result = match result {
                RowResult::Created { .. } => WriteResult::Created,
                RowResult::Updated { .. } => WriteResult::Updated,
                RowResult::DecisionRecorded { .. } => WriteResult::DecisionRecorded,
                RowResult::Unchanged { .. } => WriteResult::Unchanged,
                RowResult::Rejected(errors) => return Err(ApiError::Validation(errors)),
                RowResult::NotFound => {
                    return Err(ApiError::NotFound(
                        "no application with this external id".into(),
                    ));
                }
            };
            let record = applications::find(conn, org_id, scheme_id, &external_id)?
                .ok_or_else(|| ApiError::Internal("written application not found".into()))?;
            Ok((result, ApplicationView::from_record(record)?))
        })
        .await
}

fn respond(result: WriteResult, application: ApplicationView) -> HttpResponse {
    let location = format!("/api/v1/applications/{}", application.external_id);
    let mut response = match result {
        WriteResult::Created | WriteResult::DecisionRecorded => HttpResponse::Created(),
        WriteResult::Updated | WriteResult::Unchanged => HttpResponse::Ok(),
    };
    response
        .insert_header((header::LOCATION, location))
        .json(WriteResponse {
            result,
            application,
        })
}

/// Create or replace an application (with its decision, if given). Replaying the same body
/// changes nothing and answers `"result": "unchanged"`.
#[utoipa::path(tag = "applications", request_body = ApplicationBody,
    params(("externalId" = String, Path, description = "the source system's id")),
    responses(
        (status = 201, description = "created", body = WriteResponse),
        (status = 200, description = "updated, decision recorded, or unchanged", body = WriteResponse),
        (status = 422, description = "invalid fields, e.g. an unknown /callCode", body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[put("/applications/{externalId}")]
pub async fn put_application(
    caller: Authorized<WriteData>,
    state: web::Data<AppState>,
    external_id: web::Path<String>,
    ApiJson(body): ApiJson<ApplicationBody>,
) -> Result<HttpResponse, ApiError> {
    let external_id = external_id.into_inner();
    checked_external_id(&external_id)?;
    let application = body.parse(&state.keys).map_err(ApiError::Validation)?;
    let (result, view) = write_one(
        &state,
        caller.org_id,
        external_id,
        Write::Application(Box::new(application)),
    )
    .await?;
    Ok(respond(result, view))
}

/// Record a decision, or a new version of it (reconsidered, appealed, corrected).
#[utoipa::path(tag = "applications", request_body = DecisionBody,
    params(("externalId" = String, Path)),
    responses(
        (status = 201, description = "a new decision version", body = WriteResponse),
        (status = 200, description = "the same decision was already in force", body = WriteResponse),
        (status = 404, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[put("/applications/{externalId}/decision")]
pub async fn put_decision(
    caller: Authorized<WriteData>,
    state: web::Data<AppState>,
    external_id: web::Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let external_id = external_id.into_inner();
    checked_external_id(&external_id)?;
    let mut errors = Errors::new();
    if let Err(e) = validator::Validate::validate(&body) {
        errors.extend(crate::domain::validation::from_validator(&e));
    }
    let decision = if errors.is_empty() {
        body.parse("", None, None, &mut errors)
    } else {
        None
    };
    let decision = decision.ok_or_else(|| ApiError::Validation(errors.into_vec()))?;
    let (result, view) = write_one(
        &state,
        caller.org_id,
        external_id,
        Write::Decision(decision),
    )
    .await?;
    Ok(respond(result, view))
}

/// The application and its decision history, for the integrator that sent it.
#[utoipa::path(tag = "applications", params(("externalId" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/applications/{externalId}")]
pub async fn get_application(
    caller: Authorized<WriteData>,
    state: web::Data<AppState>,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let external_id = external_id.into_inner();
    checked_external_id(&external_id)?;
    let org_id = caller.org_id;
    let record = state
        .db
        .run(move |conn| -> Result<_, ApiError> {
            let scheme = orgs::current_scheme(conn, org_id)?;
            Ok(applications::find(conn, org_id, scheme.id, &external_id)?)
        })
        .await?
        .ok_or_else(|| ApiError::NotFound("no application with this external id".into()))?;
    Ok(HttpResponse::Ok().json(ApplicationView::from_record(record)?))
}
