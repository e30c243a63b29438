//! What an allocation-equality report holds. Aggregates only: every figure is a [`Figure`], shown
//! or suppressed (with why), never a row about an applicant.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::suppress::Suppression;
use crate::analysis::findings::{GroupValue, Level};
use crate::analysis::provenance::{RuleSetRef, TaggingRef};
use crate::analysis::rules::Severity;
use crate::domain::tagging::Dimension;
use crate::locale::Language;

/// How the trend is grouped in time (by date of receipt).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Half-years, the national follow-up's cadence: "2017-H1".
    #[default]
    HalfYear,
    Year,
}

impl Period {
    /// The serde name.
    pub fn code(self) -> &'static str {
        crate::codes::code(&self)
    }
}

/// What to report on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    /// First month of receipt, "YYYY-MM".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last month of receipt, "YYYY-MM".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Dimensions of the tables (default gender, background, ageBand, county).
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    /// Most dimensions combined in one table (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<usize>,
    #[serde(default)]
    pub period: Period,
    #[serde(default)]
    pub language: Language,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruleset: Option<String>,
    /// Region of the baselines (a county code or SE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// One figure of a report: shown, or suppressed with the reason. A suppressed figure is not a
/// zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Figure {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The 95 % interval, for rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

impl Figure {
    pub fn shown(value: f64) -> Self {
        Self {
            value: Some(value),
            ..Default::default()
        }
    }

    pub fn hidden(why: Suppression) -> Self {
        Self {
            suppressed: Some(why),
            ..Default::default()
        }
    }

    /// Not computable (e.g. a rate of no decisions): neither a value nor suppressed.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn is_suppressed(&self) -> bool {
        self.suppressed.is_some()
    }
}

/// R1 and R2 for one group: representation and resources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupRow {
    /// Empty for the total row.
    pub group: Vec<GroupValue>,
    pub label: String,
    pub applications: Figure,
    /// Decided on the merits (withdrawn applications are not).
    pub decided: Figure,
    pub approved: Figure,
    /// Approved / decided, with its Wilson interval.
    pub approval_rate: Figure,
    /// SEK.
    pub amount_applied: Figure,
    /// SEK.
    pub amount_granted: Figure,
    pub share_of_applicants: Figure,
    pub share_of_approvals: Figure,
    pub share_of_granted: Figure,
    /// SEK per approved application.
    pub mean_grant: Figure,
    pub median_grant: Figure,
    /// The group's approval rate over the reference group's.
    pub approval_ratio: Figure,
    /// The reference group of `approvalRatio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The group's share of the eligible population, where a baseline gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_share: Option<f64>,
    /// 100 x share of applicants (as shown) / baseline share.
    pub disparity_index: Figure,
}

/// One combination of dimensions: a row per group, and the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupTable {
    pub dimensions: Vec<Dimension>,
    pub title: String,
    pub rows: Vec<GroupRow>,
    pub total: GroupRow,
}

/// Key figures of one group in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendRow {
    pub period: String,
    /// Empty for the period's total.
    pub group: Vec<GroupValue>,
    pub label: String,
    pub applications: Figure,
    pub decided: Figure,
    pub approved: Figure,
    pub approval_rate: Figure,
    pub amount_granted: Figure,
    pub share_of_granted: Figure,
}

/// The trend of one dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendTable {
    pub dimension: Dimension,
    pub title: String,
    pub periods: Vec<String>,
    pub rows: Vec<TrendRow>,
}

/// A finding of the evaluation, as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportFinding {
    pub rule: String,
    pub severity: Severity,
    pub level: Level,
    pub group: Vec<GroupValue>,
    pub label: String,
    /// In the report's language; left out where the group's figures are suppressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// More approvals at the comparator's approval rate.
    pub approvals_gap: Figure,
    /// More SEK at the comparator's SEK per decided application.
    pub sek_gap: Figure,
}

/// Applicants that could not be tagged on a dimension, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnknownCount {
    pub dimension: Dimension,
    pub applications: Figure,
    /// Reasons with their counts; reasons too rare to show are folded into "other".
    pub reasons: Vec<(String, Figure)>,
}

/// An override that let a call of the scope be published although its check failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallOverride {
    pub call: String,
    pub call_version: i32,
    pub reason: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

/// What the report read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportData {
    pub applications: i64,
    pub decided: i64,
    /// When the newest of the applications read last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_change: Option<NaiveDateTime>,
    /// Hash of every application read (tags, figures, dates): equal hashes, equal data.
    pub content_hash: String,
}

/// How figures were protected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Protection {
    /// Counts from 1 to below this are suppressed.
    pub min_cell: u64,
    /// An amount whose two largest grants hold more than this share of it is suppressed.
    pub dominance_share: f64,
    /// Figures suppressed as sensitive.
    pub primary: usize,
    /// Figures suppressed so that the sensitive ones cannot be worked out from the rest.
    pub complementary: usize,
}

/// An allocation-equality report, as stored and returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub organisation: String,
    pub request: ReportRequest,
    pub data: ReportData,
    pub ruleset: RuleSetRef,
    pub tagging: TaggingRef,
    /// The stored evaluation the findings come from.
    pub evaluation_id: String,
    pub protection: Protection,
    /// Plain sentences: what is skewed, how much, how sure.
    pub summary: Vec<String>,
    pub tables: Vec<GroupTable>,
    /// Red first, then watch, then inconclusive.
    pub findings: Vec<ReportFinding>,
    pub trend: Vec<TrendTable>,
    pub unknowns: Vec<UnknownCount>,
    pub overrides: Vec<CallOverride>,
}
