//! Allocation-equality reports for auditors, and the audit log of who made or read them.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::AppState;
use crate::http::auth::{Administer, Authorized, PublishOpenData, Report as ReportPolicy};
use crate::http::extract::{ApiJson, Page, PageQuery, cursor};
use crate::http::handlers::evaluations::evaluator;
use crate::http::idempotency::{Created, body_hash, once};
use crate::http::problem::ApiError;
use crate::report::model::{Report, ReportRequest};
use crate::report::{csv, html};
use crate::services::open_data::{self, ExportScope};
use crate::services::reports::{self, AuditLine, Format, Making, ReportMaker, ReportRerun};

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
        .run(move |conn| -> Result<(Report, String), ApiError> {
            Ok(reports::read(conn, org_id, &id, &subject, format)?)
        })
        .await?;
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
        (status = 201, body = ReportRerun, description = "the new report is at Location"),
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
    let rerun = state
        .db
        .run(move |conn| -> Result<ReportRerun, ApiError> {
            Ok(reports::rerun(&maker(&app), conn, org_id, &id, &subject)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/reports/{}", rerun.later)))
        .json(rerun))
}

/// Who made or read which report, when, for which scope and in which format; newest first.
#[utoipa::path(tag = "reports", params(PageQuery),
    responses((status = 200, body = Page<AuditLine>)), security(("bearer" = [])))]
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
    let items = state
        .db
        .run(move |conn| -> Result<Vec<AuditLine>, ApiError> {
            Ok(reports::audit_page(conn, org_id, before, limit)?)
        })
        .await?;
    let next_cursor = (items.len() as i64 == limit)
        .then(|| {
            items
                .last()
                .map(|e| cursor(&format!("{}|{}", e.at.format("%Y-%m-%dT%H:%M:%S%.f"), e.id)))
        })
        .flatten();
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
    let query = query.into_inner();
    let scope = ExportScope {
        programme: query.programme,
        call: query.call,
        dei: query.dei.unwrap_or(false),
    };
    let (org_id, subject) = (caller.org_id, caller.subject.clone());
    let package = state
        .db
        .run(move |conn| -> Result<serde_json::Value, ApiError> {
            Ok(open_data::giving360_package(
                conn, org_id, &subject, &scope,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(package))
}
