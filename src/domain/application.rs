//! Applications and decisions as integrators send them, and the checked form they are stored in.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use validator::Validate;

use super::applicant::{ApplicantDto, ApplicantFacts, ApplicantKey, Pseudonymiser};
use super::money::{MoneyDto, Ore};
use super::validation::{Errors, FieldError, from_validator};
use crate::codes;

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approved,
    PartlyApproved,
    Rejected,
    /// Withdrawn by the applicant: not a decision on the merits, so it is left out of approval
    /// rates (and counted on its own).
    Withdrawn,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }

    /// Approved in full or in part: money was granted.
    pub fn is_approval(self) -> bool {
        matches!(self, Self::Approved | Self::PartlyApproved)
    }

    /// Counts in approval rates (withdrawn applications were never judged).
    pub fn is_judged(self) -> bool {
        self != Self::Withdrawn
    }
}

/// Why a decision version exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum DecisionReason {
    #[default]
    Initial,
    /// Omprövning: the authority reconsidered its decision.
    Reconsidered,
    /// Överklagande: changed after an appeal.
    Appealed,
    /// A data correction in the source system.
    Corrected,
}

impl DecisionReason {
    pub fn code(self) -> &'static str {
        codes::code(&self)
    }

    pub fn from_code(code: &str) -> Option<Self> {
        codes::parse(code)
    }
}

/// A decision as integrators send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecisionBody {
    pub outcome: Outcome,
    /// Required when approved or partly approved; absent or zero otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub amount_granted: Option<MoneyDto>,
    #[schema(value_type = String, format = Date, example = "2017-04-15")]
    pub decided_on: NaiveDate,
    /// Why this version exists; defaults to "initial" for the first and "reconsidered" after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<DecisionReason>,
}

/// An application as integrators send it (`PUT /api/v1/applications/{externalId}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationBody {
    /// The call (utlysning) applied to, by its code.
    #[schema(example = "ABC-2017-1")]
    #[validate(length(min = 1, max = 64))]
    pub call_code: String,
    #[schema(value_type = String, format = Date, example = "2017-03-01")]
    pub received_on: NaiveDate,
    #[validate(nested)]
    pub amount_applied: MoneyDto,
    #[validate(nested)]
    pub applicant: ApplicantDto,
    /// The decision, if one has been made. Leaving it out keeps any decision already recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub decision: Option<DecisionBody>,
}

/// One line of a bulk import: an application with its external id. (The fields are spelled out
/// rather than flattened because serde cannot refuse unknown fields through `flatten`.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportRow {
    pub external_id: String,
    pub call_code: String,
    #[schema(value_type = String, format = Date)]
    pub received_on: NaiveDate,
    pub amount_applied: MoneyDto,
    pub applicant: ApplicantDto,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionBody>,
}

impl ImportRow {
    pub fn into_parts(self) -> (String, ApplicationBody) {
        let body = ApplicationBody {
            call_code: self.call_code,
            received_on: self.received_on,
            amount_applied: self.amount_applied,
            applicant: self.applicant,
            decision: self.decision,
        };
        (self.external_id, body)
    }
}

/// External ids are the source system's own ids: 1-100 characters of letters, digits and
/// `. _ : -`, so that they are safe in a URL path.
pub fn validate_external_id(id: &str) -> Result<(), String> {
    let ok = (1..=100).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    if ok {
        Ok(())
    } else {
        Err("must be 1-100 characters of letters, digits and . _ : -".into())
    }
}

/// A checked decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    pub amount_granted: Ore,
    pub decided_on: NaiveDate,
    pub reason: Option<DecisionReason>,
}

/// A checked application, ready to store: the organisation number is already a key. Its
/// canonical facts and content hash are computed once, when it is made.
#[derive(Debug, Clone)]
pub struct Application {
    pub call_code: String,
    pub received_on: NaiveDate,
    pub amount_applied: Ore,
    pub applicant_key: ApplicantKey,
    pub facts: ApplicantFacts,
    pub decision: Option<Decision>,
    facts_json: String,
    content_hash: String,
}

impl Application {
    pub fn new(
        call_code: String,
        received_on: NaiveDate,
        amount_applied: Ore,
        applicant_key: ApplicantKey,
        facts: ApplicantFacts,
        decision: Option<Decision>,
    ) -> Self {
        let facts_json = serde_json::to_string(&facts).expect("facts serialise");
        let mut hasher = Sha256::new();
        for part in [
            call_code.as_bytes(),
            received_on.to_string().as_bytes(),
            amount_applied.0.to_string().as_bytes(),
            applicant_key.0.as_bytes(),
            facts_json.as_bytes(),
        ] {
            hasher.update(part);
            hasher.update(b"|");
        }
        let content_hash = hex::encode(&hasher.finalize()[..16]);
        Self {
            call_code,
            received_on,
            amount_applied,
            applicant_key,
            facts,
            decision,
            facts_json,
            content_hash,
        }
    }

    /// Identity of everything but the decision, so replaying the same body changes nothing.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }

    /// The facts as stored (canonical JSON: fixed field order, no nulls).
    pub fn facts_json(&self) -> &str {
        &self.facts_json
    }

    /// Moves out the stored facts and content hash (for writing, when the application is not
    /// needed afterwards); both read empty afterwards.
    pub fn take_stored(&mut self) -> (String, String) {
        (
            std::mem::take(&mut self.facts_json),
            std::mem::take(&mut self.content_hash),
        )
    }
}

impl DecisionBody {
    /// Checks the decision against the application it belongs to (dates, amounts).
    pub fn parse(
        &self,
        prefix: &str,
        received_on: Option<NaiveDate>,
        applied: Option<Ore>,
        errors: &mut Errors,
    ) -> Option<Decision> {
        let granted = match &self.amount_granted {
            Some(m) => errors.check(&format!("{prefix}/amountGranted/amount"), m.ore())?,
            None => Ore(0),
        };
        let errors_before = errors.len();
        if self.outcome.is_approval() && granted.0 == 0 {
            errors.add(
                format!("{prefix}/amountGranted"),
                "is required and must be more than zero when the outcome is an approval",
            );
        }
        if !self.outcome.is_approval() && granted.0 != 0 {
            errors.add(
                format!("{prefix}/amountGranted"),
                format!(
                    "must be zero or absent when the outcome is {}",
                    self.outcome.code()
                ),
            );
        }
        if let (Outcome::PartlyApproved, Some(applied)) = (self.outcome, applied)
            && granted >= applied
        {
            errors.add(
                format!("{prefix}/amountGranted"),
                "must be less than the amount applied for when partly approved",
            );
        }
        if let Some(received) = received_on
            && self.decided_on < received
        {
            errors.add(
                format!("{prefix}/decidedOn"),
                "must not be before the application was received",
            );
        }
        if errors.len() > errors_before {
            return None;
        }
        Some(Decision {
            outcome: self.outcome,
            amount_granted: granted,
            decided_on: self.decided_on,
            reason: self.reason,
        })
    }
}

impl ApplicationBody {
    /// Validates and converts, turning the organisation number into the applicant key.
    pub fn parse(&self, keys: &Pseudonymiser) -> Result<Application, Vec<FieldError>> {
        let mut errors = Errors::new();
        if let Err(e) = self.validate() {
            errors.extend(from_validator(&e));
            return Err(errors.into_vec());
        }
        match self.parse_validated(keys, "", &mut errors) {
            Some(app) => Ok(app),
            None => Err(errors.into_vec()),
        }
    }

    /// Conversion after `validate()` passed; `prefix` is prepended to every pointer.
    fn parse_validated(
        &self,
        keys: &Pseudonymiser,
        prefix: &str,
        errors: &mut Errors,
    ) -> Option<Application> {
        let applied = errors.check(
            &format!("{prefix}/amountApplied/amount"),
            self.amount_applied.ore(),
        );
        let applicant = self.applicant.parse(&format!("{prefix}/applicant"), errors);
        let decision = self.decision.as_ref().and_then(|d| {
            d.parse(
                &format!("{prefix}/decision"),
                Some(self.received_on),
                applied,
                errors,
            )
        });
        if !errors.is_empty() {
            return None;
        }
        let (org, facts) = applicant?;
        Some(Application::new(
            self.call_code.clone(),
            self.received_on,
            applied?,
            keys.key(&org),
            facts,
            decision,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validation::from_json_slice;

    #[test]
    fn outcome_and_reason_codes_are_the_serde_names() {
        assert_eq!(Outcome::PartlyApproved.code(), "partly_approved");
        assert_eq!(Outcome::from_code("withdrawn"), Some(Outcome::Withdrawn));
        assert_eq!(Outcome::from_code("partlyApproved"), None);
        assert_eq!(DecisionReason::Reconsidered.code(), "reconsidered");
        assert_eq!(
            DecisionReason::from_code("appealed"),
            Some(DecisionReason::Appealed)
        );
        assert_eq!(DecisionReason::from_code(" initial"), None);
    }

    const EXAMPLE: &str = r#"{
      "callCode": "ABC-2017-1",
      "receivedOn": "2017-03-01",
      "amountApplied": { "amount": "250000.00", "currency": "SEK" },
      "applicant": {
        "orgNumber": "5566778899", "legalForm": "AB", "municipality": "0180", "employees": 4,
        "sector": "62.010",
        "leader": { "sex": "female", "birthYear": 1980, "background": "born_abroad" },
        "owners": [ { "share": "0.60", "sex": "female", "background": "born_in_sweden_two_parents_abroad" },
                    { "share": "0.40", "sex": "male", "background": "born_in_sweden_swedish_parents" } ]
      },
      "decision": { "outcome": "approved", "amountGranted": { "amount": "200000.00", "currency": "SEK" },
                    "decidedOn": "2017-04-15" }
    }"#;

    fn keys() -> Pseudonymiser {
        Pseudonymiser::new(b"test-secret")
    }

    #[test]
    fn the_issue_example_is_accepted() {
        let body: ApplicationBody = from_json_slice(EXAMPLE.as_bytes()).unwrap();
        let app = body.parse(&keys()).unwrap();
        assert_eq!(app.amount_applied, Ore(25_000_000));
        assert_eq!(
            app.decision.as_ref().unwrap().amount_granted,
            Ore(20_000_000)
        );
        assert_eq!(app.facts.sector.as_deref(), Some("62010"));
        assert!(!app.facts_json().contains("5566778899"));
    }

    #[test]
    fn errors_name_each_field() {
        let bad = EXAMPLE
            .replace("\"0180\"", "\"0280\"")
            .replace("\"0.60\"", "\"1.60\"")
            .replace("\"2017-04-15\"", "\"2017-02-15\"")
            .replace("\"5566778899\"", "\"5566778898\"");
        let body: ApplicationBody = from_json_slice(bad.as_bytes()).unwrap();
        let errors = body.parse(&keys()).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert!(
            pointers.contains(&"/applicant/municipality"),
            "{pointers:?}"
        );
        assert!(
            pointers.contains(&"/applicant/owners/0/share"),
            "{pointers:?}"
        );
        assert!(pointers.contains(&"/applicant/orgNumber"), "{pointers:?}");
        // Cross-field checks run once the fields themselves are valid.
        let late = EXAMPLE.replace("\"2017-04-15\"", "\"2017-02-15\"");
        let body: ApplicationBody = from_json_slice(late.as_bytes()).unwrap();
        let errors = body.parse(&keys()).unwrap_err();
        assert_eq!(errors[0].pointer, "/decision/decidedOn");
    }

    #[test]
    fn approval_needs_an_amount() {
        let bad = EXAMPLE.replace(
            r#""amountGranted": { "amount": "200000.00", "currency": "SEK" },"#,
            "",
        );
        let body: ApplicationBody = from_json_slice(bad.as_bytes()).unwrap();
        let errors = body.parse(&keys()).unwrap_err();
        assert_eq!(errors[0].pointer, "/decision/amountGranted");
    }

    #[test]
    fn content_hash_ignores_nothing_but_the_decision() {
        let body: ApplicationBody = from_json_slice(EXAMPLE.as_bytes()).unwrap();
        let a = body.parse(&keys()).unwrap();
        let mut changed = body.clone();
        changed.decision = None;
        assert_eq!(
            a.content_hash(),
            changed.parse(&keys()).unwrap().content_hash()
        );
        changed.applicant.employees = Some(5);
        assert_ne!(
            a.content_hash(),
            changed.parse(&keys()).unwrap().content_hash()
        );
    }
}
