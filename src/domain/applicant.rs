//! Applicants: the pseudonymous key and the raw facts that groups are derived from.
//!
//! The organisation number is read once, checked, turned into a keyed hash and dropped: it is
//! never stored, logged or returned (a sole trader's organisation number is a personal identity
//! number). Facts are kept as the source sent them (as category codes, never birth countries) so
//! that a changed tagging definition can derive the groups again.

use std::str::FromStr;

use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;
use validator::Validate;

use super::geography;
use super::validation::Errors;
use crate::codes;

/// Sex as recorded in the source system. Absent means unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }
}

/// Statistics Sweden's four background categories (Total Population Register): foreign
/// background is born abroad, or born in Sweden with two parents born abroad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScbBackground {
    BornInSwedenSwedishParents,
    BornInSwedenOneParentAbroad,
    BornInSwedenTwoParentsAbroad,
    BornAbroad,
}

impl ScbBackground {
    pub const ALL: [ScbBackground; 4] = [
        Self::BornInSwedenSwedishParents,
        Self::BornInSwedenOneParentAbroad,
        Self::BornInSwedenTwoParentsAbroad,
        Self::BornAbroad,
    ];

    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }

    pub fn is_foreign(self) -> bool {
        matches!(self, Self::BornInSwedenTwoParentsAbroad | Self::BornAbroad)
    }
}

/// Legal forms as the Swedish companies register names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum LegalForm {
    /// Aktiebolag
    AB,
    /// Handelsbolag
    HB,
    /// Kommanditbolag
    KB,
    /// Enskild firma (sole trader: a natural person)
    EF,
    /// Ekonomisk förening
    EK,
    /// Ideell förening
    IF,
    /// Stiftelse
    ST,
    /// Anything else (public bodies, foreign branches, ...)
    OTHER,
}

impl LegalForm {
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }

    /// A sole trader is a person: 360Giving treats the grant as one to an individual.
    pub fn is_individual(self) -> bool {
        self == Self::EF
    }
}

/// The firm's gender as a category (the result of a definition, or supplied by the source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FirmGender {
    Women,
    Men,
    Mixed,
}

impl FirmGender {
    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }

    pub fn code(self) -> &'static str {
        codes::code(&self)
    }
}

/// Swedish or foreign background, as SCB aggregates the four categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackgroundGroup {
    Swedish,
    Foreign,
}

impl BackgroundGroup {
    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }

    pub fn code(self) -> &'static str {
        codes::code(&self)
    }
}

/// The operative leader (verkställande ledare).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LeaderDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(range(min = 1900, max = 2100))]
    #[schema(example = 1980)]
    pub birth_year: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<ScbBackground>,
}

/// One owner who is a natural person. Shares held by firms are simply not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnerDto {
    /// Fraction of the firm owned, as a decimal string ("0.60").
    #[schema(example = "0.60")]
    #[validate(custom(function = "validate_share"))]
    pub share: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<ScbBackground>,
}

/// Categories for sources that only hold categories, not the facts behind them. They are taken
/// as they are and recorded as supplied rather than derived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuppliedCategoriesDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<FirmGender>,
    /// How the source formed `gender` (free text such as "leader" or "ownership"), kept for
    /// reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 64))]
    pub gender_definition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<BackgroundGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_detail: Option<ScbBackground>,
    /// Must name one of the configured age bands (e.g. "18-30").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 16))]
    pub age_band: Option<String>,
    /// Must name one of the configured size bands (e.g. "1-9").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 16))]
    pub size_band: Option<String>,
}

/// The applicant as an integrator sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicantDto {
    /// Swedish organisation number (10 digits, or 12 with the century); turned into a keyed hash
    /// on arrival and never stored.
    #[schema(example = "5566778899")]
    #[validate(custom(function = "validate_org_number"))]
    pub org_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_form: Option<LegalForm>,
    /// Municipality code (kommunkod), four digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "0180")]
    #[validate(custom(function = "validate_municipality"))]
    pub municipality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(range(max = 1_000_000))]
    pub employees: Option<u32>,
    /// SNI 2007 code, e.g. "62.010".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "62.010")]
    #[validate(custom(function = "validate_sector"))]
    pub sector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub leader: Option<LeaderDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 100), nested)]
    pub owners: Option<Vec<OwnerDto>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub categories: Option<SuppliedCategoriesDto>,
}

fn validation_error(code: &'static str, message: String) -> validator::ValidationError {
    validator::ValidationError::new(code).with_message(message.into())
}

fn validate_org_number(value: &str) -> Result<(), validator::ValidationError> {
    OrgNumber::parse(value)
        .map(|_| ())
        .map_err(|m| validation_error("org_number", m))
}

fn validate_municipality(value: &str) -> Result<(), validator::ValidationError> {
    geography::county_of_municipality(value)
        .map(|_| ())
        .map_err(|m| validation_error("municipality", m))
}

fn validate_sector(value: &str) -> Result<(), validator::ValidationError> {
    normalise_sni(value)
        .map(|_| ())
        .map_err(|m| validation_error("sector", m))
}

fn validate_share(value: &str) -> Result<(), validator::ValidationError> {
    parse_share(value)
        .map(|_| ())
        .map_err(|m| validation_error("share", m))
}

/// A checked organisation number: ten digits with a valid Luhn check digit.
#[derive(Clone, PartialEq, Eq)]
pub struct OrgNumber(String);

impl OrgNumber {
    /// Accepts "5566778899", "556677-8899" and the twelve-digit form with a century
    /// ("195566778899", as sole traders' personal identity numbers are often written).
    pub fn parse(text: &str) -> Result<Self, String> {
        let digits: String = text.chars().filter(|c| *c != '-' && *c != ' ').collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must contain only digits and an optional hyphen".into());
        }
        let ten = match digits.len() {
            10 => digits,
            12 if matches!(&digits[..2], "16" | "18" | "19" | "20") => digits[2..].to_owned(),
            _ => return Err("must have 10 digits (or 12 with the century)".into()),
        };
        if !luhn_valid(&ten) {
            return Err("has a wrong check digit".into());
        }
        Ok(Self(ten))
    }
}

impl std::fmt::Debug for OrgNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OrgNumber([redacted])")
    }
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The pseudonymous applicant key: HMAC-SHA256 of the organisation number under a secret from
/// configuration, hex encoded. Stable for one secret; not reversible without it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ApplicantKey(pub String);

/// Derives applicant keys; built once from the configured secret.
#[derive(Clone)]
pub struct Pseudonymiser {
    mac: Hmac<Sha256>,
}

impl Pseudonymiser {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            mac: Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length"),
        }
    }

    pub fn key(&self, org_number: &OrgNumber) -> ApplicantKey {
        let mut mac = self.mac.clone();
        mac.update(b"equal-terms/applicant/v1:");
        mac.update(org_number.0.as_bytes());
        ApplicantKey(hex::encode(mac.finalize().into_bytes()))
    }
}

/// "62.010", "62010", "62.01" -> "62010" (SNI 2007: two to five digits).
pub fn normalise_sni(text: &str) -> Result<String, String> {
    let digits: String = text.chars().filter(|c| *c != '.').collect();
    let dots = text.chars().filter(|c| *c == '.').count();
    if dots > 1
        || !(2..=5).contains(&digits.len())
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (dots == 1 && text.find('.') != Some(2))
    {
        return Err(format!(
            "must be an SNI 2007 code such as \"62.010\", got {text:?}"
        ));
    }
    Ok(digits)
}

/// An owner's share: a decimal fraction in (0, 1].
pub fn parse_share(text: &str) -> Result<Decimal, String> {
    let value = Decimal::from_str(text.trim().replace(',', ".").as_str())
        .map_err(|_| format!("must be a decimal fraction such as \"0.60\", got {text:?}"))?;
    if value <= Decimal::ZERO || value > Decimal::ONE {
        return Err("must be more than 0 and at most 1".into());
    }
    Ok(value.normalize())
}

/// An owner as stored: the share parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    #[schema(value_type = String, example = "0.6")]
    pub share: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<ScbBackground>,
}

/// The applicant's facts as stored with an application (a snapshot: firms change over time).
/// Contains no organisation number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicantFacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_form: Option<LegalForm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<u32>,
    /// Normalised SNI digits ("62010").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<LeaderDto>,
    /// `None`: the source holds no ownership data; `Some(empty)`: no owner is a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owners: Option<Vec<Owner>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<SuppliedCategoriesDto>,
}

impl ApplicantDto {
    /// Parses the validated DTO into the stored facts and the organisation number. Field errors
    /// are reported under `prefix` (e.g. "/applicant").
    pub fn parse(&self, prefix: &str, errors: &mut Errors) -> Option<(OrgNumber, ApplicantFacts)> {
        let org = errors.check(
            &format!("{prefix}/orgNumber"),
            OrgNumber::parse(&self.org_number),
        );
        if let Some(m) = &self.municipality {
            errors.check(
                &format!("{prefix}/municipality"),
                geography::county_of_municipality(m),
            );
        }
        let sector = self
            .sector
            .as_ref()
            .and_then(|s| errors.check(&format!("{prefix}/sector"), normalise_sni(s)));
        let owners = self.owners.as_ref().map(|owners| {
            owners
                .iter()
                .enumerate()
                .filter_map(|(i, o)| {
                    let share = errors
                        .check(&format!("{prefix}/owners/{i}/share"), parse_share(&o.share))?;
                    Some(Owner {
                        share,
                        sex: o.sex,
                        background: o.background,
                    })
                })
                .collect()
        });
        let facts = ApplicantFacts {
            legal_form: self.legal_form,
            municipality: self.municipality.clone(),
            employees: self.employees,
            sector,
            leader: self.leader.clone(),
            owners,
            categories: self.categories.clone(),
        };
        Some((org?, facts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_codes_are_the_serde_names() {
        assert_eq!(Sex::from_code("female"), Some(Sex::Female));
        assert_eq!(Sex::from_code("Female"), None);
        assert_eq!(
            ScbBackground::BornInSwedenOneParentAbroad.code(),
            "born_in_sweden_one_parent_abroad"
        );
        assert_eq!(
            ScbBackground::from_code("born_abroad"),
            Some(ScbBackground::BornAbroad)
        );
        assert_eq!(LegalForm::OTHER.code(), "OTHER");
        assert_eq!(LegalForm::from_code("EF"), Some(LegalForm::EF));
        assert_eq!(LegalForm::from_code("ab"), None);
        assert_eq!(FirmGender::Mixed.code(), "mixed");
        assert_eq!(FirmGender::from_code("women"), Some(FirmGender::Women));
        assert_eq!(BackgroundGroup::Foreign.code(), "foreign");
        assert_eq!(
            BackgroundGroup::from_code("swedish"),
            Some(BackgroundGroup::Swedish)
        );
    }

    #[test]
    fn org_numbers_need_a_valid_check_digit() {
        assert!(OrgNumber::parse("5566778899").is_ok());
        assert!(OrgNumber::parse("556677-8899").is_ok());
        assert!(OrgNumber::parse("165566778899").is_ok());
        assert!(OrgNumber::parse("5566778898").is_err());
        assert!(OrgNumber::parse("55667788").is_err());
        assert!(OrgNumber::parse("55667788x9").is_err());
    }

    #[test]
    fn org_number_never_prints() {
        let org = OrgNumber::parse("5566778899").unwrap();
        assert!(!format!("{org:?}").contains("5566"));
    }

    #[test]
    fn keys_are_keyed_and_stable() {
        let a = Pseudonymiser::new(b"secret-a");
        let b = Pseudonymiser::new(b"secret-b");
        let org = OrgNumber::parse("5566778899").unwrap();
        let same = OrgNumber::parse("556677-8899").unwrap();
        assert_eq!(a.key(&org), a.key(&same));
        assert_ne!(a.key(&org), b.key(&org));
        assert_eq!(a.key(&org).0.len(), 64);
        assert!(!a.key(&org).0.contains("5566778899"));
    }

    #[test]
    fn sni_codes_normalise() {
        assert_eq!(normalise_sni("62.010").unwrap(), "62010");
        assert_eq!(normalise_sni("62010").unwrap(), "62010");
        assert_eq!(normalise_sni("01").unwrap(), "01");
        assert!(normalise_sni("6.2010").is_err());
        assert!(normalise_sni("620100").is_err());
        assert!(normalise_sni("A1").is_err());
    }

    #[test]
    fn shares_are_fractions() {
        assert_eq!(parse_share("0.60").unwrap().to_string(), "0.6");
        assert_eq!(parse_share("0,4").unwrap().to_string(), "0.4");
        assert!(parse_share("0").is_err());
        assert!(parse_share("1.5").is_err());
        assert!(parse_share("60%").is_err());
    }
}
