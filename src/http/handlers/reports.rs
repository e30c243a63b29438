//! Allocation-equality reports for auditors, and the audit log of who made or read them.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::AppState;
use crate::http::auth::{Administer, Authorized, PublishOpenData, Report as ReportPolicy};
use crate::http::extract::{ApiJson, Page, PageQuery, cursor};
use crate::http::handlers::evaluations::evaluator;
use crate::http::idempotency::{Created, body_hash, once};
use crate::http::problem::ApiError;
use crate::report::build::ReportMaker;
use crate::report::model::{Report, ReportRequest};
use crate::report::{csv, html};
use crate::services::reports::{self, Comparison, Format, Making};
use crate::storage::reports as stored;

fn maker(state: &AppState) -> ReportMaker<'_> {
    ReportMaker {
        evaluator: evaluator(state),
        settings: &state.settings.reports,
    }
}

/// Make a report for a scope and store it; every figure is protected by small-cell,
/// dominance and complementary suppression.
#[utoipa::path(tag = "reports", request_body = ReportRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry safely")),
    responses(
        (status = 201, body = Report),
        (status = 422, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[post("/reports")]
pub async fn create_report(
    caller: Authorized<ReportPolicy>,
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(request): ApiJson<ReportRequest>,
) -> Result<HttpResponse, ApiError> {
    let hash = body_hash(&[serde_json::to_string(&request)
        .unwrap_or_default()
        .as_bytes()]);
    once(&state, &caller, &req, hash, || async {
        let (org_id, subject) = (caller.org_id, caller.subject.clone());
        let app = state.clone();
        let (report, body) = state
            .db
            .run(move |conn| -> Result<(Report, String), ApiError> {
                let making = Making {
                    action: "create",
                    format: Format::Json,
                };
                Ok(reports::create(
                    &maker(&app),
                    conn,
                    org_id,
                    &subject,
                    request,
                    making,
                    &|_| {},
                )?)
            })
            .await?;
        Ok(Created {
            status: StatusCode::CREATED,
            location: Some(format!("/api/v1/reports/{}", report.id)),
            body,
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// json, csv or html; else the Accept header decides (JSON by default).
    pub format: Option<Format>,
    /// CSV in the Swedish spreadsheet dialect: `;` separators and decimal commas.
    pub swedish: Option<bool>,
}

fn format_of(query: &FormatQuery, req: &HttpRequest) -> Format {
    if let Some(format) = query.format {
        return format;
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if accept.contains("text/html") {
        Format::Html
    } else if accept.contains("text/csv") {
        Format::Csv
    } else {
        Format::Json
    }
}

/// A stored report: the JSON exactly as it was made, or CSV or HTML rendered from it. Every
/// read is recorded in the audit log.
#[utoipa::path(tag = "reports", params(("id" = String, Path), FormatQuery),
    responses(
        (status = 200, body = Report, description = "JSON, or text/csv, or text/html"),
        (status = 404, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[get("/reports/{id}")]
pub async fn get_report(
    caller: Authorized<ReportPolicy>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = format_of(&query, &req);
    let swedish = query.swedish.unwrap_or(false);
    let (org_id, subject, id) = (caller.org_id, caller.subject.clone(), id.into_inner());
    let (report, body) = state
        .db
        .run(move |conn| reports::read(conn, org_id, &id, &subject, format))
        .await?
        .ok_or_else(|| ApiError::NotFound("no such report".into()))?;
    let file = format!("equal-terms-report-{}", report.id);
    Ok(match format {
        Format::Json => HttpResponse::Ok()
            .content_type("application/json")
            .body(body),
        Format::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.csv\""),
            ))
            .body(csv::render(&report, csv::CsvOptions { swedish })),
        Format::Html => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html::render(&report)),
    })
}

/// Make the stored report's request again on today's data (stored as a new report) and say
/// what changed.
#[utoipa::path(tag = "reports", params(("id" = String, Path)),
    responses(
        (status = 201, body = Comparison, description = "the new report is at Location"),
        (status = 404, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[post("/reports/{id}/rerun")]
pub async fn rerun_report(
    caller: Authorized<ReportPolicy>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, subject, id) = (caller.org_id, caller.subject.clone(), id.into_inner());
    let app = state.clone();
    let comparison = state
        .db
        .run(move |conn| -> Result<Option<Comparison>, ApiError> {
            Ok(reports::rerun(&maker(&app), conn, org_id, &id, &subject)?)
        })
        .await?
        .ok_or_else(|| ApiError::NotFound("no such report".into()))?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/reports/{}", comparison.later),
        ))
        .json(comparison))
}

/// One line of the audit log.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    pub id: String,
    pub at: chrono::NaiveDateTime,
    pub actor: String,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_id: Option<String>,
    /// The report's request.
    #[schema(value_type = Object)]
    pub scope: serde_json::Value,
    pub format: String,
}

/// Who made or read which report, when, for which scope and in which format; newest first.
#[utoipa::path(tag = "reports", params(PageQuery),
    responses((status = 200, body = Page<AuditView>)), security(("bearer" = [])))]
#[get("/audit-log")]
pub async fn audit_log(
    caller: Authorized<Administer>,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = query.limit()?;
    let before = query
        .after()?
        .map(|text| {
            let (at, id) = text.split_once('|')?;
            let at = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
            Some((at, id.to_owned()))
        })
        .map(|parsed| {
            parsed.ok_or_else(|| ApiError::field("/cursor", "is not a cursor this API issued"))
        })
        .transpose()?;
    let org_id = caller.org_id;
    let entries = state
        .db
        .run(move |conn| stored::audit_page(conn, org_id, before, limit))
        .await?;
    let next_cursor = (entries.len() as i64 == limit)
        .then(|| {
            entries
                .last()
                .map(|e| cursor(&format!("{}|{}", e.at.format("%Y-%m-%dT%H:%M:%S%.f"), e.id)))
        })
        .flatten();
    let items = entries
        .into_iter()
        .map(|e| AuditView {
            id: e.id,
            at: e.at,
            actor: e.actor,
            action: e.action,
            report_id: e.report_id,
            scope: serde_json::from_str(&e.scope).unwrap_or(serde_json::Value::Null),
            format: e.format,
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportQuery {
    /// Only this programme's grants.
    pub programme: Option<String>,
    /// Only this call's grants.
    pub call: Option<String>,
    /// Add the DEI extension (leadership) to grants to organisations; never to individuals.
    pub dei: Option<bool>,
}

/// Awarded grants as a 360Giving 1.4 data package, for publishing open grant data. Recipients
/// are pseudonymous (Equal Terms holds no organisation numbers or names); DEI details only on
/// request and never for grants to individuals (sole traders). Recorded in the audit log.
#[utoipa::path(tag = "reports", params(ExportQuery),
    responses(
        (status = 200, description = "a 360Giving data package", body = Object),
        (status = 404, description = "no awarded grants in the scope", body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[get("/export/360giving")]
pub async fn export_360giving(
    caller: Authorized<PublishOpenData>,
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    use crate::codec::giving360::{self, AwardedGrant, Funder};
    use crate::services::evaluations::{EvaluationRequest, scope_calls};
    let query = query.into_inner();
    let (org_id, subject) = (caller.org_id, caller.subject.clone());
    let package = state
        .db
        .run(move |conn| -> Result<serde_json::Value, ApiError> {
            let org = crate::storage::orgs::find(conn, org_id)?
                .ok_or_else(|| ApiError::NotFound("no such organisation".into()))?;
            let scope = EvaluationRequest {
                programme: query.programme.clone(),
                call: query.call.clone(),
                ..Default::default()
            };
            let calls = scope_calls(conn, org_id, &scope)?;
            let grants: Vec<AwardedGrant> = stored::awarded(conn, org_id, calls.as_deref())?
                .into_iter()
                .map(|row| {
                    let facts: serde_json::Value =
                        serde_json::from_str(&row.facts).unwrap_or_default();
                    let text = |key: &str| facts[key].as_str().map(str::to_owned);
                    AwardedGrant {
                        legal_form: text("legalForm"),
                        municipality: text("municipality"),
                        external_id: row.external_id,
                        call_code: row.call_code,
                        call_title: row.call_title,
                        programme_code: row.programme_code,
                        programme_name: row.programme_name,
                        applicant_key: row.applicant_key,
                        amount_applied_ore: row.amount_applied_ore,
                        amount_granted_ore: row.amount_granted_ore,
                        received_on: row.received_on,
                        decided_on: row.decided_on,
                        gender: row.gender,
                        background: row.background,
                        updated_at: row.updated_at,
                    }
                })
                .collect();
            if grants.is_empty() {
                return Err(ApiError::NotFound(
                    "no awarded grants in this scope: a 360Giving package needs at least one"
                        .into(),
                ));
            }
            // The organisation's own identifiers until it registers a 360Giving prefix.
            let funder = Funder {
                id: format!("XI-EQT-{}", org.code),
                name: org.name.clone(),
            };
            let now = crate::storage::now();
            let package = giving360::package(
                &funder,
                &format!("360G-{}", org.code),
                &grants,
                query.dei.unwrap_or(false),
                now,
            );
            stored::record(
                conn,
                &stored::AuditEntry {
                    id: uuid::Uuid::new_v4().to_string(),
                    org_id,
                    at: now,
                    actor: subject,
                    action: "export".into(),
                    report_id: None,
                    scope: serde_json::to_string(&serde_json::json!({
                        "programme": query.programme, "call": query.call,
                        "dei": query.dei.unwrap_or(false), "grants": grants.len(),
                    }))
                    .expect("a scope serialises"),
                    format: "360giving".into(),
                },
            )?;
            Ok(package)
        })
        .await?;
    Ok(HttpResponse::Ok().json(package))
}
