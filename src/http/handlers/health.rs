//! Health checks: the only endpoints without a token.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::AppState;
use crate::http::problem::ApiError;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// "ok" or "ready".
    pub status: &'static str,
    /// The database backend, on /ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: None,
    })
}

/// The database answers.
#[utoipa::path(tag = "operations", responses(
    (status = 200, body = Health),
    (status = 503, description = "database unreachable", body = crate::http::problem::Problem),
))]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .db
        .run(|conn| -> Result<(), ApiError> {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1")
                .map_err(crate::storage::StorageError::from)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready",
        database: Some(state.db.backend().name()),
    }))
}
