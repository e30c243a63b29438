//! The use cases: every one combines storage and computation here, in one transaction where it
//! writes, so that HTTP handlers and CLI commands only translate requests and answers.
//! Every service answers with [`ServiceError`].

pub mod applications;
pub mod baselines;
pub mod callchecks;
pub mod calls;
pub mod compare;
mod error;
pub mod evaluations;
pub mod open_data;
pub mod programmes;
pub mod publication;
pub mod reports;
pub mod retag;

pub use error::{ServiceError, ServiceResult};
