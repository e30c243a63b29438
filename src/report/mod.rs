//! Allocation-equality reports for auditors: representation and resources (3R R1/R2) per group
//! and intersection, the evaluation's findings with their resource gaps, the trend per
//! half-year, unknowns and call overrides, with small-cell protection over every figure.
//!
//! * [`model`]: what a report holds.
//! * [`build`]: making one from the scope's tagged applications and its evaluation, with no
//!   I/O (`services::reports` reads them and stores the report).
//! * [`suppress`]: small-cell, dominance and complementary suppression, and its auditor.
//! * [`html`], [`csv`]: the report for people (askama templates in `templates/`) and for
//!   spreadsheets; `charts` draws the SVG charts of the HTML page, one file per chart.
//!
//! Pure computation: nothing here reads storage or calls a service.

pub mod build;
pub(crate) mod charts;
pub mod csv;
pub mod html;
pub mod model;
pub mod suppress;
