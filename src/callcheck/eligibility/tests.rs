use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::analysis::{Group, Inclusion, band_inclusion};
use super::upload::parse_band;
use super::*;
use crate::codec::jsonstat::MappedDimension;
use crate::domain::tagging::Dimension;
use crate::locale::Language;

fn women() -> Group {
    BTreeMap::from([(Dimension::Gender, "women".to_owned())])
}

fn men() -> Group {
    BTreeMap::from([(Dimension::Gender, "men".to_owned())])
}

fn population(cells: Vec<PopulationCell>) -> Population {
    Population {
        source: "test".into(),
        published_on: None,
        year: 2022,
        region: "SE".into(),
        cells,
    }
}

fn turnover_cell(group: Group, from: u64, to: Option<u64>, firms: f64) -> PopulationCell {
    PopulationCell {
        turnover: Some(Band { from, to }),
        group,
        firms,
        ..PopulationCell::default()
    }
}

fn employees_cell(group: Group, from: u64, to: Option<u64>, firms: f64) -> PopulationCell {
    PopulationCell {
        employees: Some(Band { from, to }),
        group,
        firms,
        ..PopulationCell::default()
    }
}

fn sector_cell(group: Group, sector: &str, firms: f64) -> PopulationCell {
    PopulationCell {
        sector: Some(sector.into()),
        group,
        firms,
        ..PopulationCell::default()
    }
}

fn share_of<'a>(groups: &'a [GroupShare], group: &Group) -> &'a GroupShare {
    groups
        .iter()
        .find(|g| &g.group == group)
        .expect("group present")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Below 3 MSEK: women 300, men 200. From 3 MSEK up: women 100, men 400.
fn turnover_population() -> Population {
    population(vec![
        turnover_cell(women(), 0, Some(3_000_000), 300.0),
        turnover_cell(women(), 3_000_000, None, 100.0),
        turnover_cell(men(), 0, Some(3_000_000), 200.0),
        turnover_cell(men(), 3_000_000, None, 400.0),
    ])
}

#[test]
fn a_turnover_floor_halves_the_women_run_share() {
    // All firms: women 400 of 1000 = 0.40. Eligible (>= 3 MSEK): women 100 of 500 = 0.20.
    // DI women = 100 * 0.20 / 0.40 = 50. Men: 0.60 -> 0.80, DI = 133.3.
    let rules = [EligibilityRule::MinTurnover { sek: 3_000_000 }];
    let result = analyse(&turnover_population(), &rules);
    assert!(close(result.firms, 1000.0));
    assert!(close(result.eligible_firms, 500.0));
    let w = share_of(&result.groups, &women());
    assert!(close(w.share_all, 0.4));
    assert!(close(w.share_eligible.unwrap(), 0.2));
    assert!(close(w.disparity_index.unwrap(), 50.0));
    let m = share_of(&result.groups, &men());
    assert!(close(m.disparity_index.unwrap(), 100.0 * 0.8 / 0.6));
    assert_eq!(result.worst.as_ref().unwrap().group, women());
    assert_eq!(result.rules.len(), 1);
    assert_eq!(result.rules[0].worst.as_ref().unwrap().group, women());
    assert!(!result.approximate);
    assert!(result.not_assessed.is_empty());
}

#[test]
fn a_balanced_rule_set_keeps_the_shares() {
    // Half of each group is at or above the floor and in the sector: DI 100 for both.
    let mut cells = Vec::new();
    for (group, firms) in [(women(), 300.0), (men(), 700.0)] {
        for (sector, from, to) in [("47", 0, Some(3_000_000)), ("62", 3_000_000, None)] {
            cells.push(PopulationCell {
                sector: Some(sector.into()),
                turnover: Some(Band { from, to }),
                group: group.clone(),
                firms: firms / 2.0,
                ..PopulationCell::default()
            });
        }
    }
    let rules = [
        EligibilityRule::MinTurnover { sek: 3_000_000 },
        EligibilityRule::Sectors {
            include: vec!["62".into()],
            exclude: vec![],
        },
    ];
    let result = analyse(&population(cells), &rules);
    assert!(close(result.eligible_firms, 500.0));
    for g in &result.groups {
        assert!(close(g.disparity_index.unwrap(), 100.0), "{g:?}");
    }
}

#[test]
fn partial_bands_count_by_the_share_inside() {
    // 2-49 employees: band 1-9 ([1, 10)) is 8/9 inside, 10-49 all, 50-249 none.
    let cells = vec![
        employees_cell(women(), 1, Some(10), 90.0),
        employees_cell(women(), 10, Some(50), 10.0),
        employees_cell(men(), 1, Some(10), 45.0),
        employees_cell(men(), 50, Some(250), 55.0),
    ];
    let rules = [EligibilityRule::Employees {
        min: Some(2),
        max: Some(49),
    }];
    let result = analyse(&population(cells), &rules);
    let w = share_of(&result.groups, &women());
    assert!(close(w.eligible_firms, 90.0 * 8.0 / 9.0 + 10.0));
    let m = share_of(&result.groups, &men());
    assert!(close(m.eligible_firms, 40.0));
    assert!(!result.approximate);
    // Turnover 1-5 MSEK against a 3 MSEK floor: half inside.
    let t = band_inclusion(
        Band {
            from: 1_000_000,
            to: Some(5_000_000),
        },
        3_000_000,
        None,
    );
    assert_eq!(t, Inclusion::exactly(0.5));
}

#[test]
fn rules_on_the_same_band_are_intersected_when_together() {
    // "at least 10" and "at most 49" on band [0, 100): 40 % inside, not 0.9 * 0.5.
    let cells = vec![employees_cell(women(), 0, Some(100), 100.0)];
    let rules = [
        EligibilityRule::Employees {
            min: Some(10),
            max: None,
        },
        EligibilityRule::Employees {
            min: None,
            max: Some(49),
        },
    ];
    let result = analyse(&population(cells), &rules);
    assert!(close(result.eligible_firms, 40.0));
}

#[test]
fn an_open_ended_band_partly_inside_counts_half_and_is_approximate() {
    let cells = vec![
        employees_cell(women(), 0, Some(250), 100.0),
        employees_cell(men(), 250, None, 100.0),
    ];
    let at_most = |max| EligibilityRule::Employees {
        min: None,
        max: Some(max),
    };
    let result = analyse(&population(cells.clone()), &[at_most(499)]);
    assert!(close(share_of(&result.groups, &men()).eligible_firms, 50.0));
    assert!(result.approximate && result.rules[0].approximate);
    // Wholly outside or wholly inside is exact.
    let outside = analyse(&population(cells.clone()), &[at_most(249)]);
    assert!(close(share_of(&outside.groups, &men()).eligible_firms, 0.0));
    assert!(!outside.approximate);
    let floor = EligibilityRule::Employees {
        min: Some(10),
        max: None,
    };
    let inside = analyse(&population(cells), &[floor]);
    assert!(close(
        share_of(&inside.groups, &men()).eligible_firms,
        100.0
    ));
    assert!(!inside.approximate);
}

#[test]
fn sectors_match_by_prefix_with_dots_ignored() {
    let include = |codes: &[&str]| EligibilityRule::Sectors {
        include: codes.iter().map(|c| c.to_string()).collect(),
        exclude: vec![],
    };
    let cells = vec![
        sector_cell(women(), "47.11", 10.0),
        sector_cell(women(), "62.010", 20.0),
        sector_cell(men(), "62", 40.0),
        sector_cell(men(), "01", 80.0),
    ];
    let pop = population(cells);
    // "620" matches "62.010" and not "47.11"; exact as long as no cell is coarser.
    let result = analyse(&pop, &[include(&["47", "01"])]);
    assert!(close(
        share_of(&result.groups, &women()).eligible_firms,
        10.0
    ));
    assert!(close(share_of(&result.groups, &men()).eligible_firms, 80.0));
    assert!(!result.approximate);
    let result = analyse(&pop, &[include(&["620"])]);
    assert!(close(
        share_of(&result.groups, &women()).eligible_firms,
        20.0
    ));
    // Cell "62" is coarser than "62.01": counted inside, approximate.
    let result = analyse(&pop, &[include(&["62.01"])]);
    assert!(close(share_of(&result.groups, &men()).eligible_firms, 40.0));
    assert!(result.approximate);
    // Every sector but agriculture and 47.11.
    let exclude = EligibilityRule::Sectors {
        include: vec![],
        exclude: vec!["01".into(), "4711".into()],
    };
    let result = analyse(&pop, &[exclude]);
    assert!(close(
        share_of(&result.groups, &women()).eligible_firms,
        20.0
    ));
    assert!(close(share_of(&result.groups, &men()).eligible_firms, 40.0));
}

#[test]
fn rules_the_population_cannot_test_are_not_assessed_with_reasons() {
    let pop = population(vec![
        sector_cell(women(), "47", 10.0),
        sector_cell(men(), "62", 30.0),
    ]);
    let rules = [
        EligibilityRule::MinTurnover { sek: 3_000_000 },
        EligibilityRule::CoFinancing { share: 0.5 },
        EligibilityRule::Sectors {
            include: vec!["62".into()],
            exclude: vec![],
        },
    ];
    let result = analyse(&pop, &rules);
    assert_eq!(result.not_assessed.len(), 2);
    let turnover = &result.not_assessed[0];
    assert_eq!(turnover.index, 0);
    assert!(
        turnover.reason.contains("broken down by turnover band"),
        "{}",
        turnover.reason
    );
    assert!(
        turnover.reason_sv.contains("omsättningsklass"),
        "{}",
        turnover.reason_sv
    );
    let cofinancing = &result.not_assessed[1];
    assert_eq!(cofinancing.index, 1);
    assert!(
        cofinancing.reason.contains("equity"),
        "{}",
        cofinancing.reason
    );
    // Only the sector rule counts.
    assert_eq!(result.rules.len(), 1);
    assert_eq!(result.rules[0].index, 2);
    assert!(close(result.eligible_firms, 30.0));
    assert_eq!(share_of(&result.groups, &women()).share_eligible, Some(0.0));
    assert_eq!(
        share_of(&result.groups, &women()).disparity_index,
        Some(0.0)
    );
    // A breakdown missing in some cells is named as such.
    let mut partial = turnover_population();
    partial.cells.push(sector_cell(women(), "47", 5.0));
    let result = analyse(&partial, &rules[..1]);
    assert!(result.not_assessed[0].reason.contains("1 of 5 cells"));
}

#[test]
fn counties_come_from_municipalities_or_the_region() {
    let mut pop = population(vec![
        PopulationCell {
            municipality: Some("0180".into()),
            group: women(),
            firms: 10.0,
            ..PopulationCell::default()
        },
        PopulationCell {
            county: Some("12".into()),
            group: men(),
            firms: 10.0,
            ..PopulationCell::default()
        },
    ]);
    let rule = EligibilityRule::Counties {
        allowed: vec!["01".into()],
    };
    let result = analyse(&pop, std::slice::from_ref(&rule));
    assert!(close(result.eligible_firms, 10.0));
    pop.cells.truncate(1);
    pop.cells[0].municipality = None;
    pop.region = "01".into();
    assert!(analyse(&pop, &[rule]).not_assessed.is_empty());
}

#[test]
fn marginals_are_added_for_cells_of_several_dimensions() {
    let cell = |gender: &str, background: &str, firms| PopulationCell {
        turnover: Some(Band {
            from: 0,
            to: Some(10),
        }),
        group: BTreeMap::from([
            (Dimension::Gender, gender.to_owned()),
            (Dimension::Background, background.to_owned()),
        ]),
        firms,
        ..PopulationCell::default()
    };
    let pop = population(vec![
        cell("women", "foreign", 10.0),
        cell("women", "swedish", 30.0),
        cell("men", "foreign", 20.0),
        cell("men", "swedish", 40.0),
    ]);
    let result = analyse(&pop, &[]);
    assert_eq!(result.groups.len(), 4 + 2 + 2);
    // Single dimensions first, in Dimension order.
    assert_eq!(result.groups[0].group, men());
    assert!(close(share_of(&result.groups, &women()).share_all, 0.4));
    assert!(close(result.firms, 100.0));
}

#[test]
fn output_never_holds_nan() {
    let mut pop = turnover_population();
    pop.cells[0].firms = f64::NAN;
    pop.cells[1].firms = -5.0;
    let rules = [EligibilityRule::MinTurnover { sek: u64::MAX }];
    let result = analyse(&pop, &rules);
    for g in result.groups.iter().chain(result.rules[0].groups.iter()) {
        let figures = [g.firms, g.eligible_firms, g.share_all];
        assert!(figures.iter().all(|x| x.is_finite()), "{g:?}");
        assert!(g.share_eligible.is_none_or(f64::is_finite), "{g:?}");
        assert!(g.disparity_index.is_none_or(f64::is_finite), "{g:?}");
    }
    // Women have no firms left that count: no share of all, so no index.
    assert_eq!(share_of(&result.groups, &women()).disparity_index, None);
    assert!(result.firms.is_finite() && result.eligible_firms.is_finite());
    assert!(analyse(&population(vec![]), &rules).worst.is_none());
}

#[test]
fn rules_describe_themselves() {
    let floor = EligibilityRule::MinTurnover { sek: 3_000_000 };
    assert_eq!(
        floor.describe(Language::Sv),
        "omsättning minst 3\u{a0}000\u{a0}000\u{a0}kr"
    );
    assert_eq!(
        floor.describe(Language::En),
        "turnover of at least SEK\u{a0}3,000,000"
    );
    let size = EligibilityRule::Employees {
        min: Some(2),
        max: Some(49),
    };
    assert_eq!(size.describe(Language::En), "2\u{2013}49 employees");
    let co = EligibilityRule::CoFinancing { share: 0.5 };
    assert_eq!(
        co.describe(Language::Sv),
        "egen medfinansiering av 50\u{a0}% av kostnaderna"
    );
    let sectors = EligibilityRule::Sectors {
        include: vec![],
        exclude: vec!["01".into()],
    };
    assert_eq!(sectors.describe(Language::En), "every sector except 01");
}

#[test]
fn rules_read_from_json_and_are_checked() {
    let rule: EligibilityRule =
        serde_json::from_value(json!({"kind": "employees", "min": 2})).unwrap();
    assert_eq!(
        rule,
        EligibilityRule::Employees {
            min: Some(2),
            max: None
        }
    );
    let rule: EligibilityRule =
        serde_json::from_value(json!({"kind": "minTurnover", "sek": 3000000})).unwrap();
    assert_eq!(rule.fact(), Some(FirmFact::Turnover));
    let bad = EligibilityRule::Counties {
        allowed: vec!["99".into()],
    };
    assert_eq!(bad.validate("/rules/1")[0].pointer, "/rules/1/allowed/0");
}

#[test]
fn band_strings_parse_inclusively() {
    assert_eq!(
        parse_band("1-9"),
        Ok(Band {
            from: 1,
            to: Some(10)
        })
    );
    assert_eq!(
        parse_band("250+"),
        Ok(Band {
            from: 250,
            to: None
        })
    );
    assert_eq!(
        parse_band("250-"),
        Ok(Band {
            from: 250,
            to: None
        })
    );
    assert_eq!(
        parse_band("0"),
        Ok(Band {
            from: 0,
            to: Some(1)
        })
    );
    assert_eq!(
        parse_band("3 000 000\u{2013}9 999 999"),
        Ok(Band {
            from: 3_000_000,
            to: Some(10_000_000)
        })
    );
    assert!(parse_band("nine").is_err());
    assert!(parse_band("9-1").is_err());
    assert!(parse_band("-5").is_err());
}

/// Firms by gender (with a total) and turnover class in tkr (with a total), Sweden 2022.
fn table() -> Value {
    json!({
        "version": "2.0", "class": "dataset",
        "id": ["Kon", "Omsattning", "Tid"], "size": [3, 3, 1],
        "dimension": {
            "Kon": {"category": {"index": ["1", "2", "1+2"]}},
            "Omsattning": {"category": {"index": {"0-2999": 0, "3000+": 1, "TOT": 2}}},
            "Tid": {"category": {"index": {"2022": 0}}}
        },
        "value": [200, 400, 600, 300, 100, 400, 500, 500, 1000]
    })
}

fn table_mapping() -> PopulationMapping {
    serde_json::from_value(json!({
        "dimensions": {"Kon": {"dimension": "gender", "values": {"1": "men", "2": "women"}}},
        "facts": {"Omsattning": {"fact": "turnover",
            "values": {"0-2999": "0-2999999", "3000+": "3000000-"}}}
    }))
    .unwrap()
}

fn table_upload() -> PopulationUpload {
    PopulationUpload {
        source: "SCB, Företagsregistret 2022".into(),
        published_on: NaiveDate::from_ymd_opt(2023, 5, 1),
        year: 2022,
        region: "00".into(),
        cells: vec![],
        json_stat: Some(table()),
        mapping: Some(table_mapping()),
    }
}

#[test]
fn a_json_stat_table_reads_as_cells_and_round_trips() {
    let body = serde_json::to_value(table_upload()).unwrap();
    let upload: PopulationUpload = serde_json::from_value(body).unwrap();
    let pop = upload.into_population().unwrap();
    assert_eq!(pop.region, "SE");
    // Totals of both dimensions are left out.
    assert_eq!(pop.cells.len(), 4);
    let w_low = &pop.cells[2];
    assert_eq!(w_low.group, women());
    assert_eq!(
        w_low.turnover,
        Some(Band {
            from: 0,
            to: Some(3_000_000)
        })
    );
    assert!(close(w_low.firms, 300.0));
    let stored: Population = serde_json::from_str(&serde_json::to_string(&pop).unwrap()).unwrap();
    assert_eq!(stored, pop);
    // The same figures as the hand-computed example: DI 50 for women.
    let result = analyse(&stored, &[EligibilityRule::MinTurnover { sek: 3_000_000 }]);
    assert!(close(
        share_of(&result.groups, &women()).disparity_index.unwrap(),
        50.0
    ));
}

#[test]
fn direct_cells_read_with_band_strings_and_ranges() {
    let upload: PopulationUpload = serde_json::from_value(json!({
        "source": "Tillväxtverket", "year": 2022, "region": "01",
        "cells": [
            {"sector": "62.01", "employees": "1-9", "turnover": {"from": 0, "to": 3000000},
             "municipality": "0180", "group": {"gender": "women"}, "firms": 12},
            {"legalForm": "ab", "employees": "250+", "group": {"gender": "men"}, "firms": 3}
        ]
    }))
    .unwrap();
    let pop = upload.into_population().unwrap();
    assert_eq!(
        pop.cells[0].employees,
        Some(Band {
            from: 1,
            to: Some(10)
        })
    );
    assert_eq!(pop.cells[1].legal_form.as_deref(), Some("AB"));
}

#[test]
fn upload_errors_name_their_fields() {
    let upload: PopulationUpload = serde_json::from_value(json!({
        "source": " ", "year": 2022, "region": "01",
        "cells": [
            {"employees": "nine", "group": {"gender": "women"}, "firms": 1},
            {"group": {"gender": "men"}, "firms": -1},
            {"county": "01", "municipality": "1280", "group": {"gender": "men"}, "firms": 1},
            {"sector": "G", "turnover": {"from": 5, "to": 5}, "group": {}, "firms": 1}
        ]
    }))
    .unwrap();
    let errors = upload.into_population().unwrap_err();
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    for expected in [
        "/source",
        "/cells/0/employees",
        "/cells/1/firms",
        "/cells/2/municipality",
        "/cells/3/sector",
        "/cells/3/turnover",
    ] {
        assert!(
            pointers.contains(&expected),
            "{expected} not in {pointers:?}"
        );
    }

    let mut bad_region = table_upload();
    bad_region.region = "99".into();
    let errors = bad_region.into_population().unwrap_err();
    assert_eq!(errors[0].pointer, "/region");

    let mut bad_mapping = table_upload();
    let mapping = bad_mapping.mapping.as_mut().unwrap();
    mapping.dimensions.insert(
        "Region".into(),
        MappedDimension {
            dimension: Dimension::County,
            values: BTreeMap::new(),
        },
    );
    let turnover = mapping.facts.get_mut("Omsattning").unwrap();
    turnover
        .values
        .as_mut()
        .unwrap()
        .insert("3000+".into(), "lots".into());
    let errors = bad_mapping.into_population().unwrap_err();
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(pointers, ["/mapping/dimensions/Region"]);

    let mut bad_value = table_upload();
    let mapping = bad_value.mapping.as_mut().unwrap();
    let turnover = mapping.facts.get_mut("Omsattning").unwrap();
    turnover
        .values
        .as_mut()
        .unwrap()
        .insert("3000+".into(), "lots".into());
    bad_value.json_stat.as_mut().unwrap()["value"][0] = json!(-3);
    let errors = bad_value.into_population().unwrap_err();
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(pointers, ["/mapping/facts/Omsattning/values/3000+"]);

    // Totals taken as codes, and an unmapped dimension of several categories.
    let mut raw = table_upload();
    let mapping = raw.mapping.as_mut().unwrap();
    mapping.facts.get_mut("Omsattning").unwrap().values = None;
    let errors = raw.clone().into_population().unwrap_err();
    assert_eq!(errors[0].pointer, "/mapping/facts/Omsattning");
    assert!(errors[0].reason.contains("\"TOT\""), "{}", errors[0].reason);
    raw.mapping.as_mut().unwrap().facts.clear();
    let errors = raw.into_population().unwrap_err();
    assert_eq!(errors[0].pointer, "/mapping");
    assert!(
        errors[0].reason.contains("Omsattning"),
        "{}",
        errors[0].reason
    );

    let mut negative = table_upload();
    negative.json_stat.as_mut().unwrap()["value"][0] = json!(-3);
    let errors = negative.into_population().unwrap_err();
    assert_eq!(errors[0].pointer, "/jsonStat/value/0");

    let empty = PopulationUpload {
        cells: vec![],
        json_stat: None,
        mapping: None,
        ..table_upload()
    };
    assert_eq!(empty.into_population().unwrap_err()[0].pointer, "/cells");
}
