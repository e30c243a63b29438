//! The 360Giving Data Standard, version 1.4: awarded grants out as a 360Giving data package
//! ([`package`]), and the grants of a 360Giving package in as Equal Terms application rows
//! ([`applications`]). Pure code: no I/O, no clock, no keys.
//!
//! # Export
//!
//! A package holds the metadata the package schema permits (version, licence, publisher, dates,
//! a title, a description, an identifier) and one grant per [`AwardedGrant`], sorted by grant id
//! so that the same grants give the same JSON whatever order they come in. Each grant carries the
//! fields 360Giving requires plus amount applied for, last-modified time, `grantProgramme` (the
//! call first, so that an import reads it back as the call code, then the programme it belongs
//! to) and, when known, the municipality as beneficiary location. The date the application was
//! received has no 360Giving field, and planned dates are not known: neither is exported.
//!
//! **Recipients are pseudonymised.** Equal Terms never stores organisation numbers or names (the
//! organisation number is turned into a keyed hash on arrival, see
//! [`crate::domain::applicant::Pseudonymiser`]), so it cannot publish them either: a recipient is
//! named "Pseudonymised recipient" and identified by the first 16 hex digits of its applicant
//! key, so that grants to the same recipient can be linked without revealing who it is. A sole
//! trader (enskild firma, legal form `EF`) is a natural person: their grant is published as a
//! grant to an individual (`recipientIndividual`, as the schema has it), with an id made from
//! the publisher's prefix.
//!
//! Amounts awarded and applied for are numbers in kronor (whole kronor as integers, öre as
//! decimals). Times (`dateModified`, `issued`, `modified`) are date-times in UTC (Equal Terms'
//! timestamps are naive UTC). The award date is written as midnight UTC of the decision date
//! (`2017-04-15T00:00:00Z`), as 360Giving's own examples do: the schema's `oneOf` of a
//! date-time format and a date pattern accepts a plain date only where the validator checks
//! formats, a date-time under every validator.
//!
//! # DEI extension
//!
//! With `with_dei`, grants get `deiDetails` as the 360Giving DEI extension defines it, and the
//! package declares the extension (`"extensions": ["dei"]`). Only the `leadership` area is filled
//! in (who leads or owns the recipient is what Equal Terms' gender and background categories
//! describe); `mission` and `project` are "not asked, not applicable" (`AS100`).
//!
//! DEI data is **never** published for a grant to an individual: not for a sole trader (`EF`),
//! and not when the legal form is unknown (the recipient might be one). 360Giving forbids it
//! because, with the rest of the grant, it would make a person identifiable. The same holds in
//! part for small firms: the categories of a one-person limited company describe that person,
//! and Swedish grant decisions are public records that amount, date and municipality can be
//! matched against. Whether to publish with DEI at all is the funder's call.
//!
//! The mapping of Equal Terms' categories onto the DEI code lists, and why:
//!
//! - `askedStatus` is `AS200` (asked during the application process): the facts behind the
//!   categories (leader's and owners' sex and background) come with the application, before the
//!   decision. They were not asked as the DEI Data Standard's questions, and `additionalDetails`
//!   says so.
//! - Gender `women` is `DEI090000` (Women and girls). The DEI Data Standard counts a leadership
//!   as a group's when most of it belongs to the group; a firm is `women` when its leader is a
//!   woman or (under an ownership definition) women hold the majority, which is the nearest
//!   match. `men` and `mixed` have no code in the taxonomy (it lists groups facing structural
//!   inequity), so they add no code; a mixed team is not claimed as women-led.
//! - Background `foreign` is `DEI050000` (Migrants), the nearest code: Statistics Sweden's
//!   foreign background is born abroad *or* born in Sweden with two parents born abroad, which
//!   is wider than migrants; `additionalDetails` says so. `swedish` adds no code. The codes for
//!   communities experiencing racial inequity (`DEI01....`) are not used: background is not
//!   ethnicity.
//! - `replyStatus` is `RS200` (reply got) when a code applies; `RS201` (general: the leadership
//!   is not of a specific group) when both categories are known and neither gives a code (men or
//!   mixed, with Swedish background); otherwise `RS100` (no reply). So `unknown`, in either
//!   dimension, is reported as not known rather than guessed: "general" would claim the unknown
//!   dimension is not a group's.
//! - `availableOptions` is `AO100` (population-group codes, the level both codes are at) and
//!   `AO300` (general), the options the mapping can produce.
//! - `additionalDetails` states the Equal Terms categories in words (so men and mixed can be told
//!   apart by a reader) and the caveats above.
//!
//! Values other than the documented tag values count as unknown.
//!
//! # Import
//!
//! Each grant becomes one application row in the shape `POST /api/v1/imports` takes (see
//! [`crate::domain::application::ImportRow`]), or an error naming the grant's index, a JSON
//! pointer into the package and the reason (the first problem found, in the order below).
//!
//! - `externalId` is the grant `id` (it must be a valid external id: 1-100 letters, digits and
//!   `. _ : -`).
//! - `callCode` is `grantProgramme[0].code`. The call must already exist in Equal Terms under that
//!   code, or the import refuses the row; 360Giving has no calls, so a package from elsewhere
//!   usually names a programme here, and a call with that code has to be created first.
//! - `applicant.orgNumber` comes from the recipient organisation's id, which must be Bolagsverket's
//!   org-id form `SE-BLV-NNNNNNNNNN`. A grant to an individual, to several organisations, or to an
//!   organisation with any other kind of id (including Equal Terms' own pseudonymised
//!   `XI-EQT-...`) is refused at `/grants/i/recipientOrganization/0/id` (or
//!   `/grants/i/recipientOrganization` for several): without an organisation number there is no
//!   applicant key.
//! - `receivedOn` is the `awardDate`: 360Giving has no date of application. (Processing times of
//!   imported applications are therefore zero.)
//! - `amountApplied` is `amountAppliedFor`, which Equal Terms requires and 360Giving does not: a
//!   grant without it is refused rather than given an invented amount.
//! - `decision` is `approved` (`partly_approved` when less than applied for), `amountGranted` the `amountAwarded` (which must be more than zero),
//!   `decidedOn` the `awardDate`. 360Giving carries awards only, never rejections.
//! - `currency` must be SEK, the only currency Equal Terms accepts.
//! - `applicant.municipality` is a `beneficiaryLocation` `geoCode` of four digits (in a location
//!   whose `countryCode`, if given, is `SE`); a four-digit code without a Swedish county prefix is
//!   refused; if the locations name different municipalities none is taken.
//! - `applicant.categories`: `deiDetails.leadership.response.taxonomyCodes` with `DEI090000` gives
//!   gender `women`; a Migrants code (`DEI05....`) gives background `foreign`. No code means
//!   nothing is supplied (unknown), since the taxonomy has no codes for men, mixed or Swedish
//!   background. No other code is read (sexual orientation, faith, health and the rest are
//!   neither mapped nor kept).
//! - 360Giving has no legal form, employees, sector, leader or owners: they are left out, which
//!   the applicant model allows (the categories derived from them are then unknown).

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::domain::applicant::{
    ApplicantDto, BackgroundGroup, FirmGender, LegalForm, OrgNumber, SuppliedCategoriesDto,
};
use crate::domain::application::{DecisionBody, ImportRow, Outcome, validate_external_id};
use crate::domain::geography;
use crate::domain::money::{MoneyDto, Ore, SEK};

/// The 360Giving Data Standard version packages declare (major.minor, as the schema wants).
pub const STANDARD_VERSION: &str = "1.4";
/// The licence of exported packages: CC BY 4.0, the licence 360Giving's examples use.
pub const LICENSE: &str = "https://creativecommons.org/licenses/by/4.0/";
/// How a package declares the DEI extension.
pub const DEI_EXTENSION: &str = "dei";
/// Prefix of the pseudonymised recipient organisation ids.
pub const RECIPIENT_ID_PREFIX: &str = "XI-EQT-";
/// Bolagsverket's list in org-id.guide: the only recipient ids an import can key.
pub const BOLAGSVERKET_PREFIX: &str = "SE-BLV-";
/// `geoCodeType` of Swedish municipality codes. 360Giving's geoCodeType code list holds UK
/// geographies only, so this value is Equal Terms' own: Statistics Sweden's kommunkod.
pub const GEO_CODE_TYPE: &str = "SE-KOMMUN";
/// How imported gender categories were formed (kept with the supplied category).
pub const GENDER_DEFINITION: &str = "360giving-dei-leadership";
/// Hex digits of the applicant key published in a recipient id (64 bits).
const KEY_DIGITS: usize = 16;
/// 360Giving asks for titles under 140 characters.
const MAX_TITLE_CHARS: usize = 139;

/// DEI Asked Status: asked during the application process.
const ASKED_DURING_APPLICATION: &str = "AS200";
/// DEI Asked Status: not asked, not applicable.
const NOT_ASKED_NOT_APPLICABLE: &str = "AS100";
/// DEI Reply Status codes.
const NO_REPLY: &str = "RS100";
const REPLY_GOT: &str = "RS200";
const REPLY_GENERAL: &str = "RS201";
/// DEI Available Options: population-group codes, and "general".
const OPTION_POPULATION_GROUP: &str = "AO100";
const OPTION_GENERAL: &str = "AO300";
/// DEI taxonomy: Women and girls.
const DEI_WOMEN: &str = "DEI090000";
/// DEI taxonomy: Migrants (the population group; its categories start `DEI05`).
const DEI_MIGRANTS: &str = "DEI050000";
const DEI_MIGRANTS_GROUP: &str = "DEI05";

/// An awarded grant as Equal Terms holds it, ready for export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardedGrant {
    pub external_id: String,
    pub call_code: String,
    pub call_title: String,
    pub programme_code: String,
    pub programme_name: String,
    /// The pseudonymous applicant key (hex).
    pub applicant_key: String,
    /// Legal form code (`AB`, `EF`, ...), if known.
    pub legal_form: Option<String>,
    /// Four-digit municipality code, if known.
    pub municipality: Option<String>,
    pub amount_applied_ore: i64,
    pub amount_granted_ore: i64,
    pub received_on: NaiveDate,
    pub decided_on: NaiveDate,
    /// Gender tag value: women, men, mixed, unknown.
    pub gender: String,
    /// Background tag value: swedish, foreign, unknown.
    pub background: String,
    /// When the application or its decision last changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// The funding organisation: its org-id (e.g. `SE-BLV-2021002346`) and name. It is also the
/// package's publisher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Funder {
    pub id: String,
    pub name: String,
}

/// A grant refused by [`applications`]: the grant's index in `grants`, a JSON pointer within the
/// package, and the reason.
pub type GrantError = (usize, String, String);

/// A 360Giving 1.4 data package of `grants`, awarded by `funder`, published at `published`
/// (UTC). Grant ids are `{id_prefix}-{external_id}` (`id_prefix` is the publisher's 360Giving
/// prefix, e.g. `360G-lansstyrelsen-ab`); external ids must be unique, and a valid package needs at
/// least one grant. With `with_dei`, grants to organisations carry DEI details (see the module
/// documentation for the mapping); grants to individuals never do.
pub fn package(
    funder: &Funder,
    id_prefix: &str,
    grants: &[AwardedGrant],
    with_dei: bool,
    published: NaiveDateTime,
) -> Value {
    let mut out: Vec<Value> = grants
        .iter()
        .map(|g| grant(funder, id_prefix, g, with_dei))
        .collect();
    out.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let stamp = date_time(published);
    let mut description = format!(
        "Grants awarded by {}, exported by Equal Terms. Recipients are pseudonymised: Equal \
         Terms stores no organisation numbers or names. Amounts are in SEK.",
        funder.name
    );
    if with_dei {
        description.push_str(
            " DEI details (leadership only) are mapped from Equal Terms' gender and background \
             categories and are never given for grants to individuals.",
        );
    }
    let mut package = Map::new();
    package.insert("version".into(), json!(STANDARD_VERSION));
    if with_dei {
        package.insert("extensions".into(), json!([DEI_EXTENSION]));
    }
    package.insert(
        "title".into(),
        json!(format!("{}: grants awarded", funder.name)),
    );
    package.insert("description".into(), json!(description));
    package.insert(
        "identifier".into(),
        json!(format!(
            "{id_prefix}-grants-{}",
            published.format("%Y%m%dT%H%M%SZ")
        )),
    );
    package.insert("issued".into(), json!(stamp));
    package.insert("modified".into(), json!(stamp));
    package.insert(
        "publisher".into(),
        json!({ "identifier": funder.id, "name": funder.name }),
    );
    package.insert("license".into(), json!(LICENSE));
    package.insert("grants".into(), Value::Array(out));
    Value::Object(package)
}

/// One grant of the package.
fn grant(funder: &Funder, id_prefix: &str, g: &AwardedGrant, with_dei: bool) -> Value {
    let legal_form = g.legal_form.as_deref().and_then(LegalForm::from_code);
    let individual = legal_form.is_some_and(LegalForm::is_individual);
    let key: String = g.applicant_key.chars().take(KEY_DIGITS).collect();
    let mut out = Map::new();
    out.insert("id".into(), json!(format!("{id_prefix}-{}", g.external_id)));
    out.insert("title".into(), json!(title(g)));
    out.insert(
        "description".into(),
        json!(format!(
            "Grant awarded by {} under the call {} ({}) of the programme {} ({}). The recipient \
             is pseudonymised.",
            funder.name, g.call_title, g.call_code, g.programme_name, g.programme_code
        )),
    );
    out.insert("currency".into(), json!(SEK));
    out.insert("amountAppliedFor".into(), sek(g.amount_applied_ore));
    out.insert("amountAwarded".into(), sek(g.amount_granted_ore));
    out.insert(
        "awardDate".into(),
        json!(date_time(g.decided_on.and_time(NaiveTime::MIN))),
    );
    out.insert("dateModified".into(), json!(date_time(g.updated_at)));
    out.insert(
        "fundingOrganization".into(),
        json!([{ "id": funder.id, "name": funder.name }]),
    );
    if individual {
        out.insert(
            "recipientIndividual".into(),
            json!({ "id": format!("{id_prefix}-IND-{key}"), "name": "Individual recipient" }),
        );
    } else {
        out.insert(
            "recipientOrganization".into(),
            json!([{ "id": format!("{RECIPIENT_ID_PREFIX}{key}"), "name": "Pseudonymised recipient" }]),
        );
    }
    // The call first (imports read it back as the call code), then its programme.
    out.insert(
        "grantProgramme".into(),
        json!([
            { "code": g.call_code, "title": g.call_title },
            { "code": g.programme_code, "title": g.programme_name },
        ]),
    );
    if let Some(location) = g.municipality.as_deref().and_then(location) {
        out.insert("beneficiaryLocation".into(), json!([location]));
    }
    // Organisations only: never for an individual, nor when the legal form is unknown.
    if with_dei && legal_form.is_some() && !individual {
        out.insert("deiDetails".into(), dei_details(&g.gender, &g.background));
    }
    Value::Object(out)
}

/// "Programme: call", cut to under 140 characters.
fn title(g: &AwardedGrant) -> String {
    let full = match (g.programme_name.is_empty(), g.call_title.is_empty()) {
        (false, false) => format!("{}: {}", g.programme_name, g.call_title),
        (true, false) => g.call_title.clone(),
        (false, true) => g.programme_name.clone(),
        (true, true) => format!("Grant {}", g.external_id),
    };
    if full.chars().count() <= MAX_TITLE_CHARS {
        full
    } else {
        let mut cut: String = full.chars().take(MAX_TITLE_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// A beneficiary location for a valid municipality code (named when the name is known).
fn location(code: &str) -> Option<Value> {
    geography::county_of_municipality(code).ok()?;
    let mut out = Map::new();
    if let Some(name) = geography::municipality_name(code) {
        out.insert("name".into(), json!(name));
    }
    out.insert("geoCode".into(), json!(code));
    out.insert("geoCodeType".into(), json!(GEO_CODE_TYPE));
    out.insert("countryCode".into(), json!("SE"));
    Some(Value::Object(out))
}

/// Öre as a number of kronor: an integer when whole, else a decimal.
fn sek(ore: i64) -> Value {
    if ore % 100 == 0 {
        json!(ore / 100)
    } else {
        json!(ore as f64 / 100.0)
    }
}

/// RFC 3339 in UTC, with fractional seconds only when there are any.
fn date_time(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
}

/// The DEI code and whether the value is known, for a gender tag value.
fn gender_code(gender: &str) -> (Option<&'static str>, bool) {
    match gender {
        "women" => (Some(DEI_WOMEN), true),
        "men" | "mixed" => (None, true),
        _ => (None, false),
    }
}

/// The DEI code and whether the value is known, for a background tag value.
fn background_code(background: &str) -> (Option<&'static str>, bool) {
    match background {
        "foreign" => (Some(DEI_MIGRANTS), true),
        "swedish" => (None, true),
        _ => (None, false),
    }
}

/// The reply status and taxonomy codes for a gender and a background tag value (codes sorted).
fn leadership_reply(gender: &str, background: &str) -> (&'static str, Vec<&'static str>) {
    let (g_code, g_known) = gender_code(gender);
    let (b_code, b_known) = background_code(background);
    let mut codes: Vec<&'static str> = g_code.into_iter().chain(b_code).collect();
    codes.sort_unstable();
    let status = if !codes.is_empty() {
        REPLY_GOT
    } else if g_known && b_known {
        REPLY_GENERAL
    } else {
        NO_REPLY
    };
    (status, codes)
}

/// A tag value as written in `additionalDetails` (anything unrecognised is unknown).
fn known_or_unknown(value: &str, known: bool) -> &str {
    if known { value } else { "unknown" }
}

/// `deiDetails` for a grant to an organisation.
fn dei_details(gender: &str, background: &str) -> Value {
    let (status, codes) = leadership_reply(gender, background);
    let details = format!(
        "Mapped by Equal Terms from its categories, not asked as DEI Data Standard questions: \
         gender {}, background {}. DEI090000 marks a firm whose gender category is women (led, \
         or majority-owned, by women); men and mixed teams have no code. DEI050000 marks foreign \
         background as Statistics Sweden defines it (born abroad, or born in Sweden with two \
         parents born abroad), which is wider than migrants. Unknown is reported as no reply.",
        known_or_unknown(gender, gender_code(gender).1),
        known_or_unknown(background, background_code(background).1),
    );
    let mut leadership = Map::new();
    leadership.insert("askedStatus".into(), json!(ASKED_DURING_APPLICATION));
    leadership.insert("replyStatus".into(), json!(status));
    leadership.insert(
        "availableOptions".into(),
        json!([OPTION_POPULATION_GROUP, OPTION_GENERAL]),
    );
    leadership.insert("additionalDetails".into(), json!(details));
    if !codes.is_empty() {
        leadership.insert("response".into(), json!({ "taxonomyCodes": codes }));
    }
    let not_asked = json!({
        "askedStatus": NOT_ASKED_NOT_APPLICABLE,
        "additionalDetails": "Equal Terms records who leads the recipient, not whom the mission \
                              or the project serves.",
    });
    json!({
        "purposes": "Follow-up of equal terms in grant allocation: the gender and background of \
                     the recipient's leadership.",
        "leadership": Value::Object(leadership),
        "mission": not_asked.clone(),
        "project": not_asked,
    })
}

/// Each grant of a 360Giving package as an application row for `POST /api/v1/imports` (see the
/// module documentation for the mapping), or why it cannot be one. A package without a `grants`
/// array gives a single error at `/grants` (index 0).
pub fn applications(package: &Value) -> Vec<Result<Value, GrantError>> {
    let Some(grants) = package.get("grants").and_then(Value::as_array) else {
        return vec![Err((
            0,
            "/grants".into(),
            "the package must have a grants array".into(),
        ))];
    };
    grants
        .iter()
        .enumerate()
        .map(|(i, g)| {
            application(g, &format!("/grants/{i}"))
                .map_err(|(pointer, reason)| (i, pointer, reason))
        })
        .collect()
}

/// One grant as an application row; errors are (pointer, reason).
fn application(grant: &Value, at: &str) -> Result<Value, (String, String)> {
    let err = |field: &str, reason: &str| (format!("{at}{field}"), reason.to_owned());
    let fail = |field: &str, reason: &str| Err(err(field, reason));
    if !grant.is_object() {
        return fail("", "must be a grant object");
    }
    let Some(id) = grant.get("id").and_then(Value::as_str) else {
        return fail("/id", "is required");
    };
    if let Err(reason) = validate_external_id(id) {
        return fail("/id", &format!("cannot be an external id: it {reason}"));
    }
    match grant.get("currency").and_then(Value::as_str) {
        Some(SEK) => {}
        Some(_) => {
            return fail(
                "/currency",
                "must be SEK, the only currency Equal Terms takes",
            );
        }
        None => return fail("/currency", "is required"),
    }
    let applied = match grant.get("amountAppliedFor") {
        None => {
            return fail(
                "/amountAppliedFor",
                "is required: Equal Terms needs the amount applied for (360Giving makes it \
                 optional)",
            );
        }
        Some(v) => ore(v).map_err(|r| err("/amountAppliedFor", &r))?,
    };
    let awarded = match grant.get("amountAwarded") {
        None => return fail("/amountAwarded", "is required"),
        Some(v) => ore(v).map_err(|r| err("/amountAwarded", &r))?,
    };
    if awarded.0 == 0 {
        return fail(
            "/amountAwarded",
            "must be more than zero: an award is an approval",
        );
    }
    let award_date = match grant.get("awardDate").and_then(Value::as_str) {
        None => return fail("/awardDate", "is required"),
        Some(text) => date(text).map_err(|r| err("/awardDate", &r))?,
    };
    let org_number = org_number(grant).map_err(|(field, r)| err(&field, &r))?;
    let call_code = match grant
        .pointer("/grantProgramme/0/code")
        .and_then(Value::as_str)
    {
        Some(code) if (1..=64).contains(&code.chars().count()) => code.to_owned(),
        Some(_) => {
            return fail(
                "/grantProgramme/0/code",
                "must be 1-64 characters (it is the call code)",
            );
        }
        None => {
            return fail(
                "/grantProgramme/0/code",
                "is required: it names the call the grant belongs to",
            );
        }
    };
    let municipality = municipality(grant).map_err(|(field, r)| err(&field, &r))?;
    let row = ImportRow {
        external_id: id.to_owned(),
        call_code,
        received_on: award_date,
        amount_applied: MoneyDto::sek(applied),
        applicant: ApplicantDto {
            org_number,
            legal_form: None,
            municipality,
            employees: None,
            sector: None,
            leader: None,
            owners: None,
            categories: categories(grant),
        },
        decision: Some(DecisionBody {
            // Less than applied for is a partial approval in Equal Terms' terms.
            outcome: if awarded.0 < applied.0 {
                Outcome::PartlyApproved
            } else {
                Outcome::Approved
            },
            amount_granted: Some(MoneyDto::sek(awarded)),
            decided_on: award_date,
            reason: None,
        }),
    };
    Ok(serde_json::to_value(row).expect("an import row serialises"))
}

/// A 360Giving amount (a JSON number of kronor) in öre.
fn ore(value: &Value) -> Result<Ore, String> {
    let Some(number) = value.as_number() else {
        return Err("must be a number".into());
    };
    let text = number.to_string();
    let decimal = Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| format!("is not a usable amount: {text}"))?;
    if decimal.is_sign_negative() && !decimal.is_zero() {
        return Err("must not be negative".into());
    }
    Ore::parse(&decimal.normalize().to_string(), false)
}

/// `YYYY-MM-DD`, or an RFC 3339 date-time (its date where it was written).
fn date(text: &str) -> Result<NaiveDate, String> {
    if text.len() == 10
        && let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
    {
        return Ok(d);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.date_naive())
        .map_err(|_| format!("must be a date (YYYY-MM-DD) or a date-time, got {text:?}"))
}

/// The organisation number in the one recipient organisation's `SE-BLV-` id; errors are
/// (field, reason).
fn org_number(grant: &Value) -> Result<String, (String, String)> {
    const FIELD: &str = "/recipientOrganization/0/id";
    let err = |reason: &str| Err((FIELD.to_owned(), reason.to_owned()));
    let orgs = match grant.get("recipientOrganization").and_then(Value::as_array) {
        Some(orgs) if !orgs.is_empty() => orgs,
        _ if grant.get("recipientIndividual").is_some() => {
            return err(
                "is missing: the grant is to an individual, and Equal Terms needs an \
                 organisation number (SE-BLV-NNNNNNNNNN)",
            );
        }
        _ => return err("is required: an organisation number as SE-BLV-NNNNNNNNNN"),
    };
    if orgs.len() > 1 {
        return Err((
            "/recipientOrganization".into(),
            format!(
                "names {} organisations; an application has one applicant",
                orgs.len()
            ),
        ));
    }
    let Some(id) = orgs[0].get("id").and_then(Value::as_str) else {
        return err("is required: an organisation number as SE-BLV-NNNNNNNNNN");
    };
    if id.starts_with(RECIPIENT_ID_PREFIX) {
        return err(
            "is a pseudonymised Equal Terms key, not an organisation number \
             (SE-BLV-NNNNNNNNNN)",
        );
    }
    let Some(digits) = id.strip_prefix(BOLAGSVERKET_PREFIX) else {
        return err(&format!(
            "must be a Bolagsverket organisation id, SE-BLV-NNNNNNNNNN; got {id:?}"
        ));
    };
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return err("must be SE-BLV- followed by the 10 digits of the organisation number");
    }
    OrgNumber::parse(digits)
        .map(|_| digits.to_owned())
        .map_err(|reason| (FIELD.to_owned(), format!("organisation number {reason}")))
}

/// The municipality of the beneficiary locations, if they name exactly one; errors are
/// (field, reason).
fn municipality(grant: &Value) -> Result<Option<String>, (String, String)> {
    let Some(locations) = grant.get("beneficiaryLocation").and_then(Value::as_array) else {
        return Ok(None);
    };
    let mut found: Option<&str> = None;
    let mut several = false;
    for (j, location) in locations.iter().enumerate() {
        if location
            .get("countryCode")
            .and_then(Value::as_str)
            .is_some_and(|c| c != "SE")
        {
            continue;
        }
        let Some(code) = location.get("geoCode").and_then(Value::as_str) else {
            continue;
        };
        if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Err(reason) = geography::county_of_municipality(code) {
            return Err((format!("/beneficiaryLocation/{j}/geoCode"), reason));
        }
        match found {
            None => found = Some(code),
            Some(other) if other != code => several = true,
            Some(_) => {}
        }
    }
    Ok(if several {
        None
    } else {
        found.map(str::to_owned)
    })
}

/// Supplied categories from the DEI leadership codes, if any apply.
fn categories(grant: &Value) -> Option<SuppliedCategoriesDto> {
    let codes: Vec<&str> = grant
        .pointer("/deiDetails/leadership/response/taxonomyCodes")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let women = codes.contains(&DEI_WOMEN);
    let foreign = codes.iter().any(|c| c.starts_with(DEI_MIGRANTS_GROUP));
    if !women && !foreign {
        return None;
    }
    Some(SuppliedCategoriesDto {
        gender: women.then_some(FirmGender::Women),
        gender_definition: women.then(|| GENDER_DEFINITION.to_owned()),
        background: foreign.then_some(BackgroundGroup::Foreign),
        background_detail: None,
        age_band: None,
        size_band: None,
    })
}

/// The grants of a 360Giving package (the whole body: a package is one JSON document, so it is
/// read whole, within the import size limit) as import rows; a grant's "line" is its position
/// in `grants`, from 1.
pub fn rows(
    mut body: impl std::io::Read,
) -> Result<
    impl Iterator<Item = Result<crate::ingest::SourceItem, crate::ingest::ImportError>>,
    crate::ingest::ImportError,
> {
    let mut text = Vec::new();
    body.read_to_end(&mut text)?;
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text);
    let package: Value =
        serde_json::from_slice(text).map_err(|e| crate::ingest::ImportError::BadFile {
            pointer: String::new(),
            reason: format!("not a 360Giving package (JSON): {e}"),
        })?;
    let items: Vec<_> = applications(&package)
        .into_iter()
        .enumerate()
        .map(|(i, grant)| {
            let line = i as u64 + 1;
            let bad = |pointer: String, reason: String| {
                crate::ingest::SourceItem::Bad(vec![crate::ingest::RowError {
                    line,
                    pointer,
                    column: None,
                    reason,
                }])
            };
            Ok(match grant {
                Ok(row) => {
                    let bytes = serde_json::to_vec(&row).expect("a row serialises");
                    match crate::domain::validation::from_json_slice(&bytes) {
                        Ok(row) => crate::ingest::SourceItem::Row {
                            line,
                            row: Box::new(row),
                        },
                        Err(e) => bad(e.pointer, e.reason),
                    }
                }
                Err((_, pointer, reason)) => bad(pointer, reason),
            })
        })
        .collect();
    Ok(items.into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::applicant::Pseudonymiser;
    use crate::domain::validation::from_json_slice;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn funder() -> Funder {
        Funder {
            id: "SE-BLV-2021002346".into(),
            name: "Länsstyrelsen i Stockholms län".into(),
        }
    }

    fn awarded(external_id: &str, legal_form: Option<&str>) -> AwardedGrant {
        AwardedGrant {
            external_id: external_id.into(),
            call_code: "RF-2017-1".into(),
            call_title: "Regionalt företagsstöd 2017".into(),
            programme_code: "RF".into(),
            programme_name: "Regionalt företagsstöd".into(),
            applicant_key: "0123456789abcdef0123456789abcdef".into(),
            legal_form: legal_form.map(str::to_owned),
            municipality: Some("0180".into()),
            amount_applied_ore: 25_000_050,
            amount_granted_ore: 20_000_000,
            received_on: day("2017-03-01"),
            decided_on: day("2017-04-15"),
            gender: "women".into(),
            background: "foreign".into(),
            updated_at: day("2017-04-16").and_hms_opt(8, 30, 0).unwrap(),
        }
    }

    fn published() -> NaiveDateTime {
        day("2018-01-31").and_hms_opt(12, 0, 0).unwrap()
    }

    #[test]
    fn amounts_are_kronor() {
        assert_eq!(sek(25_000_000).to_string(), "250000");
        assert_eq!(sek(25_000_050).to_string(), "250000.5");
        assert_eq!(sek(7).to_string(), "0.07");
        assert_eq!(ore(&json!(250000)), Ok(Ore(25_000_000)));
        assert_eq!(ore(&json!(250000.5)), Ok(Ore(25_000_050)));
        assert_eq!(ore(&json!(0.07)), Ok(Ore(7)));
        assert_eq!(ore(&json!(2.5e5)), Ok(Ore(25_000_000)));
        assert!(ore(&json!(-1)).is_err());
        assert!(ore(&json!(1.234)).is_err());
        assert!(ore(&json!("100")).is_err());
        assert!(ore(&json!(1e20)).is_err());
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(date("2017-04-15"), Ok(day("2017-04-15")));
        assert_eq!(date("2017-04-15T23:30:00+01:00"), Ok(day("2017-04-15")));
        assert_eq!(date("2017-04-15T00:00:00Z"), Ok(day("2017-04-15")));
        assert!(date("15/04/2017").is_err());
        assert!(date("2017-4-15").is_err());
        assert_eq!(date_time(published()), "2018-01-31T12:00:00Z");
        let fraction = day("2018-01-31").and_hms_milli_opt(12, 0, 0, 250).unwrap();
        assert_eq!(date_time(fraction), "2018-01-31T12:00:00.250Z");
    }

    #[test]
    fn dei_mapping_never_guesses() {
        let cases = [
            ("women", "foreign", REPLY_GOT, vec![DEI_MIGRANTS, DEI_WOMEN]),
            ("women", "swedish", REPLY_GOT, vec![DEI_WOMEN]),
            ("women", "unknown", REPLY_GOT, vec![DEI_WOMEN]),
            ("men", "foreign", REPLY_GOT, vec![DEI_MIGRANTS]),
            ("mixed", "foreign", REPLY_GOT, vec![DEI_MIGRANTS]),
            ("unknown", "foreign", REPLY_GOT, vec![DEI_MIGRANTS]),
            ("men", "swedish", REPLY_GENERAL, vec![]),
            ("mixed", "swedish", REPLY_GENERAL, vec![]),
            ("men", "unknown", NO_REPLY, vec![]),
            ("mixed", "unknown", NO_REPLY, vec![]),
            ("unknown", "swedish", NO_REPLY, vec![]),
            ("unknown", "unknown", NO_REPLY, vec![]),
            ("female", "other", NO_REPLY, vec![]),
        ];
        for (gender, background, status, codes) in cases {
            assert_eq!(
                leadership_reply(gender, background),
                (status, codes),
                "{gender}/{background}"
            );
        }
        let details = dei_details("mixed", "swedish");
        assert_eq!(details["leadership"]["askedStatus"], "AS200");
        assert!(details["leadership"].get("response").is_none());
        assert!(
            details["leadership"]["additionalDetails"]
                .as_str()
                .unwrap()
                .contains("gender mixed, background swedish")
        );
        assert_eq!(details["mission"]["askedStatus"], "AS100");
        assert_eq!(details["project"]["askedStatus"], "AS100");
        let odd = dei_details("female", "x");
        assert!(
            odd["leadership"]["additionalDetails"]
                .as_str()
                .unwrap()
                .contains("gender unknown, background unknown")
        );
    }

    #[test]
    fn grants_carry_prefixed_ids_and_pseudonymised_recipients() {
        let p = package(
            &funder(),
            "360G-lst-ab",
            &[awarded("A-1", Some("AB"))],
            false,
            published(),
        );
        let g = &p["grants"][0];
        assert_eq!(g["id"], "360G-lst-ab-A-1");
        assert_eq!(g["currency"], "SEK");
        assert_eq!(g["amountAwarded"], json!(200000));
        assert_eq!(g["amountAppliedFor"], json!(250000.5));
        assert_eq!(g["awardDate"], "2017-04-15T00:00:00Z");
        assert_eq!(g["dateModified"], "2017-04-16T08:30:00Z");
        assert_eq!(
            g["recipientOrganization"][0]["id"],
            "XI-EQT-0123456789abcdef"
        );
        assert_eq!(
            g["recipientOrganization"][0]["name"],
            "Pseudonymised recipient"
        );
        assert_eq!(g["fundingOrganization"][0]["id"], "SE-BLV-2021002346");
        assert_eq!(g["grantProgramme"][0]["code"], "RF-2017-1");
        assert_eq!(g["grantProgramme"][1]["code"], "RF");
        assert_eq!(
            g["beneficiaryLocation"],
            json!([{ "name": "Stockholm", "geoCode": "0180", "geoCodeType": "SE-KOMMUN",
                     "countryCode": "SE" }])
        );
        assert!(g.get("plannedDates").is_none());
        assert!(g.get("deiDetails").is_none());
        assert!(p.get("extensions").is_none());
        assert_eq!(p["version"], "1.4");
        assert_eq!(p["publisher"]["identifier"], "SE-BLV-2021002346");
    }

    #[test]
    fn municipalities_without_a_known_name_or_a_valid_code() {
        let mut g = awarded("A-1", Some("AB"));
        g.municipality = Some("1280".into());
        let p = package(&funder(), "360G-x", &[g.clone()], false, published());
        assert_eq!(
            p["grants"][0]["beneficiaryLocation"],
            json!([{ "geoCode": "1280", "geoCodeType": "SE-KOMMUN", "countryCode": "SE" }])
        );
        g.municipality = Some("0280".into());
        let p = package(&funder(), "360G-x", &[g.clone()], false, published());
        assert!(p["grants"][0].get("beneficiaryLocation").is_none());
        g.municipality = None;
        let p = package(&funder(), "360G-x", &[g], false, published());
        assert!(p["grants"][0].get("beneficiaryLocation").is_none());
    }

    #[test]
    fn no_dei_for_individuals_or_unknown_legal_forms() {
        let grants = [
            awarded("A-1", Some("AB")),
            awarded("A-2", Some("EF")),
            awarded("A-3", None),
            awarded("A-4", Some("weird")),
        ];
        let p = package(&funder(), "360G-x", &grants, true, published());
        assert_eq!(p["extensions"], json!(["dei"]));
        let g = &p["grants"];
        assert!(g[0].get("deiDetails").is_some());
        assert_eq!(
            g[0]["deiDetails"]["leadership"]["response"]["taxonomyCodes"],
            json!(["DEI050000", "DEI090000"])
        );
        for i in 1..4 {
            assert!(g[i].get("deiDetails").is_none(), "grant {i}");
        }
        assert!(g[1].get("recipientOrganization").is_none());
        assert_eq!(
            g[1]["recipientIndividual"]["id"],
            "360G-x-IND-0123456789abcdef"
        );
        assert!(g[2].get("recipientOrganization").is_some());
    }

    #[test]
    fn output_is_deterministic_whatever_the_order() {
        let a = awarded("A-1", Some("AB"));
        let mut b = awarded("B-2", Some("HB"));
        b.gender = "men".into();
        let one = package(
            &funder(),
            "360G-x",
            &[a.clone(), b.clone()],
            true,
            published(),
        );
        let two = package(&funder(), "360G-x", &[b, a], true, published());
        assert_eq!(one.to_string(), two.to_string());
        assert_eq!(one["grants"][0]["id"], "360G-x-A-1");
    }

    #[test]
    fn long_titles_are_cut() {
        let mut g = awarded("A-1", Some("AB"));
        g.call_title = "x".repeat(300);
        assert_eq!(title(&g).chars().count(), 139);
        assert!(title(&g).ends_with('…'));
        g.call_title.clear();
        g.programme_name.clear();
        assert_eq!(title(&g), "Grant A-1");
    }

    fn se_grant() -> Value {
        json!({
            "id": "360G-other-77",
            "title": "t", "description": "d", "currency": "SEK",
            "amountAppliedFor": 300000, "amountAwarded": 250000.5,
            "awardDate": "2019-06-01",
            "fundingOrganization": [{ "id": "SE-BLV-2021002346", "name": "Funder" }],
            "recipientOrganization": [{ "id": "SE-BLV-5566778899", "name": "Firm AB" }],
            "grantProgramme": [{ "code": "RF-2019-1", "title": "Call" }],
            "beneficiaryLocation": [{ "geoCode": "0184", "countryCode": "SE" }],
            "deiDetails": { "leadership": { "askedStatus": "AS200", "replyStatus": "RS200",
                "response": { "taxonomyCodes": ["DEI090000", "DEI050200", "DEI040300"] } },
                "mission": { "askedStatus": "AS100" }, "project": { "askedStatus": "AS100" } }
        })
    }

    fn import_one(grant: Value) -> Result<Value, GrantError> {
        applications(&json!({ "grants": [grant] })).remove(0)
    }

    #[test]
    fn a_grant_maps_to_an_import_row() {
        let row = import_one(se_grant()).unwrap();
        assert_eq!(
            row,
            json!({
                "externalId": "360G-other-77",
                "callCode": "RF-2019-1",
                "receivedOn": "2019-06-01",
                "amountApplied": { "amount": "300000.00", "currency": "SEK" },
                "applicant": {
                    "orgNumber": "5566778899",
                    "municipality": "0184",
                    "categories": { "gender": "women", "genderDefinition": GENDER_DEFINITION,
                                    "background": "foreign" }
                },
                "decision": { "outcome": "partly_approved",
                              "amountGranted": { "amount": "250000.50", "currency": "SEK" },
                              "decidedOn": "2019-06-01" }
            })
        );
        // The row is one the import accepts.
        let parsed: ImportRow = from_json_slice(row.to_string().as_bytes()).unwrap();
        let (_, body) = parsed.into_parts();
        body.parse(&Pseudonymiser::new(b"test")).unwrap();
    }

    #[test]
    fn categories_only_from_the_codes_that_mean_them() {
        let mut g = se_grant();
        g["deiDetails"]["leadership"]["response"]["taxonomyCodes"] = json!(["DEI040200"]);
        assert!(
            import_one(g.clone()).unwrap()["applicant"]
                .get("categories")
                .is_none()
        );
        g["deiDetails"]["leadership"]["response"]["taxonomyCodes"] = json!(["DEI059900"]);
        assert_eq!(
            import_one(g.clone()).unwrap()["applicant"]["categories"],
            json!({ "background": "foreign" })
        );
        g.as_object_mut().unwrap().remove("deiDetails");
        assert!(
            import_one(g).unwrap()["applicant"]
                .get("categories")
                .is_none()
        );
    }

    #[test]
    fn municipality_from_swedish_four_digit_codes() {
        let mut g = se_grant();
        g["beneficiaryLocation"] = json!([
            { "geoCode": "E08000025", "geoCodeType": "MD" },
            { "geoCode": "0301", "countryCode": "NO" },
            { "geoCode": "0184" }, { "geoCode": "0184", "countryCode": "SE" }
        ]);
        assert_eq!(
            import_one(g.clone()).unwrap()["applicant"]["municipality"],
            "0184"
        );
        g["beneficiaryLocation"] = json!([{ "geoCode": "0184" }, { "geoCode": "0180" }]);
        assert!(
            import_one(g.clone()).unwrap()["applicant"]
                .get("municipality")
                .is_none()
        );
        g["beneficiaryLocation"] = json!([{ "geoCode": "1111" }, { "geoCode": "0280" }]);
        let (_, pointer, _) = import_one(g).unwrap_err();
        assert_eq!(pointer, "/grants/0/beneficiaryLocation/0/geoCode");
    }

    #[test]
    fn refusals_name_the_field() {
        let cases: [(&str, Value, &str); 14] = [
            ("/id", json!("has space"), "/grants/0/id"),
            ("/currency", json!("GBP"), "/grants/0/currency"),
            (
                "/amountAppliedFor",
                Value::Null,
                "/grants/0/amountAppliedFor",
            ),
            ("/amountAwarded", json!(0), "/grants/0/amountAwarded"),
            ("/amountAwarded", json!(1.005), "/grants/0/amountAwarded"),
            ("/awardDate", json!("1 June 2019"), "/grants/0/awardDate"),
            (
                "/recipientOrganization",
                json!([{ "id": "XI-EQT-0123456789abcdef", "name": "x" }]),
                "/grants/0/recipientOrganization/0/id",
            ),
            (
                "/recipientOrganization",
                json!([{ "id": "GB-COH-01234567", "name": "x" }]),
                "/grants/0/recipientOrganization/0/id",
            ),
            (
                "/recipientOrganization",
                json!([{ "id": "SE-BLV-5566778898", "name": "x" }]),
                "/grants/0/recipientOrganization/0/id",
            ),
            (
                "/recipientOrganization",
                json!([{ "id": "SE-BLV-556677-8899", "name": "x" }]),
                "/grants/0/recipientOrganization/0/id",
            ),
            (
                "/recipientOrganization",
                json!([{ "id": "SE-BLV-5566778899", "name": "x" },
                       { "id": "SE-BLV-5560360793", "name": "y" }]),
                "/grants/0/recipientOrganization",
            ),
            (
                "/recipientOrganization",
                Value::Null,
                "/grants/0/recipientOrganization/0/id",
            ),
            (
                "/grantProgramme",
                json!([]),
                "/grants/0/grantProgramme/0/code",
            ),
            (
                "/grantProgramme",
                json!([{ "code": "" }]),
                "/grants/0/grantProgramme/0/code",
            ),
        ];
        for (field, value, pointer) in cases {
            let mut g = se_grant();
            let key = &field[1..];
            if value.is_null() {
                g.as_object_mut().unwrap().remove(key);
            } else {
                g[key] = value;
            }
            let (index, at, reason) = import_one(g).unwrap_err();
            assert_eq!((index, at.as_str()), (0, pointer), "{field}: {reason}");
            assert!(!reason.is_empty());
        }
    }

    #[test]
    fn grants_to_individuals_are_refused() {
        let mut g = se_grant();
        g.as_object_mut().unwrap().remove("recipientOrganization");
        g["recipientIndividual"] = json!({ "id": "360G-x-IND-1", "name": "Individual" });
        let (_, pointer, reason) = import_one(g).unwrap_err();
        assert_eq!(pointer, "/grants/0/recipientOrganization/0/id");
        assert!(reason.contains("individual"), "{reason}");
    }

    #[test]
    fn a_package_without_grants() {
        assert_eq!(
            applications(&json!({ "version": "1.4" })),
            vec![Err((
                0,
                "/grants".to_owned(),
                "the package must have a grants array".to_owned()
            ))]
        );
        assert!(applications(&json!({ "grants": [] })).is_empty());
        let out = applications(&json!({ "grants": [se_grant(), 5] }));
        assert!(out[0].is_ok());
        assert_eq!(
            out[1],
            Err((1, "/grants/1".into(), "must be a grant object".into()))
        );
    }
}
