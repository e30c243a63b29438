//! The HTTP API: routes, state, authentication, errors.

pub mod auth;
pub mod extract;
pub mod handlers;
pub mod idempotency;
pub mod middleware;
pub mod openapi;
pub mod problem;

use std::sync::Arc;

use actix_web::web;

use crate::config::Settings;
use crate::domain::applicant::Pseudonymiser;
use crate::storage::Database;
use auth::{Authenticator, OrgCache};

/// What every handler can reach.
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Database,
    pub auth: Authenticator,
    pub keys: Pseudonymiser,
    pub orgs: OrgCache,
    /// Organisations' statistics cubes, refreshed from what changed (storage::cells).
    pub cubes: crate::storage::cells::CubeCache,
}

/// The API's routes. The health checks and the API documentation are public; everything under
/// `/api/v1` takes a token through its handler's `Authorized<_>` argument. `startup` puts them
/// beside the web workspace's pages and decides what an unknown path answers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    cfg.service(health::health)
        .service(health::ready)
        .configure(openapi::configure)
        .service(
            web::scope("/api/v1")
                .service(programmes::create_programme)
                .service(programmes::list_programmes)
                .service(calls::create_call)
                .service(calls::list_calls)
                .service(calls::get_call)
                .service(calls::patch_call)
                .service(callchecks::check_call)
                .service(callchecks::list_checks)
                .service(callchecks::create_override)
                .service(callchecks::monitor_call)
                .service(callchecks::check_draft)
                .service(callchecks::put_population)
                .service(reports::create_report)
                .service(reports::get_report)
                .service(reports::rerun_report)
                .service(reports::audit_log)
                .service(reports::export_360giving)
                .service(applications::put_application)
                .service(applications::put_decision)
                .service(applications::get_application)
                .service(imports::post_import)
                .service(imports::get_import)
                .service(evaluations::create_evaluation)
                .service(evaluations::get_evaluation)
                .service(evaluations::rerun_evaluation)
                .service(evaluations::list_rulesets)
                .service(evaluations::put_baselines)
                .service(evaluations::get_baselines)
                .service(evaluations::get_tagging)
                .service(evaluations::put_tagging),
        );
}
