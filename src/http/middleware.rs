//! Request ids and the access log. Every request gets an id (a fresh UUID; an incoming
//! `X-Request-Id` is not trusted), every log line inside it carries the id, and every response
//! returns it. The access log holds method, route pattern, status and time: no query strings, no
//! client addresses, no bodies, so no personal data.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        route = %route,
    );
    let started = Instant::now();
    let http_request = req.request().clone();
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    // An error that escaped the handlers still becomes a response carrying the request id.
    let mut response = match result {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => ServiceResponse::new(http_request, error.error_response()),
    };
    tracing::info!(
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request finished"
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}
