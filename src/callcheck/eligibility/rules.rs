//! The eligibility rules of a call, what they test and how they read.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::codes::{parse_county, parse_legal_form, parse_municipality, parse_sector};
use crate::analysis::labels;
use crate::domain::tagging::Dimension;
use crate::domain::validation::{Errors, FieldError};
use crate::locale::{self, Language};

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
    pub(super) fn breakdown(self, lang: Language) -> &'static str {
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
                locale::sek(lang, *sek as f64)
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
                locale::percent_compact(lang, *share),
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
