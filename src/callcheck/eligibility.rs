//! Eligibility exclusion: which groups of firms a call's eligibility rules leave out, estimated
//! from a firm population (counts of firms by sector, legal form, size, turnover and place, per
//! group) before the call is published.
//!
//! For each group the analysis compares its share of all firms with its share of the firms the
//! rules leave eligible: the disparity index (DI) is `100 * share_eligible / share_all`, so 100
//! means the rules keep the group's share and 50 that they halve it (below 80 is a "substantial
//! disparity" in disparity studies). It does so for all assessable rules together and for each
//! rule alone, so the check can name the rule that does the excluding.
//!
//! How cells are counted:
//! - A cell is counted by the share of it inside the rules: 1 fully inside, 0 outside, and for a
//!   band partly inside a rule's range (employees 1-9 against "at least 2 employees", turnover
//!   1-5 MSEK against "at least 3 MSEK") the share of the band inside, assuming the firms spread
//!   evenly over it (employees as whole numbers, turnover in whole SEK). A cell partly inside
//!   several rules counts by the product of the shares; rules on the same band (two size rules)
//!   are intersected first, so they are not counted twice.
//! - An open-ended band ("250 or more") partly inside a range cannot be split evenly: it counts
//!   as half inside and the result is marked `approximate`.
//! - Sectors match SNI codes by prefix with dots ignored ("62.010" matches "62" and "620"). A
//!   cell coarser than a rule's code (cell "62", rule "62.01") is partly inside: it is counted
//!   inside (or, for an exclusion, not excluded) and the result is marked `approximate`.
//! - County rules use the cell's county, else the county of its municipality, else the
//!   population's region when that is a county.
//! - A rule is *not assessed*, and left out of the estimate, when some cell does not carry the
//!   fact it tests (the reason says which data would let it be assessed), and always for
//!   co-financing, which firm counts say nothing about.
//!
//! Shares are taken within one dimension set: cells keyed by the same dimensions (say gender, or
//! gender x background) are one tabulation of the population. When cells carry several
//! dimensions, the single-dimension marginals are added too, unless a tabulation by that
//! dimension alone is given. Totals are those of the tabulation with the most firms. Groups are
//! sorted by dimension set (single dimensions first), then by value. `worst` is the group with
//! the lowest DI, leaving out groups whose value is `unknown` (nobody can be reached as
//! "unknown").
//!
//! The population comes from [`PopulationUpload`]: cells given directly, or a JSON-stat 2.0
//! table (as Statistics Sweden exports) with a [`PopulationMapping`]. In both, band strings are
//! inclusive at both ends as statistics tables print them: "1-9", "3000000-9999999", "250-" or
//! "250+" (open-ended), "0"; a band may also be given as `{"from": 3000000, "to": 10000000}`,
//! from inclusive, to exclusive, which is how [`Band`] stores every band.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::analysis::explain;
use crate::analysis::labels::{self, Language};
use crate::codec::jsonstat::{Dataset, MappedDimension};
use crate::domain::geography;
use crate::domain::tagging::{Dimension, UNKNOWN};
use crate::domain::validation::{Errors, FieldError};

// ---------------------------------------------------------------------------------------------
// Rules

/// One eligibility rule of a call, as the check tests it against the firm population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum EligibilityRule {
    /// Only firms whose SNI code starts with one of `include` (empty = every sector) and with
    /// none of `exclude`.
    Sectors {
        #[serde(default)]
        include: Vec<String>,
        #[serde(default)]
        exclude: Vec<String>,
    },
    /// Legal forms allowed, e.g. "AB", "EF", "HB", "KB", "EK".
    LegalForms { allowed: Vec<String> },
    /// Number of employees, both ends inclusive.
    Employees {
        #[serde(default)]
        min: Option<u32>,
        #[serde(default)]
        max: Option<u32>,
    },
    /// Turnover of at least `sek`.
    MinTurnover { sek: u64 },
    /// Two-digit county codes.
    Counties { allowed: Vec<String> },
    /// Four-digit municipality codes.
    Municipalities { allowed: Vec<String> },
    /// The applicant must fund this share of the costs itself; firm counts cannot assess it.
    CoFinancing { share: f64 },
}

/// A fact about firms that rules test and populations break down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum FirmFact {
    Sector,
    LegalForm,
    Employees,
    Turnover,
    County,
    Municipality,
}

impl FirmFact {
    /// What a population must be broken down by to assess a rule on this fact.
    fn breakdown(self, lang: Language) -> &'static str {
        let (sv, en) = match self {
            Self::Sector => ("bransch (SNI-kod)", "sector (SNI code)"),
            Self::LegalForm => ("juridisk form", "legal form"),
            Self::Employees => ("storleksklass (antal anställda)", "size class (employees)"),
            Self::Turnover => ("omsättningsklass", "turnover band"),
            Self::County => ("län", "county"),
            Self::Municipality => ("kommun", "municipality"),
        };
        lang.pick(sv, en)
    }
}

impl EligibilityRule {
    /// The fact the rule tests; `None` for co-financing, which no firm count shows.
    pub fn fact(&self) -> Option<FirmFact> {
        match self {
            Self::Sectors { .. } => Some(FirmFact::Sector),
            Self::LegalForms { .. } => Some(FirmFact::LegalForm),
            Self::Employees { .. } => Some(FirmFact::Employees),
            Self::MinTurnover { .. } => Some(FirmFact::Turnover),
            Self::Counties { .. } => Some(FirmFact::County),
            Self::Municipalities { .. } => Some(FirmFact::Municipality),
            Self::CoFinancing { .. } => None,
        }
    }

    /// A short description of the rule, e.g. "omsättning minst 3 000 000 kr" / "turnover of at
    /// least SEK 3,000,000" (with non-breaking spaces, as [`explain::sek`] writes amounts).
    pub fn describe(&self, lang: Language) -> String {
        match self {
            Self::Sectors { include, exclude } => describe_sectors(lang, include, exclude),
            Self::LegalForms { allowed } if allowed.is_empty() => {
                lang.pick("ingen juridisk form", "no legal form").to_owned()
            }
            Self::LegalForms { allowed } => {
                format!(
                    "{} {}",
                    lang.pick("juridisk form", "legal form"),
                    allowed.join(", ")
                )
            }
            Self::Employees { min, max } => describe_employees(lang, *min, *max),
            Self::MinTurnover { sek } => format!(
                "{} {}",
                lang.pick("omsättning minst", "turnover of at least"),
                explain::sek(lang, *sek as f64)
            ),
            Self::Counties { allowed } => {
                describe_places(lang, Dimension::County, allowed, ("län", "county"))
            }
            Self::Municipalities { allowed } => describe_places(
                lang,
                Dimension::Municipality,
                allowed,
                ("kommun", "municipality"),
            ),
            Self::CoFinancing { share } => format!(
                "{} {} {}",
                lang.pick("egen medfinansiering av", "own co-financing of"),
                whole_percent(lang, *share),
                lang.pick("av kostnaderna", "of the costs")
            ),
        }
    }

    /// The rule's field errors, pointed at under `at` (the rule's own pointer, e.g.
    /// `/rules/2`). [`analyse`] takes any rule, but a rule with these errors says little.
    pub fn validate(&self, at: &str) -> Vec<FieldError> {
        let mut errors = Errors::new();
        match self {
            Self::Sectors { include, exclude } => {
                for (name, codes) in [("include", include), ("exclude", exclude)] {
                    for (i, code) in codes.iter().enumerate() {
                        errors.check(&format!("{at}/{name}/{i}"), parse_sector(code));
                    }
                }
            }
            Self::LegalForms { allowed } => {
                check_list(&mut errors, at, allowed, parse_legal_form);
            }
            Self::Employees {
                min: Some(min),
                max: Some(max),
            } if min > max => errors.add(format!("{at}/max"), "must not be below min"),
            Self::Employees { .. } | Self::MinTurnover { .. } => {}
            Self::Counties { allowed } => {
                check_list(&mut errors, at, allowed, |c| parse_county(c, "SE"));
            }
            Self::Municipalities { allowed } => {
                check_list(&mut errors, at, allowed, |c| parse_municipality(c, "SE"));
            }
            Self::CoFinancing { share } if !(0.0..=1.0).contains(share) => {
                errors.add(format!("{at}/share"), "must be between 0 and 1")
            }
            Self::CoFinancing { .. } => {}
        }
        errors.into_vec()
    }
}

/// Checks a non-empty list under `{at}/allowed`.
fn check_list(
    errors: &mut Errors,
    at: &str,
    allowed: &[String],
    parse: impl Fn(&str) -> Result<String, String>,
) {
    if allowed.is_empty() {
        errors.add(format!("{at}/allowed"), "must list at least one value");
    }
    for (i, value) in allowed.iter().enumerate() {
        errors.check(&format!("{at}/allowed/{i}"), parse(value));
    }
}

fn describe_sectors(lang: Language, include: &[String], exclude: &[String]) -> String {
    let included = if include.is_empty() {
        lang.pick("alla branscher", "every sector").to_owned()
    } else {
        format!(
            "{} {}",
            lang.pick("bransch (SNI)", "sector (SNI)"),
            include.join(", ")
        )
    };
    if exclude.is_empty() {
        included
    } else {
        format!(
            "{included} {} {}",
            lang.pick("utom", "except"),
            exclude.join(", ")
        )
    }
}

fn describe_employees(lang: Language, min: Option<u32>, max: Option<u32>) -> String {
    let employees = lang.pick("anställda", "employees");
    match (min, max) {
        (Some(min), Some(max)) => format!("{min}\u{2013}{max} {employees}"),
        (Some(min), None) => format!("{} {min} {employees}", lang.pick("minst", "at least")),
        (None, Some(max)) => format!("{} {max} {employees}", lang.pick("högst", "at most")),
        (None, None) => lang
            .pick("valfritt antal anställda", "any number of employees")
            .to_owned(),
    }
}

fn describe_places(
    lang: Language,
    dimension: Dimension,
    codes: &[String],
    (sv, en): (&str, &str),
) -> String {
    let names: Vec<String> = codes
        .iter()
        .map(|c| labels::value(lang, dimension, c))
        .collect();
    format!("{}: {}", lang.pick(sv, en), names.join(", "))
}

/// "50 %" / "50%", with one decimal only when the share needs it.
fn whole_percent(lang: Language, share: f64) -> String {
    let pct = share * 100.0;
    let decimals = if (pct - pct.round()).abs() < 1e-9 {
        0
    } else {
        1
    };
    explain::number(lang, pct, decimals) + lang.pick("\u{a0}%", "%")
}

// ---------------------------------------------------------------------------------------------
// Population

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

// ---------------------------------------------------------------------------------------------
// Analysis output

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
struct Inclusion {
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

    fn exactly(share: f64) -> Self {
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
fn band_inclusion(band: Band, lo: u64, hi: Option<u64>) -> Inclusion {
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

fn sni_digits(code: &str) -> String {
    code.chars().filter(|c| !matches!(c, '.' | ' ')).collect()
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

type Group = BTreeMap<Dimension, String>;
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

// ---------------------------------------------------------------------------------------------
// Upload

/// A band as uploaded: "1-9", "250-", "250+", "0" (inclusive at both ends, spaces allowed in
/// numbers), or `{"from": 1, "to": 10}` (to exclusive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum BandInput {
    Text(String),
    Range(Band),
}

/// One cell as uploaded: like [`PopulationCell`], with bands as [`BandInput`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = PopulationCellInput)]
pub struct CellInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_form: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<BandInput>,
    /// SEK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turnover: Option<BandInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    #[serde(default)]
    pub group: BTreeMap<Dimension, String>,
    pub firms: f64,
}

/// How a JSON-stat dimension maps onto a fact of firms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MappedFact {
    pub fact: FirmFact,
    /// JSON-stat category code -> our value (an SNI code, a band string such as "1-9", a
    /// county code); unmapped categories (totals, say) are left out. Without it every category
    /// code is taken as it is, so the table must hold no totals in this dimension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<BTreeMap<String, String>>,
}

/// How to read a JSON-stat table as a firm population. Every dimension with more than one
/// category must be mapped as a group dimension or a fact, or have one category selected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PopulationMapping {
    /// JSON-stat dimension id -> group dimension (as for baselines).
    #[serde(default)]
    pub dimensions: BTreeMap<String, MappedDimension>,
    /// JSON-stat dimension id -> the fact it holds.
    #[serde(default)]
    pub facts: BTreeMap<String, MappedFact>,
    /// JSON-stat dimension id -> the one category to keep (a year, a total).
    #[serde(default)]
    pub select: BTreeMap<String, String>,
}

/// `PUT /api/v1/firm-population` body: cells given directly, or a JSON-stat 2.0 table with a
/// mapping, or both (the table's cells follow the given ones).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PopulationUpload {
    /// Where the figures come from (publication, table, date).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub published_on: Option<NaiveDate>,
    pub year: i32,
    /// County code, or "SE" (or "00") for Sweden.
    pub region: String,
    #[serde(default)]
    pub cells: Vec<CellInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub json_stat: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<PopulationMapping>,
}

/// At most this many refused table values are listed one by one.
const MAX_VALUE_ERRORS: usize = 20;

impl PopulationUpload {
    /// The population to store, checked; every refused field is named by JSON pointer.
    pub fn into_population(self) -> Result<Population, Vec<FieldError>> {
        let mut errors = Errors::new();
        if self.source.trim().is_empty() {
            errors.add("/source", "must name where the figures come from");
        }
        if !(1900..=2100).contains(&self.year) {
            errors.add("/year", "must be a year");
        }
        let region = errors
            .check("/region", parse_region(&self.region))
            .unwrap_or_else(|| "SE".into());
        let mut cells = Vec::with_capacity(self.cells.len());
        for (i, input) in self.cells.into_iter().enumerate() {
            if let Some(cell) = read_cell(input, &format!("/cells/{i}"), &region, &mut errors) {
                cells.push(cell);
            }
        }
        match (&self.json_stat, &self.mapping) {
            (Some(table), Some(mapping)) => match read_table(table, mapping, &region) {
                Ok(read) => cells.extend(read),
                Err(e) => errors.extend(e),
            },
            (Some(_), None) => errors.add("/mapping", "is required with jsonStat"),
            (None, Some(_)) => errors.add("/jsonStat", "is required with mapping"),
            (None, None) if cells.is_empty() && errors.is_empty() => {
                errors.add("/cells", "give cells or a jsonStat table")
            }
            (None, None) => {}
        }
        if errors.is_empty() && !cells.iter().any(|c| !c.group.is_empty()) {
            errors.add(
                "/cells",
                "no cell names a group (such as {\"gender\": \"women\"})",
            );
        }
        errors.finish(|| Population {
            source: self.source.trim().to_owned(),
            published_on: self.published_on,
            year: self.year,
            region,
            cells,
        })
    }
}

/// One uploaded cell, or `None` with its errors recorded under `at`.
fn read_cell(
    input: CellInput,
    at: &str,
    region: &str,
    errors: &mut Errors,
) -> Option<PopulationCell> {
    let before = errors.len();
    let mut field =
        |name: &str, value: Option<&str>, parse: &dyn Fn(&str) -> Result<String, String>| {
            value.and_then(|v| errors.check(&format!("{at}/{name}"), parse(v)))
        };
    let sector = field("sector", input.sector.as_deref(), &parse_sector);
    let legal_form = field("legalForm", input.legal_form.as_deref(), &parse_legal_form);
    let county = field("county", input.county.as_deref(), &|c| {
        parse_county(c, region)
    });
    let municipality = field("municipality", input.municipality.as_deref(), &|m| {
        parse_municipality(m, region)
    });
    let employees = input
        .employees
        .as_ref()
        .and_then(|b| errors.check(&format!("{at}/employees"), parse_band_input(b)));
    let turnover = input
        .turnover
        .as_ref()
        .and_then(|b| errors.check(&format!("{at}/turnover"), parse_band_input(b)));
    if let (Some(c), Some(m)) = (&county, &municipality)
        && !m.starts_with(c.as_str())
    {
        errors.add(
            format!("{at}/municipality"),
            format!("lies in county {}, not {c}", &m[..2]),
        );
    }
    errors.check(&format!("{at}/group"), check_group(&input.group));
    errors.check(&format!("{at}/firms"), check_firms(input.firms));
    (errors.len() == before).then_some(PopulationCell {
        sector,
        legal_form,
        employees,
        turnover,
        county,
        municipality,
        group: input.group,
        firms: input.firms,
    })
}

fn parse_region(region: &str) -> Result<String, String> {
    match region.trim() {
        "SE" | "00" => Ok("SE".into()),
        code if geography::county_name(code).is_some() => Ok(code.into()),
        other => Err(format!("{other:?} is neither a county code nor SE")),
    }
}

/// An SNI code: digits, dots allowed ("47", "62.010").
fn parse_sector(code: &str) -> Result<String, String> {
    let code = code.trim();
    let digits = sni_digits(code);
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || !code.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return Err(format!(
            "must be an SNI code of digits such as \"47\" or \"62.010\", got {code:?}"
        ));
    }
    Ok(code.to_owned())
}

/// A legal form code, kept in capitals ("AB", "EF").
fn parse_legal_form(code: &str) -> Result<String, String> {
    let code = code.trim();
    if code.is_empty() || code.len() > 16 {
        return Err("must be a legal form code such as \"AB\" or \"EF\"".into());
    }
    Ok(code.to_uppercase())
}

/// A county code inside the population's region.
fn parse_county(code: &str, region: &str) -> Result<String, String> {
    let code = code.trim();
    if geography::county_name(code).is_none() {
        return Err(format!("must be a two-digit county code, got {code:?}"));
    }
    if region != "SE" && code != region {
        return Err(format!("lies outside the population's region {region}"));
    }
    Ok(code.to_owned())
}

/// A municipality code inside the population's region.
fn parse_municipality(code: &str, region: &str) -> Result<String, String> {
    let code = code.trim();
    let county = geography::county_of_municipality(code)?;
    if region != "SE" && county != region {
        return Err(format!("lies outside the population's region {region}"));
    }
    Ok(code.to_owned())
}

fn check_group(group: &BTreeMap<Dimension, String>) -> Result<(), String> {
    match group.iter().find(|(_, v)| v.trim().is_empty()) {
        Some((d, _)) => Err(format!("the value of {} is empty", d.code())),
        None => Ok(()),
    }
}

fn check_firms(firms: f64) -> Result<(), String> {
    if firms.is_finite() && firms >= 0.0 {
        Ok(())
    } else {
        Err("must be a number of firms, not negative".into())
    }
}

fn parse_band_input(input: &BandInput) -> Result<Band, String> {
    match input {
        BandInput::Text(text) => parse_band(text),
        BandInput::Range(band) if band.to.is_some_and(|to| to <= band.from) => {
            Err("to must be above from (to is exclusive)".into())
        }
        BandInput::Range(band) => Ok(*band),
    }
}

/// "1-9" -> [1, 10); "250-" and "250+" -> [250, open); "0" -> [0, 1).
fn parse_band(text: &str) -> Result<Band, String> {
    let bad = || {
        format!(
            "must be a band such as \"1-9\", \"250-\" or \"3000000-9999999\" (ends included), \
             got {text:?}"
        )
    };
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == '\u{2013}' { '-' } else { c })
        .collect();
    let number = |s: &str| -> Result<u64, String> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let open = compact
        .strip_suffix('+')
        .or_else(|| compact.strip_suffix('-'));
    if let Some(from) = open {
        return Ok(Band {
            from: number(from)?,
            to: None,
        });
    }
    let (from, last) = match compact.split_once('-') {
        Some((from, to)) => (number(from)?, number(to)?),
        None => {
            let n = number(&compact)?;
            (n, n)
        }
    };
    if last < from {
        return Err(format!("{text:?} ends below where it starts"));
    }
    Ok(Band {
        from,
        to: Some(last.saturating_add(1)),
    })
}

/// A fact's value, decoded once per JSON-stat category.
#[derive(Debug, Clone)]
enum FactValue {
    Sector(String),
    LegalForm(String),
    Employees(Band),
    Turnover(Band),
    County(String),
    Municipality(String),
}

impl FactValue {
    fn parse(fact: FirmFact, text: &str, region: &str) -> Result<Self, String> {
        Ok(match fact {
            FirmFact::Sector => Self::Sector(parse_sector(text)?),
            FirmFact::LegalForm => Self::LegalForm(parse_legal_form(text)?),
            FirmFact::Employees => Self::Employees(parse_band(text)?),
            FirmFact::Turnover => Self::Turnover(parse_band(text)?),
            FirmFact::County => Self::County(parse_county(text, region)?),
            FirmFact::Municipality => Self::Municipality(parse_municipality(text, region)?),
        })
    }

    fn apply(&self, cell: &mut PopulationCell) {
        match self {
            Self::Sector(v) => cell.sector = Some(v.clone()),
            Self::LegalForm(v) => cell.legal_form = Some(v.clone()),
            Self::Employees(b) => cell.employees = Some(*b),
            Self::Turnover(b) => cell.turnover = Some(*b),
            Self::County(v) => cell.county = Some(v.clone()),
            Self::Municipality(v) => cell.municipality = Some(v.clone()),
        }
    }
}

/// What one category of a table dimension contributes to a cell.
#[derive(Debug, Clone)]
enum Part {
    /// Kept, adding nothing (a selected category, a dimension of one category).
    Keep,
    Group(Dimension, String),
    Fact(FactValue),
}

/// A JSON pointer segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The table's cells, through the mapping.
fn read_table(
    table: &Value,
    mapping: &PopulationMapping,
    region: &str,
) -> Result<Vec<PopulationCell>, Vec<FieldError>> {
    let data = Dataset::parse(table).map_err(|e| vec![e])?;
    if !data.has_values() {
        return Err(vec![FieldError::new(
            "/jsonStat/value",
            "must be an array or an object of counts",
        )]);
    }
    check_mapping_names(&data, mapping)?;
    data.check_all_mapped("/mapping", |i| {
        let id = data.ids[i];
        mapping.dimensions.contains_key(id)
            || mapping.facts.contains_key(id)
            || mapping.select.contains_key(id)
    })
    .map_err(|e| vec![e])?;
    let parts = decode_categories(&data, mapping, region)?;
    let mut errors = Errors::new();
    let mut refused_values = 0usize;
    let mut cells = Vec::new();
    'cells: for cell in data.cells() {
        let Some(firms) = cell.value else { continue };
        let mut out = PopulationCell {
            firms,
            ..PopulationCell::default()
        };
        for (d, category) in cell.categories.iter().enumerate() {
            match &parts[d][*category] {
                None => continue 'cells,
                Some(Part::Keep) => {}
                Some(Part::Group(dimension, value)) => {
                    out.group.insert(*dimension, value.clone());
                }
                Some(Part::Fact(value)) => value.apply(&mut out),
            }
        }
        if let Err(reason) = check_firms(firms) {
            refused_values += 1;
            if refused_values <= MAX_VALUE_ERRORS {
                errors.add(format!("/jsonStat/value/{}", cell.flat), reason);
            }
            continue;
        }
        cells.push(out);
    }
    if refused_values > MAX_VALUE_ERRORS {
        errors.add(
            "/jsonStat/value",
            format!("{refused_values} values are not numbers of firms; the first {MAX_VALUE_ERRORS} are listed"),
        );
    }
    errors.finish(|| cells)
}

/// Every mapped or selected id is a dimension of the table, used once; group dimensions and
/// facts are each mapped from one dimension only; at least one group dimension is mapped.
fn check_mapping_names(data: &Dataset, mapping: &PopulationMapping) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::new();
    let mut roles: BTreeMap<&str, &str> = BTreeMap::new();
    let named = mapping
        .dimensions
        .keys()
        .map(|id| ("dimensions", id))
        .chain(mapping.facts.keys().map(|id| ("facts", id)))
        .chain(mapping.select.keys().map(|id| ("select", id)));
    for (role, id) in named {
        let at = format!("/mapping/{role}/{}", escape(id));
        if data.position(id).is_none() {
            errors.add(at, "is not a dimension of the table");
        } else if let Some(first) = roles.insert(id.as_str(), role) {
            errors.add(at, format!("is already mapped under {first}"));
        }
    }
    let mut seen_groups: BTreeMap<Dimension, &str> = BTreeMap::new();
    for (id, mapped) in &mapping.dimensions {
        if let Some(first) = seen_groups.insert(mapped.dimension, id) {
            errors.add(
                format!("/mapping/dimensions/{}", escape(id)),
                format!(
                    "maps {} again, already mapped from {first}",
                    mapped.dimension.code()
                ),
            );
        }
    }
    let mut seen_facts: BTreeMap<FirmFact, &str> = BTreeMap::new();
    for (id, mapped) in &mapping.facts {
        if let Some(first) = seen_facts.insert(mapped.fact, id) {
            errors.add(
                format!("/mapping/facts/{}", escape(id)),
                format!("maps this fact again, already mapped from {first}"),
            );
        }
    }
    if mapping.dimensions.is_empty() {
        errors.add(
            "/mapping/dimensions",
            "must map at least one dimension to a group",
        );
    }
    errors.finish(|| ())
}

/// For each dimension, by category position: what the category adds, or `None` to leave its
/// cells out.
fn decode_categories(
    data: &Dataset,
    mapping: &PopulationMapping,
    region: &str,
) -> Result<Vec<Vec<Option<Part>>>, Vec<FieldError>> {
    let mut errors = Errors::new();
    let mut parts = Vec::with_capacity(data.ids.len());
    for (d, id) in data.ids.iter().enumerate() {
        let codes = &data.codes[d];
        let decoded: Vec<Option<Part>> = if let Some(mapped) = mapping.dimensions.get(*id) {
            let at = format!("/mapping/dimensions/{}/values", escape(id));
            check_value_keys(&mut errors, &at, &mapped.values, codes, id);
            codes
                .iter()
                .map(|code| {
                    let value = mapped.values.get(code)?;
                    if value.trim().is_empty() {
                        errors.add(format!("{at}/{}", escape(code)), "is empty");
                        return None;
                    }
                    Some(Part::Group(mapped.dimension, value.clone()))
                })
                .collect()
        } else if let Some(mapped) = mapping.facts.get(*id) {
            decode_fact(&mut errors, id, mapped, codes, region)
        } else if let Some(selected) = mapping.select.get(*id) {
            if !codes.contains(selected) {
                errors.add(
                    format!("/mapping/select/{}", escape(id)),
                    format!("{selected:?} is not a category of {id}"),
                );
            }
            codes
                .iter()
                .map(|code| (code == selected).then_some(Part::Keep))
                .collect()
        } else {
            codes.iter().map(|_| Some(Part::Keep)).collect()
        };
        parts.push(decoded);
    }
    errors.finish(|| parts)
}

/// A fact dimension's categories: through `values` when given, else the codes as they are.
fn decode_fact(
    errors: &mut Errors,
    id: &str,
    mapped: &MappedFact,
    codes: &[String],
    region: &str,
) -> Vec<Option<Part>> {
    let at = format!("/mapping/facts/{}", escape(id));
    if let Some(values) = &mapped.values {
        check_value_keys(errors, &format!("{at}/values"), values, codes, id);
    }
    codes
        .iter()
        .map(|code| {
            let (text, pointer) = match &mapped.values {
                Some(values) => (values.get(code)?, format!("{at}/values/{}", escape(code))),
                None => (code, at.clone()),
            };
            match FactValue::parse(mapped.fact, text, region) {
                Ok(value) => Some(Part::Fact(value)),
                Err(reason) if mapped.values.is_none() => {
                    errors.add(
                        pointer,
                        format!(
                            "category {code:?}: {reason}; give values to map the categories, \
                             leaving totals out"
                        ),
                    );
                    None
                }
                Err(reason) => {
                    errors.add(pointer, reason);
                    None
                }
            }
        })
        .collect()
}

/// Mapping keys that are no category of the dimension are typos ("1" for "01", say).
fn check_value_keys(
    errors: &mut Errors,
    at: &str,
    values: &BTreeMap<String, String>,
    codes: &[String],
    id: &str,
) {
    for key in values.keys().filter(|k| !codes.contains(k)) {
        errors.add(
            format!("{at}/{}", escape(key)),
            format!("is not a category of {id}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn women() -> Group {
        BTreeMap::from([(Dimension::Gender, "women".to_owned())])
    }

    fn men() -> Group {
        BTreeMap::from([(Dimension::Gender, "men".to_owned())])
    }

    fn population(cells: Vec<PopulationCell>) -> Population {
        Population {
            source: "test".into(),
            published_on: None,
            year: 2022,
            region: "SE".into(),
            cells,
        }
    }

    fn turnover_cell(group: Group, from: u64, to: Option<u64>, firms: f64) -> PopulationCell {
        PopulationCell {
            turnover: Some(Band { from, to }),
            group,
            firms,
            ..PopulationCell::default()
        }
    }

    fn employees_cell(group: Group, from: u64, to: Option<u64>, firms: f64) -> PopulationCell {
        PopulationCell {
            employees: Some(Band { from, to }),
            group,
            firms,
            ..PopulationCell::default()
        }
    }

    fn sector_cell(group: Group, sector: &str, firms: f64) -> PopulationCell {
        PopulationCell {
            sector: Some(sector.into()),
            group,
            firms,
            ..PopulationCell::default()
        }
    }

    fn share_of<'a>(groups: &'a [GroupShare], group: &Group) -> &'a GroupShare {
        groups
            .iter()
            .find(|g| &g.group == group)
            .expect("group present")
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// Below 3 MSEK: women 300, men 200. From 3 MSEK up: women 100, men 400.
    fn turnover_population() -> Population {
        population(vec![
            turnover_cell(women(), 0, Some(3_000_000), 300.0),
            turnover_cell(women(), 3_000_000, None, 100.0),
            turnover_cell(men(), 0, Some(3_000_000), 200.0),
            turnover_cell(men(), 3_000_000, None, 400.0),
        ])
    }

    #[test]
    fn a_turnover_floor_halves_the_women_run_share() {
        // All firms: women 400 of 1000 = 0.40. Eligible (>= 3 MSEK): women 100 of 500 = 0.20.
        // DI women = 100 * 0.20 / 0.40 = 50. Men: 0.60 -> 0.80, DI = 133.3.
        let rules = [EligibilityRule::MinTurnover { sek: 3_000_000 }];
        let result = analyse(&turnover_population(), &rules);
        assert!(close(result.firms, 1000.0));
        assert!(close(result.eligible_firms, 500.0));
        let w = share_of(&result.groups, &women());
        assert!(close(w.share_all, 0.4));
        assert!(close(w.share_eligible.unwrap(), 0.2));
        assert!(close(w.disparity_index.unwrap(), 50.0));
        let m = share_of(&result.groups, &men());
        assert!(close(m.disparity_index.unwrap(), 100.0 * 0.8 / 0.6));
        assert_eq!(result.worst.as_ref().unwrap().group, women());
        assert_eq!(result.rules.len(), 1);
        assert_eq!(result.rules[0].worst.as_ref().unwrap().group, women());
        assert!(!result.approximate);
        assert!(result.not_assessed.is_empty());
    }

    #[test]
    fn a_balanced_rule_set_keeps_the_shares() {
        // Half of each group is at or above the floor and in the sector: DI 100 for both.
        let mut cells = Vec::new();
        for (group, firms) in [(women(), 300.0), (men(), 700.0)] {
            for (sector, from, to) in [("47", 0, Some(3_000_000)), ("62", 3_000_000, None)] {
                cells.push(PopulationCell {
                    sector: Some(sector.into()),
                    turnover: Some(Band { from, to }),
                    group: group.clone(),
                    firms: firms / 2.0,
                    ..PopulationCell::default()
                });
            }
        }
        let rules = [
            EligibilityRule::MinTurnover { sek: 3_000_000 },
            EligibilityRule::Sectors {
                include: vec!["62".into()],
                exclude: vec![],
            },
        ];
        let result = analyse(&population(cells), &rules);
        assert!(close(result.eligible_firms, 500.0));
        for g in &result.groups {
            assert!(close(g.disparity_index.unwrap(), 100.0), "{g:?}");
        }
    }

    #[test]
    fn partial_bands_count_by_the_share_inside() {
        // 2-49 employees: band 1-9 ([1, 10)) is 8/9 inside, 10-49 all, 50-249 none.
        let cells = vec![
            employees_cell(women(), 1, Some(10), 90.0),
            employees_cell(women(), 10, Some(50), 10.0),
            employees_cell(men(), 1, Some(10), 45.0),
            employees_cell(men(), 50, Some(250), 55.0),
        ];
        let rules = [EligibilityRule::Employees {
            min: Some(2),
            max: Some(49),
        }];
        let result = analyse(&population(cells), &rules);
        let w = share_of(&result.groups, &women());
        assert!(close(w.eligible_firms, 90.0 * 8.0 / 9.0 + 10.0));
        let m = share_of(&result.groups, &men());
        assert!(close(m.eligible_firms, 40.0));
        assert!(!result.approximate);
        // Turnover 1-5 MSEK against a 3 MSEK floor: half inside.
        let t = band_inclusion(
            Band {
                from: 1_000_000,
                to: Some(5_000_000),
            },
            3_000_000,
            None,
        );
        assert_eq!(t, Inclusion::exactly(0.5));
    }

    #[test]
    fn rules_on_the_same_band_are_intersected_when_together() {
        // "at least 10" and "at most 49" on band [0, 100): 40 % inside, not 0.9 * 0.5.
        let cells = vec![employees_cell(women(), 0, Some(100), 100.0)];
        let rules = [
            EligibilityRule::Employees {
                min: Some(10),
                max: None,
            },
            EligibilityRule::Employees {
                min: None,
                max: Some(49),
            },
        ];
        let result = analyse(&population(cells), &rules);
        assert!(close(result.eligible_firms, 40.0));
    }

    #[test]
    fn an_open_ended_band_partly_inside_counts_half_and_is_approximate() {
        let cells = vec![
            employees_cell(women(), 0, Some(250), 100.0),
            employees_cell(men(), 250, None, 100.0),
        ];
        let at_most = |max| EligibilityRule::Employees {
            min: None,
            max: Some(max),
        };
        let result = analyse(&population(cells.clone()), &[at_most(499)]);
        assert!(close(share_of(&result.groups, &men()).eligible_firms, 50.0));
        assert!(result.approximate && result.rules[0].approximate);
        // Wholly outside or wholly inside is exact.
        let outside = analyse(&population(cells.clone()), &[at_most(249)]);
        assert!(close(share_of(&outside.groups, &men()).eligible_firms, 0.0));
        assert!(!outside.approximate);
        let floor = EligibilityRule::Employees {
            min: Some(10),
            max: None,
        };
        let inside = analyse(&population(cells), &[floor]);
        assert!(close(
            share_of(&inside.groups, &men()).eligible_firms,
            100.0
        ));
        assert!(!inside.approximate);
    }

    #[test]
    fn sectors_match_by_prefix_with_dots_ignored() {
        let include = |codes: &[&str]| EligibilityRule::Sectors {
            include: codes.iter().map(|c| c.to_string()).collect(),
            exclude: vec![],
        };
        let cells = vec![
            sector_cell(women(), "47.11", 10.0),
            sector_cell(women(), "62.010", 20.0),
            sector_cell(men(), "62", 40.0),
            sector_cell(men(), "01", 80.0),
        ];
        let pop = population(cells);
        // "620" matches "62.010" and not "47.11"; exact as long as no cell is coarser.
        let result = analyse(&pop, &[include(&["47", "01"])]);
        assert!(close(
            share_of(&result.groups, &women()).eligible_firms,
            10.0
        ));
        assert!(close(share_of(&result.groups, &men()).eligible_firms, 80.0));
        assert!(!result.approximate);
        let result = analyse(&pop, &[include(&["620"])]);
        assert!(close(
            share_of(&result.groups, &women()).eligible_firms,
            20.0
        ));
        // Cell "62" is coarser than "62.01": counted inside, approximate.
        let result = analyse(&pop, &[include(&["62.01"])]);
        assert!(close(share_of(&result.groups, &men()).eligible_firms, 40.0));
        assert!(result.approximate);
        // Every sector but agriculture and 47.11.
        let exclude = EligibilityRule::Sectors {
            include: vec![],
            exclude: vec!["01".into(), "4711".into()],
        };
        let result = analyse(&pop, &[exclude]);
        assert!(close(
            share_of(&result.groups, &women()).eligible_firms,
            20.0
        ));
        assert!(close(share_of(&result.groups, &men()).eligible_firms, 40.0));
    }

    #[test]
    fn rules_the_population_cannot_test_are_not_assessed_with_reasons() {
        let pop = population(vec![
            sector_cell(women(), "47", 10.0),
            sector_cell(men(), "62", 30.0),
        ]);
        let rules = [
            EligibilityRule::MinTurnover { sek: 3_000_000 },
            EligibilityRule::CoFinancing { share: 0.5 },
            EligibilityRule::Sectors {
                include: vec!["62".into()],
                exclude: vec![],
            },
        ];
        let result = analyse(&pop, &rules);
        assert_eq!(result.not_assessed.len(), 2);
        let turnover = &result.not_assessed[0];
        assert_eq!(turnover.index, 0);
        assert!(
            turnover.reason.contains("broken down by turnover band"),
            "{}",
            turnover.reason
        );
        assert!(
            turnover.reason_sv.contains("omsättningsklass"),
            "{}",
            turnover.reason_sv
        );
        let cofinancing = &result.not_assessed[1];
        assert_eq!(cofinancing.index, 1);
        assert!(
            cofinancing.reason.contains("equity"),
            "{}",
            cofinancing.reason
        );
        // Only the sector rule counts.
        assert_eq!(result.rules.len(), 1);
        assert_eq!(result.rules[0].index, 2);
        assert!(close(result.eligible_firms, 30.0));
        assert_eq!(share_of(&result.groups, &women()).share_eligible, Some(0.0));
        assert_eq!(
            share_of(&result.groups, &women()).disparity_index,
            Some(0.0)
        );
        // A breakdown missing in some cells is named as such.
        let mut partial = turnover_population();
        partial.cells.push(sector_cell(women(), "47", 5.0));
        let result = analyse(&partial, &rules[..1]);
        assert!(result.not_assessed[0].reason.contains("1 of 5 cells"));
    }

    #[test]
    fn counties_come_from_municipalities_or_the_region() {
        let mut pop = population(vec![
            PopulationCell {
                municipality: Some("0180".into()),
                group: women(),
                firms: 10.0,
                ..PopulationCell::default()
            },
            PopulationCell {
                county: Some("12".into()),
                group: men(),
                firms: 10.0,
                ..PopulationCell::default()
            },
        ]);
        let rule = EligibilityRule::Counties {
            allowed: vec!["01".into()],
        };
        let result = analyse(&pop, std::slice::from_ref(&rule));
        assert!(close(result.eligible_firms, 10.0));
        pop.cells.truncate(1);
        pop.cells[0].municipality = None;
        pop.region = "01".into();
        assert!(analyse(&pop, &[rule]).not_assessed.is_empty());
    }

    #[test]
    fn marginals_are_added_for_cells_of_several_dimensions() {
        let cell = |gender: &str, background: &str, firms| PopulationCell {
            turnover: Some(Band {
                from: 0,
                to: Some(10),
            }),
            group: BTreeMap::from([
                (Dimension::Gender, gender.to_owned()),
                (Dimension::Background, background.to_owned()),
            ]),
            firms,
            ..PopulationCell::default()
        };
        let pop = population(vec![
            cell("women", "foreign", 10.0),
            cell("women", "swedish", 30.0),
            cell("men", "foreign", 20.0),
            cell("men", "swedish", 40.0),
        ]);
        let result = analyse(&pop, &[]);
        assert_eq!(result.groups.len(), 4 + 2 + 2);
        // Single dimensions first, in Dimension order.
        assert_eq!(result.groups[0].group, men());
        assert!(close(share_of(&result.groups, &women()).share_all, 0.4));
        assert!(close(result.firms, 100.0));
    }

    #[test]
    fn output_never_holds_nan() {
        let mut pop = turnover_population();
        pop.cells[0].firms = f64::NAN;
        pop.cells[1].firms = -5.0;
        let rules = [EligibilityRule::MinTurnover { sek: u64::MAX }];
        let result = analyse(&pop, &rules);
        for g in result.groups.iter().chain(result.rules[0].groups.iter()) {
            let figures = [g.firms, g.eligible_firms, g.share_all];
            assert!(figures.iter().all(|x| x.is_finite()), "{g:?}");
            assert!(g.share_eligible.is_none_or(f64::is_finite), "{g:?}");
            assert!(g.disparity_index.is_none_or(f64::is_finite), "{g:?}");
        }
        // Women have no firms left that count: no share of all, so no index.
        assert_eq!(share_of(&result.groups, &women()).disparity_index, None);
        assert!(result.firms.is_finite() && result.eligible_firms.is_finite());
        assert!(analyse(&population(vec![]), &rules).worst.is_none());
    }

    #[test]
    fn rules_describe_themselves() {
        let floor = EligibilityRule::MinTurnover { sek: 3_000_000 };
        assert_eq!(
            floor.describe(Language::Sv),
            "omsättning minst 3\u{a0}000\u{a0}000\u{a0}kr"
        );
        assert_eq!(
            floor.describe(Language::En),
            "turnover of at least SEK\u{a0}3,000,000"
        );
        let size = EligibilityRule::Employees {
            min: Some(2),
            max: Some(49),
        };
        assert_eq!(size.describe(Language::En), "2\u{2013}49 employees");
        let co = EligibilityRule::CoFinancing { share: 0.5 };
        assert_eq!(
            co.describe(Language::Sv),
            "egen medfinansiering av 50\u{a0}% av kostnaderna"
        );
        let sectors = EligibilityRule::Sectors {
            include: vec![],
            exclude: vec!["01".into()],
        };
        assert_eq!(sectors.describe(Language::En), "every sector except 01");
    }

    #[test]
    fn rules_read_from_json_and_are_checked() {
        let rule: EligibilityRule =
            serde_json::from_value(json!({"kind": "employees", "min": 2})).unwrap();
        assert_eq!(
            rule,
            EligibilityRule::Employees {
                min: Some(2),
                max: None
            }
        );
        let rule: EligibilityRule =
            serde_json::from_value(json!({"kind": "minTurnover", "sek": 3000000})).unwrap();
        assert_eq!(rule.fact(), Some(FirmFact::Turnover));
        let bad = EligibilityRule::Counties {
            allowed: vec!["99".into()],
        };
        assert_eq!(bad.validate("/rules/1")[0].pointer, "/rules/1/allowed/0");
    }

    #[test]
    fn band_strings_parse_inclusively() {
        assert_eq!(
            parse_band("1-9"),
            Ok(Band {
                from: 1,
                to: Some(10)
            })
        );
        assert_eq!(
            parse_band("250+"),
            Ok(Band {
                from: 250,
                to: None
            })
        );
        assert_eq!(
            parse_band("250-"),
            Ok(Band {
                from: 250,
                to: None
            })
        );
        assert_eq!(
            parse_band("0"),
            Ok(Band {
                from: 0,
                to: Some(1)
            })
        );
        assert_eq!(
            parse_band("3 000 000\u{2013}9 999 999"),
            Ok(Band {
                from: 3_000_000,
                to: Some(10_000_000)
            })
        );
        assert!(parse_band("nine").is_err());
        assert!(parse_band("9-1").is_err());
        assert!(parse_band("-5").is_err());
    }

    /// Firms by gender (with a total) and turnover class in tkr (with a total), Sweden 2022.
    fn table() -> Value {
        json!({
            "version": "2.0", "class": "dataset",
            "id": ["Kon", "Omsattning", "Tid"], "size": [3, 3, 1],
            "dimension": {
                "Kon": {"category": {"index": ["1", "2", "1+2"]}},
                "Omsattning": {"category": {"index": {"0-2999": 0, "3000+": 1, "TOT": 2}}},
                "Tid": {"category": {"index": {"2022": 0}}}
            },
            "value": [200, 400, 600, 300, 100, 400, 500, 500, 1000]
        })
    }

    fn table_mapping() -> PopulationMapping {
        serde_json::from_value(json!({
            "dimensions": {"Kon": {"dimension": "gender", "values": {"1": "men", "2": "women"}}},
            "facts": {"Omsattning": {"fact": "turnover",
                "values": {"0-2999": "0-2999999", "3000+": "3000000-"}}}
        }))
        .unwrap()
    }

    fn table_upload() -> PopulationUpload {
        PopulationUpload {
            source: "SCB, Företagsregistret 2022".into(),
            published_on: NaiveDate::from_ymd_opt(2023, 5, 1),
            year: 2022,
            region: "00".into(),
            cells: vec![],
            json_stat: Some(table()),
            mapping: Some(table_mapping()),
        }
    }

    #[test]
    fn a_json_stat_table_reads_as_cells_and_round_trips() {
        let body = serde_json::to_value(table_upload()).unwrap();
        let upload: PopulationUpload = serde_json::from_value(body).unwrap();
        let pop = upload.into_population().unwrap();
        assert_eq!(pop.region, "SE");
        // Totals of both dimensions are left out.
        assert_eq!(pop.cells.len(), 4);
        let w_low = &pop.cells[2];
        assert_eq!(w_low.group, women());
        assert_eq!(
            w_low.turnover,
            Some(Band {
                from: 0,
                to: Some(3_000_000)
            })
        );
        assert!(close(w_low.firms, 300.0));
        let stored: Population =
            serde_json::from_str(&serde_json::to_string(&pop).unwrap()).unwrap();
        assert_eq!(stored, pop);
        // The same figures as the hand-computed example: DI 50 for women.
        let result = analyse(&stored, &[EligibilityRule::MinTurnover { sek: 3_000_000 }]);
        assert!(close(
            share_of(&result.groups, &women()).disparity_index.unwrap(),
            50.0
        ));
    }

    #[test]
    fn direct_cells_read_with_band_strings_and_ranges() {
        let upload: PopulationUpload = serde_json::from_value(json!({
            "source": "Tillväxtverket", "year": 2022, "region": "01",
            "cells": [
                {"sector": "62.01", "employees": "1-9", "turnover": {"from": 0, "to": 3000000},
                 "municipality": "0180", "group": {"gender": "women"}, "firms": 12},
                {"legalForm": "ab", "employees": "250+", "group": {"gender": "men"}, "firms": 3}
            ]
        }))
        .unwrap();
        let pop = upload.into_population().unwrap();
        assert_eq!(
            pop.cells[0].employees,
            Some(Band {
                from: 1,
                to: Some(10)
            })
        );
        assert_eq!(pop.cells[1].legal_form.as_deref(), Some("AB"));
    }

    #[test]
    fn upload_errors_name_their_fields() {
        let upload: PopulationUpload = serde_json::from_value(json!({
            "source": " ", "year": 2022, "region": "01",
            "cells": [
                {"employees": "nine", "group": {"gender": "women"}, "firms": 1},
                {"group": {"gender": "men"}, "firms": -1},
                {"county": "01", "municipality": "1280", "group": {"gender": "men"}, "firms": 1},
                {"sector": "G", "turnover": {"from": 5, "to": 5}, "group": {}, "firms": 1}
            ]
        }))
        .unwrap();
        let errors = upload.into_population().unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        for expected in [
            "/source",
            "/cells/0/employees",
            "/cells/1/firms",
            "/cells/2/municipality",
            "/cells/3/sector",
            "/cells/3/turnover",
        ] {
            assert!(
                pointers.contains(&expected),
                "{expected} not in {pointers:?}"
            );
        }

        let mut bad_region = table_upload();
        bad_region.region = "99".into();
        let errors = bad_region.into_population().unwrap_err();
        assert_eq!(errors[0].pointer, "/region");

        let mut bad_mapping = table_upload();
        let mapping = bad_mapping.mapping.as_mut().unwrap();
        mapping.dimensions.insert(
            "Region".into(),
            MappedDimension {
                dimension: Dimension::County,
                values: BTreeMap::new(),
            },
        );
        let turnover = mapping.facts.get_mut("Omsattning").unwrap();
        turnover
            .values
            .as_mut()
            .unwrap()
            .insert("3000+".into(), "lots".into());
        let errors = bad_mapping.into_population().unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/mapping/dimensions/Region"]);

        let mut bad_value = table_upload();
        let mapping = bad_value.mapping.as_mut().unwrap();
        let turnover = mapping.facts.get_mut("Omsattning").unwrap();
        turnover
            .values
            .as_mut()
            .unwrap()
            .insert("3000+".into(), "lots".into());
        bad_value.json_stat.as_mut().unwrap()["value"][0] = json!(-3);
        let errors = bad_value.into_population().unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/mapping/facts/Omsattning/values/3000+"]);

        // Totals taken as codes, and an unmapped dimension of several categories.
        let mut raw = table_upload();
        let mapping = raw.mapping.as_mut().unwrap();
        mapping.facts.get_mut("Omsattning").unwrap().values = None;
        let errors = raw.clone().into_population().unwrap_err();
        assert_eq!(errors[0].pointer, "/mapping/facts/Omsattning");
        assert!(errors[0].reason.contains("\"TOT\""), "{}", errors[0].reason);
        raw.mapping.as_mut().unwrap().facts.clear();
        let errors = raw.into_population().unwrap_err();
        assert_eq!(errors[0].pointer, "/mapping");
        assert!(
            errors[0].reason.contains("Omsattning"),
            "{}",
            errors[0].reason
        );

        let mut negative = table_upload();
        negative.json_stat.as_mut().unwrap()["value"][0] = json!(-3);
        let errors = negative.into_population().unwrap_err();
        assert_eq!(errors[0].pointer, "/jsonStat/value/0");

        let empty = PopulationUpload {
            cells: vec![],
            json_stat: None,
            mapping: None,
            ..table_upload()
        };
        assert_eq!(empty.into_population().unwrap_err()[0].pointer, "/cells");
    }
}
