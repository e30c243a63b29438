//! Pure codecs of the open formats the service reads and writes, with no I/O, clock or keys:
//! JSON-stat 2.0 tables (baseline and firm-population uploads, as Statistics Sweden exports them)
//! and the 360Giving Data Standard (import of grant packages, export of awarded grants). Import,
//! export, baselines and the call check all use them, so they belong to none of those.

pub mod giving360;
pub mod jsonstat;
