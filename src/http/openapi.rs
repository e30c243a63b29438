//! The OpenAPI 3.1 document (`/api/v1/openapi.json`) and Swagger UI (`/api/v1/docs/`), served
//! from files compiled into the binary: no network access at build or run time.

use actix_web::web;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::handlers::*;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Equal Terms",
        description = "Method support for allocating grant money on equal terms: ingestion of applications and decisions, tagging, rules, reports and call checks. Errors are RFC 9457 problem documents; see docs/api.md.",
        license(name = "EUPL-1.2"),
    ),
    paths(
        health::health,
        health::ready,
        programmes::create_programme,
        programmes::list_programmes,
        calls::create_call,
        calls::list_calls,
        calls::get_call,
        calls::patch_call,
        applications::put_application,
        applications::put_decision,
        applications::get_application,
        imports::post_import,
        imports::get_import,
        evaluations::create_evaluation,
        evaluations::get_evaluation,
        evaluations::rerun_evaluation,
        evaluations::list_rulesets,
        evaluations::put_baselines,
        evaluations::get_baselines,
        evaluations::get_tagging,
        evaluations::put_tagging,
        callchecks::check_call,
        callchecks::list_checks,
        callchecks::create_override,
        callchecks::monitor_call,
        callchecks::check_draft,
        callchecks::put_population,
        reports::create_report,
        reports::get_report,
        reports::rerun_report,
        reports::audit_log,
        reports::export_360giving,
    ),
    modifiers(&BearerAuth, &ApiPrefix),
    tags(
        (name = "operations", description = "Health checks (no token)"),
        (name = "catalogue", description = "Programmes and calls"),
        (name = "applications", description = "Applications, decisions and bulk imports"),
        (name = "evaluations", description = "Rules, baselines and evaluations of allocation"),
        (name = "organisation", description = "How the organisation tags applicants"),
        (name = "reports", description = "Allocation-equality reports for auditors, and the audit log"),
        (name = "call checks", description = "Checks of a call before it is published, overrides, the running allocation of an open call"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The handlers are mounted under `/api/v1` (health checks at the root); the document says so.
struct ApiPrefix;

impl Modify for ApiPrefix {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let paths = std::mem::take(&mut openapi.paths.paths);
        openapi.paths.paths = paths
            .into_iter()
            .map(|(path, item)| {
                if path == "/health" || path == "/ready" {
                    (path, item)
                } else {
                    (format!("/api/v1{path}"), item)
                }
            })
            .collect();
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        SwaggerUi::new("/api/v1/docs/{_:.*}").url("/api/v1/openapi.json", ApiDoc::openapi()),
    );
}
