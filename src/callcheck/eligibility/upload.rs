//! Reading a firm-population upload: cells given directly, or a JSON-stat 2.0 table read
//! through a mapping, every value checked and every refusal named by JSON pointer.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::codes::{parse_county, parse_legal_form, parse_municipality, parse_sector};
use super::population::{Band, Population, PopulationCell};
use super::rules::FirmFact;
use crate::codec::jsonstat::{Dataset, MappedDimension};
use crate::domain::geography;
use crate::domain::tagging::Dimension;
use crate::domain::validation::{Errors, FieldError, escape_pointer_segment};

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
pub(super) fn parse_band(text: &str) -> Result<Band, String> {
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
        let at = format!("/mapping/{role}/{}", escape_pointer_segment(id));
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
                format!("/mapping/dimensions/{}", escape_pointer_segment(id)),
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
                format!("/mapping/facts/{}", escape_pointer_segment(id)),
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
            let at = format!("/mapping/dimensions/{}/values", escape_pointer_segment(id));
            check_value_keys(&mut errors, &at, &mapped.values, codes, id);
            codes
                .iter()
                .map(|code| {
                    let value = mapped.values.get(code)?;
                    if value.trim().is_empty() {
                        errors.add(format!("{at}/{}", escape_pointer_segment(code)), "is empty");
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
                    format!("/mapping/select/{}", escape_pointer_segment(id)),
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
    let at = format!("/mapping/facts/{}", escape_pointer_segment(id));
    if let Some(values) = &mapped.values {
        check_value_keys(errors, &format!("{at}/values"), values, codes, id);
    }
    codes
        .iter()
        .map(|code| {
            let (text, pointer) = match &mapped.values {
                Some(values) => (
                    values.get(code)?,
                    format!("{at}/values/{}", escape_pointer_segment(code)),
                ),
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
            format!("{at}/{}", escape_pointer_segment(key)),
            format!("is not a category of {id}"),
        );
    }
}
