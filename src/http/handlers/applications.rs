//! Applications and decisions, one at a time. Bulk loads go through `imports`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, put, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::application::{ApplicationBody, DecisionBody, validate_external_id};
use crate::domain::validation::Errors;
use crate::http::AppState;
use crate::http::auth::{Authorized, WriteData};
use crate::http::extract::ApiJson;
use crate::http::problem::ApiError;
use crate::services::applications::{self, ApplicationView, Write, WriteResult};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WriteResponse {
    pub result: WriteResult,
    pub application: ApplicationView,
}

fn checked_external_id(id: &str) -> Result<(), ApiError> {
    validate_external_id(id).map_err(|reason| ApiError::field("/externalId", reason))
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
            Ok(applications::write(conn, org_id, &external_id, write)?)
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
    let application = state
        .db
        .run(move |conn| -> Result<ApplicationView, ApiError> {
            Ok(applications::find(conn, org_id, &external_id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(application))
}
