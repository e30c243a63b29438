//! What a result was computed with: the rule set and the tagging scheme. Evaluations record
//! them, and reports repeat them from the evaluation they were made with.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::tagging::TaggingScheme;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleSetRef {
    pub name: String,
    pub version: String,
    /// SHA-256 of the rule set's file (16 bytes, hex); absent in evaluations made before it was
    /// recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaggingRef {
    pub scheme_id: i64,
    pub name: String,
    pub fingerprint: String,
    pub definition: TaggingScheme,
}
