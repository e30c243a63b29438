//! What every page shares: errors as pages, rendering, redirects, the security headers and the
//! stylesheet.

use std::sync::LazyLock;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, get};
use askama::Template;
use sha2::{Digest, Sha256};

use super::viewer::Viewer;
use crate::locale::Language;
use crate::services::ServiceError;

/// The Content-Security-Policy of every page: no inline script or style, nothing from elsewhere,
/// never in a frame.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; \
    frame-ancestors 'none'";

/// Why a page cannot be shown. Rendered as a page (in the frame when the person is signed in),
/// never with an internal cause.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// A form without the session's CSRF token (or an out-of-date one).
    #[error("the form's csrf token does not match the session")]
    Csrf,
    #[error("temporarily unavailable")]
    Unavailable,
    /// The cause goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ServiceError> for PageError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound(_) => PageError::NotFound,
            ServiceError::Unavailable(_) => PageError::Unavailable,
            // Invalid and Conflict are the pages' to show at the field; reaching here is a bug.
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<crate::storage::StorageError> for PageError {
    fn from(error: crate::storage::StorageError) -> Self {
        PageError::from(ServiceError::from(error))
    }
}

impl From<askama::Error> for PageError {
    fn from(error: askama::Error) -> Self {
        PageError::Internal(format!("template: {error}"))
    }
}

impl PageError {
    /// The heading and explanation, in `lang`.
    fn text(&self, lang: Language) -> (&'static str, &'static str) {
        let pick = |sv, en| lang.pick(sv, en);
        match self {
            PageError::NotFound => (
                pick("Sidan finns inte", "Page not found"),
                pick(
                    "Sidan finns inte, eller så hör den till en annan organisation.",
                    "The page does not exist, or it belongs to another organisation.",
                ),
            ),
            PageError::Forbidden => (
                pick("Du har inte behörighet", "You do not have access"),
                pick(
                    "Din roll ger inte tillgång till den här sidan. Be den som administrerar \
                     tjänsten om en annan roll om du behöver den.",
                    "Your role does not give access to this page. Ask the person who \
                     administers the service for another role if you need it.",
                ),
            ),
            PageError::Csrf => (
                pick("Formuläret var inaktuellt", "The form was out of date"),
                pick(
                    "Formuläret kunde inte tas emot eftersom det inte hörde till din \
                     inloggning. Gå tillbaka, ladda om sidan och försök igen. Inget ändrades.",
                    "The form could not be accepted because it did not belong to your \
                     sign-in. Go back, reload the page and try again. Nothing was changed.",
                ),
            ),
            PageError::Unavailable => (
                pick("Tjänsten är upptagen", "The service is busy"),
                pick(
                    "Tjänsten kan inte svara just nu. Försök igen om en stund.",
                    "The service cannot answer right now. Try again in a moment.",
                ),
            ),
            PageError::Internal(_) => (
                pick("Något gick fel", "Something went wrong"),
                pick(
                    "Ett fel uppstod i tjänsten. Felet har loggats. Försök igen, och kontakta \
                     supporten om det händer igen.",
                    "An error occurred in the service. It has been logged. Try again, and \
                     contact support if it happens again.",
                ),
            ),
        }
    }

    /// This error as a page: in the frame for `viewer`, else a bare page.
    pub fn page(&self, viewer: Option<&Viewer>) -> HttpResponse {
        let lang = viewer.map_or(Language::Sv, |v| v.language);
        let (heading, message) = self.text(lang);
        error_page(self.status_code(), viewer, heading, message)
    }
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

    /// The bare page; [`security_headers`] puts it in the frame when the request had a viewer.
    fn error_response(&self) -> HttpResponse {
        if let PageError::Internal(cause) = self {
            tracing::error!(%cause, "page failed");
        }
        self.page(None)
    }
}

#[derive(Template)]
#[template(
    source = r#"{% extends "web/frame.html" %}{% block content %}{% include "web/error.html" %}{% endblock %}"#,
    ext = "html"
)]
struct FramedError<'a> {
    viewer: &'a Viewer,
    lang: Language,
    title: String,
    heading: &'a str,
    message: &'a str,
    english: Option<&'a str>,
    status: u16,
}

#[derive(Template)]
#[template(
    source = r#"{% extends "web/bare.html" %}{% block content %}{% include "web/error.html" %}{% endblock %}"#,
    ext = "html"
)]
struct BareError<'a> {
    lang: Language,
    title: String,
    heading: &'a str,
    message: &'a str,
    english: Option<&'a str>,
    status: u16,
}

/// An error page with its own heading and message (already in the viewer's language, or in
/// Swedish for a bare page).
pub fn error_page(
    status: StatusCode,
    viewer: Option<&Viewer>,
    heading: &str,
    message: &str,
) -> HttpResponse {
    let rendered = match viewer {
        Some(viewer) => FramedError {
            viewer,
            lang: viewer.language,
            title: heading.to_owned(),
            heading,
            message,
            english: None,
            status: status.as_u16(),
        }
        .render(),
        None => BareError {
            lang: Language::Sv,
            title: heading.to_owned(),
            heading,
            message,
            english: None,
            status: status.as_u16(),
        }
        .render(),
    };
    html_response(status, rendered, heading)
}

/// A bare error page (nobody signed in) in Swedish, with the English message under it.
pub fn bilingual_error_page(status: StatusCode, heading: &str, sv: &str, en: &str) -> HttpResponse {
    let rendered = BareError {
        lang: Language::Sv,
        title: heading.to_owned(),
        heading,
        message: sv,
        english: Some(en),
        status: status.as_u16(),
    }
    .render();
    html_response(status, rendered, heading)
}

fn html_response(
    status: StatusCode,
    rendered: Result<String, askama::Error>,
    heading: &str,
) -> HttpResponse {
    match rendered {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(heading.to_owned())
        }
    }
}

/// A page: 200, `text/html; charset=utf-8`.
pub fn render<T: Template>(template: &T) -> Result<HttpResponse, PageError> {
    let html = template.render()?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// 303 See Other to `location` (after a form, or to sign in).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// `next` when it is a path on this site (starts with one `/`, no backslash or control
/// character), else `/`: redirects never leave the site.
pub fn local_path(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if ok { next } else { "/" }
}

/// True for paths the workspace's headers apply to: everything but the API and the health
/// checks.
pub fn is_page_path(path: &str) -> bool {
    !(path == "/api" || path.starts_with("/api/") || path == "/health" || path == "/ready")
}

/// Adds the security headers to every page response, and `X-Content-Type-Options` to every
/// response; puts a [`PageError`] in the frame when the request was signed in. API bodies pass
/// through unchanged.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let page = is_page_path(req.path());
    let asset = req.path().starts_with("/assets/");
    let mut res = next.call(req).await?.map_into_boxed_body();
    if page {
        let framed = res.response().error().and_then(|e| {
            let error = e.as_error::<PageError>()?;
            let viewer = res.request().extensions().get::<Viewer>().cloned()?;
            Some(error.page(Some(&viewer)))
        });
        if let Some(framed) = framed {
            res = res.into_response(framed);
        }
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        if !asset {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}

/// The stylesheet, shared with the downloadable report (which inlines it).
pub const STYLESHEET: &str = include_str!("../../templates/style.css");

/// The first 16 hex digits of the stylesheet's SHA-256: its ETag, and the `?v=` of its link, so
/// a new version is fetched at once while the old one may be cached for a year.
pub fn style_version() -> &'static str {
    static VERSION: LazyLock<String> =
        LazyLock::new(|| hex::encode(Sha256::digest(STYLESHEET.as_bytes()))[..16].to_owned());
    &VERSION
}

#[get("/assets/style.css")]
pub async fn stylesheet(req: HttpRequest) -> HttpResponse {
    let etag = format!("\"{}\"", style_version());
    let versioned = req
        .query_string()
        .split('&')
        .any(|pair| pair == format!("v={}", style_version()));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if fresh && req.method() == Method::GET {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache));
    if fresh {
        response.finish()
    } else {
        response
            .content_type("text/css; charset=utf-8")
            .body(STYLESHEET)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/calls/3?x=1"), "/calls/3?x=1");
        for bad in [
            "",
            "calls",
            "//evil.example",
            "https://evil.example/",
            "/\\evil.example",
            "/a\nb",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn api_paths_keep_their_headers() {
        assert!(!is_page_path("/api/v1/calls"));
        assert!(!is_page_path("/health"));
        assert!(is_page_path("/"));
        assert!(is_page_path("/calls/1"));
        assert!(is_page_path("/apiary"));
    }

    #[test]
    fn style_version_is_stable() {
        assert_eq!(style_version().len(), 16);
        assert_eq!(style_version(), style_version());
    }
}
