//! Baselines ("availability"): each group's share of those who could have applied, by region
//! and year, with a source. Supplied as data per organisation, never constants.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::tagging::Dimension;

/// One group's share of the eligible population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BaselineShare {
    /// The group, e.g. `{"gender": "women"}` or `{"gender": "women", "background": "foreign"}`.
    pub group: BTreeMap<Dimension, String>,
    /// Share in [0, 1].
    pub share: f64,
    /// County code ("01") or "SE" for the whole country.
    pub region: String,
    pub year: i32,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub published_on: Option<NaiveDate>,
}

/// The baselines an evaluation uses: at most one share per group.
#[derive(Debug, Clone, Default)]
pub struct Baselines {
    shares: Vec<BaselineShare>,
}

impl Baselines {
    /// For each group, the share for `region` (else the national one) of the latest year not
    /// after `year` (else the earliest year there is).
    pub fn select(all: &[BaselineShare], region: Option<&str>, year: i32) -> Self {
        let mut chosen: BTreeMap<&BTreeMap<Dimension, String>, &BaselineShare> = BTreeMap::new();
        let rank = |b: &BaselineShare| {
            let regional = region.is_some_and(|r| r == b.region);
            let national = b.region == "SE";
            let in_time = b.year <= year;
            // Regional beats national; then a year in time, the latest such; else the earliest.
            (
                regional,
                national,
                in_time,
                if in_time { b.year } else { -b.year },
            )
        };
        for share in all {
            if region.is_some_and(|r| r != share.region) && share.region != "SE" {
                continue;
            }
            if region.is_none() && share.region != "SE" {
                continue;
            }
            match chosen.get(&share.group) {
                Some(current) if rank(current) >= rank(share) => {}
                _ => {
                    chosen.insert(&share.group, share);
                }
            }
        }
        Self {
            shares: chosen.into_values().cloned().collect(),
        }
    }

    /// The share of exactly this group.
    pub fn find(&self, group: &[(Dimension, String)]) -> Option<&BaselineShare> {
        self.shares.iter().find(|b| {
            b.group.len() == group.len() && group.iter().all(|(d, v)| b.group.get(d) == Some(v))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.shares.is_empty()
    }

    pub fn shares(&self) -> &[BaselineShare] {
        &self.shares
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(region: &str, year: i32, value: f64) -> BaselineShare {
        BaselineShare {
            group: BTreeMap::from([(Dimension::Gender, "women".to_owned())]),
            share: value,
            region: region.into(),
            year,
            source: "test".into(),
            published_on: None,
        }
    }

    #[test]
    fn regional_and_recent_wins() {
        let all = [
            share("SE", 2016, 0.28),
            share("01", 2012, 0.31),
            share("01", 2016, 0.33),
            share("01", 2030, 0.5),
            share("12", 2016, 0.2),
        ];
        let chosen = Baselines::select(&all, Some("01"), 2017);
        let women = [(Dimension::Gender, "women".to_owned())];
        assert_eq!(chosen.find(&women).unwrap().share, 0.33);
        let national = Baselines::select(&all, None, 2017);
        assert_eq!(national.find(&women).unwrap().share, 0.28);
        let other = Baselines::select(&all, Some("03"), 2017);
        assert_eq!(other.find(&women).unwrap().share, 0.28);
        let early = Baselines::select(&all, Some("01"), 2000);
        assert_eq!(early.find(&women).unwrap().share, 0.31);
    }
}
