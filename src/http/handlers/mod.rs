//! One module per resource; each handler declares the policy it needs and stays within the
//! caller's organisation.

pub mod applications;
pub mod callchecks;
pub mod calls;
pub mod evaluations;
pub mod health;
pub mod imports;
pub mod programmes;
pub mod reports;
