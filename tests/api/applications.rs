//! Applications and decisions: round trip, idempotent replay, decision versions, validation.

use serde_json::{Value, json};

use crate::helpers::{ORG, application, assert_problem, spawn};

#[actix_web::test]
async fn the_minimal_application_round_trips() {
    let app = spawn().await;
    let token = app.integrator();
    app.seed_call(&token).await;
    let response = app
        .put_json("/api/v1/applications/A-1", &token, &application())
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["location"], "/api/v1/applications/A-1");
    let written: Value = response.json().await.unwrap();
    assert_eq!(written["result"], "created");
    let view = &written["application"];
    assert_eq!(view["amountApplied"]["amount"], "250000.00");
    assert_eq!(view["decisions"][0]["version"], 1);
    assert_eq!(view["decisions"][0]["reason"], "initial");
    assert_eq!(view["decisions"][0]["amountGranted"]["amount"], "200000.00");
    // The organisation number is never stored or returned: only its keyed hash.
    let text = view.to_string();
    assert!(!text.contains("5566778899"), "{text}");
    assert_eq!(
        view["applicant"]["applicantKey"].as_str().unwrap().len(),
        64
    );
    let groups = view["groups"].as_array().unwrap();
    let gender = groups.iter().find(|g| g["dimension"] == "gender").unwrap();
    assert_eq!(gender["value"], "women");
    let fetched: Value = app
        .get("/api/v1/applications/A-1", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(&fetched, view);
    app.assert_cube_consistent(ORG);
}

#[actix_web::test]
async fn replaying_the_same_body_changes_nothing_and_says_so() {
    let app = spawn().await;
    let token = app.integrator();
    app.seed_call(&token).await;
    assert_eq!(
        app.put_json("/api/v1/applications/A-1", &token, &application())
            .await
            .status(),
        201
    );
    let before: Value = app
        .get("/api/v1/applications/A-1", &token)
        .await
        .json()
        .await
        .unwrap();
    let replay = app
        .put_json("/api/v1/applications/A-1", &token, &application())
        .await;
    assert_eq!(replay.status(), 200);
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["result"], "unchanged");
    assert_eq!(
        replay["application"], before,
        "nothing changed, not even updatedAt"
    );
    // The org number written another way is the same applicant.
    let mut same = application();
    same["applicant"]["orgNumber"] = json!("556677-8899");
    let replay: Value = app
        .put_json("/api/v1/applications/A-1", &token, &same)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(replay["result"], "unchanged");
    app.assert_cube_consistent(ORG);
}

#[actix_web::test]
async fn a_reconsidered_decision_is_a_new_version_and_the_history_is_kept() {
    let app = spawn().await;
    let token = app.integrator();
    app.seed_call(&token).await;
    let mut body = application();
    body.as_object_mut().unwrap().remove("decision");
    let created: Value = app
        .put_json("/api/v1/applications/A-1", &token, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        created["application"]["decisions"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let rejected = json!({"outcome": "rejected", "decidedOn": "2017-04-01"});
    let first = app
        .put_json("/api/v1/applications/A-1/decision", &token, &rejected)
        .await;
    assert_eq!(first.status(), 201);
    let again = app
        .put_json("/api/v1/applications/A-1/decision", &token, &rejected)
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["result"], "unchanged");
    let appealed = json!({
        "outcome": "partly_approved", "amountGranted": {"amount": "100000"},
        "decidedOn": "2017-06-01", "reason": "appealed"
    });
    let second: Value = app
        .put_json("/api/v1/applications/A-1/decision", &token, &appealed)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["result"], "decision_recorded");
    let history = second["application"]["decisions"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["outcome"], "rejected");
    assert_eq!(history[1]["outcome"], "partly_approved");
    assert_eq!(history[1]["reason"], "appealed");
    assert_eq!(history[1]["version"], 2);
    // A changed decision sent with the whole application is a new version too, by default
    // "reconsidered".
    let mut full = application();
    full["decision"]["decidedOn"] = json!("2017-07-01");
    let third: Value = app
        .put_json("/api/v1/applications/A-1", &token, &full)
        .await
        .json()
        .await
        .unwrap();
    let history = third["application"]["decisions"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[2]["reason"], "reconsidered");
    app.assert_cube_consistent(ORG);
}

#[actix_web::test]
async fn replacing_the_application_moves_its_cell() {
    let app = spawn().await;
    let token = app.integrator();
    app.seed_call(&token).await;
    app.put_json("/api/v1/applications/A-1", &token, &application())
        .await;
    let mut changed = application();
    changed["applicant"]["leader"]["sex"] = json!("male");
    changed["applicant"]["municipality"] = json!("1480");
    let updated: Value = app
        .put_json("/api/v1/applications/A-1", &token, &changed)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(updated["result"], "updated");
    assert_eq!(updated["application"]["revision"], 2);
    assert_eq!(
        updated["application"]["decisions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.assert_cube_consistent(ORG);
}

#[actix_web::test]
async fn invalid_applications_name_each_field_and_store_nothing() {
    let app = spawn().await;
    let token = app.integrator();
    app.seed_call(&token).await;
    let mut bad = application();
    bad["applicant"]["municipality"] = json!("0280");
    bad["applicant"]["owners"][0]["share"] = json!("1.60");
    bad["amountApplied"]["amount"] = json!("12.345");
    let problem = assert_problem(
        app.put_json("/api/v1/applications/A-1", &token, &bad).await,
        422,
        None,
    )
    .await;
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    for expected in [
        "/applicant/municipality",
        "/applicant/owners/0/share",
        "/amountApplied/amount",
    ] {
        assert!(pointers.contains(&expected), "{expected} in {pointers:?}");
    }
    let mut unknown_call = application();
    unknown_call["callCode"] = json!("NOPE-1");
    assert_problem(
        app.put_json("/api/v1/applications/A-1", &token, &unknown_call)
            .await,
        422,
        Some("/callCode"),
    )
    .await;
    let mut wrong_type = application();
    wrong_type["applicant"]["employees"] = json!("four");
    assert_problem(
        app.put_json("/api/v1/applications/A-1", &token, &wrong_type)
            .await,
        422,
        Some("/applicant/employees"),
    )
    .await;
    let mut late = application();
    late["decision"]["decidedOn"] = json!("2017-01-01");
    assert_problem(
        app.put_json("/api/v1/applications/A-1", &token, &late)
            .await,
        422,
        Some("/decision/decidedOn"),
    )
    .await;
    assert_problem(
        app.put_json("/api/v1/applications/bad%20id", &token, &application())
            .await,
        422,
        Some("/externalId"),
    )
    .await;
    assert_problem(app.get("/api/v1/applications/A-1", &token).await, 404, None).await;
}

#[actix_web::test]
async fn a_decision_for_a_missing_application_is_404_and_one_before_receipt_is_422() {
    let app = spawn().await;
    let token = app.integrator();
    app.seed_call(&token).await;
    let decision = json!({"outcome": "rejected", "decidedOn": "2017-04-01"});
    assert_problem(
        app.put_json("/api/v1/applications/NONE/decision", &token, &decision)
            .await,
        404,
        None,
    )
    .await;
    app.put_json("/api/v1/applications/A-1", &token, &application())
        .await;
    let early = json!({"outcome": "rejected", "decidedOn": "2017-01-01"});
    assert_problem(
        app.put_json("/api/v1/applications/A-1/decision", &token, &early)
            .await,
        422,
        Some("/decidedOn"),
    )
    .await;
    let no_amount = json!({"outcome": "approved", "decidedOn": "2017-05-01"});
    assert_problem(
        app.put_json("/api/v1/applications/A-1/decision", &token, &no_amount)
            .await,
        422,
        Some("/amountGranted"),
    )
    .await;
}
