//! Programmes and calls: round trips, pagination, conflicts, idempotency keys, status rules.

use equal_terms::http::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{ORG, assert_problem, spawn};

#[actix_web::test]
async fn programmes_round_trip_and_page() {
    let app = spawn().await;
    let admin = app.token(ORG, Role::Admin);
    for i in 0..5 {
        let response = app
            .post_json(
                "/api/v1/programmes",
                &admin,
                &json!({"code": format!("P-{i}"), "name": format!("Programme {i}")}),
            )
            .await;
        assert_eq!(response.status(), 201);
        assert_eq!(
            response.headers()["location"],
            format!("/api/v1/programmes/P-{i}").as_str()
        );
    }
    let first: Value = app
        .get("/api/v1/programmes?limit=2", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(first["items"][0]["code"], "P-0");
    let cursor = first["nextCursor"].as_str().unwrap();
    let second: Value = app
        .get(
            &format!("/api/v1/programmes?limit=2&cursor={cursor}"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"][0]["code"], "P-2");
    let last: Value = app
        .get("/api/v1/programmes?limit=500", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last["items"].as_array().unwrap().len(), 5);
    assert!(last.get("nextCursor").is_none());
    assert_problem(
        app.get("/api/v1/programmes?limit=0", &admin).await,
        422,
        Some("/limit"),
    )
    .await;
    assert_problem(
        app.get("/api/v1/programmes?cursor=%%%", &admin).await,
        422,
        None,
    )
    .await;
}

#[actix_web::test]
async fn programme_validation_and_conflict() {
    let app = spawn().await;
    let admin = app.token(ORG, Role::Admin);
    let body = json!({"code": "P 1", "name": ""});
    let problem = assert_problem(
        app.post_json("/api/v1/programmes", &admin, &body).await,
        422,
        Some("/code"),
    )
    .await;
    assert!(
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["pointer"] == "/name")
    );
    let ok = json!({"code": "P-1", "name": "Programme"});
    assert_eq!(
        app.post_json("/api/v1/programmes", &admin, &ok)
            .await
            .status(),
        201
    );
    assert_problem(
        app.post_json("/api/v1/programmes", &admin, &ok).await,
        409,
        None,
    )
    .await;
    assert_problem(
        app.post_json(
            "/api/v1/programmes",
            &admin,
            &json!({"code": "X", "name": "Y", "extra": 1}),
        )
        .await,
        422,
        None,
    )
    .await;
}

#[actix_web::test]
async fn idempotency_key_replays_and_refuses_a_changed_body() {
    let app = spawn().await;
    let admin = app.token(ORG, Role::Admin);
    let post = |body: Value| {
        app.client
            .post(app.url("/api/v1/programmes"))
            .bearer_auth(&admin)
            .header("idempotency-key", "key-1")
            .json(&body)
            .send()
    };
    let body = json!({"code": "P-1", "name": "Programme"});
    let first = post(body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first_body: Value = first.json().await.unwrap();
    let again = post(body).await.unwrap();
    assert_eq!(
        again.status(),
        201,
        "a replay answers as the first time, not 409"
    );
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    let changed = post(json!({"code": "P-2", "name": "Other"})).await.unwrap();
    assert_problem(changed, 422, Some("/Idempotency-Key")).await;
    let listed: Value = app
        .get("/api/v1/programmes", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn calls_round_trip_and_version() {
    let app = spawn().await;
    let officer = app.token(ORG, Role::CaseOfficer);
    let admin = app.token(ORG, Role::Admin);
    app.post_json(
        "/api/v1/programmes",
        &admin,
        &json!({"code": "REG-FS", "name": "Regionalt"}),
    )
    .await;
    let new_call = json!({
        "programmeCode": "REG-FS", "code": "ABC-2017-1", "title": "Utlysning 2017",
        "opensOn": "2017-01-01", "closesOn": "2017-03-31",
        "budget": {"amount": "5000000", "currency": "SEK"}
    });
    let created = app.post_json("/api/v1/calls", &officer, &new_call).await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let call: Value = created.json().await.unwrap();
    assert_eq!(call["budget"]["amount"], "5000000.00");
    assert_eq!(call["status"], "draft");
    assert_eq!(call["version"], 1);
    let fetched: Value = app.get(&location, &officer).await.json().await.unwrap();
    assert_eq!(fetched, call);

    let patched: Value = app
        .client
        .patch(app.url(&location))
        .bearer_auth(&officer)
        .json(&json!({"title": "Utlysning 2017 (rev)", "budget": {"amount": "6000000.50"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(patched["version"], 2);
    assert_eq!(patched["budget"]["amount"], "6000000.50");
    // Publishing needs a check of the current version (docs/call-checks.md).
    let checked = app
        .post_json(&format!("{location}/checks"), &officer, &json!({}))
        .await;
    assert_eq!(checked.status(), 201);
    let published: Value = app
        .client
        .patch(app.url(&location))
        .bearer_auth(&officer)
        .json(&json!({"status": "published"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(published["status"], "published");
    assert_eq!(
        published["version"], 2,
        "a status change is not a new version"
    );
}

#[actix_web::test]
async fn call_validation() {
    let app = spawn().await;
    let officer = app.token(ORG, Role::CaseOfficer);
    let unknown_programme = json!({
        "programmeCode": "NOPE", "code": "C-1", "title": "T",
        "opensOn": "2017-01-01", "closesOn": "2017-03-31", "budget": {"amount": "1"}
    });
    assert_problem(
        app.post_json("/api/v1/calls", &officer, &unknown_programme)
            .await,
        422,
        Some("/programmeCode"),
    )
    .await;
    let backwards = json!({
        "programmeCode": "NOPE", "code": "C-1", "title": "T",
        "opensOn": "2017-05-01", "closesOn": "2017-03-31", "budget": {"amount": "-1"}
    });
    let problem = assert_problem(
        app.post_json("/api/v1/calls", &officer, &backwards).await,
        422,
        Some("/closesOn"),
    )
    .await;
    assert!(
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["pointer"] == "/budget/amount")
    );
    let bad_date = json!({
        "programmeCode": "NOPE", "code": "C-1", "title": "T",
        "opensOn": "2017-02-30", "closesOn": "2017-03-31", "budget": {"amount": "1"}
    });
    assert_problem(
        app.post_json("/api/v1/calls", &officer, &bad_date).await,
        422,
        Some("/opensOn"),
    )
    .await;
}

#[actix_web::test]
async fn closed_calls_stay_closed() {
    let app = spawn().await;
    let token = app.integrator();
    app.seed_call(&token).await;
    let calls: Value = app.get("/api/v1/calls", &token).await.json().await.unwrap();
    let url = format!("/api/v1/calls/{}", calls["items"][0]["id"]);
    let patch = |status: &'static str| {
        app.client
            .patch(app.url(&url))
            .bearer_auth(&token)
            .json(&json!({ "status": status }))
            .send()
    };
    assert_problem(patch("closed").await.unwrap(), 409, None).await;
    let officer = app.token(ORG, Role::CaseOfficer);
    let checked = app
        .post_json(&format!("{url}/checks"), &officer, &json!({}))
        .await;
    assert_eq!(checked.status(), 201);
    assert_eq!(patch("published").await.unwrap().status(), 200);
    assert_eq!(patch("closed").await.unwrap().status(), 200);
    assert_problem(patch("published").await.unwrap(), 409, None).await;
}

/// A stored design that no longer reads is an error (500), never shown as an empty design and
/// never overwritten by a default on the next change.
#[actix_web::test]
async fn a_corrupt_stored_design_is_an_error_not_a_default() {
    use diesel::prelude::*;
    use equal_terms::storage::schema::calls;
    let app = spawn().await;
    let token = app.integrator();
    app.seed_call(&token).await;
    let listed: Value = app.get("/api/v1/calls", &token).await.json().await.unwrap();
    let id = listed["items"][0]["id"].as_i64().unwrap();
    diesel::update(calls::table.filter(calls::id.eq(id)))
        .set(calls::design.eq("{\"text\": "))
        .execute(&mut *app.db.conn().unwrap())
        .unwrap();
    let url = format!("/api/v1/calls/{id}");
    assert_problem(app.get(&url, &token).await, 500, None).await;
    assert_problem(app.get("/api/v1/calls", &token).await, 500, None).await;
    let renamed = app
        .client
        .patch(app.url(&url))
        .bearer_auth(&token)
        .json(&json!({ "title": "Ny titel" }))
        .send()
        .await
        .unwrap();
    assert_problem(renamed, 500, None).await;
}
