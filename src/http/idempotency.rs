//! `Idempotency-Key` for POSTs (IETF httpapi draft): a retried request with the same key and
//! body gets the first response again instead of doing the work twice.

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::AppState;
use super::auth::Caller;
use super::problem::ApiError;
use crate::storage::idempotency::{self, Claim, StoredResponse};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// A successful JSON response of a POST, before it is sent (and kept for replays).
pub struct Created {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
}

impl Created {
    pub fn json<T: serde::Serialize>(
        status: StatusCode,
        body: &T,
        location: Option<String>,
    ) -> Self {
        Self {
            status,
            body: serde_json::to_string(body).expect("response serialises"),
            location,
        }
    }

    fn into_response(self, replayed: bool) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        builder.content_type("application/json");
        if let Some(location) = self.location {
            builder.insert_header((header::LOCATION, location));
        }
        if replayed {
            builder.insert_header((REPLAYED, "true"));
        }
        builder.body(self.body)
    }
}

/// The hash that identifies a request body for replay checks.
pub fn body_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
        hasher.update([0u8]);
    }
    hex::encode(&hasher.finalize()[..16])
}

/// Runs `work` at most once per `Idempotency-Key` (when the request has one).
pub async fn once<F, Fut>(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    request_hash: String,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Created, ApiError>>,
{
    let Some(key) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(work().await?.into_response(false));
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()))
        .ok_or_else(|| {
            ApiError::field("/Idempotency-Key", "must be 1-255 visible ASCII characters")
        })?
        .to_owned();
    let org_id = caller.org_id;
    let claim = {
        let (key, hash) = (key.clone(), request_hash.clone());
        state
            .db
            .run(move |conn| idempotency::claim(conn, org_id, &key, &hash))
            .await?
    };
    match claim {
        Claim::Replay(stored) => Ok(Created {
            status: StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK),
            body: stored.body,
            location: stored.location,
        }
        .into_response(true)),
        Claim::InProgress => Err(ApiError::Conflict(
            "a request with this Idempotency-Key is still being processed".into(),
        )),
        Claim::Mismatch => Err(ApiError::field(
            "/Idempotency-Key",
            "was already used with a different request body",
        )),
        Claim::Fresh => match work().await {
            Ok(created) => {
                let stored = StoredResponse {
                    status: created.status.as_u16(),
                    body: created.body.clone(),
                    location: created.location.clone(),
                };
                state
                    .db
                    .run(move |conn| idempotency::complete(conn, org_id, &key, &stored))
                    .await?;
                Ok(created.into_response(false))
            }
            Err(error) => {
                // Failed work is not kept: a retry may succeed.
                let released = state
                    .db
                    .run(move |conn| idempotency::release(conn, org_id, &key))
                    .await;
                if let Err(e) = released {
                    tracing::warn!(error = %e, "could not release an idempotency key");
                }
                Err(error)
            }
        },
    }
}
