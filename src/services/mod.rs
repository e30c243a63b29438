//! Use cases that combine storage and computation: evaluations, baselines, re-tagging.

pub mod baselines;
pub mod callchecks;
pub mod evaluations;
pub mod reports;
pub mod retag;
