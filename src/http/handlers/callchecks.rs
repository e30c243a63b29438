//! The call check: checks of a call's versions, overrides, the running allocation of an open
//! call, checks of drafts that are not stored, and the firm population the checks measure
//! eligibility rules against.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::callcheck::checks::CheckReport;
use crate::callcheck::design::CallDesign;
use crate::callcheck::eligibility::PopulationUpload;
use crate::domain::validation::Errors;
use crate::http::AppState;
use crate::http::auth::{Authorized, CheckCalls, Evaluate, ManageBaselines};
use crate::http::extract::ApiJson;
use crate::http::handlers::calls::CallView;
use crate::http::handlers::evaluations::evaluator;
use crate::http::idempotency::{Created, body_hash, once};
use crate::http::problem::ApiError;
use crate::locale::Language;
use crate::services::callchecks::{
    self, CallCheck, CallChecker, CheckHistory, Override, OverrideError, PopulationStored,
    record_override,
};
use crate::services::evaluations::EvaluationResult;

fn checker(state: &AppState) -> CallChecker<'_> {
    CallChecker {
        settings: &state.settings.call_check,
        evaluator: evaluator(state),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CheckQuery {
    /// sv (default) or en.
    pub language: Option<Language>,
    /// Region of the baselines the evaluation reads (a county code or SE), where the
    /// organisation has baselines for several and the call names no single county.
    pub region: Option<String>,
}

/// Check the current version of a call before it is published. The result is stored with that
/// version.
#[utoipa::path(tag = "call checks", params(("id" = i64, Path), CheckQuery),
    responses(
        (status = 201, body = CallCheck),
        (status = 404, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[post("/calls/{id}/checks")]
pub async fn check_call(
    caller: Authorized<CheckCalls>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<CheckQuery>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, id) = (caller.org_id, id.into_inner());
    let CheckQuery { language, region } = query.into_inner();
    let subject = caller.subject.clone();
    let app = state.clone();
    let (_, body) = state
        .db
        .run(move |conn| -> Result<(CallCheck, String), ApiError> {
            let language = language.unwrap_or_default();
            Ok(checker(&app).check_call(conn, org_id, id, &subject, language, region)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .content_type("application/json")
        .insert_header(("Location", format!("/api/v1/calls/{id}/checks")))
        .body(body))
}

/// Earlier checks of a call, newest first, with what changed between the last two and the
/// overrides recorded.
#[utoipa::path(tag = "call checks", params(("id" = i64, Path)),
    responses(
        (status = 200, body = CheckHistory),
        (status = 404, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[get("/calls/{id}/checks")]
pub async fn list_checks(
    caller: Authorized<Evaluate>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, id) = (caller.org_id, id.into_inner());
    let history = state
        .db
        .run(move |conn| -> Result<CheckHistory, ApiError> {
            Ok(callchecks::history(conn, org_id, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(history))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OverrideBody {
    /// Why the call is published although a check failed; kept and shown with the call.
    pub reason: String,
}

/// Record that the current version may be published although its check failed, and why.
#[utoipa::path(tag = "call checks", params(("id" = i64, Path)), request_body = OverrideBody,
    responses(
        (status = 201, body = Override),
        (status = 404, body = crate::http::problem::Problem),
        (status = 409, description = "the current version has not been checked", body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[post("/calls/{id}/overrides")]
pub async fn create_override(
    caller: Authorized<CheckCalls>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    ApiJson(body): ApiJson<OverrideBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.reason.trim().to_owned();
    if !(10..=4_000).contains(&reason.chars().count()) {
        return Err(ApiError::field(
            "/reason",
            "must say why, in 10 to 4,000 characters",
        ));
    }
    let id = id.into_inner();
    let hash = body_hash(&[id.to_string().as_bytes(), reason.as_bytes()]);
    once(&state, &caller, &req, hash, || async {
        let (org_id, subject) = (caller.org_id, caller.subject.clone());
        let recorded = state
            .db
            .run(move |conn| -> Result<Override, ApiError> {
                record_override(conn, org_id, id, &reason, &subject).map_err(|e| match e {
                    OverrideError::Unchecked(version) => ApiError::Conflict(format!(
                        "version {version} of the call has not been checked: POST /api/v1/calls/{id}/checks first"
                    )),
                    OverrideError::Service(e) => e.into(),
                })
            })
            .await?;
        Ok(Created::json(
            StatusCode::CREATED,
            &recorded,
            Some(format!("/api/v1/calls/{id}/checks")),
        ))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Monitor {
    pub call: CallView,
    /// The running allocation, evaluated now (not stored).
    pub evaluation: EvaluationResult,
}

/// The running allocation of a call, evaluated as decisions arrive, so a skew is seen before
/// the call closes.
#[utoipa::path(tag = "call checks", params(("id" = i64, Path), CheckQuery),
    responses(
        (status = 200, body = Monitor),
        (status = 404, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[get("/calls/{id}/monitor")]
pub async fn monitor_call(
    caller: Authorized<Evaluate>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<CheckQuery>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, id) = (caller.org_id, id.into_inner());
    let CheckQuery { language, region } = query.into_inner();
    let app = state.clone();
    let (call, evaluation) = state
        .db
        .run(move |conn| -> Result<_, ApiError> {
            let language = language.unwrap_or_default();
            Ok(checker(&app).monitor(conn, org_id, id, language, region)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Monitor {
        call: CallView::from(call),
        evaluation,
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DraftCheckBody {
    /// The programme, so its earlier calls are evaluated too.
    #[serde(default)]
    pub programme_code: Option<String>,
    pub design: CallDesign,
    #[serde(default)]
    pub language: Language,
    /// As for stored calls: the baselines' region where the design names no single county.
    #[serde(default)]
    pub region: Option<String>,
}

/// Check a draft that is not stored (for integrations). The draft is not kept; the evaluation
/// of the programme's earlier calls is stored like any evaluation.
#[utoipa::path(tag = "call checks", request_body = DraftCheckBody,
    responses(
        (status = 200, body = CheckReport),
        (status = 422, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[post("/call-checks")]
pub async fn check_draft(
    caller: Authorized<CheckCalls>,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<DraftCheckBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Errors::new();
    body.design.validate("/design", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors.into_vec()));
    }
    let (org_id, subject) = (caller.org_id, caller.subject.clone());
    let app = state.clone();
    let report = state
        .db
        .run(move |conn| -> Result<CheckReport, ApiError> {
            Ok(checker(&app).run(
                conn,
                org_id,
                &body.design,
                body.programme_code.as_deref(),
                None,
                &subject,
                body.language,
                body.region,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Store the firm population (by sector, size, turnover, legal form, geography and group) that
/// eligibility rules are measured against; replaces an earlier upload for the same region and
/// year. Cells directly, or a JSON-stat 2.0 table with a mapping.
#[utoipa::path(tag = "call checks", request_body = PopulationUpload,
    responses(
        (status = 200, body = PopulationStored),
        (status = 422, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[put("/firm-population")]
pub async fn put_population(
    caller: Authorized<ManageBaselines>,
    state: web::Data<AppState>,
    ApiJson(upload): ApiJson<PopulationUpload>,
) -> Result<HttpResponse, ApiError> {
    let org_id = caller.org_id;
    let stored = state
        .db
        .run(move |conn| -> Result<PopulationStored, ApiError> {
            Ok(callchecks::store_population(conn, org_id, upload)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(stored))
}
