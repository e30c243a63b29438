//! The call check: checks a call for applications (utlysning) before it is published.

pub mod text;
