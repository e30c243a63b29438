//! The call check: checks a call for applications (utlysning) before it is published.
//!
//! * [`design`]: what a call says about itself that the checks read.
//! * [`eligibility`]: how eligibility rules cut each group's share of the firm population.
//! * [`text`]: gender-coded words, LIX and plain language.
//! * [`checks`]: the eight checks, each with a verdict, a reason and an action.
//! * [`render`]: a report as terminal text or one HTML page.

pub mod checks;
pub mod design;
pub mod eligibility;
pub mod render;
pub mod text;
