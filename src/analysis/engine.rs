//! The rule engine: every rule of a rule set over every group of every combination of the
//! requested dimensions, with exact tests where counts are small, one multiple-comparison
//! correction over all tests, and a level per finding that combines the size of the gap, its
//! uncertainty and the group size (docs/rules.md).

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::baselines::Baselines;
use super::groups::{
    CellSet, Combination, Group, Measure, Merger, Profiles, Stratum, group, has_unknown,
    join_strata, subtract,
};
use super::labels;
use super::rules::{Correction, Metric, Rule, RuleSet};
use crate::domain::tagging::Dimension;
use crate::locale::Language;
use crate::stats::{self, Alternative, Interval, cmh, ranks, ratio};

use super::findings::{
    Against, Comparison, Figures, Finding, GroupValue, Level, Method, ResourceGap,
};

/// How the reference group of a dimension is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceChoice {
    /// The best-off group with enough data (per rule: highest approval rate, largest amounts,
    /// fastest decisions).
    Best,
    /// Everyone else in the scope.
    Rest,
    /// A named group, e.g. `{"value": "men"}`.
    Value(String),
}

/// What to evaluate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvaluationOptions {
    pub dimensions: Vec<Dimension>,
    /// Largest number of dimensions combined in one group (intersections).
    pub depth: usize,
    /// Per dimension; absent dimensions use `best`.
    #[serde(default)]
    pub reference: BTreeMap<Dimension, ReferenceChoice>,
    /// Overrides the rule set's correction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<Correction>,
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub detail: Detail,
}

/// Which results an evaluation lists (all are computed and counted either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// Red, watch and inconclusive results.
    #[default]
    Flags,
    /// Every result, ok, too few and cannot-assess included.
    All,
}

/// A group of one combination of dimensions, with its own figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupEntry {
    pub group: Vec<GroupValue>,
    pub label: String,
    pub figures: Figures,
}

/// Results per level.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LevelCounts {
    pub red: usize,
    pub watch: usize,
    pub inconclusive: usize,
    pub ok: usize,
    pub too_few: usize,
    pub cannot_assess: usize,
}

impl LevelCounts {
    fn count(&mut self, level: Level) {
        *match level {
            Level::Red => &mut self.red,
            Level::Watch => &mut self.watch,
            Level::Inconclusive => &mut self.inconclusive,
            Level::Ok => &mut self.ok,
            Level::TooFew => &mut self.too_few,
            Level::CannotAssess => &mut self.cannot_assess,
        } += 1;
    }
}

/// What an evaluation found, counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    #[serde(flatten)]
    pub levels: LevelCounts,
    /// The same, per rule.
    pub by_rule: BTreeMap<String, LevelCounts>,
    /// Tests in the correction family.
    pub tests: usize,
    pub correction: Correction,
}

/// The reference group used per combination and rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferenceUsed {
    pub rule: String,
    pub dimensions: Vec<Dimension>,
    /// `None`: no group had enough data, or the policy is "everyone else".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Vec<GroupValue>>,
    pub policy: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub summary: Summary,
    pub references: Vec<ReferenceUsed>,
    /// Every group of every combination, with its figures.
    pub groups: Vec<GroupEntry>,
    /// Results, flags first, then by rule severity, rule and group: red, watch and inconclusive
    /// ones, or every one with `detail: all` (the summary counts them all either way).
    pub findings: Vec<Finding>,
}

/// What one comparison needs before the correction is known.
struct Pending {
    finding: usize,
    comparison: usize,
}

/// Everything the evaluation of one cell set needs.
struct Context<'a> {
    set: &'a CellSet,
    ruleset: &'a RuleSet,
    baselines: &'a Baselines,
    options: &'a EvaluationOptions,
    all: Group,
    all_hist: HashMap<Measure, Rc<Vec<(u32, u64)>>>,
    merger: Merger,
    profiles: Profiles,
    /// Per combination: the profiles of each group.
    members: Vec<rustc_hash::FxHashMap<Vec<u16>, Vec<u32>>>,
    hist_cache: HistCache,
}

/// Merged histograms by (combination, group key, measure), computed once per evaluation.
type HistCache = rustc_hash::FxHashMap<(usize, Vec<u16>, Measure), Rc<Vec<(u32, u64)>>>;

/// Evaluates `set` (whose dimensions must be `options.dimensions`) against `ruleset`.
pub fn evaluate(
    set: &CellSet,
    ruleset: &RuleSet,
    baselines: &Baselines,
    options: &EvaluationOptions,
) -> Outcome {
    let (all, combos) = group(set, options.depth);
    let mut merger = Merger::default();
    let profiles = Profiles::build(set, &mut merger);
    let members = combos.iter().map(|c| profiles.members(c)).collect();
    let mut ctx = Context {
        set,
        ruleset,
        baselines,
        options,
        all,
        all_hist: HashMap::new(),
        merger,
        profiles,
        members,
        hist_cache: Default::default(),
    };
    let mut findings = Vec::new();
    let mut pending = Vec::new();
    let mut references = Vec::new();
    let mut groups = Vec::new();
    let mut group_index: HashMap<(usize, Vec<u16>), usize> = HashMap::new();
    for (c, combo) in combos.iter().enumerate() {
        for g in combo.groups.values() {
            group_index.insert((c, g.key.clone()), groups.len());
            groups.push(ctx.group_entry(combo, g));
        }
    }
    for (c, combo) in combos.iter().enumerate() {
        for rule in &ruleset.rules {
            let reference = ctx.choose_reference(combo, rule);
            if rule.metric.compares_groups() {
                references.push(ReferenceUsed {
                    rule: rule.id.clone(),
                    dimensions: combo
                        .dimensions
                        .iter()
                        .map(|d| set.dimensions[*d])
                        .collect(),
                    group: reference.key.as_ref().map(|k| ctx.group_values(combo, k)),
                    policy: reference.policy.clone(),
                });
            }
            for g in combo.groups.values() {
                let index = group_index[&(c, g.key.clone())];
                let finding =
                    ctx.finding(c, combo, rule, g, &reference, index, &groups[index].label);
                for (i, comparison) in finding.comparisons.iter().enumerate() {
                    if comparison.p_value.is_some() {
                        pending.push(Pending {
                            finding: findings.len(),
                            comparison: i,
                        });
                    }
                }
                findings.push(finding);
            }
        }
    }
    let correction = options.correction.unwrap_or(ruleset.correction);
    let raw: Vec<f64> = pending
        .iter()
        .map(|p| {
            findings[p.finding].comparisons[p.comparison]
                .p_value
                .unwrap_or(1.0)
        })
        .collect();
    let adjusted = match correction {
        Correction::Holm => stats::correction::holm(&raw),
        Correction::BenjaminiHochberg => stats::correction::benjamini_hochberg(&raw),
    };
    for (p, adj) in pending.iter().zip(adjusted) {
        findings[p.finding].comparisons[p.comparison].p_adjusted = Some(adj);
    }
    let lang = options.language;
    for finding in &mut findings {
        let rule = ruleset
            .rules
            .iter()
            .find(|r| r.id == finding.rule)
            .expect("finding of a rule of the set");
        for comparison in &mut finding.comparisons {
            comparison.level = judge(rule, comparison);
        }
        finding.level = finding
            .comparisons
            .iter()
            .map(|c| c.level)
            .min()
            .unwrap_or(Level::CannotAssess);
        finding.explanation = super::explain::explain(
            lang,
            rule,
            ruleset.confidence,
            finding,
            &groups[finding.group_index].figures,
        );
    }
    let mut summary = Summary {
        tests: pending.len(),
        correction,
        ..Default::default()
    };
    for f in &findings {
        summary.levels.count(f.level);
        summary
            .by_rule
            .entry(f.rule.clone())
            .or_default()
            .count(f.level);
    }
    if options.detail == Detail::Flags {
        findings.retain(|f| matches!(f.level, Level::Red | Level::Watch | Level::Inconclusive));
    }
    findings.sort_by(|a, b| {
        (a.level, a.severity, &a.rule, a.group.len(), &a.group).cmp(&(
            b.level,
            b.severity,
            &b.rule,
            b.group.len(),
            &b.group,
        ))
    });
    Outcome {
        summary,
        references,
        groups,
        findings,
    }
}

/// The group's share of granted SEK against its share of the eligible population (a baseline):
/// the disparity index `100 x SEK share / baseline share`, with the interval and one-sided
/// p-value of the group's SEK sum given how many of its applications were decided (the same
/// permutation variance as the comparison with the applicants, centred on the baseline share).
fn funding_against_baseline(
    applicants: &Comparison,
    share_sd: Option<f64>,
    zq: f64,
    baseline: f64,
) -> Comparison {
    let mut c = Comparison {
        against: Against::Baseline,
        comparator_value: Some(baseline),
        estimate: None,
        interval: None,
        p_value: None,
        note: None,
        ..applicants.clone()
    };
    if matches!(applicants.level, Level::TooFew | Level::CannotAssess) {
        return c;
    }
    let (Some(share), Some(sd_share)) = (applicants.group_value, share_sd) else {
        c.level = Level::CannotAssess;
        c.note = Some("the spread of the amounts is unknown".into());
        return c;
    };
    if baseline <= 0.0 {
        c.level = Level::CannotAssess;
        c.note = Some("the baseline share is zero".into());
        return c;
    }
    c.estimate = Some(100.0 * share / baseline);
    c.interval = Some(Interval {
        lower: 100.0 * (share - zq * sd_share) / baseline,
        upper: 100.0 * (share + zq * sd_share) / baseline,
    });
    c.p_value = Some(stats::normal_cdf((share - baseline) / sd_share));
    c
}

/// The level of one comparison once its adjusted p-value is known.
fn judge(rule: &Rule, c: &Comparison) -> Level {
    if matches!(c.level, Level::TooFew | Level::CannotAssess) {
        return c.level;
    }
    let Some(estimate) = c.estimate else {
        return Level::CannotAssess;
    };
    let worse = |x: f64| {
        if rule.metric.lower_is_worse() {
            x < c.threshold
        } else {
            x > c.threshold
        }
    };
    if !worse(estimate) {
        return Level::Ok;
    }
    let significant = c.p_adjusted.is_some_and(|p| p < rule.alpha);
    if !significant {
        return Level::Inconclusive;
    }
    // The whole interval beyond the threshold: its bound nearest to parity.
    let whole_interval = c.interval.is_some_and(|i| {
        if rule.metric.lower_is_worse() {
            worse(i.upper)
        } else {
            worse(i.lower)
        }
    });
    if whole_interval {
        Level::Red
    } else {
        Level::Watch
    }
}

/// The reference group chosen for one combination and rule.
struct Reference {
    key: Option<Vec<u16>>,
    policy: String,
    /// Only "everyone else" is compared.
    rest_only: bool,
}

impl Context<'_> {
    fn group_values(&self, combo: &Combination, key: &[u16]) -> Vec<GroupValue> {
        combo
            .dimensions
            .iter()
            .zip(key)
            .map(|(d, v)| GroupValue {
                dimension: self.set.dimensions[*d],
                value: self.set.value(*d, *v).to_owned(),
            })
            .collect()
    }

    /// The rule's measure of how well a group does (higher is better), if it has enough data.
    fn standing(&self, rule: &Rule, g: &Group) -> Option<f64> {
        let t = &g.totals;
        match rule.metric {
            Metric::ApprovalRate => (t.judged as u64 >= rule.min_group)
                .then(|| t.approval_rate())
                .flatten(),
            Metric::GrantedAmount => (t.approved as u64 >= rule.min_group)
                .then(|| t.mean_granted_sek())
                .flatten(),
            Metric::GrantedShareOfApplied => (t.approved as u64 >= rule.min_group
                && t.approved_applied_ore > 0)
                .then(|| t.granted_ore as f64 / t.approved_applied_ore as f64),
            Metric::DaysToDecision => (t.judged as u64 >= rule.min_group)
                .then(|| t.mean_days().map(|d| -d))
                .flatten(),
            Metric::Representation | Metric::FundingShare => None,
        }
    }

    fn choose_reference(&self, combo: &Combination, rule: &Rule) -> Reference {
        let choices: Vec<&ReferenceChoice> = combo
            .dimensions
            .iter()
            .map(|d| {
                self.options
                    .reference
                    .get(&self.set.dimensions[*d])
                    .unwrap_or(&ReferenceChoice::Best)
            })
            .collect();
        if choices.iter().any(|c| **c == ReferenceChoice::Rest) {
            return Reference {
                key: None,
                policy: "rest".into(),
                rest_only: true,
            };
        }
        let named: Vec<String> = choices
            .iter()
            .zip(&combo.dimensions)
            .filter_map(|(c, d)| match c {
                ReferenceChoice::Value(v) => {
                    Some(format!("{}={v}", self.set.dimensions[*d].code()))
                }
                _ => None,
            })
            .collect();
        let policy = if named.is_empty() {
            "best".to_owned()
        } else if named.len() == choices.len() {
            format!("named {}", named.join(","))
        } else {
            format!("best among {}", named.join(","))
        };
        let matches_named = |key: &[u16]| {
            choices
                .iter()
                .zip(combo.dimensions.iter().zip(key))
                .all(|(c, (d, v))| match c {
                    ReferenceChoice::Value(name) => self.set.value(*d, *v) == name,
                    _ => true,
                })
        };
        let best = combo
            .groups
            .values()
            .filter(|g| !has_unknown(self.set, combo, &g.key) && matches_named(&g.key))
            .filter_map(|g| self.standing(rule, g).map(|s| (s, g)))
            .fold(None::<(f64, &Group)>, |best, (s, g)| match best {
                Some((b, _)) if b >= s => best,
                _ => Some((s, g)),
            });
        Reference {
            key: best.map(|(_, g)| g.key.clone()),
            policy,
            rest_only: false,
        }
    }

    fn histogram(&mut self, combo_index: usize, g: &Group, m: Measure) -> Rc<Vec<(u32, u64)>> {
        let key = (combo_index, g.key.clone(), m);
        if let Some(h) = self.hist_cache.get(&key) {
            return h.clone();
        }
        let members = &self.members[combo_index][&g.key];
        let h = Rc::new(self.profiles.merge(&mut self.merger, members, m));
        self.hist_cache.insert(key, h.clone());
        h
    }

    fn all_histogram(&mut self, m: Measure) -> Rc<Vec<(u32, u64)>> {
        if let Some(h) = self.all_hist.get(&m) {
            return h.clone();
        }
        let h = Rc::new(self.profiles.all(&mut self.merger, m));
        self.all_hist.insert(m, h.clone());
        h
    }

    fn group_entry(&self, combo: &Combination, g: &Group) -> GroupEntry {
        let t = &g.totals;
        let confidence = self.ruleset.confidence;
        let figures = Figures {
            applications: t.applications,
            judged: t.judged,
            approved: t.approved,
            approval_rate: t.approval_rate(),
            approval_interval: stats::proportion::wilson(
                t.approved as u64,
                t.judged as u64,
                confidence,
            ),
            applied_sek: t.applied_ore as f64 / 100.0,
            granted_sek: t.granted_ore as f64 / 100.0,
        };
        let group = self.group_values(combo, &g.key);
        let label_values: Vec<(Dimension, String)> = group
            .iter()
            .map(|v| (v.dimension, v.value.clone()))
            .collect();
        GroupEntry {
            label: labels::group(self.options.language, &label_values),
            group,
            figures,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn finding(
        &mut self,
        c: usize,
        combo: &Combination,
        rule: &Rule,
        g: &Group,
        reference: &Reference,
        group_index: usize,
        label: &str,
    ) -> Finding {
        let values = self.group_values(combo, &g.key);
        let label_values: Vec<(Dimension, String)> = values
            .iter()
            .map(|v| (v.dimension, v.value.clone()))
            .collect();
        let mut finding = Finding {
            rule: rule.id.clone(),
            metric: rule.metric,
            severity: rule.severity,
            level: Level::CannotAssess,
            label: label.to_owned(),
            group: values,
            group_index,
            comparisons: Vec::new(),
            resource_gap: None,
            missing_applicants: None,
            explanation: String::new(),
        };
        match rule.metric {
            Metric::Representation => {
                self.representation(combo, rule, g, &label_values, &mut finding)
            }
            Metric::FundingShare => {
                let (against_applicants, share_sd) = self.funding_share(rule, g);
                let zq = stats::z_two_sided(self.ruleset.confidence).unwrap_or(1.96);
                let against_baseline = self
                    .baselines
                    .find(&label_values)
                    .map(|b| funding_against_baseline(&against_applicants, share_sd, zq, b.share));
                finding.comparisons.push(against_applicants);
                finding.comparisons.extend(against_baseline);
                finding.resource_gap = Some(self.resource_gap(g, None));
            }
            metric => {
                let ref_group = reference.key.as_ref().and_then(|k| combo.groups.get(k));
                if !reference.rest_only {
                    let comparison = match ref_group {
                        Some(r) if r.key == g.key => None,
                        Some(r) => Some(self.compare(c, combo, rule, g, Some(r))),
                        None => Some(cannot_assess(
                            Against::Reference,
                            rule,
                            "no group has enough decided applications to serve as reference",
                        )),
                    };
                    finding.comparisons.extend(comparison);
                }
                finding
                    .comparisons
                    .push(self.compare(c, combo, rule, g, None));
                if metric != Metric::DaysToDecision {
                    let comparator = if reference.rest_only {
                        None
                    } else {
                        ref_group.filter(|r| r.key != g.key)
                    };
                    finding.resource_gap = Some(self.resource_gap(g, comparator));
                }
            }
        }
        finding
    }

    fn representation(
        &mut self,
        combo: &Combination,
        rule: &Rule,
        g: &Group,
        values: &[(Dimension, String)],
        finding: &mut Finding,
    ) {
        let Some(baseline) = self.baselines.find(values) else {
            finding.comparisons.push(cannot_assess(
                Against::Baseline,
                rule,
                "no baseline share is given for this group",
            ));
            return;
        };
        // Applicants whose value is unknown on any of the group's dimensions cannot be placed.
        let known: i64 = combo
            .groups
            .values()
            .filter(|other| !has_unknown(self.set, combo, &other.key))
            .map(|other| other.totals.applications)
            .sum();
        let n = g.totals.applications;
        let expected = known as f64 * baseline.share;
        let mut comparison = Comparison {
            against: Against::Baseline,
            reference: None,
            group_value: (known > 0).then(|| n as f64 / known as f64),
            comparator_value: Some(baseline.share),
            estimate: None,
            interval: None,
            threshold: rule.threshold,
            method: Some(Method::BinomialExact),
            p_value: None,
            p_adjusted: None,
            alpha: rule.alpha,
            level: Level::Ok,
            note: None,
        };
        finding.missing_applicants = Some(expected - n as f64);
        if (known as u64) < rule.min_group || expected < rule.min_expected.unwrap_or(0.0) {
            comparison.level = Level::TooFew;
            comparison.note = Some(format!(
                "{known} applicants with known values, {expected:.1} expected in the group"
            ));
        } else if baseline.share <= 0.0 {
            comparison.level = Level::CannotAssess;
            comparison.note = Some("the baseline share is zero".into());
        } else {
            let share = n as f64 / known as f64;
            comparison.estimate = Some(100.0 * share / baseline.share);
            comparison.interval =
                stats::binomial::clopper_pearson(n as u64, known as u64, self.ruleset.confidence)
                    .map(|i| Interval {
                        lower: 100.0 * i.lower / baseline.share,
                        upper: 100.0 * i.upper / baseline.share,
                    });
            comparison.p_value = Some(stats::binomial::binom_test(
                n as u64,
                known as u64,
                baseline.share,
                Alternative::Less,
            ));
        }
        finding.comparisons.push(comparison);
    }

    /// The comparison with the applicants, and the standard deviation of the group's SEK share
    /// under random allocation of the amounts (for the comparison with a baseline).
    fn funding_share(&mut self, rule: &Rule, g: &Group) -> (Comparison, Option<f64>) {
        let (t, all) = (&g.totals, &self.all.totals);
        let mut comparison = Comparison {
            against: Against::Applicants,
            reference: None,
            group_value: (all.granted_ore > 0)
                .then(|| t.granted_ore as f64 / all.granted_ore as f64),
            comparator_value: (all.judged > 0).then(|| t.judged as f64 / all.judged as f64),
            estimate: None,
            interval: None,
            threshold: rule.threshold,
            method: Some(Method::PermutationNormal),
            p_value: None,
            p_adjusted: None,
            alpha: rule.alpha,
            level: Level::Ok,
            note: None,
        };
        if (t.judged as u64) < rule.min_group || ((all.judged - t.judged) as u64) < rule.min_group {
            comparison.level = Level::TooFew;
            comparison.note = Some(format!("{} decided applications in the group", t.judged));
            return (comparison, None);
        }
        if all.granted_ore <= 0 {
            comparison.level = Level::CannotAssess;
            comparison.note = Some("nothing was granted in the scope".into());
            return (comparison, None);
        }
        let share_judged = t.judged as f64 / all.judged as f64;
        let mut share_sd = None;
        let total_sek = all.granted_ore as f64 / 100.0;
        let group_sek = t.granted_ore as f64 / 100.0;
        comparison.estimate = Some(100.0 * (group_sek / total_sek) / share_judged);
        if let Some(z) = stats::permutation::sum_share_z(
            t.judged as u64,
            group_sek,
            all.judged as u64,
            total_sek,
            all.granted_sq_sek,
        ) {
            let zq = stats::z_two_sided(self.ruleset.confidence).unwrap_or(1.96);
            let index = |sek: f64| 100.0 * (sek / total_sek) / share_judged;
            comparison.interval = Some(Interval {
                lower: index(group_sek - zq * z.sd),
                upper: index(group_sek + zq * z.sd),
            });
            comparison.p_value = Some(z.p_less);
            share_sd = Some(z.sd / total_sek);
        } else {
            comparison.level = Level::CannotAssess;
            comparison.note = Some("every decided application got the same amount".into());
        }
        (comparison, share_sd)
    }

    /// The group against the reference (`Some`) or against everyone else (`None`).
    fn compare(
        &mut self,
        c: usize,
        combo: &Combination,
        rule: &Rule,
        g: &Group,
        reference: Option<&Group>,
    ) -> Comparison {
        let against = if reference.is_some() {
            Against::Reference
        } else {
            Against::Rest
        };
        let comparator_totals = match reference {
            Some(r) => r.totals,
            None => self.all.totals.minus(&g.totals),
        };
        let (n_group, n_comparator) = match rule.metric {
            Metric::GrantedAmount | Metric::GrantedShareOfApplied => {
                (g.totals.approved, comparator_totals.approved)
            }
            _ => (g.totals.judged, comparator_totals.judged),
        };
        let mut comparison = Comparison {
            against,
            reference: reference.map(|r| self.group_values(combo, &r.key)),
            group_value: None,
            comparator_value: None,
            estimate: None,
            interval: None,
            threshold: rule.threshold,
            method: None,
            p_value: None,
            p_adjusted: None,
            alpha: rule.alpha,
            level: Level::Ok,
            note: None,
        };
        if (n_group as u64) < rule.min_group || (n_comparator as u64) < rule.min_group {
            comparison.level = Level::TooFew;
            comparison.note = Some(format!(
                "{n_group} in the group and {n_comparator} in the comparison; at least {} each are needed",
                rule.min_group
            ));
            return comparison;
        }
        let confidence = self.ruleset.confidence;
        match rule.metric {
            Metric::ApprovalRate => {
                let comparator_strata: Vec<(i64, Stratum)> = match reference {
                    Some(r) => r.strata.clone(),
                    None => g.rest_strata(&self.all),
                };
                let strata = paired_strata(&g.strata, &comparator_strata);
                comparison.group_value = g.totals.approval_rate();
                comparison.comparator_value = comparator_totals.approval_rate();
                let rr = cmh::risk_ratio(&strata, confidence);
                let test = cmh::mantel_haenszel_with(
                    &strata,
                    confidence,
                    Alternative::Less,
                    cmh::Exact::WhenNeeded,
                );
                match (rr, test) {
                    (Some(rr), Some(test)) if rr.estimate.is_finite() => {
                        comparison.estimate = Some(rr.estimate);
                        comparison.interval = Some(rr.interval)
                            .filter(|i| i.lower.is_finite() && i.upper.is_finite());
                        let informative = strata
                            .iter()
                            .filter(|s| s.a + s.b > 0 && s.c + s.d > 0)
                            .count();
                        let (p, method) = match (test.mantel_fleiss_ok, test.exact_p_value) {
                            (true, _) => (test.p_value, Method::Cmh),
                            (false, Some(p)) if informative == 1 => (p, Method::FisherExact),
                            (false, Some(p)) => (p, Method::CmhExact),
                            (false, None) => (test.p_value, Method::CmhExactTooLarge),
                        };
                        comparison.p_value = Some(p);
                        comparison.method = Some(method);
                    }
                    _ => {
                        comparison.level = Level::CannotAssess;
                        comparison.note = Some(
                            "no call had decided applications from both groups with an approval"
                                .into(),
                        );
                    }
                }
            }
            Metric::GrantedAmount | Metric::GrantedShareOfApplied | Metric::DaysToDecision => {
                let measure = match rule.metric {
                    Metric::GrantedAmount => Measure::Granted,
                    Metric::GrantedShareOfApplied => Measure::Cut,
                    _ => Measure::Days,
                };
                let group_hist = self.histogram(c, g, measure);
                let comparator_hist = match reference {
                    Some(r) => self.histogram(c, r, measure),
                    None => Rc::new(subtract(&self.all_histogram(measure), &group_hist)),
                };
                let (a, b) = match rule.metric {
                    Metric::GrantedAmount => (
                        granted_moments(&g.totals),
                        granted_moments(&comparator_totals),
                    ),
                    Metric::GrantedShareOfApplied => {
                        (cut_moments(&group_hist), cut_moments(&comparator_hist))
                    }
                    _ => (
                        days_moments(&g.totals, &group_hist),
                        days_moments(&comparator_totals, &comparator_hist),
                    ),
                };
                comparison.group_value = a.map(|m| m.mean);
                comparison.comparator_value = b.map(|m| m.mean);
                let alt = if rule.metric.lower_is_worse() {
                    Alternative::Less
                } else {
                    Alternative::Greater
                };
                let ratio = a
                    .zip(b)
                    .and_then(|(a, b)| ratio::ratio_of_means(a, b, confidence));
                let test = ranks::mann_whitney_binned(&group_hist, &comparator_hist, alt);
                match (ratio, test) {
                    (Some(ratio), Some(test)) => {
                        comparison.estimate = Some(ratio.estimate);
                        comparison.interval = Some(ratio.interval);
                        comparison.p_value = Some(test.p_value);
                        comparison.method = Some(if test.exact {
                            Method::MannWhitneyExact
                        } else {
                            Method::MannWhitney
                        });
                    }
                    _ => {
                        comparison.level = Level::CannotAssess;
                        comparison.note = Some(
                            "the amounts cannot be compared (no spread or no positive mean)".into(),
                        );
                    }
                }
            }
            Metric::Representation | Metric::FundingShare => unreachable!("not a comparison rule"),
        }
        comparison
    }

    /// What the group would have had at the comparator's rates (call by call) and at its
    /// applicant share.
    fn resource_gap(&self, g: &Group, comparator: Option<&Group>) -> ResourceGap {
        let rest;
        let comparator_strata: &[(i64, Stratum)] = match comparator {
            Some(r) => &r.strata,
            None => {
                rest = g.rest_strata(&self.all);
                &rest
            }
        };
        let comparator_totals = match comparator {
            Some(r) => r.totals,
            None => self.all.totals.minus(&g.totals),
        };
        let pooled_rate = comparator_totals.approval_rate().unwrap_or(0.0);
        let pooled_sek = if comparator_totals.judged > 0 {
            comparator_totals.granted_ore as f64 / 100.0 / comparator_totals.judged as f64
        } else {
            0.0
        };
        let (mut approvals, mut sek) = (0.0, 0.0);
        for (_, s, c) in join_strata(&g.strata, comparator_strata) {
            let Some(s) = s else { continue };
            let (rate, per_judged) = match c.filter(|c| c.judged > 0) {
                Some(c) => (
                    c.approved as f64 / c.judged as f64,
                    c.granted_ore as f64 / 100.0 / c.judged as f64,
                ),
                None => (pooled_rate, pooled_sek),
            };
            approvals += s.judged as f64 * rate;
            sek += s.judged as f64 * per_judged;
        }
        let all = &self.all.totals;
        let share = if all.applications > 0 {
            g.totals.applications as f64 / all.applications as f64
        } else {
            0.0
        };
        ResourceGap {
            approvals_at_parity: approvals - g.totals.approved as f64,
            sek_at_parity: sek - g.totals.granted_ore as f64 / 100.0,
            approvals_at_share: share * all.approved as f64 - g.totals.approved as f64,
            sek_at_share: share * all.granted_ore as f64 / 100.0
                - g.totals.granted_ore as f64 / 100.0,
        }
    }
}

fn cannot_assess(against: Against, rule: &Rule, note: &str) -> Comparison {
    Comparison {
        against,
        reference: None,
        group_value: None,
        comparator_value: None,
        estimate: None,
        interval: None,
        threshold: rule.threshold,
        method: None,
        p_value: None,
        p_adjusted: None,
        alpha: rule.alpha,
        level: Level::CannotAssess,
        note: Some(note.to_owned()),
    }
}

/// 2x2 strata per call: the group (row 1) against the comparator (row 2).
fn paired_strata(group: &[(i64, Stratum)], comparator: &[(i64, Stratum)]) -> Vec<cmh::Stratum> {
    join_strata(group, comparator)
        .filter_map(|(_, g, c)| {
            let (g, c) = (g?, c?);
            (g.judged > 0 && c.judged > 0).then(|| cmh::Stratum {
                a: g.approved as u64,
                b: (g.judged - g.approved) as u64,
                c: c.approved as u64,
                d: (c.judged - c.approved) as u64,
            })
        })
        .collect()
}

/// Granted SEK of approved applications: exact sums (rejections add zero to the squares).
fn granted_moments(t: &super::groups::Totals) -> Option<ratio::Moments> {
    ratio::Moments::from_sums(
        t.approved as f64,
        t.granted_ore as f64 / 100.0,
        t.granted_sq_sek,
    )
}

/// Cut bins as the midpoint of their 5 % band (the last bin, 100 %, as 1.0).
fn cut_moments(hist: &[(u32, u64)]) -> Option<ratio::Moments> {
    moments(hist, |bin| {
        if bin >= 20 {
            1.0
        } else {
            (f64::from(bin) + 0.5) / 20.0
        }
    })
}

/// The mean from the exact sum of days; the spread from the weekly histogram (mid-week).
fn days_moments(t: &super::groups::Totals, hist: &[(u32, u64)]) -> Option<ratio::Moments> {
    let binned = moments(hist, |week| f64::from(week) * 7.0 + 3.5)?;
    let mean = t.mean_days()?;
    Some(ratio::Moments { mean, ..binned })
}

fn moments(hist: &[(u32, u64)], value: impl Fn(u32) -> f64) -> Option<ratio::Moments> {
    let (mut n, mut sum, mut sq) = (0.0, 0.0, 0.0);
    for &(bin, count) in hist {
        let (x, k) = (value(bin), count as f64);
        n += k;
        sum += k * x;
        sq += k * x * x;
    }
    ratio::Moments::from_sums(n, sum, sq)
}
