//! Rule sets: versioned TOML files under `config/rules/`, one rule per metric, each with its
//! threshold, minimum group size, significance level and severity (docs/rules.md).

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// What a rule measures.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Share of applicants against the baseline share (disparity index, exact binomial test).
    Representation,
    /// Approval rate against the reference group, within calls (MH ratio, CMH / Fisher test).
    ApprovalRate,
    /// Share of granted SEK against share of applicants (disparity index).
    FundingShare,
    /// Mean granted amount of approved applications (ratio, Mann-Whitney).
    GrantedAmount,
    /// Mean share of the applied amount granted (ratio, Mann-Whitney).
    GrantedShareOfApplied,
    /// Mean days from receipt to decision (ratio, Mann-Whitney); higher is worse.
    DaysToDecision,
}

impl Metric {
    /// True when a lower value is the disadvantage (all but time to decision).
    pub fn lower_is_worse(self) -> bool {
        self != Metric::DaysToDecision
    }

    /// Comparison rules set a group against a reference; the others against a share.
    pub fn compares_groups(self) -> bool {
        !matches!(self, Metric::Representation | Metric::FundingShare)
    }
}

/// How serious a confirmed skew on a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
    Low,
}

impl Severity {
    /// The serde name.
    pub fn code(self) -> &'static str {
        crate::codes::code(&self)
    }
}

/// Family-wise correction over every test of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Correction {
    /// Holm's step-down: controls the chance of any false flag.
    #[default]
    Holm,
    /// Benjamini-Hochberg: controls the expected share of false flags.
    BenjaminiHochberg,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub metric: Metric,
    pub severity: Severity,
    pub threshold: f64,
    /// Fewer than this in the group (or the reference): "too few to judge".
    pub min_group: u64,
    /// Representation only: fewer expected applicants than this is too few to judge.
    #[serde(default)]
    pub min_expected: Option<f64>,
    pub alpha: f64,
    pub statement_sv: String,
    pub statement_en: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub name: String,
    pub version: String,
    pub title_sv: String,
    pub title_en: String,
    pub correction: Correction,
    pub confidence: f64,
    pub rules: Vec<Rule>,
    /// SHA-256 of the file the set was read from (first 16 bytes, hex): an edit that forgot to
    /// change `version` still shows. Empty for a set not read from a file; never read from it.
    #[serde(default, skip_deserializing)]
    pub file_hash: String,
}

impl RuleSet {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let set: RuleSet = toml::from_str(text).map_err(|e| e.to_string())?;
        set.check()?;
        Ok(set)
    }

    /// Reads `<dir>/<name>.toml`.
    pub fn load(dir: &Path, name: &str) -> Result<Self, String> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(format!("{name:?} is not a rule set name"));
        }
        let path = dir.join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read rule set {}: {e}", path.display()))?;
        let mut set = Self::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        set.file_hash = hex::encode(&Sha256::digest(text.as_bytes())[..16]);
        if set.name != name {
            return Err(format!("{} names itself {:?}", path.display(), set.name));
        }
        Ok(set)
    }

    /// Every rule set in `dir`, by name.
    pub fn load_all(dir: &Path) -> Result<Vec<Self>, String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                (path.extension()? == "toml")
                    .then(|| path.file_stem()?.to_str().map(str::to_owned))?
            })
            .collect();
        names.sort();
        names.iter().map(|n| Self::load(dir, n)).collect()
    }

    fn check(&self) -> Result<(), String> {
        if !(0.5..1.0).contains(&self.confidence) {
            return Err("confidence must be in [0.5, 1)".into());
        }
        let mut ids = std::collections::HashSet::new();
        for rule in &self.rules {
            if !ids.insert(&rule.id) {
                return Err(format!("rule {} appears twice", rule.id));
            }
            if !(0.0..0.5).contains(&rule.alpha) || rule.alpha == 0.0 {
                return Err(format!("rule {}: alpha must be in (0, 0.5)", rule.id));
            }
            if rule.threshold <= 0.0 {
                return Err(format!("rule {}: threshold must be positive", rule.id));
            }
            if rule.min_group < 2 {
                return Err(format!("rule {}: min_group must be at least 2", rule.id));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/rules")
    }

    #[test]
    fn the_shipped_rule_set_loads() {
        let set = RuleSet::load(&dir(), "method-support-v1").unwrap();
        assert_eq!(set.rules.len(), 6);
        assert_eq!(set.correction, Correction::Holm);
        let metrics: Vec<Metric> = set.rules.iter().map(|r| r.metric).collect();
        assert!(metrics.contains(&Metric::ApprovalRate));
        assert_eq!(RuleSet::load_all(&dir()).unwrap().len(), 1);
    }

    #[test]
    fn severity_codes_are_the_serde_names() {
        assert_eq!(Severity::High.code(), "high");
        assert_eq!(Severity::Medium.code(), "medium");
        assert_eq!(Severity::Low.code(), "low");
    }

    #[test]
    fn bad_names_and_values_are_refused() {
        assert!(RuleSet::load(&dir(), "../etc/passwd").is_err());
        let text = std::fs::read_to_string(dir().join("method-support-v1.toml")).unwrap();
        let bad = text.replacen("alpha = 0.05", "alpha = 0.9", 1);
        assert!(RuleSet::from_toml(&bad).unwrap_err().contains("alpha"));
        let unknown = text.replacen(
            "severity = \"medium\"",
            "severity = \"medium\"\nextra = 1",
            1,
        );
        assert!(RuleSet::from_toml(&unknown).is_err());
    }
}
