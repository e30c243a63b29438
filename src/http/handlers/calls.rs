//! Calls for applications (utlysningar).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::callcheck::design::CallDesign;
use crate::domain::call::{CallStatus, check_dates, validate_code};
use crate::domain::money::{MoneyDto, Ore};
use crate::domain::validation::{Errors, from_validator};
use crate::http::AppState;
use crate::http::auth::{Authorized, ManageCalls, ReadCatalogue};
use crate::http::extract::{ApiJson, Page, cursor};
use crate::http::idempotency::{Created, body_hash, once};
use crate::http::problem::ApiError;
use crate::services::calls::{self, Call, CallDraft, CallError, CallUpdate};

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCallBody {
    #[schema(example = "REG-FS")]
    pub programme_code: String,
    #[schema(example = "ABC-2017-1")]
    #[validate(custom(function = "validate_code"))]
    pub code: String,
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub opens_on: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub closes_on: NaiveDate,
    #[validate(nested)]
    pub budget: MoneyDto,
    /// What the call check reads: text, eligibility, target groups, outreach, panel, indicators.
    #[serde(default)]
    pub design: CallDesign,
}

impl NewCallBody {
    /// Every check of a new call, in the order the API reports them: the fields' own rules, the
    /// order of the dates (only with `compare_dates`: a form that could not read both dates has
    /// said so already), the design. The API and the workspace's form both run it.
    pub fn errors(&self, compare_dates: bool) -> Errors {
        let mut errors = Errors::new();
        if let Err(e) = self.validate() {
            errors.extend(from_validator(&e));
        }
        if compare_dates {
            errors.check("/closesOn", check_dates(self.opens_on, self.closes_on));
        }
        self.design.validate("/design", &mut errors);
        errors
    }
}

/// Changes to a call; absent fields stay as they are.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallPatch {
    #[validate(length(min = 1, max = 300))]
    pub title: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub opens_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub closes_on: Option<NaiveDate>,
    #[validate(nested)]
    pub budget: Option<MoneyDto>,
    /// Replaces the whole design.
    pub design: Option<CallDesign>,
    /// Publishing needs a check of the current version without fail, or an override.
    pub status: Option<CallStatus>,
}

impl CallPatch {
    /// Every check of a change that can be made without the stored call (the dates' order is
    /// checked against it by `services::calls::update`): the fields' own rules, then the design.
    /// The API and the workspace's form both run it.
    pub fn errors(&self) -> Errors {
        let mut errors = Errors::new();
        if let Err(e) = self.validate() {
            errors.extend(from_validator(&e));
        }
        if let Some(design) = &self.design {
            design.validate("/design", &mut errors);
        }
        errors
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    pub id: i64,
    pub programme_code: String,
    pub code: String,
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub opens_on: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub closes_on: NaiveDate,
    pub budget: MoneyDto,
    pub status: CallStatus,
    /// Bumped by every change of content (not of status).
    pub version: i32,
    pub design: CallDesign,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl From<Call> for CallView {
    fn from(c: Call) -> Self {
        let call = c.stored.call;
        Self {
            id: call.id,
            programme_code: c.stored.programme_code,
            code: call.code,
            title: call.title,
            opens_on: call.opens_on,
            closes_on: call.closes_on,
            budget: MoneyDto::sek(Ore(call.budget_ore)),
            status: c.status,
            version: call.version,
            design: c.design,
            created_at: call.created_at,
            updated_at: call.updated_at,
        }
    }
}

fn location(id: i64) -> String {
    format!("/api/v1/calls/{id}")
}

/// Why the change of call `id` was refused, as the API says it (naming the endpoints to use).
fn call_error(id: i64, error: CallError) -> ApiError {
    match error {
        CallError::NotMovable { from, to } => ApiError::Conflict(format!(
            "a {} call cannot become {}",
            from.code(),
            to.code()
        )),
        CallError::HasApplications => {
            ApiError::Conflict("a call that has applications cannot go back to draft".into())
        }
        CallError::ChangedWhilePublishing => ApiError::Conflict(
            "publish in a request of its own, after checking the changed call".into(),
        ),
        CallError::Unchecked { version } => ApiError::Conflict(format!(
            "version {version} of the call has not been checked: POST /api/v1/calls/{id}/checks before publishing"
        )),
        CallError::CheckFailed { version, checks } => ApiError::Conflict(format!(
            "the check of version {version} failed ({}): change the call and check it again, or record an override with POST /api/v1/calls/{id}/overrides",
            checks.join(", ")
        )),
        CallError::Service(e) => e.into(),
    }
}

/// Create a call (as a draft).
#[utoipa::path(tag = "catalogue", request_body = NewCallBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry safely")),
    responses(
        (status = 201, body = CallView),
        (status = 409, body = crate::http::problem::Problem),
        (status = 422, description = "invalid field, e.g. an unknown /programmeCode", body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[post("/calls")]
pub async fn create_call(
    caller: Authorized<ManageCalls>,
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(body): ApiJson<NewCallBody>,
) -> Result<HttpResponse, ApiError> {
    let errors = body.errors(true);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors.into_vec()));
    }
    let budget = body
        .budget
        .ore()
        .map_err(|r| ApiError::field("/budget/amount", r))?;
    let hash = body_hash(&[serde_json::to_string(&body).unwrap_or_default().as_bytes()]);
    once(&state, &caller, &req, hash, || async {
        let org_id = caller.org_id;
        let draft = CallDraft {
            programme_code: body.programme_code.clone(),
            code: body.code.clone(),
            title: body.title.clone(),
            opens_on: body.opens_on,
            closes_on: body.closes_on,
            budget,
            design: body.design.clone(),
        };
        let created = state
            .db
            .run(move |conn| -> Result<Call, ApiError> { Ok(calls::create(conn, org_id, &draft)?) })
            .await?;
        let id = created.stored.call.id;
        Ok(Created::json(
            StatusCode::CREATED,
            &CallView::from(created),
            Some(location(id)),
        ))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallQuery {
    /// Only calls of this programme.
    pub programme_code: Option<String>,
    /// Items per page, 1-500 (default 100).
    pub limit: Option<i64>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

/// List calls, oldest first.
#[utoipa::path(tag = "catalogue", params(CallQuery),
    responses((status = 200, body = Page<CallView>)), security(("bearer" = [])))]
#[get("/calls")]
pub async fn list_calls(
    caller: Authorized<ReadCatalogue>,
    state: web::Data<AppState>,
    query: web::Query<CallQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = crate::http::extract::PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = page.limit()?;
    let after = page
        .after()?
        .map(|a| a.parse::<i64>())
        .transpose()
        .map_err(|_| ApiError::field("/cursor", "is not a cursor this API issued"))?;
    let org_id = caller.org_id;
    let programme = query.programme_code;
    let items = state
        .db
        .run(move |conn| -> Result<Vec<Call>, ApiError> {
            Ok(calls::list(
                conn,
                org_id,
                programme.as_deref(),
                after,
                limit,
            )?)
        })
        .await?;
    let next_cursor = (items.len() as i64 == limit)
        .then(|| items.last().map(|c| cursor(&c.stored.call.id.to_string())))
        .flatten();
    Ok(HttpResponse::Ok().json(Page {
        items: items.into_iter().map(CallView::from).collect(),
        next_cursor,
    }))
}

/// One call.
#[utoipa::path(tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = CallView), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/calls/{id}")]
pub async fn get_call(
    caller: Authorized<ReadCatalogue>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, id) = (caller.org_id, id.into_inner());
    let call = state
        .db
        .run(move |conn| -> Result<Call, ApiError> { Ok(calls::find(conn, org_id, id)?) })
        .await?;
    Ok(HttpResponse::Ok().json(CallView::from(call)))
}

/// Change a call: its content (a new version) or its status.
#[utoipa::path(tag = "catalogue", params(("id" = i64, Path)), request_body = CallPatch,
    responses(
        (status = 200, body = CallView),
        (status = 404, body = crate::http::problem::Problem),
        (status = 409, description = "status change not allowed", body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[patch("/calls/{id}")]
pub async fn patch_call(
    caller: Authorized<ManageCalls>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    ApiJson(body): ApiJson<CallPatch>,
) -> Result<HttpResponse, ApiError> {
    let errors = body.errors();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors.into_vec()));
    }
    let budget = body
        .budget
        .as_ref()
        .map(|b| b.ore().map_err(|r| ApiError::field("/budget/amount", r)))
        .transpose()?;
    let update = CallUpdate {
        title: body.title,
        opens_on: body.opens_on,
        closes_on: body.closes_on,
        budget,
        design: body.design,
        status: body.status,
    };
    let (org_id, id) = (caller.org_id, id.into_inner());
    let updated = state
        .db
        .run(move |conn| calls::update(conn, org_id, id, update).map_err(|e| call_error(id, e)))
        .await?;
    Ok(HttpResponse::Ok().json(CallView::from(updated)))
}
