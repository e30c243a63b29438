//! The exclusion analysis: each group's share of all firms and of the firms the rules leave
//! eligible, for all assessable rules together and for each rule alone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::codes::sni_digits;
use super::population::{Band, Population, PopulationCell};
use super::rules::{EligibilityRule, FirmFact};
use crate::domain::tagging::{Dimension, UNKNOWN};
use crate::locale::Language;

/// One group's share of all firms and of the eligible ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupShare {
    pub group: BTreeMap<Dimension, String>,
    pub firms: f64,
    pub eligible_firms: f64,
    /// Share of all firms of the same dimension set.
    pub share_all: f64,
    /// Share of the eligible firms of the same dimension set; `None` when none is eligible.
    pub share_eligible: Option<f64>,
    /// `100 * share_eligible / share_all`; `None` when either is missing or zero.
    pub disparity_index: Option<f64>,
}

/// What one rule alone does to the groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleEffect {
    /// Position in the rules given.
    pub index: usize,
    pub rule: EligibilityRule,
    pub groups: Vec<GroupShare>,
    /// The group with the lowest disparity index.
    pub worst: Option<GroupShare>,
    /// Open-ended bands or coarse sectors were counted by assumption.
    pub approximate: bool,
}

/// A rule the population cannot assess, and what data would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotAssessed {
    pub index: usize,
    pub rule: EligibilityRule,
    /// English.
    pub reason: String,
    pub reason_sv: String,
}

/// What the rules do to the population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExclusionAnalysis {
    /// Firms in the population (of its largest tabulation).
    pub firms: f64,
    /// Of which eligible under all assessable rules together.
    pub eligible_firms: f64,
    /// All assessable rules together.
    pub groups: Vec<GroupShare>,
    /// The group with the lowest disparity index under all assessable rules together.
    pub worst: Option<GroupShare>,
    /// Each assessable rule alone.
    pub rules: Vec<RuleEffect>,
    pub not_assessed: Vec<NotAssessed>,
    pub approximate: bool,
}

/// Applies the rules to the population. Pure and deterministic; never panics, and gives `None`
/// rather than NaN.
pub fn analyse(population: &Population, rules: &[EligibilityRule]) -> ExclusionAnalysis {
    let mut not_assessed = Vec::new();
    let mut assessable = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        match missing_data(population, rule) {
            Some((reason, reason_sv)) => not_assessed.push(NotAssessed {
                index,
                rule: rule.clone(),
                reason,
                reason_sv,
            }),
            None => assessable.push((index, rule)),
        }
    }
    let effects = assessable
        .iter()
        .map(|(index, rule)| {
            let tally = tally(population, |cell| inclusion(rule, cell, population));
            RuleEffect {
                index: *index,
                rule: (*rule).clone(),
                worst: worst(&tally.groups),
                groups: tally.groups,
                approximate: tally.approximate,
            }
        })
        .collect();
    let together = intersect_bands(assessable.iter().map(|(_, rule)| *rule));
    let all = tally(population, |cell| {
        together.iter().fold(Inclusion::IN, |acc, rule| {
            acc.and(inclusion(rule, cell, population))
        })
    });
    ExclusionAnalysis {
        firms: all.firms,
        eligible_firms: all.eligible,
        worst: worst(&all.groups),
        groups: all.groups,
        rules: effects,
        not_assessed,
        approximate: all.approximate,
    }
}

/// Why `rule` cannot be assessed on `population` (English, Swedish), or `None` if it can.
fn missing_data(population: &Population, rule: &EligibilityRule) -> Option<(String, String)> {
    let Some(fact) = rule.fact() else {
        return Some((
            "firm counts say nothing about whether a firm can fund its own share of the costs; \
             data on firms' equity or liquidity by group (from annual accounts, say) would let \
             it be assessed"
                .into(),
            "antal företag säger inget om huruvida ett företag kan finansiera sin egen del av \
             kostnaderna; uppgifter om företagens eget kapital eller likviditet per grupp (t.ex. \
             ur årsredovisningar) skulle göra det möjligt att bedöma regeln"
                .into(),
        ));
    };
    let lacking = population
        .cells
        .iter()
        .filter(|cell| !has_fact(cell, population, fact))
        .count();
    if lacking == 0 {
        return None;
    }
    let total = population.cells.len();
    let (en, sv) = (fact.breakdown(Language::En), fact.breakdown(Language::Sv));
    let (gap_en, gap_sv) = if lacking == total {
        (String::new(), String::new())
    } else {
        (
            format!(" in every cell ({lacking} of {total} cells lack it)"),
            format!(" i alla celler ({lacking} av {total} celler saknar den)"),
        )
    };
    Some((
        format!(
            "the firm population is not broken down by {en}{gap_en}; a firm population broken \
             down by {en} would let this rule be assessed"
        ),
        format!(
            "företagspopulationen är inte uppdelad på {sv}{gap_sv}; en företagspopulation \
             uppdelad på {sv} skulle göra det möjligt att bedöma regeln"
        ),
    ))
}

/// Whether the cell says which side of a rule on `fact` it is on.
fn has_fact(cell: &PopulationCell, population: &Population, fact: FirmFact) -> bool {
    match fact {
        FirmFact::Sector => cell.sector.is_some(),
        FirmFact::LegalForm => cell.legal_form.is_some(),
        FirmFact::Employees => cell.employees.is_some(),
        FirmFact::Turnover => cell.turnover.is_some(),
        FirmFact::County => county_of_cell(cell, population).is_some(),
        FirmFact::Municipality => cell.municipality.is_some(),
    }
}

/// The cell's county, else its municipality's, else the population's region if a county.
fn county_of_cell(cell: &PopulationCell, population: &Population) -> Option<String> {
    cell.county
        .clone()
        .or_else(|| {
            cell.municipality
                .as_deref()
                .and_then(|m| m.get(..2))
                .map(str::to_owned)
        })
        .or_else(|| (population.region != "SE").then(|| population.region.clone()))
}

/// How much of a cell a rule takes in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Inclusion {
    /// In [0, 1].
    share: f64,
    /// Counted by assumption (open-ended band, coarse sector).
    approximate: bool,
}

impl Inclusion {
    const IN: Self = Self {
        share: 1.0,
        approximate: false,
    };
    const OUT: Self = Self {
        share: 0.0,
        approximate: false,
    };
    const HALF_GUESSED: Self = Self {
        share: 0.5,
        approximate: true,
    };

    pub(super) fn exactly(share: f64) -> Self {
        Self {
            share,
            approximate: false,
        }
    }

    /// Inside both; a cell surely outside one is surely outside both.
    fn and(self, other: Self) -> Self {
        if self == Self::OUT || other == Self::OUT {
            return Self::OUT;
        }
        Self {
            share: self.share * other.share,
            approximate: self.approximate || other.approximate,
        }
    }
}

/// The share of `cell` inside `rule`. A cell without the fact counts as inside (the rule is
/// then not assessed and never asked).
fn inclusion(rule: &EligibilityRule, cell: &PopulationCell, population: &Population) -> Inclusion {
    let member =
        |value: Option<String>, allowed: &[String], normalise: fn(&str) -> String| match value {
            Some(v) if allowed.iter().any(|a| normalise(a) == normalise(&v)) => Inclusion::IN,
            Some(_) => Inclusion::OUT,
            None => Inclusion::IN,
        };
    match rule {
        EligibilityRule::Sectors { include, exclude } => match &cell.sector {
            Some(code) => sector_inclusion(code, include, exclude),
            None => Inclusion::IN,
        },
        EligibilityRule::LegalForms { allowed } => member(cell.legal_form.clone(), allowed, |s| {
            s.trim().to_uppercase()
        }),
        EligibilityRule::Employees { min, max } => match cell.employees {
            Some(band) => band_inclusion(
                band,
                u64::from(min.unwrap_or(0)),
                max.map(|m| u64::from(m) + 1),
            ),
            None => Inclusion::IN,
        },
        EligibilityRule::MinTurnover { sek } => match cell.turnover {
            Some(band) => band_inclusion(band, *sek, None),
            None => Inclusion::IN,
        },
        EligibilityRule::Counties { allowed } => {
            member(county_of_cell(cell, population), allowed, |s| {
                s.trim().to_owned()
            })
        }
        EligibilityRule::Municipalities { allowed } => {
            member(cell.municipality.clone(), allowed, |s| s.trim().to_owned())
        }
        EligibilityRule::CoFinancing { .. } => Inclusion::IN,
    }
}

/// The share of `band` inside `[lo, hi)` (`hi: None` unbounded), firms spread evenly over it.
pub(super) fn band_inclusion(band: Band, lo: u64, hi: Option<u64>) -> Inclusion {
    if hi.is_some_and(|hi| hi <= lo) {
        return Inclusion::OUT;
    }
    let below_hi = |x: u64| hi.is_none_or(|hi| x < hi);
    match band.to {
        Some(to) if to > band.from => {
            let inside = to
                .min(hi.unwrap_or(u64::MAX))
                .saturating_sub(band.from.max(lo));
            Inclusion::exactly(inside as f64 / (to - band.from) as f64)
        }
        // A band that holds nothing is read as the single value `from`.
        Some(_) if lo <= band.from && below_hi(band.from) => Inclusion::IN,
        Some(_) => Inclusion::OUT,
        None if !below_hi(band.from) => Inclusion::OUT,
        None if lo <= band.from && hi.is_none() => Inclusion::IN,
        // Open-ended and partly inside: nothing says how its firms spread.
        None => Inclusion::HALF_GUESSED,
    }
}

/// How a cell's SNI code meets a rule's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SectorMatch {
    /// The cell lies within the prefix.
    Within,
    /// The cell is coarser and holds the prefix ("62" against "62.01").
    Holds,
    Apart,
}

fn sector_match(cell: &str, prefix: &str) -> SectorMatch {
    let (cell, prefix) = (sni_digits(cell), sni_digits(prefix));
    if cell.starts_with(&prefix) {
        SectorMatch::Within
    } else if prefix.starts_with(&cell) {
        SectorMatch::Holds
    } else {
        SectorMatch::Apart
    }
}

/// Inside when the code is within some include prefix and within no exclude prefix; a coarse
/// cell that only partly meets a prefix is counted inside, by assumption.
fn sector_inclusion(code: &str, include: &[String], exclude: &[String]) -> Inclusion {
    let best = |prefixes: &[String]| {
        let matches: Vec<SectorMatch> = prefixes.iter().map(|p| sector_match(code, p)).collect();
        if matches.contains(&SectorMatch::Within) {
            SectorMatch::Within
        } else if matches.contains(&SectorMatch::Holds) {
            SectorMatch::Holds
        } else {
            SectorMatch::Apart
        }
    };
    let included = if include.is_empty() {
        SectorMatch::Within
    } else {
        best(include)
    };
    let excluded = best(exclude);
    match (included, excluded) {
        (SectorMatch::Apart, _) | (_, SectorMatch::Within) => Inclusion::OUT,
        (SectorMatch::Within, SectorMatch::Apart) => Inclusion::IN,
        _ => Inclusion {
            share: 1.0,
            approximate: true,
        },
    }
}

/// The rules with every employee range intersected into one, and the turnover floors into the
/// highest, so that a band is not split twice by rules on the same fact.
fn intersect_bands<'a>(rules: impl Iterator<Item = &'a EligibilityRule>) -> Vec<EligibilityRule> {
    let mut out = Vec::new();
    let mut employees: Option<(Option<u32>, Option<u32>)> = None;
    let mut floor: Option<u64> = None;
    for rule in rules {
        match rule {
            EligibilityRule::Employees { min, max } => {
                let (lo, hi) = employees.unwrap_or((None, None));
                employees = Some((lo.max(*min), hi.into_iter().chain(*max).min()));
            }
            EligibilityRule::MinTurnover { sek } => floor = floor.max(Some(*sek)),
            other => out.push(other.clone()),
        }
    }
    if let Some((min, max)) = employees {
        out.push(EligibilityRule::Employees { min, max });
    }
    if let Some(sek) = floor {
        out.push(EligibilityRule::MinTurnover { sek });
    }
    out
}

/// Firms and eligible firms per group, and the shares within each dimension set.
struct Tally {
    firms: f64,
    eligible: f64,
    groups: Vec<GroupShare>,
    approximate: bool,
}

pub(super) type Group = BTreeMap<Dimension, String>;
/// Dimension set (sorted by size, then dimensions) -> group -> (firms, eligible firms).
type Tabulations = BTreeMap<(usize, Vec<Dimension>), BTreeMap<Group, (f64, f64)>>;

/// A count that cannot poison sums: negative or non-finite counts as zero.
fn firms_of(cell: &PopulationCell) -> f64 {
    if cell.firms.is_finite() && cell.firms > 0.0 {
        cell.firms
    } else {
        0.0
    }
}

fn tally(population: &Population, weigh: impl Fn(&PopulationCell) -> Inclusion) -> Tally {
    let mut tabulations = Tabulations::new();
    let mut approximate = false;
    for cell in &population.cells {
        let firms = firms_of(cell);
        let inclusion = weigh(cell);
        let share = inclusion.share.clamp(0.0, 1.0);
        approximate |= inclusion.approximate && firms > 0.0;
        let dims: Vec<Dimension> = cell.group.keys().copied().collect();
        let entry = tabulations
            .entry((dims.len(), dims))
            .or_default()
            .entry(cell.group.clone())
            .or_default();
        entry.0 += firms;
        entry.1 += firms * share;
    }
    add_marginals(&mut tabulations);
    let (firms, eligible) = tabulations
        .values()
        .map(totals)
        .fold((0.0, 0.0), |best, t| if t.0 > best.0 { t } else { best });
    let groups = tabulations
        .iter()
        .filter(|((size, _), _)| *size > 0)
        .flat_map(|(_, groups)| shares(groups))
        .collect();
    Tally {
        firms,
        eligible,
        groups,
        approximate,
    }
}

fn totals(groups: &BTreeMap<Group, (f64, f64)>) -> (f64, f64) {
    groups
        .values()
        .fold((0.0, 0.0), |(f, e), (gf, ge)| (f + gf, e + ge))
}

/// Adds, for each dimension not tabulated alone, its marginal from the largest tabulation that
/// holds it.
fn add_marginals(tabulations: &mut Tabulations) {
    let dimensions: Vec<Dimension> = tabulations
        .keys()
        .filter(|(size, _)| *size > 1)
        .flat_map(|(_, dims)| dims.iter().copied())
        .collect();
    for d in dimensions {
        let alone = (1, vec![d]);
        if tabulations.contains_key(&alone) {
            continue;
        }
        let Some(source) = tabulations
            .iter()
            .filter(|((size, dims), _)| *size > 1 && dims.contains(&d))
            .fold(
                None::<(&BTreeMap<Group, (f64, f64)>, f64)>,
                |best, (_, g)| {
                    let total = totals(g).0;
                    match best {
                        Some((_, t)) if t >= total => best,
                        _ => Some((g, total)),
                    }
                },
            )
            .map(|(g, _)| g)
        else {
            continue;
        };
        let mut marginal: BTreeMap<Group, (f64, f64)> = BTreeMap::new();
        for (group, (firms, eligible)) in source {
            let Some(value) = group.get(&d) else { continue };
            let entry = marginal
                .entry(BTreeMap::from([(d, value.clone())]))
                .or_default();
            entry.0 += firms;
            entry.1 += eligible;
        }
        tabulations.insert(alone, marginal);
    }
}

/// Shares and disparity indices of the groups of one dimension set.
fn shares(groups: &BTreeMap<Group, (f64, f64)>) -> Vec<GroupShare> {
    let (all, eligible_all) = totals(groups);
    groups
        .iter()
        .map(|(group, (firms, eligible))| {
            let share_all = if all > 0.0 { firms / all } else { 0.0 };
            let share_eligible = (eligible_all > 0.0).then(|| eligible / eligible_all);
            let disparity_index = share_eligible
                .filter(|_| share_all > 0.0)
                .map(|s| 100.0 * s / share_all)
                .filter(|di| di.is_finite());
            GroupShare {
                group: group.clone(),
                firms: *firms,
                eligible_firms: *eligible,
                share_all,
                share_eligible,
                disparity_index,
            }
        })
        .collect()
}

/// The group with the lowest disparity index, leaving out `unknown` groups; the first on ties.
fn worst(groups: &[GroupShare]) -> Option<GroupShare> {
    groups
        .iter()
        .filter(|g| !g.group.values().any(|v| v == UNKNOWN))
        .filter_map(|g| g.disparity_index.map(|di| (di, g)))
        .fold(None::<(f64, &GroupShare)>, |best, (di, g)| match best {
            Some((b, _)) if b <= di => best,
            _ => Some((di, g)),
        })
        .map(|(_, g)| g.clone())
}
