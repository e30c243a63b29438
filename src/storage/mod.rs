//! Storage: one diesel codebase over PostgreSQL (production) and SQLite (embedded default).
//!
//! The backend is chosen from the URL scheme, never by trial. Queries that read the same on both
//! backends go through the [`DbConnection`] enum; statements whose SQL differs (upserts,
//! `RETURNING`, locks) are written once and compiled for each backend with [`with_backend!`].
//! Diesel is synchronous: handlers run storage code on the blocking pool via [`Database::run`].

pub mod application_rows;
pub mod applications;
pub mod baselines;
pub mod callchecks;
pub mod cells;
pub mod evaluations;
pub mod idempotency;
pub mod imports;
pub mod ingest;
pub mod orgs;
pub mod programmes;
pub mod reports;
pub mod schema;
pub mod tagged;
#[cfg(test)]
mod tests;
pub mod web_sessions;

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseSettings;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the concrete connection, compiled once per backend.
#[macro_export]
macro_rules! with_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::storage::DbConnection::Postgresql($c) => $body,
            $crate::storage::DbConnection::Sqlite($c) => $body,
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Backend {
    #[serde(rename = "postgresql")]
    Postgres,
    #[serde(rename = "sqlite")]
    Sqlite,
}

impl Backend {
    /// Picks the backend from the URL scheme.
    pub fn from_url(url: &str) -> Result<Self, StorageError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else if url.starts_with("sqlite://") {
            Ok(Self::Sqlite)
        } else {
            Err(StorageError::Config(
                "database.url must start with postgres://, postgresql:// or sqlite://".into(),
            ))
        }
    }

    /// "postgresql" or "sqlite" (its serde name).
    pub fn name(self) -> &'static str {
        crate::codes::code(&self)
    }
}

pub type StorageResult<T> = Result<T, StorageError>;

/// Storage failures, by what the caller should do about them.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database cannot be reached or is busy: retry later (HTTP 503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken, e.g. a code already taken (HTTP 409).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database configuration: {0}")]
    Config(String),
    /// Anything else: a bug or a broken database (HTTP 500, details only in the log).
    #[error("database error: {0}")]
    Query(diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    /// A stored value could not be read back (a JSON column that no longer decodes): the data
    /// are damaged or were written by an incompatible version. Never replaced by a default.
    #[error("stored data unreadable in {column}: {reason}")]
    Corrupt {
        column: &'static str,
        reason: String,
    },
}

/// Decodes a JSON column read from the database. Every stored JSON value is read through here,
/// so that damaged data is reported as [`StorageError::Corrupt`], naming the column, and is never
/// silently replaced by a default. The reason names the position and the expected type only:
/// serde's messages can quote values, which may identify a person.
pub fn decode_json<T: serde::de::DeserializeOwned>(
    column: &'static str,
    text: &str,
) -> StorageResult<T> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt {
        column,
        reason: format!(
            "{:?} at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ),
    })
}

impl From<diesel::result::Error> for StorageError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match error {
            Error::NotFound => StorageError::NotFound,
            Error::DatabaseError(Kind::UniqueViolation, info) => {
                StorageError::Conflict(info.message().to_owned())
            }
            Error::DatabaseError(
                Kind::ClosedConnection | Kind::SerializationFailure | Kind::ReadOnlyTransaction,
                info,
            ) => StorageError::Unavailable(info.message().to_owned()),
            // SQLite reports a held lock past busy_timeout as an unclassified error.
            Error::DatabaseError(_, ref info)
                if info.message().contains("database is locked")
                    || info.message().contains("database is busy") =>
            {
                StorageError::Unavailable(info.message().to_owned())
            }
            other => StorageError::Query(other),
        }
    }
}

impl From<r2d2::PoolError> for StorageError {
    fn from(error: r2d2::PoolError) -> Self {
        StorageError::Unavailable(error.to_string())
    }
}

/// Opens connections of the configured backend with its start-up statements.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: String,
    backend: Backend,
    busy_timeout_ms: u64,
}

impl ConnectionManager {
    fn sqlite_path(&self) -> &str {
        self.url.trim_start_matches("sqlite://")
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match self.backend {
            Backend::Postgres => Ok(DbConnection::Postgresql(PgConnection::establish(
                &self.url,
            )?)),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(self.sqlite_path())?;
                // WAL lets readers work during writes; FULL sync makes every acknowledged commit
                // survive a crash of the machine, not only of the process.
                // busy_timeout first: switching to WAL takes a lock other new connections wait on.
                // Reads go through a memory map, so pooled connections share the operating
                // system's page cache instead of each warming a cache of its own.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                     PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -16384; \
                     PRAGMA temp_store = MEMORY;",
                    self.busy_timeout_ms
                ))
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// The connection pool and what backend it talks to.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    backend: Backend,
}

impl Database {
    /// Connects (creating the SQLite file and its directory on first run).
    pub fn connect(settings: &DatabaseSettings) -> StorageResult<Self> {
        let url = settings.url.expose().to_owned();
        let backend = Backend::from_url(&url)?;
        let manager = ConnectionManager {
            url,
            backend,
            busy_timeout_ms: settings.sqlite_busy_timeout_ms,
        };
        if backend == Backend::Sqlite {
            let path = PathBuf::from(manager.sqlite_path());
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StorageError::Config(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
        // One connection up front (it also switches a new SQLite file to WAL); the rest on demand,
        // so connections never race each other for that first lock.
        let pool = r2d2::Pool::builder()
            .max_size(settings.pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_millis(settings.acquire_timeout_ms))
            .build(manager)
            .map_err(|e| StorageError::Unavailable(e.to_string()))?;
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A pooled connection, for synchronous callers (the CLI, the blocking pool).
    pub fn conn(&self) -> StorageResult<PooledConnection> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` with a pooled connection on the blocking thread pool, off the async workers,
    /// inside the caller's tracing span (so its log lines keep the request id).
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(StorageError::from)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| E::from(StorageError::Unavailable(format!("blocking pool: {e}"))))?
    }

    /// Applies pending migrations of this backend; returns how many ran.
    pub fn migrate(&self) -> StorageResult<usize> {
        let mut conn = self.conn()?;
        let ran = match &mut *conn {
            DbConnection::Postgresql(c) => c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len()),
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        };
        ran.map_err(|e| StorageError::Migration(e.to_string()))
    }

    /// True when the database answers.
    pub fn ping(&self) -> StorageResult<()> {
        let mut conn = self.conn()?;
        conn.batch_execute("SELECT 1")?;
        Ok(())
    }
}

/// Runs `f` in a write transaction.
///
/// Locking, in the order every writer takes it (so writers never deadlock): the applications a
/// transaction changes (row locks while reading them, on PostgreSQL), then the organisation
/// (just before its statistics cells are read, merged and written back; see
/// [`lock_organisation`]). SQLite has one writer at a time: its write lock is taken first, before
/// anything is read, so that two writers never deadlock upgrading a read lock.
pub fn write_tx<T, E>(
    conn: &mut DbConnection,
    org_id: i64,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        if let DbConnection::Sqlite(_) = conn {
            lock_organisation(conn, org_id)?;
        }
        f(conn)
    })
}

/// Serialises writers of one organisation's statistics until the transaction ends.
pub fn lock_organisation(conn: &mut DbConnection, org_id: i64) -> QueryResult<()> {
    use schema::organisations::dsl as o;
    match conn {
        DbConnection::Postgresql(c) => {
            o::organisations
                .filter(o::id.eq(org_id))
                .select(o::id)
                .for_update()
                .execute(c)?;
        }
        DbConnection::Sqlite(c) => {
            diesel::update(o::organisations.filter(o::id.eq(org_id)))
                .set(o::id.eq(o::id))
                .execute(c)?;
        }
    }
    Ok(())
}

/// Runs `f` (a sequence of write transactions) with commits that do not wait for the disk, then
/// restores full durability. A bulk import commits many batches but acknowledges once, at the
/// end: the commit that records its result waits for the disk, and since the log is written in
/// order, that wait makes every earlier batch durable too. A crash before then loses only
/// batches that were never acknowledged, and never half a batch.
pub fn with_deferred_durability<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> T,
) -> StorageResult<T> {
    let (relax, restore) = match conn {
        DbConnection::Postgresql(_) => (
            "SET synchronous_commit = off",
            "SET synchronous_commit = on",
        ),
        DbConnection::Sqlite(_) => ("PRAGMA synchronous = NORMAL", "PRAGMA synchronous = FULL"),
    };
    conn.batch_execute(relax)?;
    let result = f(conn);
    conn.batch_execute(restore)?;
    Ok(result)
}

/// Now, in UTC, to the microsecond (what both backends store).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
