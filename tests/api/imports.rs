//! Bulk imports: NDJSON and both CSV dialects with bad rows mixed in, re-sending, limits.

use equal_terms::synth::SynthConfig;
use figment::Figment;
use figment::providers::Serialized;
use serde_json::{Value, json};

use crate::helpers::{ORG, application, assert_problem, spawn, spawn_with};

fn ndjson_line(id: &str, mut body: Value) -> String {
    body["externalId"] = json!(id);
    format!("{body}\n")
}

#[actix_web::test]
async fn ndjson_with_bad_rows_commits_the_good_ones_and_reports_the_bad() {
    let app = spawn().await;
    let token = app.integrator();
    app.seed_call(&token).await;
    let mut unknown_call = application();
    unknown_call["callCode"] = json!("NOPE");
    let mut bad_municipality = application();
    bad_municipality["applicant"]["municipality"] = json!("9999");
    let body = [
        ndjson_line("N-1", application()),
        "{ this is not json\n".to_owned(),
        ndjson_line("N-2", unknown_call),
        "\n".to_owned(),
        ndjson_line("N-3", bad_municipality),
        ndjson_line("N-4", application()),
        ndjson_line("bad id", application()),
    ]
    .concat();
    let response = app
        .import(&token, "application/x-ndjson", body.clone())
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let summary: Value = response.json().await.unwrap();
    assert_eq!(summary["status"], "completed");
    assert_eq!(
        (
            summary["rows"].as_u64(),
            summary["accepted"].as_u64(),
            summary["rejected"].as_u64()
        ),
        (Some(6), Some(2), Some(4))
    );
    let errors = summary["errors"].as_array().unwrap();
    let by_line: Vec<(u64, &str)> = errors
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["pointer"].as_str().unwrap()))
        .collect();
    assert_eq!(by_line[0].0, 2);
    assert!(by_line.contains(&(3, "/callCode")), "{by_line:?}");
    assert!(
        by_line.contains(&(5, "/applicant/municipality")),
        "{by_line:?}"
    );
    assert!(by_line.contains(&(7, "/externalId")), "{by_line:?}");
    assert_eq!(
        app.get("/api/v1/applications/N-1", &token).await.status(),
        200
    );
    assert_eq!(
        app.get("/api/v1/applications/N-2", &token).await.status(),
        404
    );
    assert_eq!(
        app.get("/api/v1/applications/N-3", &token).await.status(),
        404
    );
    // The result can be read again.
    let again: Value = app.get(&location, &token).await.json().await.unwrap();
    assert_eq!(again, summary);
    // Re-sending the same file creates no duplicates.
    let resent: Value = app
        .import(&token, "application/x-ndjson", body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            resent["accepted"].as_u64(),
            resent["unchanged"].as_u64(),
            resent["rejected"].as_u64()
        ),
        (Some(0), Some(2), Some(4))
    );
    app.assert_cube_consistent(ORG);
}

const SWEDISH_CSV: &str = "\u{feff}externalId;callCode;receivedOn;amountApplied;orgNumber;legalForm;municipality;employees;sector;leaderSex;leaderBirthYear;leaderBackground;owners;decisionOutcome;amountGranted;decidedOn\r\n\
S-1;ABC-2017-1;2017-03-01;250 000,00;5566778899;AB;0180;4;62.010;female;1980;born_abroad;0,60:female:born_abroad|0,40:male:born_in_sweden_swedish_parents;approved;200 000,00;2017-04-15\r\n\
S-2;ABC-2017-1;2017-03-02;abc;5566778899;AB;0180;4;62.010;female;1980;born_abroad;;;;\r\n\
S-3;ABC-2017-1;2017-03-03;1 000,50;5566778898;XX;0180;4;62.010;female;1980;born_abroad;;;;\r\n\
S-4;ABC-2017-1;2017-03-04;99 000;5566778899;EF;0127;;;male;;;;rejected;;2017-05-01\r\n";

const INTERNATIONAL_CSV: &str = "externalId,callCode,receivedOn,amountApplied,orgNumber,municipality,leaderSex,decisionOutcome,amountGranted,decidedOn\n\
I-1,ABC-2017-1,2017-03-01,250000.00,5566778899,0180,female,partly_approved,100000.50,2017-04-15\n\
I-2,ABC-2017-1,2017-03-01,\"250,000\",5566778899,0180,female,,,\n\
I-3,ABC-2017-1,2017-03-01,1000,5566778899,0180,other,,,\n\
I-4,ABC-2017-1,2017-03-01,1000,5566778899\n";

#[actix_web::test]
async fn csv_in_the_swedish_dialect_with_bad_rows() {
    let app = spawn().await;
    let token = app.integrator();
    app.seed_call(&token).await;
    let summary: Value = app
        .import(&token, "text/csv; charset=utf-8", SWEDISH_CSV)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (summary["accepted"].as_u64(), summary["rejected"].as_u64()),
        (Some(2), Some(2)),
        "{summary}"
    );
    let errors = summary["errors"].as_array().unwrap();
    let found: Vec<(u64, &str)> = errors
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert!(found.contains(&(3, "amountApplied")), "{found:?}");
    assert!(found.contains(&(4, "legalForm")), "{found:?}");
    assert!(found.contains(&(4, "orgNumber")), "{found:?}");
    let s1: Value = app
        .get("/api/v1/applications/S-1", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s1["amountApplied"]["amount"], "250000.00");
    assert_eq!(s1["applicant"]["owners"][0]["share"], "0.6");
    assert_eq!(s1["decisions"][0]["amountGranted"]["amount"], "200000.00");
    let s4: Value = app
        .get("/api/v1/applications/S-4", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s4["decisions"][0]["outcome"], "rejected");
    app.assert_cube_consistent(ORG);
}

#[actix_web::test]
async fn csv_in_the_international_dialect_with_bad_rows() {
    let app = spawn().await;
    let token = app.integrator();
    app.seed_call(&token).await;
    let summary: Value = app
        .import(&token, "text/csv", INTERNATIONAL_CSV)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (summary["accepted"].as_u64(), summary["rejected"].as_u64()),
        (Some(1), Some(3)),
        "{summary}"
    );
    let i1: Value = app
        .get("/api/v1/applications/I-1", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(i1["decisions"][0]["amountGranted"]["amount"], "100000.50");
    let resent: Value = app
        .import(&token, "text/csv", INTERNATIONAL_CSV)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resent["unchanged"].as_u64(), Some(1));
}

#[actix_web::test]
async fn an_unusable_file_is_refused_whole() {
    let app = spawn().await;
    let token = app.integrator();
    let body = "externalId,callCode,receivedOn,amountApplied,orgNumber,shoeSize\nA,B,2017-01-01,1,5566778899,42\n";
    let problem = assert_problem(app.import(&token, "text/csv", body).await, 422, None).await;
    assert!(problem["detail"].as_str().unwrap().contains("shoeSize"));
    assert_problem(
        app.import(&token, "application/xml", "<x/>").await,
        415,
        None,
    )
    .await;
}

#[actix_web::test]
async fn an_oversized_import_is_413() {
    let app =
        spawn_with(Figment::new().merge(Serialized::default("server.import_limit_bytes", 1_000)))
            .await;
    let token = app.integrator();
    app.seed_call(&token).await;
    let body = ndjson_line("X-1", application()).repeat(10);
    assert_problem(
        app.import(&token, "application/x-ndjson", body).await,
        413,
        None,
    )
    .await;
}

#[actix_web::test]
async fn a_synthetic_backfill_imports_and_counts_right() {
    let app = spawn().await;
    let token = app.integrator();
    let config = SynthConfig {
        applications: 3_000,
        ..Default::default()
    };
    let admin = app.token(ORG, equal_terms::http::auth::Role::Admin);
    for (code, name) in &config.programmes {
        app.post_json(
            "/api/v1/programmes",
            &admin,
            &json!({"code": code, "name": name}),
        )
        .await;
    }
    for call in config.calls() {
        let response = app
            .post_json(
                "/api/v1/calls",
                &token,
                &json!({"programmeCode": call.programme_code, "code": call.code, "title": call.title,
                        "opensOn": call.opens_on, "closesOn": call.closes_on,
                        "budget": {"amount": call.budget.to_decimal_string()}}),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    let mut body = String::new();
    for row in config.applications() {
        body.push_str(&serde_json::to_string(&row).unwrap());
        body.push('\n');
    }
    let summary: Value = app
        .client
        .post(app.url("/api/v1/imports"))
        .bearer_auth(&token)
        .header("content-type", "application/x-ndjson")
        .header("idempotency-key", "backfill-1")
        .body(body.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (summary["accepted"].as_u64(), summary["rejected"].as_u64()),
        (Some(3_000), Some(0)),
        "{summary}"
    );
    app.assert_cube_consistent(ORG);
    // Retrying with the same key replays the first result instead of importing again.
    let replay = app
        .client
        .post(app.url("/api/v1/imports"))
        .bearer_auth(&token)
        .header("content-type", "application/x-ndjson")
        .header("idempotency-key", "backfill-1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap()["id"], summary["id"]);
}

#[actix_web::test]
async fn rejected_rows_beyond_the_limit_are_counted_but_not_listed() {
    let app =
        spawn_with(Figment::new().merge(Serialized::default("imports.max_reported_errors", 3)))
            .await;
    let token = app.integrator();
    let body = "not json\n".repeat(10);
    let summary: Value = app
        .import(&token, "application/x-ndjson", body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["rejected"], 10);
    assert_eq!(summary["errors"].as_array().unwrap().len(), 3);
    assert_eq!(summary["errorsTruncated"], true);
}
