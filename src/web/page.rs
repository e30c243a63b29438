//! STUB: page errors and rendering.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::services::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("bad csrf token")]
    Csrf,
    #[error("unavailable")]
    Unavailable,
    #[error("internal: {0}")]
    Internal(String),
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden => StatusCode::FORBIDDEN,
            PageError::Csrf => StatusCode::BAD_REQUEST,
            PageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let text = match self {
            PageError::NotFound => "Sidan finns inte.",
            PageError::Forbidden => "Du har inte behörighet till sidan.",
            PageError::Csrf => "Formuläret har gått ut. Ladda om sidan.",
            PageError::Unavailable => "Tjänsten är inte tillgänglig just nu.",
            PageError::Internal(_) => "Något gick fel.",
        };
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .body(format!("<!doctype html><title>{text}</title><p>{text}</p>"))
    }
}

impl From<ServiceError> for PageError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound(_) => PageError::NotFound,
            ServiceError::Unavailable(_) => PageError::Unavailable,
            other => PageError::Internal(other.to_string()),
        }
    }
}

pub fn render<T: askama::Template>(template: &T) -> Result<HttpResponse, PageError> {
    let body = template
        .render()
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}
