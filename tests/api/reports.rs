//! Reports through the API: golden files of each format on a fixed synthetic dataset, an
//! attempt to recover suppressed figures from the rest of the report, a stored report that does
//! not change when data arrives, the audit log, roles, and the HTML in a real browser.

use std::collections::BTreeMap;
use std::path::PathBuf;

use equal_terms::http::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{ORG, OTHER_ORG, TestApp, assert_problem, load_synthetic as load, spawn};

const REQUEST: &str =
    r#"{"dimensions": ["gender", "background", "ageBand"], "depth": 2, "language": "en"}"#;

async fn create(app: &TestApp, request: &Value) -> Value {
    let auditor = app.token(ORG, Role::Auditor);
    let response = app.post_json("/api/v1/reports", &auditor, request).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    assert!(response.headers().contains_key("location"));
    response.json().await.unwrap()
}

async fn fetch(app: &TestApp, id: &str, query: &str) -> (String, String) {
    let auditor = app.token(ORG, Role::Auditor);
    let response = app
        .get(&format!("/api/v1/reports/{id}{query}"), &auditor)
        .await;
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (kind, response.text().await.unwrap())
}

/// The parts of a report that differ between two makings of the same report: its ids, and its
/// times in the ways the formats print them (RFC 3339 with or without fractions, or to the
/// minute).
fn normalise(text: &str, report: &Value) -> String {
    let mut out = text.to_owned();
    for field in ["id", "evaluationId"] {
        if let Some(v) = report[field].as_str() {
            out = out.replace(v, &format!("<{field}>"));
        }
    }
    let times = [
        ("createdAt", report["createdAt"].as_str()),
        ("latestChange", report["data"]["latestChange"].as_str()),
    ];
    let mut variants: Vec<(String, &str)> = Vec::new();
    for (field, time) in times {
        let Some(t) = time else { continue };
        let minute = t.get(..16).unwrap_or(t).replace('T', " ");
        for variant in [t.to_owned(), t.get(..19).unwrap_or(t).to_owned(), minute] {
            variants.push((variant, field));
        }
    }
    // Longest first, so that a time is never cut by a shorter form of another.
    variants.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
    // One placeholder for both: they often fall in the same second, and the shorter forms
    // cannot tell them apart.
    for (variant, _) in variants {
        out = out.replace(&variant, "<time>");
    }
    out
}

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares with the golden file; `UPDATE_GOLDEN=1 cargo test --test api reports` rewrites it.
fn assert_golden(name: &str, actual: &str) {
    let path = golden(name);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no golden file {}: run with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "{name} differs from its golden file at line {}:\n  golden: {:?}\n  actual: {:?}",
            line + 1,
            expected.lines().nth(line).unwrap_or(""),
            actual.lines().nth(line).unwrap_or("")
        );
    }
}

#[actix_web::test]
async fn each_format_matches_its_golden_file() {
    let app = spawn().await;
    load(&app, 1_500, 11).await;
    let request: Value = serde_json::from_str(REQUEST).unwrap();
    let report = create(&app, &request).await;
    let id = report["id"].as_str().unwrap();
    let (kind, json_text) = fetch(&app, id, "").await;
    assert_eq!(kind, "application/json");
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&json_text).unwrap()).unwrap();
    assert_golden("report.json", &normalise(&pretty, &report));
    let (kind, csv) = fetch(&app, id, "?format=csv&swedish=true").await;
    assert!(kind.starts_with("text/csv"));
    assert!(csv.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    assert_golden("report-sv.csv", &normalise(&csv, &report));
    let (kind, html) = fetch(&app, id, "?format=html").await;
    assert!(kind.starts_with("text/html"));
    assert_golden("report.html", &normalise(&html, &report));
    // Accept decides without ?format.
    let auditor = app.token(ORG, Role::Auditor);
    let by_accept = app
        .client
        .get(app.url(&format!("/api/v1/reports/{id}")))
        .bearer_auth(&auditor)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(by_accept.text().await.unwrap(), html);
}

/// The figures of a report as an attacker reads them: (table dims, group key) -> figure.
fn figures(report: &Value, measure: &str) -> BTreeMap<Key, Option<f64>> {
    let mut out = BTreeMap::new();
    for table in report["tables"].as_array().unwrap() {
        let dims: Vec<String> = table["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().to_owned())
            .collect();
        for row in table["rows"].as_array().unwrap() {
            let key: Vec<String> = row["group"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["value"].as_str().unwrap().to_owned())
                .collect();
            out.insert((dims.clone(), key), row[measure]["value"].as_f64());
        }
        out.insert(
            (Vec::new(), Vec::new()),
            table["total"][measure]["value"].as_f64(),
        );
    }
    out
}

/// Every additive relation the report's tables state: a group of a table is the sum of the
/// groups of each table with one more dimension that agree with it.
type Key = (Vec<String>, Vec<String>);
fn relations(cells: &BTreeMap<Key, Option<f64>>) -> Vec<(Key, Vec<Key>)> {
    let mut tables: Vec<&Vec<String>> = cells.keys().map(|(d, _)| d).collect();
    tables.dedup();
    tables.sort();
    tables.dedup();
    let mut out = Vec::new();
    for (dims, key) in cells.keys() {
        for big in tables
            .iter()
            .filter(|b| b.len() == dims.len() + 1 && dims.iter().all(|d| b.contains(d)))
        {
            let at: Vec<usize> = dims
                .iter()
                .map(|d| big.iter().position(|x| x == d).unwrap())
                .collect();
            let parts: Vec<Key> = cells
                .keys()
                .filter(|(d, k)| d == *big && at.iter().zip(key).all(|(i, v)| &k[*i] == v))
                .cloned()
                .collect();
            out.push(((dims.clone(), key.clone()), parts));
        }
    }
    out
}

/// The trend's figures, keyed ("trend", dimension, period) and the group's value ("*" for the
/// period's total), and the relations they state: periods add up to each group's row of the
/// dimension's table and to the grand total, groups add up to each period's total.
fn trend(
    report: &Value,
    measure: &str,
    cells: &mut BTreeMap<Key, Option<f64>>,
) -> Vec<(Key, Vec<Key>)> {
    let mut laws = Vec::new();
    for table in report["trend"].as_array().unwrap() {
        let d = table["dimension"].as_str().unwrap().to_owned();
        let mut by_group: BTreeMap<String, Vec<Key>> = BTreeMap::new();
        let mut by_period: BTreeMap<String, Vec<Key>> = BTreeMap::new();
        let mut totals = Vec::new();
        for row in table["rows"].as_array().unwrap() {
            let period = row["period"].as_str().unwrap().to_owned();
            let value = row["group"][0]["value"].as_str().unwrap_or("*").to_owned();
            let key = (
                vec!["trend".into(), d.clone(), period.clone()],
                vec![value.clone()],
            );
            cells.insert(key.clone(), row[measure]["value"].as_f64());
            if value == "*" {
                totals.push(key);
            } else {
                by_group.entry(value).or_default().push(key.clone());
                by_period.entry(period).or_default().push(key);
            }
        }
        for (value, parts) in by_group {
            laws.push(((vec![d.clone()], vec![value]), parts));
        }
        for (period, parts) in by_period {
            laws.push((
                (vec!["trend".into(), d.clone(), period], vec!["*".into()]),
                parts,
            ));
        }
        laws.push(((Vec::new(), Vec::new()), totals));
    }
    laws
}

#[actix_web::test]
async fn suppressed_figures_cannot_be_recovered_from_the_rest_of_the_report() {
    let app = spawn().await;
    load(&app, 1_500, 11).await;
    let report = create(&app, &serde_json::from_str(REQUEST).unwrap()).await;
    let min = report["protection"]["minCell"].as_f64().unwrap();
    assert!(
        report["protection"]["primary"].as_u64().unwrap() > 0,
        "nothing to protect"
    );
    for measure in [
        "applications",
        "decided",
        "approved",
        "amountGranted",
        "amountApplied",
    ] {
        let mut known = figures(&report, measure);
        // Shown counts are never small.
        if !measure.starts_with("amount") {
            for v in known.values().flatten() {
                assert!(*v == 0.0 || *v >= min, "{measure}: {v} shown");
            }
        }
        // Propagate: wherever one figure of a relation is unknown, the others give it.
        let mut laws = relations(&known);
        if measure != "amountApplied" {
            laws.extend(trend(&report, measure, &mut known));
        }
        let hidden: Vec<_> = known
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k.clone())
            .collect();
        loop {
            let mut solved = None;
            for (total, parts) in &laws {
                let all: Vec<_> = std::iter::once(total).chain(parts).collect();
                let unknown: Vec<_> = all.iter().filter(|k| known[**k].is_none()).collect();
                if unknown.len() == 1 {
                    solved = Some((**unknown[0]).clone());
                    break;
                }
            }
            match solved {
                Some(k) => {
                    assert!(
                        !hidden.contains(&k),
                        "{measure}: the suppressed figure {k:?} follows from the others"
                    );
                    known.insert(k, Some(0.0));
                }
                None => break,
            }
        }
    }
    // The unknowns section shows what the tables show, and its reasons add up to it.
    for unknown in report["unknowns"].as_array().unwrap() {
        let d = unknown["dimension"].as_str().unwrap();
        let table = report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["dimensions"] == json!([d]))
            .unwrap();
        let row = table["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["group"][0]["value"] == "unknown");
        let in_table = row.map_or(json!({"value": 0.0}), |r| r["applications"].clone());
        assert_eq!(unknown["applications"], in_table, "{d}");
        if let Some(n) = unknown["applications"]["value"].as_f64() {
            let reasons: Vec<Option<f64>> = unknown["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r[1]["value"].as_f64())
                .collect();
            assert!(
                reasons.iter().all(|r| r.is_some_and(|c| c >= min)),
                "{unknown}"
            );
            assert_eq!(reasons.iter().flatten().sum::<f64>(), n, "{unknown}");
        } else {
            assert_eq!(unknown["reasons"], json!([]));
        }
    }
    // Findings speak only of groups whose figures are all shown.
    let rows: Vec<&Value> = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["rows"].as_array().unwrap())
        .collect();
    for finding in report["findings"].as_array().unwrap() {
        let row = rows
            .iter()
            .find(|r| r["group"] == finding["group"])
            .unwrap();
        let hidden = [
            "applications",
            "decided",
            "approved",
            "amountApplied",
            "amountGranted",
        ]
        .iter()
        .any(|m| row[m]["suppressed"].is_string());
        assert_eq!(finding["explanation"].is_null(), hidden, "{finding}");
    }
    // Rates and shares never give a suppressed count away either.
    for table in report["tables"].as_array().unwrap() {
        for row in table["rows"].as_array().unwrap() {
            if row["approved"]["suppressed"].is_string() {
                assert!(row["approvalRate"]["value"].is_null(), "{row}");
                assert!(row["shareOfApprovals"]["value"].is_null(), "{row}");
            }
            if row["amountGranted"]["suppressed"].is_string() {
                assert!(row["meanGrant"]["value"].is_null(), "{row}");
                assert!(row["medianGrant"]["value"].is_null(), "{row}");
                assert!(row["shareOfGranted"]["value"].is_null(), "{row}");
            }
        }
    }
}

#[actix_web::test]
async fn a_stored_report_is_unchanged_when_data_arrives_and_a_rerun_says_what_changed() {
    let app = spawn().await;
    load(&app, 600, 3).await;
    let report = create(&app, &json!({"dimensions": ["gender"], "depth": 1})).await;
    let id = report["id"].as_str().unwrap();
    let (_, before) = fetch(&app, id, "").await;
    let (_, html_before) = fetch(&app, id, "?format=html").await;
    // More applications arrive (a second seed: other external ids).
    load(&app, 300, 4).await;
    let (_, after) = fetch(&app, id, "").await;
    assert_eq!(before, after, "a stored report never changes");
    assert_eq!(html_before, fetch(&app, id, "?format=html").await.1);
    let auditor = app.token(ORG, Role::Auditor);
    let rerun = app
        .post_json(&format!("/api/v1/reports/{id}/rerun"), &auditor, &json!({}))
        .await;
    assert_eq!(rerun.status(), 201);
    let location = rerun.headers()["location"].to_str().unwrap().to_owned();
    let compared: Value = rerun.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/reports/{}", compared["later"].as_str().unwrap())
    );
    assert_eq!(compared["earlier"], id);
    assert_eq!(compared["dataChanged"], true);
    assert_eq!(
        compared["applicationsBefore"],
        report["data"]["applications"]
    );
    assert!(
        compared["applicationsAfter"].as_i64().unwrap()
            > compared["applicationsBefore"].as_i64().unwrap()
    );
}

#[actix_web::test]
async fn every_report_made_or_read_is_in_the_audit_log_for_admins() {
    let app = spawn().await;
    load(&app, 300, 5).await;
    let report = create(&app, &json!({"dimensions": ["gender"], "depth": 1})).await;
    let id = report["id"].as_str().unwrap();
    fetch(&app, id, "?format=csv").await;
    fetch(&app, id, "?format=html").await;
    let admin = app.token(ORG, Role::Admin);
    let log: Value = app
        .get("/api/v1/audit-log?limit=2", &admin)
        .await
        .json()
        .await
        .unwrap();
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (&items[0]["action"], &items[0]["format"]),
        (&json!("read"), &json!("html"))
    );
    assert_eq!(items[0]["reportId"], id);
    assert_eq!(
        (&items[1]["action"], &items[1]["format"]),
        (&json!("read"), &json!("csv"))
    );
    assert_eq!(items[0]["scope"]["dimensions"], json!(["gender"]));
    let cursor = log["nextCursor"].as_str().unwrap();
    let rest: Value = app
        .get(&format!("/api/v1/audit-log?cursor={cursor}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create"]);
    assert_problem(
        app.get("/api/v1/audit-log", &app.token(ORG, Role::Auditor))
            .await,
        403,
        None,
    )
    .await;
}

#[actix_web::test]
async fn reports_are_for_auditors_of_the_organisation() {
    let app = spawn().await;
    load(&app, 200, 6).await;
    let report = create(&app, &json!({"dimensions": ["gender"], "depth": 1})).await;
    let id = report["id"].as_str().unwrap();
    for role in [Role::Integrator, Role::CaseOfficer, Role::Admin] {
        assert_problem(
            app.post_json("/api/v1/reports", &app.token(ORG, role), &json!({}))
                .await,
            403,
            None,
        )
        .await;
    }
    let other = app.token(OTHER_ORG, Role::Auditor);
    assert_problem(
        app.get(&format!("/api/v1/reports/{id}"), &other).await,
        404,
        None,
    )
    .await;
    let auditor = app.token(ORG, Role::Auditor);
    assert_problem(
        app.post_json("/api/v1/reports", &auditor, &json!({"depth": 9}))
            .await,
        422,
        Some("/depth"),
    )
    .await;
    assert_problem(
        app.post_json("/api/v1/reports", &auditor, &json!({"programme": "NOPE"}))
            .await,
        422,
        Some("/programme"),
    )
    .await;
}

/// Renders the HTML report in Debian's headless Chromium: the page loads, its charts and tables
/// are in the rendered document, and a screenshot is kept in tests/artifacts/.
#[actix_web::test]
async fn the_html_report_renders_in_a_real_browser() {
    let Some(browser) = ["chromium", "chromium-browser"].into_iter().find(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .output()
            .is_ok()
    }) else {
        // CI installs Chromium (.ci/run); elsewhere the test says it could not run.
        assert!(
            std::env::var("CI").is_err(),
            "Chromium is missing on CI: .ci/run installs it"
        );
        eprintln!("the_html_report_renders_in_a_real_browser: no chromium here, not run");
        return;
    };
    let app = spawn().await;
    load(&app, 800, 7).await;
    let report = create(&app, &serde_json::from_str(REQUEST).unwrap()).await;
    let (_, html) = fetch(&app, report["id"].as_str().unwrap(), "?format=html").await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("report.html");
    std::fs::write(&page, &html).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let user_data = format!("--user-data-dir={}", profile.path().display());
    let url = format!("file://{}", page.display());
    let dom = std::process::Command::new(browser)
        .args(common)
        .arg(&user_data)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<svg"), "no chart in the rendered page");
    assert!(dom.contains("<table"), "no table in the rendered page");
    assert!(
        dom.contains("scope=\"col\""),
        "tables without column headers"
    );
    let shot = dir.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let screenshot = std::process::Command::new(browser)
        .args(common)
        .arg(&user_data)
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1200,2400")
        .arg(&url)
        .output()
        .unwrap();
    assert!(screenshot.status.success());
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.len() > 10_000 && png.starts_with(b"\x89PNG"),
        "an empty screenshot"
    );
}

/// The export through the API: awarded grants only, ids with the publisher's prefix, no DEI
/// unless asked and never for sole traders, recorded in the audit log; the schema validation is
/// in tests/giving360.rs.
#[actix_web::test]
async fn awarded_grants_export_as_a_360giving_package() {
    let app = spawn().await;
    load(&app, 400, 8).await;
    let auditor = app.token(ORG, Role::Auditor);
    let response = app.get("/api/v1/export/360giving", &auditor).await;
    assert_eq!(response.status(), 200);
    let package: Value = response.json().await.unwrap();
    let grants = package["grants"].as_array().unwrap();
    let report = create(&app, &json!({"dimensions": ["gender"], "depth": 1})).await;
    let approved = report["tables"][0]["total"]["approved"]["value"]
        .as_f64()
        .unwrap();
    assert_eq!(grants.len() as f64, approved, "one grant per approval");
    for g in grants {
        assert!(
            g["id"].as_str().unwrap().starts_with("360G-lst-test-"),
            "{g}"
        );
        assert_eq!(g["currency"], "SEK");
        assert!(g.get("deiDetails").is_none(), "no DEI unless asked");
    }
    let with_dei: Value = app
        .get("/api/v1/export/360giving?dei=true", &auditor)
        .await
        .json()
        .await
        .unwrap();
    let grants = with_dei["grants"].as_array().unwrap();
    assert!(grants.iter().any(|g| g.get("deiDetails").is_some()));
    for g in grants {
        if g.get("recipientIndividual").is_some() {
            assert!(
                g.get("deiDetails").is_none(),
                "DEI on a grant to an individual: {g}"
            );
        }
    }
    let scoped = app
        .get("/api/v1/export/360giving?call=NO-SUCH-CALL", &auditor)
        .await;
    assert_problem(scoped, 422, Some("/call")).await;
    assert_problem(
        app.get(
            "/api/v1/export/360giving",
            &app.token(ORG, Role::CaseOfficer),
        )
        .await,
        403,
        None,
    )
    .await;
    let admin = app.token(ORG, Role::Admin);
    let log: Value = app
        .get("/api/v1/audit-log?limit=5", &admin)
        .await
        .json()
        .await
        .unwrap();
    let formats: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats.iter().filter(|f| **f == "360giving").count(), 2);
}

/// A 360Giving package from another grant system imports like NDJSON: each grant a row, the
/// bad ones reported by their position and pointer, the good ones committed.
#[actix_web::test]
async fn a_360giving_package_imports_grant_by_grant() {
    let app = spawn().await;
    app.seed_call(&app.integrator()).await;
    let grant = |id: &str, org: &str, awarded: f64| {
        json!({
            "id": format!("360G-other-{id}"), "title": "Utveckling", "description": "Stöd",
            "currency": "SEK", "amountAwarded": awarded, "amountAppliedFor": 250000,
            "awardDate": "2017-04-15T00:00:00Z",
            "fundingOrganization": [{"id": "SE-BLV-2021001234", "name": "Länsstyrelsen"}],
            "recipientOrganization": [{"id": format!("SE-BLV-{org}"), "name": "Firma AB"}],
            "grantProgramme": [{"code": "ABC-2017-1", "title": "Utlysning"}],
            "beneficiaryLocation": [{"geoCode": "0180", "geoCodeType": "SE-KOMMUN", "countryCode": "SE"}],
        })
    };
    let package = json!({"grants": [
        grant("1", "5566778899", 200000.0),
        grant("2", "1234567890", 100000.0),
        grant("3", "5560360793", 250000.0),
    ]});
    let summary: Value = app
        .import(&app.integrator(), "application/json", package.to_string())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["accepted"], 2, "{summary}");
    assert_eq!(summary["rejected"], 1, "{summary}");
    assert_eq!(
        summary["errors"][0]["line"], 2,
        "the second grant: {summary}"
    );
    assert!(
        summary["errors"][0]["pointer"]
            .as_str()
            .unwrap()
            .contains("recipientOrganization"),
        "{summary}"
    );
    let first: Value = app
        .get("/api/v1/applications/360G-other-1", &app.integrator())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        first["decisions"][0]["outcome"], "partly_approved",
        "{first}"
    );
    let again: Value = app
        .import(&app.integrator(), "application/json", package.to_string())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["unchanged"], 2,
        "re-sending creates no duplicates: {again}"
    );
    let broken = app
        .import(
            &app.integrator(),
            "application/json",
            "{not json".to_string(),
        )
        .await;
    assert_problem(broken, 422, None).await;
}
