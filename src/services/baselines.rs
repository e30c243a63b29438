//! Baselines as supplied: shares given directly, or a JSON-stat 2.0 table (the format Statistics
//! Sweden's database exports) with a mapping from its dimensions to ours, checked and stored.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::analysis::baselines::BaselineShare;
use crate::codec::jsonstat::Dataset;
pub use crate::codec::jsonstat::MappedDimension;
use crate::domain::geography;
use crate::domain::tagging::{Dimension, TaggingScheme};
use crate::domain::validation::{Errors, FieldError};
use crate::services::{ServiceError, ServiceResult};
use crate::storage::{DbConnection, baselines, orgs};

/// One share as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShareInput {
    /// E.g. `{"gender": "women"}`.
    pub group: BTreeMap<Dimension, String>,
    /// In [0, 1].
    pub share: f64,
    /// County code or "SE".
    pub region: String,
    pub year: i32,
}

/// How to read a JSON-stat table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsonStatMapping {
    /// JSON-stat dimension id -> our dimension.
    pub dimensions: BTreeMap<String, MappedDimension>,
    /// The dimension holding the region (county codes; "00" or "SE" for Sweden) ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_dimension: Option<String>,
    /// ... or one region for the whole table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The dimension holding the year ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year_dimension: Option<String>,
    /// ... or one year for the whole table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
}

/// `PUT /api/v1/baselines`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BaselineUpload {
    /// Where the figures come from (publication, table, date).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub published_on: Option<NaiveDate>,
    #[serde(default)]
    pub shares: Vec<ShareInput>,
    /// A JSON-stat 2.0 dataset; counts are turned into shares within each region and year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub json_stat: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<JsonStatMapping>,
}

fn check_region(region: &str) -> Result<String, String> {
    match region {
        "SE" | "00" => Ok("SE".into()),
        code if geography::county_name(code).is_some() => Ok(code.into()),
        other => Err(format!("{other:?} is neither a county code nor SE")),
    }
}

/// A value the scheme can give `dimension`: municipalities are four-digit codes within a
/// county, the rest are listed by the scheme.
fn check_group_value(
    scheme: &TaggingScheme,
    dimension: Dimension,
    value: &str,
) -> Result<(), String> {
    if dimension == Dimension::Municipality {
        return geography::county_of_municipality(value).map(|_| ());
    }
    let values = scheme.values(dimension);
    if values.iter().any(|v| v == value) {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a {} group under the current tagging; one of {}",
            dimension.code(),
            values.join(", ")
        ))
    }
}

/// Stores the uploaded shares, checked against the organisation's current tagging; shares for
/// a group, region and year that exist are replaced. Returns how many were stored.
pub fn store(conn: &mut DbConnection, org_id: i64, upload: BaselineUpload) -> ServiceResult<usize> {
    let scheme = orgs::current_scheme(conn, org_id)?;
    let shares = upload
        .into_shares(&scheme.scheme)
        .map_err(ServiceError::Invalid)?;
    Ok(baselines::upsert(conn, org_id, &shares)?)
}

impl BaselineUpload {
    /// The shares to store, checked; group values must be ones the organisation's tagging
    /// `scheme` can give, or the share would silently never meet a group.
    pub fn into_shares(
        self,
        scheme: &TaggingScheme,
    ) -> Result<Vec<BaselineShare>, Vec<FieldError>> {
        let mut errors = Errors::new();
        if self.source.trim().is_empty() {
            errors.add("/source", "must name where the figures come from");
        }
        let mut inputs = self.shares.clone();
        match (&self.json_stat, &self.mapping) {
            (Some(table), Some(mapping)) => match read_json_stat(table, mapping) {
                Ok(shares) => inputs.extend(shares),
                Err(e) => errors.add(e.pointer, e.reason),
            },
            (Some(_), None) => errors.add("/mapping", "is required with jsonStat"),
            (None, Some(_)) => errors.add("/jsonStat", "is required with mapping"),
            (None, None) if inputs.is_empty() => {
                errors.add("/shares", "give shares or a jsonStat table")
            }
            (None, None) => {}
        }
        let mut out = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.into_iter().enumerate() {
            let at = |field: &str| format!("/shares/{i}/{field}");
            if input.group.is_empty() {
                errors.add(at("group"), "names no dimension");
            }
            for (dimension, value) in &input.group {
                if let Err(reason) = check_group_value(scheme, *dimension, value) {
                    errors.add(format!("/shares/{i}/group/{}", dimension.code()), reason);
                }
            }
            if !(0.0..=1.0).contains(&input.share) {
                errors.add(at("share"), "must be between 0 and 1");
            }
            if !(1900..=2100).contains(&input.year) {
                errors.add(at("year"), "must be a year");
            }
            let Some(region) = errors.check(&at("region"), check_region(&input.region)) else {
                continue;
            };
            out.push(BaselineShare {
                group: input.group,
                share: input.share,
                region,
                year: input.year,
                source: self.source.trim().to_owned(),
                published_on: self.published_on,
            });
        }
        // Shares of one dimension set in one region and year cannot add up to more than all.
        let mut sums: BTreeMap<(String, i32, Vec<Dimension>), f64> = BTreeMap::new();
        for s in &out {
            *sums
                .entry((s.region.clone(), s.year, s.group.keys().copied().collect()))
                .or_default() += s.share;
        }
        for ((region, year, dims), sum) in sums {
            if sum > 1.0 + 1e-6 {
                let names: Vec<&str> = dims.iter().map(|d| d.code()).collect();
                errors.add(
                    "/shares",
                    format!(
                        "shares of {} in {region} {year} add up to {sum:.3}, more than 1",
                        names.join("+")
                    ),
                );
            }
        }
        errors.finish(|| out)
    }
}

/// Reads a JSON-stat 2.0 table (see [`crate::codec::jsonstat`]) as counts per region, year and
/// group, turned into shares within each region and year.
fn read_json_stat(table: &Value, mapping: &JsonStatMapping) -> Result<Vec<ShareInput>, FieldError> {
    let data = Dataset::parse(table)?;
    let ids = &data.ids;
    let role = |name: &Option<String>| {
        name.as_ref()
            .and_then(|n| ids.iter().position(|id| id == n))
    };
    let region_at = role(&mapping.region_dimension);
    let year_at = role(&mapping.year_dimension);
    if mapping.region_dimension.is_some() && region_at.is_none() {
        return Err(FieldError::new(
            "/mapping/regionDimension",
            "is not a dimension of the table",
        ));
    }
    if mapping.year_dimension.is_some() && year_at.is_none() {
        return Err(FieldError::new(
            "/mapping/yearDimension",
            "is not a dimension of the table",
        ));
    }
    if region_at.is_none() && mapping.region.is_none() {
        return Err(FieldError::new(
            "/mapping/region",
            "give region or regionDimension",
        ));
    }
    if year_at.is_none() && mapping.year.is_none() {
        return Err(FieldError::new(
            "/mapping/year",
            "give year or yearDimension",
        ));
    }
    for name in mapping.dimensions.keys() {
        if !ids.contains(&name.as_str()) {
            return Err(FieldError::new(
                format!("/mapping/dimensions/{name}"),
                "is not a dimension of the table",
            ));
        }
    }
    data.check_all_mapped("/mapping/dimensions", |i| {
        mapping.dimensions.contains_key(data.ids[i]) || Some(i) == region_at || Some(i) == year_at
    })?;
    // Sum the counts per (region, year, group).
    let mut counts: BTreeMap<(String, i32), BTreeMap<BTreeMap<Dimension, String>, f64>> =
        BTreeMap::new();
    for cell in data.cells() {
        let Some(count) = cell.value else {
            continue;
        };
        let position = &cell.categories;
        let region = match region_at {
            Some(r) => data.code(r, position[r]).to_owned(),
            None => mapping.region.clone().unwrap_or_default(),
        };
        let year = match year_at {
            Some(y) => data
                .code(y, position[y])
                .get(..4)
                .and_then(|t| t.parse().ok())
                .unwrap_or(0),
            None => mapping.year.unwrap_or(0),
        };
        let mut group = BTreeMap::new();
        let mut complete = true;
        for (name, mapped) in &mapping.dimensions {
            let d = ids.iter().position(|id| id == name).expect("checked above");
            match mapped.values.get(data.code(d, position[d])) {
                Some(value) => {
                    group.insert(mapped.dimension, value.clone());
                }
                None => complete = false,
            }
        }
        if complete {
            *counts
                .entry((region, year))
                .or_default()
                .entry(group)
                .or_default() += count;
        }
    }
    let mut shares = Vec::new();
    for ((region, year), groups) in counts {
        let sum: f64 = groups.values().sum();
        if sum <= 0.0 {
            continue;
        }
        for (group, count) in groups {
            shares.push(ShareInput {
                group,
                share: count / sum,
                region: region.clone(),
                year,
            });
        }
    }
    Ok(shares)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Firm leaders by sex in two counties, 2016, as an SCB-style JSON-stat table.
    fn table() -> Value {
        json!({
            "version": "2.0", "class": "dataset",
            "id": ["Region", "Kon", "Tid"], "size": [2, 3, 1],
            "dimension": {
                "Region": {"category": {"index": {"01": 0, "12": 1}}},
                "Kon": {"category": {"index": ["1", "2", "1+2"]}},
                "Tid": {"category": {"index": {"2016": 0}}}
            },
            "value": [69, 31, 100, 70, 30, 100]
        })
    }

    fn scheme() -> TaggingScheme {
        crate::config::TaggingSettings {
            gender_definition: "leader".into(),
            background_definition: "leader".into(),
            ownership_majority: 0.5,
            mixed_band: [0.4, 0.6],
            age_bands: vec![[18, 30], [31, 49], [50, 64], [65, 0]],
            size_bands: vec![[0, 0], [1, 9], [10, 49]],
        }
        .scheme()
        .unwrap()
    }

    fn mapping() -> JsonStatMapping {
        JsonStatMapping {
            dimensions: BTreeMap::from([(
                "Kon".into(),
                MappedDimension {
                    dimension: Dimension::Gender,
                    values: BTreeMap::from([
                        ("1".into(), "men".into()),
                        ("2".into(), "women".into()),
                    ]),
                },
            )]),
            region_dimension: Some("Region".into()),
            region: None,
            year_dimension: Some("Tid".into()),
            year: None,
        }
    }

    #[test]
    fn json_stat_counts_become_shares() {
        let upload = BaselineUpload {
            source: "SCB, Företagsregistret 2016".into(),
            published_on: None,
            shares: vec![],
            json_stat: Some(table()),
            mapping: Some(mapping()),
        };
        let shares = upload.into_shares(&scheme()).unwrap();
        assert_eq!(shares.len(), 4);
        let women_01 = shares
            .iter()
            .find(|s| s.region == "01" && s.group[&Dimension::Gender] == "women")
            .unwrap();
        assert!((women_01.share - 0.31).abs() < 1e-12);
        assert_eq!(women_01.year, 2016);
    }

    #[test]
    fn an_unmapped_dimension_with_several_categories_is_refused() {
        let mut m = mapping();
        m.region_dimension = None;
        m.region = Some("01".into());
        let err = read_json_stat(&table(), &m).unwrap_err();
        assert!(err.reason.contains("Region"), "{}", err.reason);
    }

    #[test]
    fn direct_shares_are_checked() {
        let upload = BaselineUpload {
            source: "x".into(),
            published_on: None,
            shares: vec![
                ShareInput {
                    group: BTreeMap::from([(Dimension::Gender, "women".into())]),
                    share: 0.7,
                    region: "01".into(),
                    year: 2016,
                },
                ShareInput {
                    group: BTreeMap::from([(Dimension::Gender, "men".into())]),
                    share: 0.7,
                    region: "01".into(),
                    year: 2016,
                },
                ShareInput {
                    group: BTreeMap::from([(Dimension::Gender, "men".into())]),
                    share: 0.7,
                    region: "99".into(),
                    year: 2016,
                },
            ],
            json_stat: None,
            mapping: None,
        };
        let errors = upload.into_shares(&scheme()).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert!(pointers.contains(&"/shares/2/region"), "{pointers:?}");
        assert!(pointers.contains(&"/shares"), "{pointers:?}");
    }

    #[test]
    fn group_values_must_be_ones_the_tagging_can_give() {
        let share = |dimension: Dimension, value: &str| ShareInput {
            group: BTreeMap::from([(dimension, value.to_owned())]),
            share: 0.1,
            region: "01".into(),
            year: 2016,
        };
        let upload = BaselineUpload {
            source: "SCB".into(),
            published_on: None,
            shares: vec![
                share(Dimension::Gender, "women"),
                share(Dimension::Gender, "woman"),
                share(Dimension::AgeBand, "31-49"),
                share(Dimension::AgeBand, "30-49"),
                share(Dimension::Municipality, "0180"),
                share(Dimension::Municipality, "9980"),
                share(Dimension::County, "01"),
            ],
            json_stat: None,
            mapping: None,
        };
        let errors = upload.into_shares(&scheme()).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/shares/1/group/gender",
                "/shares/3/group/ageBand",
                "/shares/5/group/municipality"
            ]
        );
        assert!(
            errors[0].reason.contains("women, men, mixed"),
            "{}",
            errors[0].reason
        );
    }
}
