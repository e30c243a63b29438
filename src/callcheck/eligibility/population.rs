//! The firm population: firms by the facts eligibility rules test, per group.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::tagging::Dimension;

/// A band of a count or an amount: from (inclusive) to (exclusive), `to: None` open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FirmBand)]
pub struct Band {
    pub from: u64,
    #[serde(default)]
    pub to: Option<u64>,
}

/// Firms in one cell of the population: the facts eligibility rules test (`None` = the table
/// does not break down by it) and the group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PopulationCell {
    /// SNI code or prefix, e.g. "47" or "62.010".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_form: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<Band>,
    /// SEK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turnover: Option<Band>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    /// E.g. `{"gender": "women"}`; may hold several dimensions.
    #[serde(default)]
    pub group: BTreeMap<Dimension, String>,
    /// Number of firms, >= 0.
    pub firms: f64,
}

/// The firms that could apply, as a table of cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Population {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub published_on: Option<NaiveDate>,
    pub year: i32,
    /// County code or "SE".
    pub region: String,
    pub cells: Vec<PopulationCell>,
}
