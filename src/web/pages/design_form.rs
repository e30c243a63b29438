//! The call form as fields: what a browser posts (name, value pairs, names repeated for
//! checkboxes) turned into the call's fields and its [`CallDesign`], and back for prefilling.
//! Only parsing: a number that is not a number is an error here (with the JSON pointer the API
//! would use), everything else is decided by the API's validation and `CallDesign::validate`.
//!
//! A field's name and its `id` are the same string: the pointer without the leading slash, `/`
//! replaced by `-` (`/design/eligibility/minEmployees` -> `design-eligibility-minEmployees`);
//! repeated rows carry their form row (`design-targetGroups-2-description`).

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::callcheck::design::{
    CallDesign, CallText, Eligibility, GroupRef, Indicator, Outreach, Panel, TargetGroup,
    TargetGroupAnalysis,
};
use crate::domain::money::{MoneyDto, Ore};
use crate::domain::tagging::Dimension;
use crate::domain::validation::FieldError;

/// How many empty rows the form offers for target groups and indicators beyond those filled.
pub const SPARE_ROWS: usize = 3;

/// The posted fields, by name; a name may repeat (checkboxes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormValues(BTreeMap<String, Vec<String>>);

impl FormValues {
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in pairs {
            map.entry(name).or_default().push(value);
        }
        Self(map)
    }

    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .get(name)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    /// Whether a checkbox `name` with `value` was ticked.
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.0
            .get(name)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), vec![value.into()]);
    }

    fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.entry(name.into()).or_default().push(value.into());
    }

    fn all(&self, name: &str) -> &[String] {
        self.0.get(name).map_or(&[], Vec::as_slice)
    }

    /// The row numbers used under `prefix` (e.g. "design-targetGroups"), ascending.
    fn row_numbers(&self, prefix: &str) -> Vec<usize> {
        let start = format!("{prefix}-");
        let mut rows: Vec<usize> = self
            .0
            .keys()
            .filter_map(|k| k.strip_prefix(&start)?.split('-').next()?.parse().ok())
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    /// How many rows the form shows under `prefix`: those posted or filled, plus spare ones.
    pub fn rows(&self, prefix: &str) -> usize {
        let filled = self
            .row_numbers(prefix)
            .into_iter()
            .filter(|row| {
                self.0
                    .iter()
                    .filter(|(k, _)| k.starts_with(&format!("{prefix}-{row}-")))
                    .any(|(_, v)| v.iter().any(|x| !x.trim().is_empty()))
            })
            .max()
            .map_or(0, |last| last + 1);
        filled + SPARE_ROWS
    }
}

/// A group as a checkbox value: "gender:women".
pub fn group_value(group: &GroupRef) -> String {
    format!("{}:{}", group.dimension.code(), group.value)
}

fn parse_group(value: &str) -> Option<GroupRef> {
    let (dimension, value) = value.split_once(':')?;
    Some(GroupRef {
        dimension: Dimension::from_code(dimension)?,
        value: value.to_owned(),
    })
}

/// The field a pointer names, as a form field id; `rows` says which form row each item of the
/// design's lists came from.
pub fn field_id(pointer: &str, rows: &RowMap) -> String {
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["budget", ..] => "budget".to_owned(),
        ["design", "text", lang, ..] => format!("design-text-{lang}"),
        ["design", "eligibility", field, ..] => format!("design-eligibility-{field}"),
        [
            "design",
            list @ ("targetGroups" | "indicators"),
            index,
            rest @ ..,
        ] => {
            let map = if *list == "targetGroups" {
                &rows.target_groups
            } else {
                &rows.indicators
            };
            let row = index
                .parse::<usize>()
                .ok()
                .and_then(|i| map.get(i).copied())
                .unwrap_or(0);
            let field = rest.first().copied().unwrap_or(if *list == "targetGroups" {
                "description"
            } else {
                "name"
            });
            format!("design-{list}-{row}-{field}")
        }
        ["design", section, field, ..] => format!("design-{section}-{field}"),
        [one] => (*one).to_owned(),
        other => other.join("-"),
    }
}

/// Which form row each target group and indicator of the parsed design came from (empty rows
/// are left out, so the design's index and the form's row differ).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowMap {
    pub target_groups: Vec<usize>,
    pub indicators: Vec<usize>,
}

/// The design read from the form, with the fields that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDesign {
    pub design: CallDesign,
    pub rows: RowMap,
    pub errors: Vec<FieldError>,
}

/// Codes separated by commas, semicolons or line breaks.
pub fn split_codes(text: &str) -> Vec<String> {
    text.split([',', ';', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn optional_text(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| text.replace("\r\n", "\n").trim().to_owned())
}

/// An amount in kronor as people type it ("3 000 000", "2500,50"), for the API's money type.
pub fn money(text: &str) -> Option<MoneyDto> {
    let normalised: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    let normalised = normalised
        .trim_end_matches("kr")
        .trim_end_matches(':')
        .trim_end_matches('.');
    if normalised.is_empty() {
        return None;
    }
    // Written as the API writes amounts, so an unchanged amount is an unchanged design.
    Some(match Ore::parse(normalised, false) {
        Ok(ore) => MoneyDto::sek(ore),
        Err(_) => MoneyDto {
            amount: normalised.to_owned(),
            currency: "SEK".into(),
        },
    })
}

fn whole_number(
    values: &FormValues,
    name: &str,
    pointer: &str,
    errors: &mut Vec<FieldError>,
) -> Option<u32> {
    let text = values.get(name).trim();
    if text.is_empty() {
        return None;
    }
    match text.replace([' ', '\u{a0}'], "").parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(
                pointer,
                "must be a whole number, 0 or more",
            ));
            None
        }
    }
}

/// The design in the form's fields.
pub fn parse_design(values: &FormValues) -> ParsedDesign {
    let mut errors = Vec::new();
    let text = CallText {
        sv: optional_text(values.get("design-text-sv")),
        en: optional_text(values.get("design-text-en")),
    };
    let codes = |field: &str| split_codes(values.get(&format!("design-eligibility-{field}")));
    let co_financing_share = {
        let raw = values
            .get("design-eligibility-coFinancingShare")
            .trim()
            .trim_end_matches('%')
            .trim()
            .replace(',', ".");
        if raw.is_empty() {
            None
        } else {
            match Decimal::from_str(&raw) {
                Ok(percent) => Some((percent / Decimal::ONE_HUNDRED).normalize()),
                Err(_) => {
                    errors.push(FieldError::new(
                        "/design/eligibility/coFinancingShare",
                        "must be a percentage, e.g. 50",
                    ));
                    None
                }
            }
        }
    };
    let eligibility = Eligibility {
        sectors: codes("sectors"),
        excluded_sectors: codes("excludedSectors"),
        legal_forms: codes("legalForms"),
        min_employees: whole_number(
            values,
            "design-eligibility-minEmployees",
            "/design/eligibility/minEmployees",
            &mut errors,
        ),
        max_employees: whole_number(
            values,
            "design-eligibility-maxEmployees",
            "/design/eligibility/maxEmployees",
            &mut errors,
        ),
        min_turnover: money(values.get("design-eligibility-minTurnover")),
        co_financing_share,
        counties: codes("counties"),
        municipalities: codes("municipalities"),
    };
    let mut rows = RowMap::default();
    let mut target_groups = Vec::new();
    for row in values.row_numbers("design-targetGroups") {
        let description = values.get(&format!("design-targetGroups-{row}-description"));
        let groups: Vec<GroupRef> = values
            .all(&format!("design-targetGroups-{row}-groups"))
            .iter()
            .filter_map(|v| parse_group(v))
            .collect();
        if description.trim().is_empty() && groups.is_empty() {
            continue;
        }
        rows.target_groups.push(row);
        target_groups.push(TargetGroup {
            description: description.trim().to_owned(),
            groups,
        });
    }
    let equality_goals = values
        .all("design-equalityGoals")
        .iter()
        .filter_map(|v| parse_group(v))
        .collect();
    let analysis =
        |field: &str| optional_text(values.get(&format!("design-targetGroupAnalysis-{field}")));
    let target_group_analysis = TargetGroupAnalysis {
        target_group: analysis("targetGroup"),
        patterns: analysis("patterns"),
        desired_outcome: analysis("desiredOutcome"),
    };
    let outreach = Outreach {
        channels: split_codes(values.get("design-outreach-channels")),
        languages: split_codes(values.get("design-outreach-languages")),
    };
    let panel_fields = ["women", "men", "other"];
    let panel = if panel_fields
        .iter()
        .all(|f| values.get(&format!("design-panel-{f}")).trim().is_empty())
    {
        None
    } else {
        let mut count = |f: &str| {
            whole_number(
                values,
                &format!("design-panel-{f}"),
                &format!("/design/panel/{f}"),
                &mut errors,
            )
            .unwrap_or(0)
        };
        Some(Panel {
            women: count("women"),
            men: count("men"),
            other: count("other"),
        })
    };
    let mut indicators = Vec::new();
    for row in values.row_numbers("design-indicators") {
        let name = values.get(&format!("design-indicators-{row}-name"));
        let breakdowns: Vec<Dimension> = values
            .all(&format!("design-indicators-{row}-breakdowns"))
            .iter()
            .filter_map(|v| Dimension::from_code(v))
            .collect();
        if name.trim().is_empty() && breakdowns.is_empty() {
            continue;
        }
        rows.indicators.push(row);
        indicators.push(Indicator {
            name: name.trim().to_owned(),
            breakdowns,
        });
    }
    ParsedDesign {
        design: CallDesign {
            text,
            eligibility,
            target_groups,
            equality_goals,
            target_group_analysis,
            outreach,
            panel,
            indicators,
        },
        rows,
        errors,
    }
}

/// Kronor as the form shows them: "3000000" or "2500,50".
pub fn kronor(ore: Ore) -> String {
    let (whole, part) = (ore.0 / 100, ore.0 % 100);
    if part == 0 {
        whole.to_string()
    } else {
        format!("{whole},{part:02}")
    }
}

/// The form's fields for a stored design (to prefill the edit form).
pub fn values_of_design(design: &CallDesign) -> FormValues {
    let mut v = FormValues::default();
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    v.set("design-text-sv", text(&design.text.sv));
    v.set("design-text-en", text(&design.text.en));
    let e = &design.eligibility;
    for (field, codes) in [
        ("sectors", &e.sectors),
        ("excludedSectors", &e.excluded_sectors),
        ("legalForms", &e.legal_forms),
        ("counties", &e.counties),
        ("municipalities", &e.municipalities),
    ] {
        v.set(format!("design-eligibility-{field}"), codes.join(", "));
    }
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    v.set("design-eligibility-minEmployees", number(e.min_employees));
    v.set("design-eligibility-maxEmployees", number(e.max_employees));
    v.set(
        "design-eligibility-minTurnover",
        e.min_turnover
            .as_ref()
            .map(|m| m.ore().map(kronor).unwrap_or_else(|_| m.amount.clone()))
            .unwrap_or_default(),
    );
    v.set(
        "design-eligibility-coFinancingShare",
        e.co_financing_share
            .map(|s| {
                (s * Decimal::ONE_HUNDRED)
                    .normalize()
                    .to_string()
                    .replace('.', ",")
            })
            .unwrap_or_default(),
    );
    for (row, group) in design.target_groups.iter().enumerate() {
        v.set(
            format!("design-targetGroups-{row}-description"),
            group.description.clone(),
        );
        for g in &group.groups {
            v.push(format!("design-targetGroups-{row}-groups"), group_value(g));
        }
    }
    for goal in &design.equality_goals {
        v.push("design-equalityGoals", group_value(goal));
    }
    let a = &design.target_group_analysis;
    v.set(
        "design-targetGroupAnalysis-targetGroup",
        text(&a.target_group),
    );
    v.set("design-targetGroupAnalysis-patterns", text(&a.patterns));
    v.set(
        "design-targetGroupAnalysis-desiredOutcome",
        text(&a.desired_outcome),
    );
    v.set(
        "design-outreach-channels",
        design.outreach.channels.join(", "),
    );
    v.set(
        "design-outreach-languages",
        design.outreach.languages.join(", "),
    );
    if let Some(p) = design.panel {
        v.set("design-panel-women", p.women.to_string());
        v.set("design-panel-men", p.men.to_string());
        v.set("design-panel-other", p.other.to_string());
    }
    for (row, indicator) in design.indicators.iter().enumerate() {
        v.set(
            format!("design-indicators-{row}-name"),
            indicator.name.clone(),
        );
        for d in &indicator.breakdowns {
            v.push(format!("design-indicators-{row}-breakdowns"), d.code());
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormValues {
        FormValues::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
    }

    #[test]
    fn fields_become_the_design() {
        let values = form(&[
            ("design-text-sv", "Vi söker en driven ledare.\r\nAnsök nu."),
            ("design-text-en", "  "),
            ("design-eligibility-sectors", "62, 63.1\n70"),
            ("design-eligibility-legalForms", "AB;EF"),
            ("design-eligibility-minEmployees", "2"),
            ("design-eligibility-maxEmployees", ""),
            ("design-eligibility-minTurnover", "3 000 000"),
            ("design-eligibility-coFinancingShare", "50 %"),
            ("design-eligibility-counties", "01"),
            ("design-targetGroups-0-description", ""),
            (
                "design-targetGroups-1-description",
                "Kvinnor som driver företag",
            ),
            ("design-targetGroups-1-groups", "gender:women"),
            ("design-targetGroups-1-groups", "background:foreign"),
            ("design-targetGroups-2-description", ""),
            ("design-equalityGoals", "gender:women"),
            ("design-equalityGoals", "ageBand:18-30"),
            ("design-targetGroupAnalysis-targetGroup", "Små företag"),
            ("design-outreach-channels", "website, sfi"),
            ("design-outreach-languages", "sv,ar"),
            ("design-panel-women", "2"),
            ("design-panel-men", "3"),
            ("design-panel-other", ""),
            ("design-indicators-0-name", "Beviljade"),
            ("design-indicators-0-breakdowns", "gender"),
            ("design-indicators-0-breakdowns", "background"),
        ]);
        let parsed = parse_design(&values);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let d = &parsed.design;
        assert_eq!(
            d.text.sv.as_deref(),
            Some("Vi söker en driven ledare.\nAnsök nu.")
        );
        assert_eq!(d.text.en, None);
        assert_eq!(d.eligibility.sectors, ["62", "63.1", "70"]);
        assert_eq!(d.eligibility.legal_forms, ["AB", "EF"]);
        assert_eq!(d.eligibility.min_employees, Some(2));
        assert_eq!(d.eligibility.max_employees, None);
        assert_eq!(
            d.eligibility.min_turnover.as_ref().unwrap().amount,
            "3000000.00"
        );
        assert_eq!(
            d.eligibility.co_financing_share,
            Some(Decimal::from_str("0.5").unwrap())
        );
        assert_eq!(d.target_groups.len(), 1, "empty rows are left out");
        assert_eq!(d.target_groups[0].groups.len(), 2);
        assert_eq!(parsed.rows.target_groups, [1]);
        assert_eq!(d.equality_goals[1].dimension, Dimension::AgeBand);
        assert_eq!(d.equality_goals[1].value, "18-30");
        assert_eq!(d.outreach.languages, ["sv", "ar"]);
        assert_eq!(
            d.panel,
            Some(Panel {
                women: 2,
                men: 3,
                other: 0
            })
        );
        assert_eq!(
            d.indicators[0].breakdowns,
            [Dimension::Gender, Dimension::Background]
        );
        assert_eq!(d.target_group_analysis.patterns, None);
    }

    #[test]
    fn unreadable_numbers_are_errors_at_their_pointer() {
        let parsed = parse_design(&form(&[
            ("design-eligibility-minEmployees", "två"),
            ("design-eligibility-coFinancingShare", "hälften"),
            ("design-panel-women", "-1"),
        ]));
        let pointers: Vec<&str> = parsed.errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/design/eligibility/coFinancingShare",
                "/design/eligibility/minEmployees",
                "/design/panel/women"
            ]
        );
        assert_eq!(parsed.design.eligibility.min_employees, None);
    }

    #[test]
    fn an_empty_form_is_the_empty_design() {
        let parsed = parse_design(&FormValues::default());
        assert_eq!(parsed.design, CallDesign::default());
        assert!(parsed.errors.is_empty());
    }

    #[test]
    fn pointers_name_the_form_field_and_row() {
        let rows = RowMap {
            target_groups: vec![2, 4],
            indicators: vec![1],
        };
        assert_eq!(
            field_id("/design/eligibility/minEmployees", &rows),
            "design-eligibility-minEmployees"
        );
        assert_eq!(
            field_id("/design/eligibility/sectors/3", &rows),
            "design-eligibility-sectors"
        );
        assert_eq!(
            field_id("/design/eligibility/minTurnover/amount", &rows),
            "design-eligibility-minTurnover"
        );
        assert_eq!(
            field_id("/design/targetGroups/1/description", &rows),
            "design-targetGroups-4-description"
        );
        assert_eq!(
            field_id("/design/indicators/0/name", &rows),
            "design-indicators-1-name"
        );
        assert_eq!(field_id("/budget/amount", &rows), "budget");
        assert_eq!(field_id("/closesOn", &rows), "closesOn");
        assert_eq!(field_id("/design/panel/women", &rows), "design-panel-women");
        assert_eq!(field_id("/design/text/sv", &rows), "design-text-sv");
    }

    #[test]
    fn a_design_survives_the_form_both_ways() {
        let design: CallDesign = toml::from_str(
            r#"
            [text]
            sv = "Text"
            [eligibility]
            minEmployees = 2
            minTurnover = { amount = "3000000.00", currency = "SEK" }
            coFinancingShare = "0.25"
            counties = ["01"]
            sectors = ["62", "63"]
            [[targetGroups]]
            description = "Kvinnor"
            groups = [{ dimension = "gender", value = "women" }]
            [[equalityGoals]]
            dimension = "gender"
            value = "women"
            [panel]
            women = 1
            men = 4
            [[indicators]]
            name = "Beviljade"
            breakdowns = ["gender"]
            "#,
        )
        .unwrap();
        let values = values_of_design(&design);
        assert_eq!(values.get("design-eligibility-coFinancingShare"), "25");
        assert_eq!(values.get("design-eligibility-minTurnover"), "3000000");
        assert_eq!(values.rows("design-targetGroups"), 1 + SPARE_ROWS);
        let parsed = parse_design(&values);
        assert!(parsed.errors.is_empty());
        assert_eq!(
            parsed.design, design,
            "an unchanged form is an unchanged design"
        );
    }
}
