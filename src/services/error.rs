//! The one error of the services, by what a caller does about it. The HTTP layer turns it into
//! a problem document (`http::problem`), the CLI into a message.

use crate::domain::validation::FieldError;
use crate::storage::StorageError;

pub type ServiceResult<T> = Result<T, ServiceError>;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request names or asks for something it may not, field by field (HTTP 422).
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    /// What the request names does not exist, or belongs to another organisation (HTTP 404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The request conflicts with the current state (HTTP 409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached or is busy: retry later (HTTP 503).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything else the storage reports: a bug, a broken database or corrupt stored data
    /// (HTTP 500, details only in the log).
    #[error(transparent)]
    Storage(StorageError),
}

impl ServiceError {
    /// One invalid field: where (a JSON pointer) and why.
    pub fn field(pointer: impl Into<String>, reason: impl Into<String>) -> Self {
        ServiceError::Invalid(vec![FieldError::new(pointer, reason)])
    }
}

impl From<StorageError> for ServiceError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => ServiceError::NotFound("not found".into()),
            StorageError::Conflict(m) => ServiceError::Conflict(m),
            StorageError::Unavailable(m) => ServiceError::Unavailable(m),
            other => ServiceError::Storage(other),
        }
    }
}

/// For work in a transaction: a database error there is a storage error.
impl From<diesel::result::Error> for ServiceError {
    fn from(error: diesel::result::Error) -> Self {
        StorageError::from(error).into()
    }
}
