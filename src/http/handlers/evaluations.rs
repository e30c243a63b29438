//! Evaluations, rule sets, baselines and the organisation's tagging definition.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::analysis::baselines::BaselineShare;
use crate::analysis::rules::RuleSet;
use crate::domain::tagging::{BackgroundDefinition, GenderDefinition, TaggingScheme};
use crate::http::AppState;
use crate::http::auth::{Administer, Authorized, Evaluate, ManageBaselines};
use crate::http::extract::ApiJson;
use crate::http::idempotency::{Created, body_hash, once};
use crate::http::problem::ApiError;
use crate::services::baselines::{self, BaselineUpload};
use crate::services::evaluations::{
    self, Evaluated, Evaluation, EvaluationRequest, EvaluationRerun, Evaluator,
};
use crate::services::retag::{self, Retagged};
use crate::storage::{self, orgs};

pub(crate) fn evaluator(state: &AppState) -> Evaluator<'_> {
    Evaluator::new(&state.settings.rules, Some(&state.cubes))
}

/// The stored JSON of an evaluation, as it was returned.
fn json_body(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body)
}

/// Evaluate a scope: every rule over every group of the requested dimensions and their
/// intersections. The result is stored and can be fetched again unchanged.
#[utoipa::path(tag = "evaluations", request_body = EvaluationRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry safely")),
    responses(
        (status = 201, body = Evaluation),
        (status = 422, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[post("/evaluations")]
pub async fn create_evaluation(
    caller: Authorized<Evaluate>,
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(request): ApiJson<EvaluationRequest>,
) -> Result<HttpResponse, ApiError> {
    let hash = body_hash(&[serde_json::to_string(&request)
        .unwrap_or_default()
        .as_bytes()]);
    once(&state, &caller, &req, hash, || async {
        let (org_id, subject) = (caller.org_id, caller.subject.clone());
        let app = state.clone();
        let evaluated = state
            .db
            .run(move |conn| -> Result<Evaluated, ApiError> {
                Ok(evaluator(&app).evaluate(conn, org_id, &subject, request)?)
            })
            .await?;
        Ok(Created {
            status: StatusCode::CREATED,
            location: Some(format!("/api/v1/evaluations/{}", evaluated.evaluation.id)),
            body: evaluated.body,
        })
    })
    .await
}

/// An evaluation, byte for byte as it was made.
#[utoipa::path(tag = "evaluations", params(("id" = String, Path)),
    responses((status = 200, body = Evaluation), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/evaluations/{id}")]
pub async fn get_evaluation(
    caller: Authorized<Evaluate>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, id) = (caller.org_id, id.into_inner());
    let body = state
        .db
        .run(move |conn| -> Result<String, ApiError> {
            Ok(evaluations::stored(conn, org_id, &id)?)
        })
        .await?;
    Ok(json_body(StatusCode::OK, body))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RerunResponse {
    pub comparison: EvaluationRerun,
    pub evaluation: Evaluation,
}

/// Run an evaluation's request again on today's data and compare the two.
#[utoipa::path(tag = "evaluations", params(("id" = String, Path)),
    responses((status = 201, body = RerunResponse), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[post("/evaluations/{id}/rerun")]
pub async fn rerun_evaluation(
    caller: Authorized<Evaluate>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, subject, id) = (caller.org_id, caller.subject.clone(), id.into_inner());
    let app = state.clone();
    let (comparison, evaluation) = state
        .db
        .run(move |conn| -> Result<_, ApiError> {
            Ok(evaluations::rerun(
                &evaluator(&app),
                conn,
                org_id,
                &subject,
                &id,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/evaluations/{}", evaluation.id),
        ))
        .json(RerunResponse {
            comparison,
            evaluation,
        }))
}

/// The rule sets and their rules.
#[utoipa::path(tag = "evaluations",
    responses((status = 200, body = Vec<RuleSet>)), security(("bearer" = [])))]
#[get("/rulesets")]
pub async fn list_rulesets(
    _caller: Authorized<Evaluate>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let sets = RuleSet::load_all(&state.settings.rules.dir).map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok().json(sets))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BaselinesStored {
    pub stored: usize,
}

/// Supply baseline shares (directly, or as a JSON-stat 2.0 table with a mapping); shares for a
/// group, region and year that exist are replaced.
#[utoipa::path(tag = "evaluations", request_body = BaselineUpload,
    responses((status = 200, body = BaselinesStored), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[put("/baselines")]
pub async fn put_baselines(
    caller: Authorized<ManageBaselines>,
    state: web::Data<AppState>,
    ApiJson(upload): ApiJson<BaselineUpload>,
) -> Result<HttpResponse, ApiError> {
    let org_id = caller.org_id;
    let stored = state
        .db
        .run(move |conn| -> Result<usize, ApiError> { Ok(baselines::store(conn, org_id, upload)?) })
        .await?;
    Ok(HttpResponse::Ok().json(BaselinesStored { stored }))
}

/// The organisation's baseline shares.
#[utoipa::path(tag = "evaluations",
    responses((status = 200, body = Vec<BaselineShare>)), security(("bearer" = [])))]
#[get("/baselines")]
pub async fn get_baselines(
    caller: Authorized<Evaluate>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org_id = caller.org_id;
    let all = state
        .db
        .run(move |conn| storage::baselines::all(conn, org_id))
        .await?;
    Ok(HttpResponse::Ok().json(all))
}

/// The definitions to tag by.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaggingChange {
    pub gender_definition: GenderDefinition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_definition: Option<BackgroundDefinition>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaggingView {
    pub scheme_id: i64,
    pub name: String,
    pub fingerprint: String,
    pub definition: TaggingScheme,
}

/// The organisation's current tagging scheme.
#[utoipa::path(tag = "organisation",
    responses((status = 200, body = TaggingView)), security(("bearer" = [])))]
#[get("/organisation/tagging")]
pub async fn get_tagging(
    caller: Authorized<Evaluate>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org_id = caller.org_id;
    let current = state
        .db
        .run(move |conn| orgs::current_scheme(conn, org_id))
        .await?;
    Ok(HttpResponse::Ok().json(TaggingView {
        scheme_id: current.id,
        name: current.scheme.name(),
        fingerprint: current.scheme.fingerprint(),
        definition: current.scheme,
    }))
}

/// Change how firms are tagged: every application is tagged again; the earlier tags and
/// statistics stay under the earlier scheme.
#[utoipa::path(tag = "organisation", request_body = TaggingChange,
    responses((status = 200, body = Retagged)), security(("bearer" = [])))]
#[put("/organisation/tagging")]
pub async fn put_tagging(
    caller: Authorized<Administer>,
    state: web::Data<AppState>,
    ApiJson(change): ApiJson<TaggingChange>,
) -> Result<HttpResponse, ApiError> {
    let org_id = caller.org_id;
    let retagged = state
        .db
        .run(move |conn| -> Result<Retagged, ApiError> {
            Ok(retag::change_definitions(
                conn,
                org_id,
                change.gender_definition,
                change.background_definition,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(retagged))
}
