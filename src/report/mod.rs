//! Allocation-equality reports for auditors: representation and resources (3R R1/R2) per group
//! and intersection, the evaluation's findings with their resource gaps, the trend per
//! half-year, unknowns and call overrides, with small-cell protection over every figure.
//!
//! * [`model`]: what a report holds.
//! * [`build`]: making one from the stored applications and an evaluation.
//! * [`suppress`]: small-cell, dominance and complementary suppression, and its auditor.
//! * [`html`], [`csv`]: the report for people and for spreadsheets.

pub mod build;
pub(crate) mod charts;
pub mod csv;
pub mod html;
pub mod model;
pub mod suppress;
