//! The call check through the API: a realistic Swedish text, a turnover floor that excludes
//! women-run firms, a balanced call, publishing rules, overrides, drafts, the monitor.

use equal_terms::http::auth::Role;
use equal_terms::synth::org_number;
use serde_json::{Value, json};

use crate::helpers::{ORG, OTHER_ORG, TestApp, assert_problem, spawn};

/// The realistic Swedish call whose counts were computed by hand
/// (src/callcheck/text/fixtures/utlysning-sv.hand.md).
const SV_CALL: &str = include_str!("../../src/callcheck/text/fixtures/utlysning-sv.txt");

/// A short, plain call text: LIX well under 50, no officialese, no long sentences, and as many
/// masculine- as feminine-coded words (beslut; kvinnor).
const PLAIN_TEXT: &str = "Vi ger pengar till små företag i länet. \
    Du kan söka om du vill växa. \
    Vi vill att fler kvinnor och fler personer födda i andra länder söker. \
    Du får beslut inom sex veckor.";

async fn programme(app: &TestApp) {
    let admin = app.token(ORG, Role::Admin);
    let created = app
        .post_json(
            "/api/v1/programmes",
            &admin,
            &json!({"code": "REG-FS", "name": "Regionalt företagsstöd"}),
        )
        .await;
    assert!(created.status() == 201 || created.status() == 409);
}

/// Creates a call of REG-FS with `design`; returns its id.
async fn call(app: &TestApp, code: &str, design: Value) -> i64 {
    programme(app).await;
    let officer = app.token(ORG, Role::CaseOfficer);
    let created = app
        .post_json(
            "/api/v1/calls",
            &officer,
            &json!({
                "programmeCode": "REG-FS", "code": code, "title": "Företagsstöd 2018",
                "opensOn": "2018-01-01", "closesOn": "2018-03-31",
                "budget": {"amount": "5000000.00", "currency": "SEK"},
                "design": design,
            }),
        )
        .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let body: Value = created.json().await.unwrap();
    body["id"].as_i64().unwrap()
}

async fn check(app: &TestApp, id: i64) -> Value {
    let officer = app.token(ORG, Role::CaseOfficer);
    let response = app
        .post_json(
            &format!("/api/v1/calls/{id}/checks?language=en"),
            &officer,
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

fn result<'a>(check: &'a Value, id: &str) -> &'a Value {
    check["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {check}"))
}

async fn patch(app: &TestApp, id: i64, body: Value) -> reqwest::Response {
    let officer = app.token(ORG, Role::CaseOfficer);
    app.client
        .patch(app.url(&format!("/api/v1/calls/{id}")))
        .bearer_auth(&officer)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Women run 1,000 of 3,000 firms (a third), but only 400 of the 1,600 with a turnover of at
/// least 3 MSEK (a quarter): a 3 MSEK floor gives women-run firms a disparity index of
/// 100 x 0.25 / (1/3) = 75.
fn turnover_population() -> Value {
    json!({
        "source": "Test population (invented for the test)", "year": 2017, "region": "01",
        "cells": [
            {"turnover": "0-2999999", "group": {"gender": "women"}, "firms": 600},
            {"turnover": "3000000-", "group": {"gender": "women"}, "firms": 400},
            {"turnover": "0-2999999", "group": {"gender": "men"}, "firms": 800},
            {"turnover": "3000000-", "group": {"gender": "men"}, "firms": 1200},
        ]
    })
}

fn balanced_design() -> Value {
    json!({
        "text": {"sv": PLAIN_TEXT},
        "eligibility": {"minTurnover": {"amount": "500000.00", "currency": "SEK"}},
        "targetGroups": [
            {"description": "Kvinnor som driver företag", "groups": [{"dimension": "gender", "value": "women"}]},
            {"description": "Företagare med utländsk bakgrund", "groups": [{"dimension": "background", "value": "foreign"}]},
        ],
        "equalityGoals": [{"dimension": "gender", "value": "women"}, {"dimension": "background", "value": "foreign"}],
        "targetGroupAnalysis": {
            "targetGroup": "Små företag i länet",
            "patterns": "Kvinnor och personer med utländsk bakgrund söker mer sällan",
            "desiredOutcome": "Sökande och beviljade i samma andelar som bland företagen",
        },
        "outreach": {"channels": ["website", "womens-business-network"], "languages": ["sv", "ar"]},
        "panel": {"women": 3, "men": 3},
        "indicators": [{"name": "Beviljade ansökningar", "breakdowns": ["gender", "background"]}],
    })
}

#[actix_web::test]
async fn a_swedish_call_text_gets_its_hand_counted_words_and_lix() {
    let app = spawn().await;
    let id = call(&app, "TEXT-1", json!({"text": {"sv": SV_CALL}})).await;
    let checked = check(&app, id).await;
    let wording = result(&checked, "gender-coded-wording");
    let sv = &wording["details"]["languages"][0];
    assert_eq!(sv["lang"], "sv");
    assert_eq!(sv["masculineCount"], 6);
    assert_eq!(sv["feminineCount"], 8);
    assert_eq!(sv["balance"], "feminine");
    assert_eq!(wording["verdict"], "pass");
    let ledare = sv["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["word"] == "ledare")
        .unwrap();
    let at = ledare["location"]["byteOffset"].as_u64().unwrap() as usize;
    assert_eq!(&SV_CALL[at..at + "ledare".len()], "ledare");
    assert_eq!(ledare["alternatives"], json!(["chef", "samordnare"]));

    let plain = result(&checked, "plain-language");
    let lix = &plain["details"]["lix"];
    assert_eq!(
        (&lix["words"], &lix["sentences"], &lix["longWords"]),
        (&json!(244), &json!(23), &json!(71))
    );
    let score = lix["score"].as_f64().unwrap();
    assert!((score - (244.0 / 23.0 + 7100.0 / 244.0)).abs() < 1e-9);
    assert_eq!(lix["band"], "medium");
    // LIX is fine, but one sentence of 39 words and seven pieces of officialese are not.
    assert_eq!(plain["verdict"], "warn");
    let found = plain["details"]["plainLanguage"]["jargon"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(found, 7);
    assert!(
        plain["action"]
            .as_str()
            .unwrap()
            .contains("Bifoga → skicka med")
    );
}

#[actix_web::test]
async fn a_turnover_floor_that_excludes_women_run_firms_fails_and_names_the_rule() {
    let app = spawn().await;
    let admin = app.token(ORG, Role::Admin);
    let stored = app
        .put_json("/api/v1/firm-population", &admin, &turnover_population())
        .await;
    assert_eq!(stored.status(), 200, "{}", stored.text().await.unwrap());
    let mut design = balanced_design();
    design["eligibility"] = json!({
        "minTurnover": {"amount": "3000000.00", "currency": "SEK"},
        "maxEmployees": 49,
    });
    let id = call(&app, "FLOOR-1", design).await;
    let checked = check(&app, id).await;
    assert_eq!(checked["verdict"], "fail");
    assert_eq!(checked["callVersion"], 1);
    let exclusion = result(&checked, "eligibility-exclusion");
    assert_eq!(exclusion["verdict"], "fail", "{exclusion}");
    let why = exclusion["why"].as_str().unwrap();
    assert!(why.contains("disparity index 75"), "{why}");
    assert!(why.contains("\"turnover of at least SEK"), "{why}");
    // The population has no size breakdown: that rule is said to be unassessed, not ignored.
    assert!(why.contains("Not assessed"), "{why}");
    assert!(
        exclusion["action"]
            .as_str()
            .unwrap()
            .contains("turnover of at least SEK")
    );

    // Publishing is refused, naming the failed check.
    let refused = assert_problem(
        patch(&app, id, json!({"status": "published"})).await,
        409,
        None,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("eligibility-exclusion"),
        "{refused}"
    );
    // An override needs a reason; with one it is recorded, shown, and lets the call be published.
    let officer = app.token(ORG, Role::CaseOfficer);
    let url = format!("/api/v1/calls/{id}/overrides");
    assert_problem(
        app.post_json(&url, &officer, &json!({"reason": "ok"}))
            .await,
        422,
        Some("/reason"),
    )
    .await;
    let reason = "The turnover floor is set by the programme's regulation (SFS 2015:210).";
    let recorded = app
        .post_json(&url, &officer, &json!({"reason": reason}))
        .await;
    assert_eq!(recorded.status(), 201);
    let history: Value = app
        .get(&format!("/api/v1/calls/{id}/checks"), &officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["publishable"], true);
    assert_eq!(history["overrides"][0]["reason"], reason);
    assert_eq!(history["overrides"][0]["callVersion"], 1);
    let published = patch(&app, id, json!({"status": "published"})).await;
    assert_eq!(published.status(), 200);
    // Reports on the programme show the override.
    let auditor = app.token(ORG, Role::Auditor);
    let report: Value = app
        .post_json(
            "/api/v1/reports",
            &auditor,
            &json!({"programme": "REG-FS", "dimensions": ["gender"], "depth": 1}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["overrides"][0]["call"], "FLOOR-1", "{report}");
    assert_eq!(report["overrides"][0]["reason"], reason);
}

#[actix_web::test]
async fn a_balanced_call_passes_and_changes_between_drafts_are_shown() {
    let app = spawn().await;
    let admin = app.token(ORG, Role::Admin);
    app.put_json("/api/v1/firm-population", &admin, &turnover_population())
        .await;
    // An earlier call of the programme, where women and men were approved alike.
    call(&app, "EARLIER-1", json!({})).await;
    let rows: String = (0..80)
        .map(|i| {
            let sex = if i % 2 == 0 { "female" } else { "male" };
            let outcome = if i % 4 < 2 { "approved" } else { "rejected" };
            let mut row = json!({
                "externalId": format!("E-{i}"), "callCode": "EARLIER-1", "receivedOn": "2018-01-10",
                "amountApplied": {"amount": "100000.00", "currency": "SEK"},
                "applicant": {"orgNumber": org_number(7, i), "legalForm": "AB", "municipality": "0180",
                              "employees": 3, "sector": "62.010",
                              "leader": {"sex": sex, "birthYear": 1975, "background": "born_abroad"}},
                "decision": {"outcome": outcome, "decidedOn": "2018-02-20"},
            });
            if outcome == "approved" {
                row["decision"]["amountGranted"] = json!({"amount": "100000.00", "currency": "SEK"});
            }
            row.to_string() + "\n"
        })
        .collect();
    let imported: Value = app
        .import(&app.integrator(), "application/x-ndjson", rows)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(imported["accepted"], 80, "{imported}");

    // A first draft with a men-heavy panel ...
    let mut design = balanced_design();
    design["panel"] = json!({"women": 1, "men": 5});
    let id = call(&app, "BALANCED-1", design.clone()).await;
    let first = check(&app, id).await;
    assert_eq!(result(&first, "assessment-panel")["verdict"], "warn");
    // ... then the panel is balanced: a new version, checked again.
    design["panel"] = json!({"women": 3, "men": 3});
    let patched: Value = patch(&app, id, json!({"design": design}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(patched["version"], 2);
    let second = check(&app, id).await;
    for c in second["checks"].as_array().unwrap() {
        assert_eq!(c["verdict"], "pass", "{c}");
    }
    assert_eq!(second["verdict"], "pass");
    let earlier = result(&second, "earlier-calls");
    assert_eq!(earlier["details"]["decided"], 80);
    assert_eq!(earlier["details"]["calls"], 1);
    let exclusion = result(&second, "eligibility-exclusion");
    // A 0.5 MSEK floor keeps 5/6 of each 0-3 MSEK band (firms spread evenly over it): women
    // 600 x 5/6 + 400 = 900 of 800 x 5/6 + 1200 + 900 = 2766.67, a share of 0.3253 against
    // 1/3 of all firms, disparity index 97.6: above the warning limit of 90.
    let analysis = &exclusion["details"]["analysis"];
    let eligible = analysis["eligibleFirms"].as_f64().unwrap();
    assert!((eligible - 2766.6667).abs() < 1e-3, "{analysis}");
    let women = analysis["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"]["gender"] == "women")
        .unwrap();
    let di = women["disparityIndex"].as_f64().unwrap();
    assert!(
        (di - 100.0 * (900.0 / 2766.6667) * 3.0).abs() < 1e-3,
        "{di}"
    );

    let officer = app.token(ORG, Role::CaseOfficer);
    let history: Value = app
        .get(&format!("/api/v1/calls/{id}/checks"), &officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["callVersion"], 2);
    assert_eq!(history["checks"].as_array().unwrap().len(), 2);
    assert_eq!(history["checks"][0]["callVersion"], 2);
    assert_eq!(
        history["changes"],
        json!([{"check": "assessment-panel", "from": "warn", "to": "pass"}])
    );
    // The stored check is returned as it was made.
    assert_eq!(history["checks"][0], second);
    assert_eq!(
        patch(&app, id, json!({"status": "published"}))
            .await
            .status(),
        200
    );
}

#[actix_web::test]
async fn publishing_needs_a_check_of_the_current_version() {
    let app = spawn().await;
    let id = call(&app, "UNCHECKED-1", balanced_design()).await;
    let refused = assert_problem(
        patch(&app, id, json!({"status": "published"})).await,
        409,
        None,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("not been checked"),
        "{refused}"
    );
    check(&app, id).await;
    // A change after the check makes a new version, which has not been checked.
    let changed = patch(&app, id, json!({"title": "Företagsstöd 2018 (ny)"})).await;
    assert_eq!(changed.status(), 200);
    assert_problem(
        patch(&app, id, json!({"status": "published"})).await,
        409,
        None,
    )
    .await;
    // Changing content and publishing in one request is refused too.
    check(&app, id).await;
    assert_problem(
        patch(
            &app,
            id,
            json!({"status": "published", "title": "Annan titel"}),
        )
        .await,
        409,
        None,
    )
    .await;
    // An override without a check of this version is refused.
    let officer = app.token(ORG, Role::CaseOfficer);
    patch(&app, id, json!({"title": "Tredje titeln"})).await;
    assert_problem(
        app.post_json(
            &format!("/api/v1/calls/{id}/overrides"),
            &officer,
            &json!({"reason": "Publish it anyway, please."}),
        )
        .await,
        409,
        None,
    )
    .await;
}

#[actix_web::test]
async fn checks_are_for_case_officers_of_the_organisation() {
    let app = spawn().await;
    let id = call(&app, "ROLE-1", json!({})).await;
    let url = format!("/api/v1/calls/{id}/checks");
    for role in [Role::Integrator, Role::Auditor, Role::Admin] {
        let token = app.token(ORG, role);
        assert_problem(app.post_json(&url, &token, &json!({})).await, 403, None).await;
    }
    let other = app.token(OTHER_ORG, Role::CaseOfficer);
    assert_problem(app.post_json(&url, &other, &json!({})).await, 404, None).await;
    assert_problem(app.get(&url, &other).await, 404, None).await;
    assert_problem(
        app.get(&format!("/api/v1/calls/{id}/monitor"), &other)
            .await,
        404,
        None,
    )
    .await;
}

#[actix_web::test]
async fn bad_designs_and_populations_name_the_field() {
    let app = spawn().await;
    programme(&app).await;
    let officer = app.token(ORG, Role::CaseOfficer);
    let body = json!({
        "programmeCode": "REG-FS", "code": "BAD-1", "title": "T",
        "opensOn": "2018-01-01", "closesOn": "2018-03-31",
        "budget": {"amount": "1.00"},
        "design": {"eligibility": {"sectors": ["6x"], "counties": ["99"], "coFinancingShare": "1.5",
                                   "minEmployees": 10, "maxEmployees": 2}}
    });
    let problem = assert_problem(
        app.post_json("/api/v1/calls", &officer, &body).await,
        422,
        Some("/design/eligibility/sectors/0"),
    )
    .await;
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    for p in [
        "/design/eligibility/counties/0",
        "/design/eligibility/coFinancingShare",
        "/design/eligibility/maxEmployees",
    ] {
        assert!(pointers.contains(&p), "{p} not in {pointers:?}");
    }
    let mut population = turnover_population();
    population["cells"][1]["firms"] = json!(-3);
    population["source"] = json!("");
    let admin = app.token(ORG, Role::Admin);
    let problem = assert_problem(
        app.put_json("/api/v1/firm-population", &admin, &population)
            .await,
        422,
        Some("/source"),
    )
    .await;
    assert!(problem.to_string().contains("/cells/1/firms"), "{problem}");
}

#[actix_web::test]
async fn a_draft_is_checked_without_being_stored() {
    let app = spawn().await;
    programme(&app).await;
    let officer = app.token(ORG, Role::CaseOfficer);
    let response = app
        .post_json(
            "/api/v1/call-checks",
            &officer,
            &json!({"programmeCode": "REG-FS", "design": balanced_design(), "language": "sv"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["language"], "sv");
    assert_eq!(report["checks"].as_array().unwrap().len(), 8);
    // No population was uploaded: the exclusion check says what data it needs.
    let exclusion = result(&report, "eligibility-exclusion");
    assert_eq!(exclusion["verdict"], "cannot_assess");
    assert!(
        exclusion["action"]
            .as_str()
            .unwrap()
            .contains("firm-population")
    );
    let calls: Value = app
        .get("/api/v1/calls", &officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(calls["items"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn an_open_call_is_monitored_as_decisions_arrive() {
    let app = spawn().await;
    let id = call(&app, "ABC-2017-1", json!({})).await;
    let auditor = app.token(ORG, Role::Auditor);
    let url = format!("/api/v1/calls/{id}/monitor");
    let empty: Value = app.get(&url, &auditor).await.json().await.unwrap();
    assert_eq!(empty["evaluation"]["data"]["applications"], 0);
    assert_eq!(empty["call"]["code"], "ABC-2017-1");
    let put = app
        .put_json(
            "/api/v1/applications/A-1",
            &app.integrator(),
            &crate::helpers::application(),
        )
        .await;
    assert_eq!(put.status(), 201);
    let one: Value = app.get(&url, &auditor).await.json().await.unwrap();
    assert_eq!(one["evaluation"]["data"]["applications"], 1);
    assert_eq!(one["evaluation"]["data"]["approved"], 1);
    // Monitoring stores nothing.
    use diesel::prelude::*;
    let stored: i64 = equal_terms::storage::schema::evaluations::table
        .count()
        .get_result(&mut *app.db.conn().unwrap())
        .unwrap();
    assert_eq!(stored, 0);
}
