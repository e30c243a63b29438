//! What an evaluation finds: a finding of one rule for one group, its comparisons and their
//! levels. The engine makes these and `explain` words them, so both import them from here.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules::{Metric, Severity};
use crate::codes;
use crate::domain::tagging::Dimension;
use crate::stats::Interval;

/// How a finding stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The gap is beyond the threshold, not chance, and its whole interval is beyond it.
    Red,
    /// Beyond the threshold and not chance, but the interval reaches the threshold.
    Watch,
    /// Beyond the threshold by the estimate, but not distinguishable from chance.
    Inconclusive,
    /// Within the threshold.
    Ok,
    /// Fewer than the rule's minimum: not judged.
    TooFew,
    /// No baseline, no reference, or no decided applications to compare.
    CannotAssess,
}

impl Level {
    /// The serde name.
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    pub fn is_flag(self) -> bool {
        matches!(self, Level::Red | Level::Watch)
    }
}

/// What a comparison sets the group against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Against {
    /// The reference group.
    Reference,
    /// Everyone else in the scope.
    Rest,
    /// The group's share of the eligible population.
    Baseline,
    /// The group's share of the applicants.
    Applicants,
}

/// How a comparison's p-value was computed (docs/rules.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Exact binomial test against the baseline share.
    BinomialExact,
    /// Cochran-Mantel-Haenszel over calls, continuity-corrected (counts large enough).
    Cmh,
    /// Exact conditional test over calls (small counts).
    CmhExact,
    /// Fisher's exact test (small counts, one call).
    FisherExact,
    /// CMH where the exact test would be too large to compute (recorded, rare).
    CmhExactTooLarge,
    /// Mann-Whitney rank test, normal approximation with tie correction.
    MannWhitney,
    /// Mann-Whitney rank test, exact distribution with ties (small samples).
    MannWhitneyExact,
    /// Variance of a random subset's sum, normal approximation.
    PermutationNormal,
}

/// One value of a group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct GroupValue {
    pub dimension: Dimension,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub against: Against,
    /// The reference group, when `against` is `reference`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Vec<GroupValue>>,
    /// The group's value of the metric (rate, mean, share).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_value: Option<f64>,
    /// The comparator's value of the metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparator_value: Option<f64>,
    /// Ratio (or disparity index) of the group to the comparator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub interval: Option<Interval>,
    pub threshold: f64,
    /// How the p-value was computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// After the correction over every test of the evaluation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_adjusted: Option<f64>,
    pub alpha: f64,
    pub level: Level,
    /// Why a comparison could not be judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The group's own figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    pub applications: i64,
    /// Decided on the merits (approved, partly approved, rejected).
    pub judged: i64,
    pub approved: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_rate: Option<f64>,
    /// Wilson interval of the approval rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub approval_interval: Option<Interval>,
    pub applied_sek: f64,
    pub granted_sek: f64,
}

/// What the group would have had at parity (formulas in docs/rules.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGap {
    /// More approvals at the comparator's approval rate, call by call.
    pub approvals_at_parity: f64,
    /// More SEK at the comparator's SEK per decided application, call by call.
    pub sek_at_parity: f64,
    /// More approvals had the group its applicant share of all approvals.
    pub approvals_at_share: f64,
    /// More SEK had the group its applicant share of all SEK granted.
    pub sek_at_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub rule: String,
    pub metric: Metric,
    pub severity: Severity,
    pub level: Level,
    pub group: Vec<GroupValue>,
    pub label: String,
    /// Index of the group's figures in `groups`.
    pub group_index: usize,
    pub comparisons: Vec<Comparison>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_gap: Option<ResourceGap>,
    /// Representation: applicants missing to reach the baseline share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_applicants: Option<f64>,
    pub explanation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_codes_are_the_serde_names() {
        assert_eq!(Level::Red.code(), "red");
        assert_eq!(Level::TooFew.code(), "too_few");
        assert_eq!(Level::CannotAssess.code(), "cannot_assess");
    }
}
