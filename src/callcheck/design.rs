//! What a call for applications says about itself that the call check reads: its text, who may
//! apply, whom it is for, how it is made known, who assesses and how it is followed up. Stored
//! with the call (JSON), versioned with it, and also read from a TOML draft file by the CLI.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::eligibility::EligibilityRule;
use crate::domain::geography;
use crate::domain::money::MoneyDto;
use crate::domain::tagging::Dimension;
use crate::domain::validation::Errors;

/// Everything the checks read; every part may be missing in an early draft (a check then says
/// what it cannot assess).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CallDesign {
    /// The call's text, in Swedish and/or English.
    pub text: CallText,
    pub eligibility: Eligibility,
    /// Groups the call names as those it is for.
    pub target_groups: Vec<TargetGroup>,
    /// Groups the programme's goals say must be reached (e.g. women, foreign background).
    pub equality_goals: Vec<GroupRef>,
    /// The JämKAS Bas questions.
    pub target_group_analysis: TargetGroupAnalysis,
    pub outreach: Outreach,
    /// The assessment panel's composition by sex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel: Option<Panel>,
    /// What the call promises to follow up.
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CallText {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sv: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

/// Who may apply. Empty lists and absent limits do not restrict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Eligibility {
    /// SNI codes or prefixes that may apply (empty: every sector).
    pub sectors: Vec<String>,
    /// SNI codes or prefixes that may not.
    pub excluded_sectors: Vec<String>,
    /// Legal forms that may apply, e.g. AB, EF, HB.
    pub legal_forms: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_employees: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_employees: Option<u32>,
    /// Lowest yearly turnover.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_turnover: Option<MoneyDto>,
    /// Share of the project the applicant must finance itself, 0-1.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "0.5")]
    pub co_financing_share: Option<Decimal>,
    /// County codes (two digits) where applicants must be.
    pub counties: Vec<String>,
    /// Municipality codes (four digits) where applicants must be.
    pub municipalities: Vec<String>,
}

/// A group, as the tagging names it: e.g. `{"dimension": "gender", "value": "women"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRef {
    pub dimension: Dimension,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetGroup {
    /// As the call words it, e.g. "kvinnor som driver företag på landsbygden".
    pub description: String,
    /// The groups it means, where it means any.
    #[serde(default)]
    pub groups: Vec<GroupRef>,
}

/// JämKAS Bas: who is the target group, which patterns exist, what outcome is wanted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TargetGroupAnalysis {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patterns: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_outcome: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Outreach {
    /// E.g. "website", "newsletter", "womens-business-network", "sfi", "local-radio".
    pub channels: Vec<String>,
    /// Language codes of the material, e.g. "sv", "en", "ar".
    pub languages: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Panel {
    pub women: u32,
    pub men: u32,
    /// Members whose sex is not recorded or who are neither.
    pub other: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub name: String,
    /// The dimensions it will be broken down by.
    #[serde(default)]
    pub breakdowns: Vec<Dimension>,
}

/// A draft call as a case officer writes it in a file: a call design in TOML, with `title` and
/// `programme` at the top if wanted.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftFile {
    pub title: Option<String>,
    pub programme: Option<String>,
    pub design: CallDesign,
}

impl DraftFile {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut take = |key: &str| match table.remove(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("`{key}` must be a string")),
        };
        let title = take("title")?;
        let programme = take("programme")?;
        let design = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())?;
        Ok(Self {
            title,
            programme,
            design,
        })
    }
}

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

impl TargetGroupAnalysis {
    /// The questions left unanswered, by field name.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            ("targetGroup", &self.target_group),
            ("patterns", &self.patterns),
            ("desiredOutcome", &self.desired_outcome),
        ]
        .into_iter()
        .filter(|(_, answer)| blank(answer))
        .map(|(name, _)| name)
        .collect()
    }
}

impl CallDesign {
    /// Field errors under `prefix` (a JSON pointer, e.g. "/design").
    pub fn validate(&self, prefix: &str, errors: &mut Errors) {
        let at = |field: &str| format!("{prefix}/{field}");
        for (lang, text) in [("sv", &self.text.sv), ("en", &self.text.en)] {
            if text.as_ref().is_some_and(|t| t.len() > 200_000) {
                errors.add(at(&format!("text/{lang}")), "longer than 200,000 bytes");
            }
        }
        let e = &self.eligibility;
        for (field, codes) in [
            ("sectors", &e.sectors),
            ("excludedSectors", &e.excluded_sectors),
        ] {
            for (i, code) in codes.iter().enumerate() {
                let digits = code.replace('.', "");
                if digits.is_empty()
                    || digits.len() > 5
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    errors.add(
                        at(&format!("eligibility/{field}/{i}")),
                        "must be an SNI code or prefix: 1-5 digits, dots allowed",
                    );
                }
            }
        }
        for (i, form) in e.legal_forms.iter().enumerate() {
            if form.trim().is_empty() || form.len() > 16 {
                errors.add(
                    at(&format!("eligibility/legalForms/{i}")),
                    "must be a legal form code such as AB, EF or HB",
                );
            }
        }
        if let (Some(min), Some(max)) = (e.min_employees, e.max_employees)
            && min > max
        {
            errors.add(
                at("eligibility/maxEmployees"),
                "must not be below minEmployees",
            );
        }
        if let Some(turnover) = &e.min_turnover {
            match turnover.ore() {
                Ok(ore) if ore.0 < 0 => {
                    errors.add(at("eligibility/minTurnover/amount"), "must not be negative")
                }
                Ok(_) => {}
                Err(reason) => errors.add(at("eligibility/minTurnover/amount"), reason),
            }
        }
        if let Some(share) = e.co_financing_share
            && !(Decimal::ZERO..=Decimal::ONE).contains(&share)
        {
            errors.add(
                at("eligibility/coFinancingShare"),
                "must be between 0 and 1",
            );
        }
        for (i, county) in e.counties.iter().enumerate() {
            if geography::county_name(county).is_none() {
                errors.add(
                    at(&format!("eligibility/counties/{i}")),
                    "is not a county code",
                );
            }
        }
        for (i, code) in e.municipalities.iter().enumerate() {
            if let Err(reason) = geography::county_of_municipality(code) {
                errors.add(at(&format!("eligibility/municipalities/{i}")), reason);
            }
        }
        for (i, group) in self.target_groups.iter().enumerate() {
            if group.description.trim().is_empty() {
                errors.add(
                    at(&format!("targetGroups/{i}/description")),
                    "must not be empty",
                );
            }
        }
        for (i, indicator) in self.indicators.iter().enumerate() {
            if indicator.name.trim().is_empty() {
                errors.add(at(&format!("indicators/{i}/name")), "must not be empty");
            }
        }
    }

    /// The county the call is limited to, where it names exactly one.
    pub fn single_county(&self) -> Option<String> {
        match self.eligibility.counties.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    }

    /// The eligibility rules, in the order the check reports them.
    pub fn eligibility_rules(&self) -> Vec<EligibilityRule> {
        let e = &self.eligibility;
        let mut rules = Vec::new();
        if !e.sectors.is_empty() || !e.excluded_sectors.is_empty() {
            rules.push(EligibilityRule::Sectors {
                include: e.sectors.clone(),
                exclude: e.excluded_sectors.clone(),
            });
        }
        if !e.legal_forms.is_empty() {
            rules.push(EligibilityRule::LegalForms {
                allowed: e.legal_forms.clone(),
            });
        }
        if e.min_employees.is_some() || e.max_employees.is_some() {
            rules.push(EligibilityRule::Employees {
                min: e.min_employees,
                max: e.max_employees,
            });
        }
        if let Some(ore) = e.min_turnover.as_ref().and_then(|m| m.ore().ok())
            && ore.0 > 0
        {
            rules.push(EligibilityRule::MinTurnover {
                sek: (ore.0 / 100) as u64,
            });
        }
        if !e.counties.is_empty() {
            rules.push(EligibilityRule::Counties {
                allowed: e.counties.clone(),
            });
        }
        if !e.municipalities.is_empty() {
            rules.push(EligibilityRule::Municipalities {
                allowed: e.municipalities.clone(),
            });
        }
        if let Some(share) = e.co_financing_share.and_then(|s| s.to_f64())
            && share > 0.0
        {
            rules.push(EligibilityRule::CoFinancing { share });
        }
        rules
    }
}
