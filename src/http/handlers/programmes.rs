//! Programmes (support forms such as regional business support or business development checks).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::domain::call::validate_code;
use crate::domain::validation::from_validator;
use crate::http::AppState;
use crate::http::auth::{Authorized, ManageProgrammes, ReadCatalogue};
use crate::http::extract::{ApiJson, Page, PageQuery, cursor};
use crate::http::idempotency::{Created, body_hash, once};
use crate::http::problem::ApiError;
use crate::services::programmes;
use crate::storage::programmes::Programme;

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewProgramme {
    #[schema(example = "REG-FS")]
    #[validate(custom(function = "validate_code"))]
    pub code: String,
    #[schema(example = "Regionalt företagsstöd")]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeView {
    pub code: String,
    pub name: String,
    pub created_at: chrono::NaiveDateTime,
}

impl From<Programme> for ProgrammeView {
    fn from(p: Programme) -> Self {
        Self {
            code: p.code,
            name: p.name,
            created_at: p.created_at,
        }
    }
}

/// Create a programme.
#[utoipa::path(tag = "catalogue", request_body = NewProgramme,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry safely")),
    responses(
        (status = 201, body = ProgrammeView),
        (status = 409, description = "code already taken", body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[post("/programmes")]
pub async fn create_programme(
    caller: Authorized<ManageProgrammes>,
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(body): ApiJson<NewProgramme>,
) -> Result<HttpResponse, ApiError> {
    body.validate()
        .map_err(|e| ApiError::Validation(from_validator(&e)))?;
    let hash = body_hash(&[body.code.as_bytes(), body.name.as_bytes()]);
    once(&state, &caller, &req, hash, || async {
        let org_id = caller.org_id;
        let created = state
            .db
            .run(move |conn| -> Result<Programme, ApiError> {
                Ok(programmes::create(conn, org_id, &body.code, &body.name)?)
            })
            .await?;
        let location = format!("/api/v1/programmes/{}", created.code);
        Ok(Created::json(
            StatusCode::CREATED,
            &ProgrammeView::from(created),
            Some(location),
        ))
    })
    .await
}

/// List programmes, by code.
#[utoipa::path(tag = "catalogue", params(PageQuery),
    responses((status = 200, body = Page<ProgrammeView>)), security(("bearer" = [])))]
#[get("/programmes")]
pub async fn list_programmes(
    caller: Authorized<ReadCatalogue>,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let after = query.after()?;
    let org_id = caller.org_id;
    let items = state
        .db
        .run(move |conn| -> Result<Vec<Programme>, ApiError> {
            Ok(programmes::list(conn, org_id, after.as_deref(), limit)?)
        })
        .await?;
    let next_cursor = (items.len() as i64 == limit)
        .then(|| items.last().map(|p| cursor(&p.code)))
        .flatten();
    Ok(HttpResponse::Ok().json(Page {
        items: items.into_iter().map(ProgrammeView::from).collect(),
        next_cursor,
    }))
}
