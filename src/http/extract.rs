//! Request extractors shared by the handlers: JSON bodies whose errors name the field, and
//! cursor pagination.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::problem::ApiError;
use crate::domain::validation::from_json_slice;

/// A JSON body: `Content-Type: application/json`, at most `server.json_limit_bytes`, and a type
/// error reported at the JSON pointer of the field (422); broken JSON is a 400.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(1 << 20, |s| s.settings.server.json_limit_bytes);
        let media_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        let mut payload = payload.take();
        Box::pin(async move {
            if media_type.as_deref() != Some("application/json") {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as application/json".into(),
                ));
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk
                    .map_err(|e| ApiError::Malformed(format!("reading the body failed: {e}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge(limit as u64));
                }
                body.extend_from_slice(&chunk);
            }
            parse_json(&body).map(ApiJson)
        })
    }
}

/// Parses a JSON document: syntax errors are 400, type and field errors 422 with a pointer.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    from_json_slice(body).map_err(|e| {
        if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
            ApiError::Malformed(format!("the body is not valid JSON: {}", e.reason))
        } else {
            ApiError::Validation(vec![e])
        }
    })
}

/// `?limit=&cursor=` on list endpoints.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Items per page, 1-500 (default 100).
    pub limit: Option<i64>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(100),
            Some(n) if (1..=500).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::field("/limit", "must be between 1 and 500")),
        }
    }

    /// The position the cursor stands for.
    pub fn after(&self) -> Result<Option<String>, ApiError> {
        self.cursor
            .as_deref()
            .map(|c| {
                URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| ApiError::field("/cursor", "is not a cursor this API issued"))
            })
            .transpose()
    }
}

/// An opaque cursor for the position `after`.
pub fn cursor(after: &str) -> String {
    URL_SAFE_NO_PAD.encode(after.as_bytes())
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
