//! The domain: what an application, a decision, an applicant and a call are, how they are
//! checked, and how applicants are grouped. No I/O here.

pub mod applicant;
pub mod application;
pub mod call;
pub mod geography;
pub mod money;
pub mod role;
pub mod tagging;
pub mod validation;
