//! Tagging: the groups an application counts in, derived from the applicant's raw facts by a
//! named, versioned definition. Missing or contradictory facts give `unknown` with a reason,
//! never a guess; unknown is a group of its own everywhere.
//!
//! A [`TaggingScheme`] is immutable once stored: changing a definition creates a new scheme and
//! re-tags, and the old tags stay under the old scheme so old reports can be reproduced.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::applicant::{ApplicantFacts, BackgroundGroup, FirmGender, ScbBackground, Sex};
use super::geography;
use crate::codes;

/// The value of every dimension that could not be determined.
pub const UNKNOWN: &str = "unknown";

/// The dimensions applicants are grouped by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum Dimension {
    /// Gender of the firm: women / men / mixed / unknown.
    Gender,
    /// Swedish / foreign / unknown background.
    Background,
    /// SCB's four detailed background categories.
    BackgroundDetail,
    /// Age band of the leader at application.
    AgeBand,
    /// County (län) code.
    County,
    /// Municipality (kommun) code.
    Municipality,
    /// Size band by employees.
    SizeBand,
}

impl Dimension {
    pub const ALL: [Dimension; 7] = [
        Self::Gender,
        Self::Background,
        Self::BackgroundDetail,
        Self::AgeBand,
        Self::County,
        Self::Municipality,
        Self::SizeBand,
    ];

    /// The serde name, e.g. "backgroundDetail".
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// How a firm's gender is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenderDefinition {
    /// By the sex of the operative leader, as Swedish official statistics (SCB) do.
    Leader,
    /// By the shares of owners who are women: above the majority share is women, below the
    /// mirror share is men, inside the mixed band is mixed.
    Ownership,
    /// ISO IWA 34: women-owned *and* women-led is women, men-owned and men-led is men, anything
    /// else with known facts is mixed.
    LeaderAndOwnership,
}

impl GenderDefinition {
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }
}

/// How a firm's background is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackgroundDefinition {
    /// The operative leader's background (as Tillväxtverket/SCB report firm leaders).
    Leader,
    /// The background of the majority of the shares held by persons.
    Ownership,
}

impl BackgroundDefinition {
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }
}

/// A numeric band `[from, to]`; `to = None` is open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Band {
    pub from: u32,
    pub to: Option<u32>,
}

impl Band {
    pub fn label(&self) -> String {
        match self.to {
            Some(to) if to == self.from => format!("{}", self.from),
            Some(to) => format!("{}-{}", self.from, to),
            None => format!("{}+", self.from),
        }
    }

    fn contains(&self, value: u32) -> bool {
        value >= self.from && self.to.is_none_or(|to| value <= to)
    }
}

/// Version of the derivation code for each definition; bump when its logic changes.
pub const DEFINITION_VERSION: u32 = 1;

/// Everything that decides how applications are grouped. Stored with every tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaggingScheme {
    pub gender_definition: GenderDefinition,
    pub background_definition: BackgroundDefinition,
    pub definition_version: u32,
    pub ownership_majority: f64,
    pub mixed_band: [f64; 2],
    pub age_bands: Vec<Band>,
    pub size_bands: Vec<Band>,
}

impl TaggingScheme {
    /// The same scheme with another gender definition.
    pub fn with_gender_definition(&self, definition: GenderDefinition) -> Self {
        Self {
            gender_definition: definition,
            ..self.clone()
        }
    }

    /// A readable name such as `gender=leader@1;background=leader@1`.
    pub fn name(&self) -> String {
        format!(
            "gender={}@{};background={}@{}",
            self.gender_definition.code(),
            self.definition_version,
            self.background_definition.code(),
            self.definition_version
        )
    }

    /// Identity of the scheme: a hash of its canonical JSON.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_string(self).expect("scheme serialises");
        hex::encode(&Sha256::digest(json.as_bytes())[..12])
    }

    /// The groups an application counts in. `received_on` fixes the leader's age.
    pub fn tag(&self, facts: &ApplicantFacts, received_on: NaiveDate) -> Tags {
        let supplied = facts.categories.as_ref();
        let mut tags = Tags::default();

        let derived_gender = self.derive_gender(facts);
        tags.set(
            Dimension::Gender,
            reconcile(
                derived_gender,
                supplied.and_then(|c| c.gender).map(|g| g.code().to_owned()),
            ),
        );
        let (background, detail) = self.derive_background(facts);
        tags.set(
            Dimension::Background,
            reconcile(
                background,
                supplied
                    .and_then(|c| c.background)
                    .map(|b| b.code().to_owned()),
            ),
        );
        tags.set(
            Dimension::BackgroundDetail,
            reconcile(
                detail,
                supplied
                    .and_then(|c| c.background_detail)
                    .map(|b| b.code().to_owned()),
            ),
        );
        tags.set(
            Dimension::AgeBand,
            reconcile(
                self.derive_age_band(facts, received_on),
                self.supplied_band(
                    supplied.and_then(|c| c.age_band.as_deref()),
                    &self.age_bands,
                ),
            ),
        );
        tags.set(
            Dimension::SizeBand,
            reconcile(
                self.derive_size_band(facts),
                self.supplied_band(
                    supplied.and_then(|c| c.size_band.as_deref()),
                    &self.size_bands,
                ),
            ),
        );
        let (county, municipality) = match &facts.municipality {
            Some(m) => match geography::county_of_municipality(m) {
                Ok(county) => (Derived::Value(county.to_owned()), Derived::Value(m.clone())),
                Err(reason) => (Derived::Unknown(reason.clone()), Derived::Unknown(reason)),
            },
            None => (
                Derived::Unknown("no municipality given".into()),
                Derived::Unknown("no municipality given".into()),
            ),
        };
        tags.set(Dimension::County, TagValue::from_derived(county));
        tags.set(
            Dimension::Municipality,
            TagValue::from_derived(municipality),
        );
        tags
    }

    fn derive_gender(&self, facts: &ApplicantFacts) -> Derived {
        match self.gender_definition {
            GenderDefinition::Leader => leader_gender(facts),
            GenderDefinition::Ownership => self.ownership_gender(facts),
            GenderDefinition::LeaderAndOwnership => {
                let leader = leader_gender(facts);
                let owners = self.ownership_gender(facts);
                match (leader, owners) {
                    (Derived::Unknown(r), _) | (_, Derived::Unknown(r)) => Derived::Unknown(r),
                    (Derived::Value(l), Derived::Value(o)) if l == o && l != "mixed" => {
                        Derived::Value(l)
                    }
                    _ => Derived::Value(FirmGender::Mixed.code().into()),
                }
            }
        }
    }

    /// Share of person-held shares owned by women, with the unknown-sex shares able to swing it
    /// either way: only a category that holds at both extremes is taken.
    fn ownership_gender(&self, facts: &ApplicantFacts) -> Derived {
        let owners = match &facts.owners {
            None => return Derived::Unknown("no ownership data".into()),
            Some(o) if o.is_empty() => return Derived::Unknown("no owner is a person".into()),
            Some(o) => o,
        };
        let total: Decimal = owners.iter().map(|o| o.share).sum();
        if total > Decimal::ONE {
            return Derived::Unknown(format!(
                "owner shares add up to {}%, more than 100%",
                (total * Decimal::ONE_HUNDRED).normalize()
            ));
        }
        let share_of = |sex: Option<Sex>| -> f64 {
            owners
                .iter()
                .filter(|o| o.sex == sex)
                .map(|o| o.share)
                .sum::<Decimal>()
                .to_f64()
                .unwrap_or(0.0)
        };
        let (women, men, unknown) = (
            share_of(Some(Sex::Female)),
            share_of(Some(Sex::Male)),
            share_of(None),
        );
        let total = women + men + unknown;
        let lowest = self.gender_from_women_share(women / total);
        let highest = self.gender_from_women_share((women + unknown) / total);
        if lowest == highest {
            Derived::Value(lowest.code().into())
        } else {
            Derived::Unknown(format!(
                "the sex of owners of {:.0}% of the shares is unknown",
                unknown * 100.0
            ))
        }
    }

    fn gender_from_women_share(&self, women: f64) -> FirmGender {
        let [low, high] = self.mixed_band;
        if (low..=high).contains(&women) {
            FirmGender::Mixed
        } else if women > self.ownership_majority {
            FirmGender::Women
        } else if 1.0 - women > self.ownership_majority {
            FirmGender::Men
        } else {
            FirmGender::Mixed
        }
    }

    fn derive_background(&self, facts: &ApplicantFacts) -> (Derived, Derived) {
        let detail = match self.background_definition {
            BackgroundDefinition::Leader => {
                match facts.leader.as_ref().and_then(|l| l.background) {
                    Some(b) => Derived::Value(b.code().into()),
                    None => Derived::Unknown("leader's background not given".into()),
                }
            }
            BackgroundDefinition::Ownership => self.majority_owner_background(facts),
        };
        let group = match &detail {
            Derived::Value(code) => {
                let foreign = ScbBackground::from_code(code).is_some_and(|b| b.is_foreign());
                let group = if foreign {
                    BackgroundGroup::Foreign
                } else {
                    BackgroundGroup::Swedish
                };
                Derived::Value(group.code().into())
            }
            Derived::Unknown(reason) => match self.background_definition {
                // Ownership can have a foreign/Swedish majority without one majority category.
                BackgroundDefinition::Ownership => self.majority_owner_group(facts),
                BackgroundDefinition::Leader => Derived::Unknown(reason.clone()),
            },
        };
        (group, detail)
    }

    fn majority_owner_background(&self, facts: &ApplicantFacts) -> Derived {
        let Some(owners) = facts.owners.as_ref().filter(|o| !o.is_empty()) else {
            return Derived::Unknown("no ownership data".into());
        };
        let total: Decimal = owners.iter().map(|o| o.share).sum();
        for category in ScbBackground::ALL {
            let held: Decimal = owners
                .iter()
                .filter(|o| o.background == Some(category))
                .map(|o| o.share)
                .sum();
            if held * Decimal::TWO > total {
                return Derived::Value(category.code().into());
            }
        }
        Derived::Unknown("no background category holds a majority of the shares".into())
    }

    fn majority_owner_group(&self, facts: &ApplicantFacts) -> Derived {
        let Some(owners) = facts.owners.as_ref().filter(|o| !o.is_empty()) else {
            return Derived::Unknown("no ownership data".into());
        };
        let total: Decimal = owners.iter().map(|o| o.share).sum();
        let held = |foreign: bool| -> Decimal {
            owners
                .iter()
                .filter(|o| o.background.is_some_and(|b| b.is_foreign() == foreign))
                .map(|o| o.share)
                .sum()
        };
        if held(true) * Decimal::TWO > total {
            Derived::Value(BackgroundGroup::Foreign.code().into())
        } else if held(false) * Decimal::TWO > total {
            Derived::Value(BackgroundGroup::Swedish.code().into())
        } else {
            Derived::Unknown("neither Swedish nor foreign background holds a majority".into())
        }
    }

    fn derive_age_band(&self, facts: &ApplicantFacts, received_on: NaiveDate) -> Derived {
        let Some(year) = facts.leader.as_ref().and_then(|l| l.birth_year) else {
            return Derived::Unknown("leader's birth year not given".into());
        };
        let age = received_on.year() - i32::from(year);
        if !(15..=110).contains(&age) {
            return Derived::Unknown(format!("leader's age at application would be {age}"));
        }
        band_of(&self.age_bands, age as u32, "age")
    }

    fn derive_size_band(&self, facts: &ApplicantFacts) -> Derived {
        match facts.employees {
            Some(n) => band_of(&self.size_bands, n, "employees"),
            None => Derived::Unknown("number of employees not given".into()),
        }
    }

    fn supplied_band(&self, supplied: Option<&str>, bands: &[Band]) -> Option<String> {
        supplied.map(|label| {
            if bands.iter().any(|b| b.label() == label) {
                label.to_owned()
            } else {
                // Kept as given so reconcile() reports it rather than dropping it silently.
                format!("{label} (not a configured band)")
            }
        })
    }

    /// The values each dimension can take under this scheme (unknown last), for tables that
    /// must show empty groups too.
    pub fn values(&self, dimension: Dimension) -> Vec<String> {
        let mut values: Vec<String> = match dimension {
            Dimension::Gender => ["women", "men", "mixed"].map(String::from).to_vec(),
            Dimension::Background => ["swedish", "foreign"].map(String::from).to_vec(),
            Dimension::BackgroundDetail => ScbBackground::ALL
                .iter()
                .map(|b| b.code().to_owned())
                .collect(),
            Dimension::AgeBand => self.age_bands.iter().map(Band::label).collect(),
            Dimension::SizeBand => self.size_bands.iter().map(Band::label).collect(),
            Dimension::County => geography::COUNTIES
                .iter()
                .map(|(c, _)| (*c).to_owned())
                .collect(),
            Dimension::Municipality => Vec::new(),
        };
        values.push(UNKNOWN.to_owned());
        values
    }
}

fn band_of(bands: &[Band], value: u32, what: &str) -> Derived {
    match bands.iter().find(|b| b.contains(value)) {
        Some(b) => Derived::Value(b.label()),
        None => Derived::Unknown(format!("{what} {value} is outside the configured bands")),
    }
}

fn leader_gender(facts: &ApplicantFacts) -> Derived {
    match facts.leader.as_ref().and_then(|l| l.sex) {
        Some(Sex::Female) => Derived::Value(FirmGender::Women.code().into()),
        Some(Sex::Male) => Derived::Value(FirmGender::Men.code().into()),
        None => Derived::Unknown("leader's sex not given".into()),
    }
}

/// The result of deriving one dimension from facts.
#[derive(Debug, Clone, PartialEq)]
enum Derived {
    Value(String),
    Unknown(String),
}

/// Where a tag's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum TagSource {
    #[default]
    Derived,
    Supplied,
}

/// One dimension's value for one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagValue {
    pub value: String,
    pub source: TagSource,
    /// Why the value is unknown (or why supplied and derived values disagree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Default for TagValue {
    fn default() -> Self {
        Self {
            value: UNKNOWN.to_owned(),
            source: TagSource::Derived,
            reason: Some("not derived".to_owned()),
        }
    }
}

impl TagValue {
    fn from_derived(derived: Derived) -> Self {
        match derived {
            Derived::Value(value) => Self {
                value,
                source: TagSource::Derived,
                reason: None,
            },
            Derived::Unknown(reason) => Self {
                value: UNKNOWN.to_owned(),
                source: TagSource::Derived,
                reason: Some(reason),
            },
        }
    }

    pub fn is_unknown(&self) -> bool {
        self.value == UNKNOWN
    }
}

/// Combines what the facts say with what the source supplied: a supplied category is taken when
/// the facts say nothing; when both speak and disagree, the result is unknown, with both named.
fn reconcile(derived: Derived, supplied: Option<String>) -> TagValue {
    match (derived, supplied) {
        (derived, None) => TagValue::from_derived(derived),
        (Derived::Unknown(_), Some(s)) if s.ends_with("(not a configured band)") => TagValue {
            value: UNKNOWN.to_owned(),
            source: TagSource::Supplied,
            reason: Some(format!("supplied {s}")),
        },
        (Derived::Unknown(_), Some(s)) => TagValue {
            value: s,
            source: TagSource::Supplied,
            reason: None,
        },
        (Derived::Value(d), Some(s)) if d == s => TagValue::from_derived(Derived::Value(d)),
        (Derived::Value(d), Some(s)) => TagValue {
            value: UNKNOWN.to_owned(),
            source: TagSource::Derived,
            reason: Some(format!("facts give {d:?} but the source supplied {s:?}")),
        },
    }
}

/// An application's groups on every dimension, indexed by [`Dimension::index`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tags {
    values: [TagValue; 7],
}

impl Tags {
    pub fn get(&self, dimension: Dimension) -> &TagValue {
        &self.values[dimension.index()]
    }

    fn set(&mut self, dimension: Dimension, value: TagValue) {
        self.values[dimension.index()] = value;
    }

    /// Supplied sources and unknown reasons only, as compact JSON for storage (`None` when every
    /// tag was derived from facts without trouble).
    pub fn notes_json(&self) -> Option<String> {
        let notes: serde_json::Map<String, serde_json::Value> = Dimension::ALL
            .iter()
            .filter_map(|d| {
                let t = self.get(*d);
                (t.source == TagSource::Supplied || t.reason.is_some()).then(|| {
                    let mut note = serde_json::Map::new();
                    if t.source == TagSource::Supplied {
                        note.insert("source".into(), "supplied".into());
                    }
                    if let Some(r) = &t.reason {
                        note.insert("reason".into(), r.clone().into());
                    }
                    (d.code().to_owned(), serde_json::Value::Object(note))
                })
            })
            .collect();
        (!notes.is_empty()).then(|| serde_json::Value::Object(notes).to_string())
    }

    /// Rebuilds tags from stored values and their decoded notes (as [`Tags::notes_json`]
    /// wrote them; an empty map where none were stored).
    pub fn from_stored(
        values: [&str; 7],
        notes: &serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        let mut tags = Tags::default();
        for d in Dimension::ALL {
            let note = notes.get(d.code());
            tags.set(
                d,
                TagValue {
                    value: values[d.index()].to_owned(),
                    source: if note.and_then(|n| n.get("source")).is_some() {
                        TagSource::Supplied
                    } else {
                        TagSource::Derived
                    },
                    reason: note
                        .and_then(|n| n.get("reason"))
                        .and_then(|r| r.as_str())
                        .map(str::to_owned),
                },
            );
        }
        tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::applicant::{LeaderDto, Owner, SuppliedCategoriesDto};
    use std::str::FromStr;

    fn scheme(definition: GenderDefinition) -> TaggingScheme {
        TaggingScheme {
            gender_definition: definition,
            background_definition: BackgroundDefinition::Leader,
            definition_version: 1,
            ownership_majority: 0.5,
            mixed_band: [0.4, 0.6],
            age_bands: vec![
                Band {
                    from: 18,
                    to: Some(30),
                },
                Band {
                    from: 31,
                    to: Some(49),
                },
                Band {
                    from: 50,
                    to: Some(64),
                },
                Band { from: 65, to: None },
            ],
            size_bands: vec![
                Band {
                    from: 0,
                    to: Some(0),
                },
                Band {
                    from: 1,
                    to: Some(9),
                },
                Band { from: 10, to: None },
            ],
        }
    }

    fn owner(share: &str, sex: Option<Sex>) -> Owner {
        Owner {
            share: Decimal::from_str(share).unwrap(),
            sex,
            background: None,
        }
    }

    fn facts(leader: Option<Sex>, owners: Option<Vec<Owner>>) -> ApplicantFacts {
        ApplicantFacts {
            legal_form: None,
            municipality: Some("0180".into()),
            employees: Some(4),
            sector: None,
            leader: Some(LeaderDto {
                sex: leader,
                birth_year: Some(1980),
                background: Some(ScbBackground::BornAbroad),
            }),
            owners,
            categories: None,
        }
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2017, 3, 1).unwrap()
    }

    fn gender(s: &TaggingScheme, f: &ApplicantFacts) -> TagValue {
        s.tag(f, day()).get(Dimension::Gender).clone()
    }

    #[test]
    fn leader_definition_follows_the_leader() {
        let s = scheme(GenderDefinition::Leader);
        assert_eq!(gender(&s, &facts(Some(Sex::Female), None)).value, "women");
        let unknown = gender(&s, &facts(None, None));
        assert_eq!(unknown.value, "unknown");
        assert_eq!(unknown.reason.as_deref(), Some("leader's sex not given"));
    }

    #[test]
    fn ownership_definition_uses_shares_and_the_mixed_band() {
        let s = scheme(GenderDefinition::Ownership);
        let f = |a: &str, b: &str| {
            facts(
                None,
                Some(vec![owner(a, Some(Sex::Female)), owner(b, Some(Sex::Male))]),
            )
        };
        assert_eq!(gender(&s, &f("0.61", "0.39")).value, "women");
        assert_eq!(gender(&s, &f("0.60", "0.40")).value, "mixed");
        assert_eq!(gender(&s, &f("0.40", "0.60")).value, "mixed");
        assert_eq!(gender(&s, &f("0.39", "0.61")).value, "men");
    }

    #[test]
    fn unknown_owner_sex_only_matters_when_it_could_swing_the_result() {
        let s = scheme(GenderDefinition::Ownership);
        let settled = facts(
            None,
            Some(vec![owner("0.9", Some(Sex::Female)), owner("0.1", None)]),
        );
        assert_eq!(gender(&s, &settled).value, "women");
        let open = facts(
            None,
            Some(vec![owner("0.5", Some(Sex::Female)), owner("0.5", None)]),
        );
        let tag = gender(&s, &open);
        assert_eq!(tag.value, "unknown");
        assert!(tag.reason.unwrap().contains("50%"));
    }

    #[test]
    fn contradictory_shares_are_unknown() {
        let s = scheme(GenderDefinition::Ownership);
        let f = facts(
            None,
            Some(vec![
                owner("0.8", Some(Sex::Female)),
                owner("0.5", Some(Sex::Male)),
            ]),
        );
        let tag = gender(&s, &f);
        assert_eq!(tag.value, "unknown");
        assert!(tag.reason.unwrap().contains("130%"));
    }

    #[test]
    fn iso_definition_needs_both() {
        let s = scheme(GenderDefinition::LeaderAndOwnership);
        let women_owned = Some(vec![owner("1", Some(Sex::Female))]);
        assert_eq!(
            gender(&s, &facts(Some(Sex::Female), women_owned.clone())).value,
            "women"
        );
        assert_eq!(
            gender(&s, &facts(Some(Sex::Male), women_owned)).value,
            "mixed"
        );
        assert_eq!(gender(&s, &facts(Some(Sex::Male), None)).value, "unknown");
    }

    #[test]
    fn background_age_size_and_geography() {
        let s = scheme(GenderDefinition::Leader);
        let tags = s.tag(&facts(Some(Sex::Female), None), day());
        assert_eq!(tags.get(Dimension::Background).value, "foreign");
        assert_eq!(tags.get(Dimension::BackgroundDetail).value, "born_abroad");
        assert_eq!(tags.get(Dimension::AgeBand).value, "31-49"); // 2017 - 1980 = 37
        assert_eq!(tags.get(Dimension::SizeBand).value, "1-9");
        assert_eq!(tags.get(Dimension::County).value, "01");
        assert_eq!(tags.get(Dimension::Municipality).value, "0180");
    }

    #[test]
    fn supplied_categories_are_taken_and_marked() {
        let s = scheme(GenderDefinition::Leader);
        let mut f = facts(None, None);
        f.categories = Some(SuppliedCategoriesDto {
            gender: Some(FirmGender::Women),
            gender_definition: Some("leader".into()),
            background: None,
            background_detail: None,
            age_band: Some("99-100".into()),
            size_band: None,
        });
        let tags = s.tag(&f, day());
        assert_eq!(tags.get(Dimension::Gender).value, "women");
        assert_eq!(tags.get(Dimension::Gender).source, TagSource::Supplied);
        // Age is derived from the birth year and the supplied band contradicts it.
        assert_eq!(tags.get(Dimension::AgeBand).value, "unknown");
    }

    #[test]
    fn supplied_and_derived_disagreeing_is_unknown() {
        let s = scheme(GenderDefinition::Leader);
        let mut f = facts(Some(Sex::Male), None);
        f.categories = Some(SuppliedCategoriesDto {
            gender: Some(FirmGender::Women),
            gender_definition: None,
            background: None,
            background_detail: None,
            age_band: None,
            size_band: None,
        });
        let tag = gender(&s, &f);
        assert_eq!(tag.value, "unknown");
        assert!(tag.reason.unwrap().contains("supplied"));
    }

    #[test]
    fn notes_round_trip() {
        let s = scheme(GenderDefinition::Leader);
        let tags = s.tag(&facts(None, None), day());
        let notes = tags.notes_json().unwrap();
        let values: Vec<String> = Dimension::ALL
            .iter()
            .map(|d| tags.get(*d).value.clone())
            .collect();
        let stored: [&str; 7] = std::array::from_fn(|i| values[i].as_str());
        let notes = serde_json::from_str(&notes).unwrap();
        assert_eq!(Tags::from_stored(stored, &notes), tags);
    }

    #[test]
    fn codes_are_the_serde_names() {
        assert_eq!(Dimension::BackgroundDetail.code(), "backgroundDetail");
        assert_eq!(Dimension::from_code("ageBand"), Some(Dimension::AgeBand));
        assert_eq!(Dimension::from_code("age_band"), None);
        assert_eq!(
            GenderDefinition::LeaderAndOwnership.code(),
            "leader_and_ownership"
        );
        assert_eq!(
            GenderDefinition::from_code("ownership"),
            Some(GenderDefinition::Ownership)
        );
        assert_eq!(BackgroundDefinition::Leader.code(), "leader");
        assert_eq!(BackgroundDefinition::from_code("Leader"), None);
    }

    #[test]
    fn fingerprint_changes_with_the_definition() {
        let a = scheme(GenderDefinition::Leader);
        let b = a.with_gender_definition(GenderDefinition::Ownership);
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), a.clone().fingerprint());
    }
}
