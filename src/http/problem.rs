//! Errors as RFC 9457 problem details (`application/problem+json`).
//!
//! Which error to use: a handler returns [`ApiError`]. Service and storage errors convert by
//! meaning (invalid -> 422, not found -> 404, conflict -> 409, unavailable -> 503, anything else
//! -> 500); there is no blanket conversion from any error type, so a forgotten mapping is a
//! compile error, not a silent 500.
//! Internal causes are logged with the request id and never sent to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::validation::FieldError;
use crate::ingest::RowError;
use crate::services::ServiceError;
use crate::storage::StorageError;

/// The problem document.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// Stable identifier of the kind of problem (see docs/api.md).
    #[serde(rename = "type")]
    #[schema(example = "urn:equal-terms:problem:validation")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field errors: where (JSON pointer) and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Rejected rows, for a failed import.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is well-formed but its content is invalid (422).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The body is not JSON at all (400).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// No valid token (401).
    #[error("unauthorised: {0}")]
    Unauthorized(String),
    /// A valid token without the role this needs (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Not found, or belongs to another organisation (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The request conflicts with the current state (409).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large: limit {0} bytes")]
    PayloadTooLarge(u64),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// The database cannot be reached or is busy (503).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or a broken dependency (500); the cause goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn field(pointer: impl Into<String>, reason: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(pointer, reason)])
    }

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            Self::Validation(_) => ("validation", "The request has invalid fields"),
            Self::Malformed(_) => ("malformed", "The request cannot be read"),
            Self::Unauthorized(_) => ("unauthorized", "A valid bearer token is required"),
            Self::Forbidden(_) => ("forbidden", "The token does not allow this"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::Conflict(_) => ("conflict", "Conflict with the current state"),
            Self::PayloadTooLarge(_) => ("payload-too-large", "The body is too large"),
            Self::UnsupportedMediaType(_) => (
                "unsupported-media-type",
                "The body's media type is not accepted",
            ),
            Self::Unavailable(_) => ("unavailable", "The service is temporarily unavailable"),
            Self::Internal(_) => ("internal", "Internal error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Validation(errors) => match errors.as_slice() {
                [one] => format!("{} {}", display_pointer(&one.pointer), one.reason),
                many => format!("{} fields are invalid", many.len()),
            },
            Self::Malformed(m)
            | Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Conflict(m)
            | Self::UnsupportedMediaType(m) => m.clone(),
            Self::PayloadTooLarge(limit) => format!("the body must not exceed {limit} bytes"),
            Self::Unavailable(_) => "the database is unavailable; retry later".into(),
            Self::Internal(_) => {
                "something went wrong on our side; the request id identifies it in our logs".into()
            }
        }
    }

    pub fn problem(&self) -> Problem {
        let (kind, title) = self.kind();
        Problem {
            problem_type: format!("urn:equal-terms:problem:{kind}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            rows: Vec::new(),
        }
    }
}

fn display_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "the body".into()
    } else {
        pointer.to_owned()
    }
}

/// A problem response with the right media type.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ))
        .body(serde_json::to_string(problem).expect("problem serialises"))
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(%cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut response = problem_response(&self.problem());
        if let Self::Unauthorized(_) = self {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"equal-terms\""),
            );
        }
        if let Self::Unavailable(_) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(errors) => ApiError::Validation(errors),
            ServiceError::NotFound(m) => ApiError::NotFound(m),
            ServiceError::Conflict(m) => ApiError::Conflict(m),
            ServiceError::Unavailable(m) => ApiError::Unavailable(m),
            ServiceError::Storage(e) => e.into(),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => ApiError::NotFound("not found".into()),
            StorageError::Conflict(m) => ApiError::Conflict(m),
            StorageError::Unavailable(m) => ApiError::Unavailable(m),
            other @ (StorageError::Query(_)
            | StorageError::Config(_)
            | StorageError::Migration(_)
            | StorageError::Corrupt { .. }) => ApiError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_failures_are_503_without_the_cause() {
        let error: ApiError =
            StorageError::Unavailable("connection refused at 10.0.0.5".into()).into();
        let problem = error.problem();
        assert_eq!(problem.status, 503);
        assert!(!problem.detail.contains("10.0.0.5"));
    }

    #[test]
    fn corrupt_stored_data_is_a_500_that_names_nothing_stored() {
        let corrupt = StorageError::Corrupt {
            column: "applications.facts",
            reason: "Syntax at line 1 column 2".into(),
        };
        let problem = ApiError::from(ServiceError::from(corrupt)).problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("facts"));
    }

    #[test]
    fn internal_causes_stay_inside() {
        let problem = ApiError::Internal("stack trace here".into()).problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("stack"));
    }

    #[test]
    fn validation_names_the_field() {
        let problem = ApiError::field("/callCode", "no such call").problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.detail, "/callCode no such call");
        assert_eq!(problem.errors[0].pointer, "/callCode");
        assert_eq!(problem.problem_type, "urn:equal-terms:problem:validation");
    }
}
