//! Bulk import: NDJSON or CSV streamed in, each row validated on its own, accepted rows written
//! in batches, rejected rows reported with their line, field and reason.
//!
//! The body is never held in memory: a reader thread parses and validates rows while a writer
//! thread commits the previous batch, with a bounded queue between them. Each batch commits on
//! its own; a row is written whole or not at all, and re-sending a file creates no duplicates
//! (rows already stored come back as unchanged).

pub mod csv_rows;
pub mod giving360_rows;
pub mod ndjson;

use std::io::Read;
use std::sync::mpsc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::applicant::Pseudonymiser;
use crate::domain::application::{ImportRow, validate_external_id};
use crate::domain::validation::FieldError;
use crate::storage::imports::ImportJob;
use crate::storage::ingest::{IngestContext, IngestRow, RowResult, write_batch};
use crate::storage::orgs::StoredScheme;
use crate::storage::{
    Backend, Database, DbConnection, StorageError, decode_json, now, with_deferred_durability,
    write_tx,
};

/// Formats `POST /api/v1/imports` accepts; the serde name is the code stored with a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportFormat {
    Ndjson,
    Csv,
    /// A 360Giving data package (awarded grants).
    #[serde(rename = "360giving")]
    Giving360,
}

impl ImportFormat {
    /// From the request's media type.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        match media_type {
            "application/x-ndjson" | "application/ndjson" | "application/jsonl" => {
                Some(Self::Ndjson)
            }
            "text/csv" => Some(Self::Csv),
            "application/json" | "application/vnd.360giving+json" => Some(Self::Giving360),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        crate::codes::code(&self)
    }
}

/// One refused row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// Line in the file, 1-based (a CSV header is line 1).
    pub line: u64,
    /// JSON pointer to the field within the row's JSON form.
    pub pointer: String,
    /// The CSV column, for CSV imports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub reason: String,
}

/// What a row source yields: a row to write or a row refused while reading it.
#[derive(Debug)]
pub enum SourceItem {
    Row {
        line: u64,
        row: Box<ImportRow>,
    },
    /// A row refused while reading it, with every field error found.
    Bad(Vec<RowError>),
}

/// Errors that stop a whole import (rows already committed stay).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file as a whole is unusable (e.g. a CSV header with an unknown column).
    #[error("{reason}")]
    BadFile { pointer: String, reason: String },
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("reading the body failed: {0}")]
    Io(std::io::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// An import that stopped: what it had done, and why it stopped (boxed: it is the rare path).
type Interrupted = Box<(Tally, ImportError)>;

impl From<std::io::Error> for ImportError {
    fn from(error: std::io::Error) -> Self {
        // The feeder reports an over-long body through the reader as this kind.
        if error.kind() == std::io::ErrorKind::FileTooLarge {
            let limit = error
                .get_ref()
                .and_then(|e| e.to_string().parse().ok())
                .unwrap_or(0);
            return ImportError::TooLarge { limit };
        }
        ImportError::Io(error)
    }
}

/// The outcome of an import, as stored and as returned.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub id: String,
    pub format: String,
    /// completed, failed (stopped by an error; committed rows stay) or interrupted.
    pub status: String,
    /// Rows read (excluding a CSV header and blank lines).
    pub rows: u64,
    /// Rows created or changed.
    pub accepted: u64,
    /// Rows identical to what was already stored.
    pub unchanged: u64,
    pub rejected: u64,
    /// Rejected rows, by line; at most `imports.max_reported_errors` of them.
    pub errors: Vec<RowError>,
    /// True when more rows were rejected than are listed.
    pub errors_truncated: bool,
}

impl ImportSummary {
    /// The summary of a stored job; its error list is stored JSON, and a damaged one is
    /// [`StorageError::Corrupt`], not an empty list.
    pub fn from_job(job: &ImportJob) -> Result<Self, StorageError> {
        Ok(Self {
            id: job.id.clone(),
            format: job.format.clone(),
            status: job.status.clone(),
            rows: job.lines as u64,
            accepted: job.accepted as u64,
            unchanged: job.unchanged as u64,
            rejected: job.rejected as u64,
            errors: decode_json("import_jobs.errors", &job.errors)?,
            errors_truncated: job.errors_truncated,
        })
    }
}

/// Counts and errors gathered while an import runs.
#[derive(Debug, Default)]
struct Tally {
    /// Time the reader waited for the writer, and the writer spent writing (for the log: which
    /// side bounds an import's speed).
    reader_waited: std::time::Duration,
    writer_busy: std::time::Duration,
    rows: u64,
    accepted: u64,
    unchanged: u64,
    rejected: u64,
    errors: Vec<RowError>,
    errors_truncated: bool,
}

impl Tally {
    /// Counts one rejected row with all its field errors.
    fn reject(&mut self, errors: Vec<RowError>, max_errors: usize) {
        self.rejected += 1;
        for error in errors {
            if self.errors.len() < max_errors {
                self.errors.push(error);
            } else {
                self.errors_truncated = true;
            }
        }
    }

    fn merge(&mut self, other: Tally, max_errors: usize) {
        self.reader_waited += other.reader_waited;
        self.writer_busy += other.writer_busy;
        self.rows += other.rows;
        self.accepted += other.accepted;
        self.unchanged += other.unchanged;
        self.rejected += other.rejected;
        self.errors_truncated |= other.errors_truncated;
        for e in other.errors {
            if self.errors.len() < max_errors {
                self.errors.push(e);
            } else {
                self.errors_truncated = true;
            }
        }
    }
}

/// Runs imports for one organisation.
pub struct Importer {
    pub db: Database,
    pub keys: Pseudonymiser,
    pub batch_size: usize,
    pub max_errors: usize,
    /// Concurrent writers on PostgreSQL (SQLite always has one).
    pub writers: usize,
}

impl Importer {
    /// Reads `body` in `format`, writes what is valid, and records the job. Runs on a blocking
    /// thread; `on_batch` is told the rows read so far (for progress bars).
    pub fn run(
        &self,
        job_id: &str,
        org_id: i64,
        scheme: StoredScheme,
        format: ImportFormat,
        body: impl Read + Send,
        on_batch: &(dyn Fn(u64) + Sync),
    ) -> Result<ImportSummary, ImportError> {
        let started = std::time::Instant::now();
        crate::storage::imports::start(&mut *self.db.conn()?, job_id, org_id, format.code())?;
        let outcome = match format {
            ImportFormat::Ndjson => {
                self.pipeline(format, org_id, scheme, ndjson::rows(body), on_batch)
            }
            ImportFormat::Csv => csv_rows::rows(body)
                .map_err(|e| Box::new((Tally::default(), e)))
                .and_then(|rows| self.pipeline(format, org_id, scheme, rows, on_batch)),
            ImportFormat::Giving360 => giving360_rows::rows(body)
                .map_err(|e| Box::new((Tally::default(), e)))
                .and_then(|rows| self.pipeline(format, org_id, scheme, rows, on_batch)),
        };
        let (tally, status, failure) = match outcome {
            Ok(tally) => (tally, "completed", None),
            Err(interrupted) => {
                let (tally, error) = *interrupted;
                (tally, "failed", Some(error))
            }
        };
        tracing::info!(
            format = format.code(),
            status,
            rows = tally.rows,
            accepted = tally.accepted,
            rejected = tally.rejected,
            seconds = started.elapsed().as_secs_f64(),
            writer_busy_seconds = tally.writer_busy.as_secs_f64(),
            reader_waited_seconds = tally.reader_waited.as_secs_f64(),
            "import finished"
        );
        let mut errors = tally.errors;
        errors.sort_by_key(|e| e.line);
        let job = ImportJob {
            id: job_id.to_owned(),
            org_id,
            format: format.code().to_owned(),
            status: status.to_owned(),
            lines: tally.rows as i64,
            accepted: tally.accepted as i64,
            unchanged: tally.unchanged as i64,
            rejected: tally.rejected as i64,
            errors: serde_json::to_string(&errors).expect("errors serialise"),
            errors_truncated: tally.errors_truncated,
            started_at: now(),
            finished_at: Some(now()),
        };
        crate::storage::imports::finish(&mut *self.db.conn()?, &job)?;
        match failure {
            Some(error) => Err(error),
            None => Ok(ImportSummary::from_job(&job)?),
        }
    }

    /// Reader (this thread) and writers (scoped threads), joined by queues of two batches. On
    /// PostgreSQL several writers commit batches side by side; rows are spread over them by
    /// external id, so two writers never touch the same application. SQLite has one writer.
    fn pipeline(
        &self,
        format: ImportFormat,
        org_id: i64,
        scheme: StoredScheme,
        source: impl Iterator<Item = Result<SourceItem, ImportError>>,
        on_batch: &(dyn Fn(u64) + Sync),
    ) -> Result<Tally, Interrupted> {
        let writers = match self.db.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => self.writers.max(1),
        };
        std::thread::scope(|scope| {
            let mut senders = Vec::with_capacity(writers);
            let mut handles = Vec::with_capacity(writers);
            for _ in 0..writers {
                let (sender, receiver) = mpsc::sync_channel::<Vec<IngestRow>>(2);
                let scheme = scheme.clone();
                senders.push(sender);
                handles.push(scope.spawn(move || self.write_all(format, org_id, scheme, receiver)));
            }
            let mut batches: Vec<Vec<IngestRow>> = (0..writers)
                .map(|_| Vec::with_capacity(self.batch_size))
                .collect();
            let mut read = Tally::default();
            let mut read_error = None;
            let mut writer_gone = false;
            for item in source {
                let row = match item {
                    Ok(SourceItem::Row { line, row }) => {
                        read.rows += 1;
                        match self.to_ingest_row(format, &scheme, line, *row) {
                            Ok(row) => row,
                            Err(errors) => {
                                read.reject(errors, self.max_errors);
                                continue;
                            }
                        }
                    }
                    Ok(SourceItem::Bad(errors)) => {
                        read.rows += 1;
                        read.reject(errors, self.max_errors);
                        continue;
                    }
                    Err(error) => {
                        read_error = Some(error);
                        break;
                    }
                };
                let w = writer_of(&row.external_id, writers);
                batches[w].push(row);
                if batches[w].len() >= self.batch_size {
                    on_batch(read.rows);
                    let full =
                        std::mem::replace(&mut batches[w], Vec::with_capacity(self.batch_size));
                    let waiting = std::time::Instant::now();
                    let sent = senders[w].send(full);
                    read.reader_waited += waiting.elapsed();
                    if sent.is_err() {
                        writer_gone = true; // its error is reported below
                        break;
                    }
                }
            }
            if read_error.is_none() && !writer_gone {
                for (w, batch) in batches.into_iter().enumerate() {
                    if !batch.is_empty() {
                        let _ = senders[w].send(batch);
                    }
                }
            }
            drop(senders);
            on_batch(read.rows);
            let mut tally = Tally::default();
            let mut write_error = None;
            for handle in handles {
                match handle.join().expect("import writer thread panicked") {
                    Ok(t) => tally.merge(t, self.max_errors),
                    Err(interrupted) => {
                        let (t, e) = *interrupted;
                        tally.merge(t, self.max_errors);
                        write_error.get_or_insert(e);
                    }
                }
            }
            tally.merge(read, self.max_errors);
            match read_error.or(write_error) {
                Some(error) => Err(Box::new((tally, error))),
                None => Ok(tally),
            }
        })
    }

    fn to_ingest_row(
        &self,
        format: ImportFormat,
        scheme: &StoredScheme,
        line: u64,
        row: ImportRow,
    ) -> Result<IngestRow, Vec<RowError>> {
        let row_errors = |errors: Vec<FieldError>| -> Vec<RowError> {
            errors
                .into_iter()
                .map(|e| row_error(format, line, e))
                .collect()
        };
        validate_external_id(&row.external_id)
            .map_err(|reason| row_errors(vec![FieldError::new("/externalId", reason)]))?;
        let (external_id, body) = row.into_parts();
        let application = body.parse(&self.keys).map_err(row_errors)?;
        Ok(IngestRow::application(
            line,
            external_id,
            application,
            scheme,
        ))
    }

    fn write_all(
        &self,
        format: ImportFormat,
        org_id: i64,
        scheme: StoredScheme,
        batches: mpsc::Receiver<Vec<IngestRow>>,
    ) -> Result<Tally, Interrupted> {
        let tally = Tally::default();
        let mut conn = match self.db.conn() {
            Ok(c) => c,
            Err(e) => return Err(Box::new((tally, e.into()))),
        };
        let mut ctx = IngestContext::new(org_id, scheme);
        // The job's final record (written with full durability before the result is returned)
        // makes these batches durable.
        let outcome = with_deferred_durability(&mut conn, |conn| {
            self.write_batches(format, org_id, &mut ctx, batches, conn, tally)
        });
        match outcome {
            Ok(result) => result,
            Err(e) => Err(Box::new((Tally::default(), e.into()))),
        }
    }

    fn write_batches(
        &self,
        format: ImportFormat,
        org_id: i64,
        ctx: &mut IngestContext,
        batches: mpsc::Receiver<Vec<IngestRow>>,
        conn: &mut DbConnection,
        mut tally: Tally,
    ) -> Result<Tally, Interrupted> {
        for batch in batches {
            let lines: Vec<u64> = batch.iter().map(|r| r.line).collect();
            let started = std::time::Instant::now();
            let written = write_tx(conn, org_id, |c| write_batch(c, ctx, batch));
            tally.writer_busy += started.elapsed();
            let results = match written {
                Ok(r) => r,
                Err(e) => return Err(Box::new((tally, e.into()))),
            };
            for (line, result) in lines.into_iter().zip(results) {
                match result {
                    RowResult::Unchanged { .. } => tally.unchanged += 1,
                    RowResult::Rejected(errors) => tally.reject(
                        errors
                            .into_iter()
                            .map(|e| row_error(format, line, e))
                            .collect(),
                        self.max_errors,
                    ),
                    r if r.is_write() => tally.accepted += 1,
                    _ => {}
                }
            }
        }
        Ok(tally)
    }
}

/// Which writer takes the row with this external id (always the same one).
fn writer_of(external_id: &str, writers: usize) -> usize {
    use std::hash::{Hash, Hasher};
    if writers == 1 {
        return 0;
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    external_id.hash(&mut hasher);
    (hasher.finish() % writers as u64) as usize
}

/// A field error of one row, named by pointer and, for CSV, by column.
fn row_error(format: ImportFormat, line: u64, error: FieldError) -> RowError {
    RowError {
        line,
        column: (format == ImportFormat::Csv)
            .then(|| csv_rows::column_of(&error.pointer))
            .flatten(),
        pointer: error.pointer,
        reason: error.reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_codes_are_the_stored_ones() {
        assert_eq!(ImportFormat::Ndjson.code(), "ndjson");
        assert_eq!(ImportFormat::Csv.code(), "csv");
        assert_eq!(ImportFormat::Giving360.code(), "360giving");
    }

    #[test]
    fn a_damaged_error_list_is_corrupt_not_empty() {
        let job = ImportJob {
            id: "job".into(),
            org_id: 1,
            format: "csv".into(),
            status: "completed".into(),
            lines: 2,
            accepted: 1,
            unchanged: 0,
            rejected: 1,
            errors: r#"[{"line": 2, "pointer": "/amountApplied""#.into(),
            errors_truncated: false,
            started_at: now(),
            finished_at: Some(now()),
        };
        match ImportSummary::from_job(&job) {
            Err(StorageError::Corrupt { column, .. }) => assert_eq!(column, "import_jobs.errors"),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
}
