//! Bulk imports: the body is streamed into the import pipeline, never buffered whole.

use std::io::Read;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;

use crate::http::AppState;
use crate::http::auth::{Authorized, WriteData};
use crate::http::idempotency::{Created, once};
use crate::http::problem::ApiError;
use crate::ingest::{ImportError, ImportFormat, ImportSummary, Importer};
use crate::storage::{imports, orgs};

/// Hands the request body, chunk by chunk, to the blocking import thread.
struct ChannelReader {
    chunks: tokio::sync::mpsc::Receiver<std::io::Result<web::Bytes>>,
    current: web::Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(chunk) => self.current = chunk?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

fn media_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)?
        .to_str()
        .ok()
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::BadFile { pointer, reason } => ApiError::field(pointer, reason),
            ImportError::TooLarge { limit } => ApiError::PayloadTooLarge(limit),
            ImportError::Io(e) => ApiError::Malformed(format!("the body could not be read: {e}")),
            ImportError::Storage(e) => e.into(),
        }
    }
}

/// Import applications in bulk: NDJSON (`application/x-ndjson`, one application with its
/// `externalId` per line), CSV (`text/csv`, see docs/api.md for the columns) or a 360Giving
/// data package of awarded grants (`application/json`). Every row is
/// validated on its own; accepted rows are committed, rejected rows change nothing, and
/// re-sending a file creates no duplicates.
#[utoipa::path(tag = "applications",
    params(("Idempotency-Key" = Option<String>, Header, description = "identifies the upload; a retry gets the first result")),
    request_body(content = String, description = "NDJSON or CSV", content_type = "application/x-ndjson"),
    responses(
        (status = 201, description = "the import ran; counts and rejected rows", body = ImportSummary),
        (status = 413, body = crate::http::problem::Problem),
        (status = 415, body = crate::http::problem::Problem),
        (status = 422, description = "the file as a whole is unusable (e.g. an unknown CSV column)", body = crate::http::problem::Problem),
    ), security(("bearer" = [])))]
#[post("/imports")]
pub async fn post_import(
    caller: Authorized<WriteData>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let format = media_type(&req)
        .as_deref()
        .and_then(ImportFormat::from_media_type)
        .ok_or_else(|| {
            ApiError::UnsupportedMediaType(
                "send application/x-ndjson, text/csv (UTF-8) or a 360Giving package as application/json"
                    .into(),
            )
        })?;
    let limit = state.settings.server.import_limit_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    // The key alone identifies an upload: its body is not compared again.
    let request_hash = format!("import:{}", format.code());
    let org_id = caller.org_id;
    let payload = std::cell::RefCell::new(Some(payload));
    let response = once(&state, &caller, &req, request_hash, || async {
        let payload = payload.borrow_mut().take().expect("the body is read once");
        let summary = run_import(&state, org_id, format, payload, limit).await?;
        let location = format!("/api/v1/imports/{}", summary.id);
        Ok(Created::json(StatusCode::CREATED, &summary, Some(location)))
    })
    .await;
    // A replayed or refused upload was not read: read it to the end before answering, or the
    // client would see its connection closed while still sending.
    let unread = payload.borrow_mut().take();
    if let Some(mut unread) = unread {
        while let Some(chunk) = unread.next().await {
            if chunk.is_err() {
                break;
            }
        }
    }
    response
}

async fn run_import(
    state: &AppState,
    org_id: i64,
    format: ImportFormat,
    mut payload: web::Payload,
    limit: u64,
) -> Result<ImportSummary, ApiError> {
    let scheme = state
        .db
        .run(move |conn| orgs::current_scheme(conn, org_id))
        .await?;
    let importer = Importer {
        db: state.db.clone(),
        keys: state.keys.clone(),
        batch_size: state.settings.imports.batch_size,
        max_errors: state.settings.imports.max_reported_errors,
        writers: state.settings.imports.writers,
    };
    let (sender, chunks) = tokio::sync::mpsc::channel(16);
    let job_id = uuid::Uuid::new_v4().to_string();
    let span = tracing::Span::current();
    let import = web::block(move || {
        let _entered = span.enter();
        let reader = ChannelReader {
            chunks,
            current: web::Bytes::new(),
        };
        importer.run(&job_id, org_id, scheme, format, reader, &|_| {})
    });
    let mut received = 0u64;
    while let Some(chunk) = payload.next().await {
        let message = match chunk {
            Ok(bytes) => {
                received += bytes.len() as u64;
                if received > limit {
                    let too_large =
                        std::io::Error::new(std::io::ErrorKind::FileTooLarge, limit.to_string());
                    let _ = sender.send(Err(too_large)).await;
                    break;
                }
                Ok(bytes)
            }
            Err(e) => Err(std::io::Error::other(e.to_string())),
        };
        let failed = message.is_err();
        if sender.send(message).await.is_err() || failed {
            break; // the importer stopped early, or the upload broke off
        }
    }
    drop(sender);
    let summary = import
        .await
        .map_err(|e| ApiError::Internal(format!("import thread: {e}")))??;
    Ok(summary)
}

/// The result of an earlier import.
#[utoipa::path(tag = "applications", params(("id" = String, Path)),
    responses((status = 200, body = ImportSummary), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = [])))]
#[get("/imports/{id}")]
pub async fn get_import(
    caller: Authorized<WriteData>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, id) = (caller.org_id, id.into_inner());
    let job = state
        .db
        .run(move |conn| imports::find(conn, org_id, &id))
        .await?
        .ok_or_else(|| ApiError::NotFound("no such import".into()))?;
    Ok(HttpResponse::Ok().json(ImportSummary::from_job(&job)?))
}
