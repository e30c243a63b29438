//! Evaluations through the API: stored and returned unchanged, reproducible, re-run and
//! compared; baselines (direct and JSON-stat); changing the tagging definition.

use equal_terms::http::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{ORG, OTHER_ORG, assert_problem, load_synthetic as load, spawn};

#[actix_web::test]
async fn an_evaluation_is_stored_reproducible_and_comparable() {
    let app = spawn().await;
    load(&app, 3_000, 1).await;
    let officer = app.token(ORG, Role::CaseOfficer);
    let request = json!({"dimensions": ["gender", "background"], "depth": 2, "language": "en", "detail": "all"});
    let created = app
        .post_json("/api/v1/evaluations", &officer, &request)
        .await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let first_text = created.text().await.unwrap();
    let first: Value = serde_json::from_str(&first_text).unwrap();
    let result = &first["result"];
    assert_eq!(result["data"]["source"], "cube");
    assert_eq!(result["data"]["applications"], 3_000);
    assert_eq!(result["ruleset"]["name"], "method-support-v1");
    assert!(result["findings"].as_array().unwrap().len() > 20);
    assert!(result["findings"][0]["explanation"].as_str().unwrap().len() > 20);

    // Read back byte for byte.
    let auditor = app.token(ORG, Role::Auditor);
    let fetched = app.get(&location, &auditor).await.text().await.unwrap();
    assert_eq!(fetched, first_text);

    // The same request over the same data: the same result, byte for byte.
    let second: Value = app
        .post_json("/api/v1/evaluations", &officer, &request)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["resultHash"], first["resultHash"]);
    assert_eq!(second["result"].to_string(), first["result"].to_string());

    // Re-run on unchanged data, then on more data.
    let rerun: Value = app
        .post_json(&format!("{location}/rerun"), &officer, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rerun["comparison"]["dataChanged"], false);
    assert_eq!(rerun["comparison"]["resultChanged"], false);
    load(&app, 200, 2).await;
    let rerun: Value = app
        .post_json(&format!("{location}/rerun"), &officer, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rerun["comparison"]["dataChanged"], true);
    // Some of the new rows share external ids with the first load (and replace them).
    assert!(
        rerun["evaluation"]["result"]["data"]["applications"]
            .as_i64()
            .unwrap()
            > 3_000
    );

    // Another organisation cannot see it; integrators cannot evaluate.
    assert_problem(
        app.get(&location, &app.token(OTHER_ORG, Role::Auditor))
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.post_json("/api/v1/evaluations", &app.integrator(), &request)
            .await,
        403,
        None,
    )
    .await;
}

#[actix_web::test]
async fn dimensions_outside_the_cube_and_periods_are_read_from_the_rows() {
    let app = spawn().await;
    load(&app, 1_000, 3).await;
    let officer = app.token(ORG, Role::CaseOfficer);
    let evaluate = |body: Value| {
        let app = &app;
        let officer = officer.clone();
        async move {
            let v: Value = app
                .post_json("/api/v1/evaluations", &officer, &body)
                .await
                .json()
                .await
                .unwrap();
            v["result"]["data"].clone()
        }
    };
    let rows =
        evaluate(json!({"dimensions": ["gender", "municipality"], "programme": "REG-FS"})).await;
    let cube = evaluate(json!({"dimensions": ["gender"], "programme": "REG-FS"})).await;
    assert_eq!(rows["source"], "rows");
    assert_eq!(cube["source"], "cube");
    assert_eq!(rows["applications"], cube["applications"]);
    assert_eq!(rows["approved"], cube["approved"]);
    let period = evaluate(json!({"dimensions": ["gender"], "programme": "REG-FS", "from": "2016-01", "to": "2016-12"})).await;
    assert_eq!(period["source"], "rows");
    let n = period["applications"].as_i64().unwrap();
    assert!(
        n > 0 && n < cube["applications"].as_i64().unwrap(),
        "{period}"
    );
}

#[actix_web::test]
async fn bad_requests_name_the_field() {
    let app = spawn().await;
    let officer = app.token(ORG, Role::CaseOfficer);
    assert_problem(
        app.post_json("/api/v1/evaluations", &officer, &json!({"depth": 9}))
            .await,
        422,
        Some("/depth"),
    )
    .await;
    assert_problem(
        app.post_json(
            "/api/v1/evaluations",
            &officer,
            &json!({"programme": "NOPE"}),
        )
        .await,
        422,
        Some("/programme"),
    )
    .await;
    assert_problem(
        app.post_json(
            "/api/v1/evaluations",
            &officer,
            &json!({"from": "2017-1-1"}),
        )
        .await,
        422,
        Some("/from"),
    )
    .await;
    assert_problem(
        app.post_json("/api/v1/evaluations", &officer, &json!({"ruleset": "nope"}))
            .await,
        422,
        Some("/ruleset"),
    )
    .await;
    assert_problem(
        app.post_json(
            "/api/v1/evaluations",
            &officer,
            &json!({"dimensions": ["shoeSize"]}),
        )
        .await,
        422,
        Some("/dimensions/0"),
    )
    .await;
    let rulesets: Value = app
        .get("/api/v1/rulesets", &officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rulesets[0]["rules"].as_array().unwrap().len(), 6);
}

#[actix_web::test]
async fn baselines_feed_the_representation_rule() {
    let app = spawn().await;
    load(&app, 2_000, 4).await;
    let admin = app.token(ORG, Role::Admin);
    let table = json!({
        "source": "SCB, företagsledare efter kön, Stockholms län 2016 (test table)",
        "jsonStat": {
            "version": "2.0", "class": "dataset", "id": ["Region", "Kon", "Tid"], "size": [1, 2, 1],
            "dimension": {"Region": {"category": {"index": {"01": 0}}},
                          "Kon": {"category": {"index": {"1": 0, "2": 1}}},
                          "Tid": {"category": {"index": {"2016": 0}}}},
            "value": [55, 45]
        },
        "mapping": {"dimensions": {"Kon": {"dimension": "gender", "values": {"1": "men", "2": "women"}}},
                    "regionDimension": "Region", "yearDimension": "Tid"}
    });
    let stored: Value = app
        .client
        .put(app.url("/api/v1/baselines"))
        .bearer_auth(&admin)
        .json(&table)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored["stored"], 2);
    let officer = app.token(ORG, Role::CaseOfficer);
    let listed: Value = app
        .get("/api/v1/baselines", &officer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // A later year's figures, in which women's share is what the applicants' is: used only for
    // a period that reaches that year, never for calls that closed long before.
    let later = json!({"source": "projection (test)", "shares": [
        {"group": {"gender": "women"}, "share": 0.30, "region": "01", "year": 2030},
        {"group": {"gender": "men"}, "share": 0.70, "region": "01", "year": 2030}]});
    let response = app.put_json("/api/v1/baselines", &admin, &later).await;
    assert_eq!(response.status(), 200);
    let up_to_2030: Value = app
        .post_json(
            "/api/v1/evaluations",
            &officer,
            &json!({"dimensions": ["gender"], "depth": 1, "from": "2016-01", "to": "2030-12"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let years: Vec<&Value> = up_to_2030["result"]["baselines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["year"])
        .collect();
    assert_eq!(years, [2030, 2030]);
    let evaluation: Value = app
        .post_json(
            "/api/v1/evaluations",
            &officer,
            &json!({"dimensions": ["gender"], "depth": 1, "language": "en"}),
        )
        .await
        .json()
        .await
        .unwrap();
    // No period: the year the last call closed, so the 2016 figures.
    for b in evaluation["result"]["baselines"].as_array().unwrap() {
        assert_eq!(b["year"], 2016, "{b}");
    }
    let women = evaluation["result"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "R1-representation" && f["label"] == "women")
        .unwrap()
        .clone();
    // About 30 % of the synthetic applicants are women against a baseline of 45 %: an index
    // near 67, far below 80 with 2,000 applicants.
    assert_eq!(women["level"], "red", "{women}");
    let index = women["comparisons"][0]["estimate"].as_f64().unwrap();
    assert!((55.0..80.0).contains(&index), "{index}");
    assert!(women["missingApplicants"].as_f64().unwrap() > 100.0);
    let bad = json!({"source": "x", "shares": [{"group": {"gender": "women"}, "share": 1.5, "region": "01", "year": 2016}]});
    assert_problem(
        app.client
            .put(app.url("/api/v1/baselines"))
            .bearer_auth(&admin)
            .json(&bad)
            .send()
            .await
            .unwrap(),
        422,
        Some("/shares/0/share"),
    )
    .await;
    // A value the tagging never gives would match no group: refused, naming the values allowed.
    let typo = json!({"source": "x", "shares": [{"group": {"gender": "woman"}, "share": 0.3, "region": "01", "year": 2016}]});
    let problem = assert_problem(
        app.put_json("/api/v1/baselines", &admin, &typo).await,
        422,
        Some("/shares/0/group/gender"),
    )
    .await;
    assert!(
        problem.to_string().contains("women, men, mixed"),
        "{problem}"
    );
}

#[actix_web::test]
async fn changing_the_gender_definition_retags_and_keeps_the_old_result() {
    let app = spawn().await;
    load(&app, 1_000, 5).await;
    let admin = app.token(ORG, Role::Admin);
    let officer = app.token(ORG, Role::CaseOfficer);
    let before: Value = app
        .get("/api/v1/organisation/tagging", &officer)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        before["name"]
            .as_str()
            .unwrap()
            .starts_with("gender=leader@1")
    );
    let changed: Value = app
        .client
        .put(app.url("/api/v1/organisation/tagging"))
        .bearer_auth(&admin)
        .json(&json!({"genderDefinition": "ownership"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["applications"], 1_000);
    assert_ne!(changed["schemeId"], before["schemeId"]);
    app.assert_cube_consistent(ORG);
    let evaluation: Value = app
        .post_json(
            "/api/v1/evaluations",
            &officer,
            &json!({"dimensions": ["gender"], "depth": 1}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        evaluation["result"]["tagging"]["name"]
            .as_str()
            .unwrap()
            .starts_with("gender=ownership@1")
    );
    // The old scheme's cube is still there, under its own id.
    {
        let mut conn = app.db.conn().unwrap();
        let org = equal_terms::storage::orgs::find_by_code(&mut conn, ORG)
            .unwrap()
            .unwrap();
        let old = before["schemeId"].as_i64().unwrap();
        let cube = equal_terms::storage::cells::Cube::read(&mut conn, org.id, old).unwrap();
        let cells: Vec<_> = cube.cells(&Default::default()).collect();
        let total: i64 = cells.iter().map(|(_, s)| s.applications).sum();
        assert_eq!(total, 1_000);
        let recomputed = equal_terms::storage::cells::recompute(&mut conn, org.id, old).unwrap();
        assert_eq!(
            recomputed.values().map(|s| s.applications).sum::<i64>(),
            1_000
        );
    }
    // Going back re-tags again, and writes keep the cube right.
    app.client
        .put(app.url("/api/v1/organisation/tagging"))
        .bearer_auth(&admin)
        .json(&json!({"genderDefinition": "leader"}))
        .send()
        .await
        .unwrap();
    load(&app, 100, 6).await;
    app.assert_cube_consistent(ORG);
}

/// The server keeps a copy of each cube between evaluations and refreshes it from the cells
/// written since (`storage::cells::CubeCache`). After every kind of write (new and replaced
/// rows, a reconsidered decision, an application moved out of its only cell, a re-tag and a
/// return to an earlier scheme) its evaluation equals one that reads the cube afresh.
#[actix_web::test]
async fn the_servers_copy_of_the_cube_follows_every_write() {
    use equal_terms::services::evaluations::{EvaluationRequest, Evaluator};

    let app = spawn().await;
    load(&app, 1_500, 11).await;
    let officer = app.token(ORG, Role::CaseOfficer);
    let admin = app.token(ORG, Role::Admin);
    let integrator = app.integrator();
    let request = json!({"dimensions": ["gender", "background", "ageBand", "county"], "depth": 2, "detail": "all"});
    let check = |step: &'static str| {
        let (app, officer, request) = (&app, &officer, &request);
        async move {
            let served = app
                .post_json("/api/v1/evaluations", officer, request)
                .await
                .text()
                .await
                .unwrap();
            let mut conn = app.db.conn().unwrap();
            let org = equal_terms::storage::orgs::find_by_code(&mut conn, ORG)
                .unwrap()
                .unwrap();
            let evaluator = Evaluator::new(&app.settings.rules, None);
            let parsed: EvaluationRequest = serde_json::from_value(request.clone()).unwrap();
            let (fresh, _) = evaluator.compute(&mut conn, org.id, parsed).unwrap();
            // The stored body ends with the result's JSON exactly as serialised.
            let fresh = serde_json::to_string(&fresh).unwrap();
            let at = served.find(r#","result":"#).expect("a result");
            let served_result = &served[at + 10..served.len() - 1];
            let differs = served_result
                .bytes()
                .zip(fresh.bytes())
                .position(|(a, b)| a != b);
            assert!(
                served_result == fresh,
                "after {step}: the served result differs from a fresh one at byte {differs:?}: {}",
                &fresh[differs.unwrap_or(0).saturating_sub(80)..][..160.min(fresh.len())]
            );
            let served: Value = serde_json::from_str(&served).unwrap();
            served["result"]["data"]["applications"].as_i64().unwrap()
        }
    };
    assert_eq!(check("the first load").await, 1_500);
    check("the same data again").await;

    load(&app, 300, 12).await;
    check("new and replaced rows").await;

    // One application alone in a call of its own, then moved to another call: its cell empties.
    let catalogue = app
        .auth
        .mint(ORG, &[Role::Admin, Role::CaseOfficer], "test", 3600)
        .unwrap();
    app.seed_call_code(&catalogue, "LONE-1").await;
    let mut lone = crate::helpers::application();
    lone["callCode"] = json!("LONE-1");
    let put = app
        .put_json("/api/v1/applications/lone-1", &integrator, &lone)
        .await;
    assert!(put.status().is_success(), "{}", put.status());
    let with_lone = check("an application in a call of its own").await;
    lone["callCode"] = json!("ABC-2017-1");
    app.seed_call(&catalogue).await;
    let put = app
        .put_json("/api/v1/applications/lone-1", &integrator, &lone)
        .await;
    assert!(put.status().is_success(), "{}", put.status());
    assert_eq!(
        check("the application moved out of its cell").await,
        with_lone
    );

    let decision =
        json!({"outcome": "rejected", "decidedOn": "2017-05-01", "reason": "reconsidered"});
    let put = app
        .put_json(
            "/api/v1/applications/lone-1/decision",
            &integrator,
            &decision,
        )
        .await;
    assert!(put.status().is_success(), "{}", put.status());
    check("a reconsidered decision").await;

    for definition in ["ownership", "leader"] {
        let put = app
            .put_json(
                "/api/v1/organisation/tagging",
                &admin,
                &json!({"genderDefinition": definition}),
            )
            .await;
        assert!(put.status().is_success(), "{}", put.status());
        check(if definition == "leader" {
            "a return to the earlier scheme"
        } else {
            "a re-tag"
        })
        .await;
    }
    load(&app, 50, 13).await;
    check("rows after the return").await;
    app.assert_cube_consistent(ORG);
}

/// An evaluation records the hash of the rule file it read, and a rerun after the file was
/// edited (same name and version) says the rules changed.
#[actix_web::test]
async fn an_edited_rule_file_shows_in_the_rerun() {
    use sha2::{Digest, Sha256};

    let rules = tempfile::tempdir().unwrap();
    let original = crate::helpers::config_dir().join("rules/method-support-v1.toml");
    let copy = rules.path().join("method-support-v1.toml");
    std::fs::copy(&original, &copy).unwrap();
    let app = crate::helpers::spawn_with(figment::Figment::new().merge(
        figment::providers::Serialized::default("rules.dir", rules.path()),
    ))
    .await;
    load(&app, 500, 21).await;
    let officer = app.token(ORG, Role::CaseOfficer);
    let created: Value = app
        .post_json("/api/v1/evaluations", &officer, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let text = std::fs::read(&copy).unwrap();
    let expected = hex::encode(&Sha256::digest(&text)[..16]);
    assert_eq!(created["result"]["ruleset"]["fileHash"], expected.as_str());
    let rerun_path = format!(
        "/api/v1/evaluations/{}/rerun",
        created["id"].as_str().unwrap()
    );
    let rerun: Value = app
        .post_json(&rerun_path, &officer, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rerun["comparison"]["rulesChanged"], false);

    // The same name and version, one statement reworded.
    let edited = String::from_utf8(text).unwrap().replacen(
        "statement_en = \"",
        "statement_en = \"Edited. ",
        1,
    );
    std::fs::write(&copy, edited).unwrap();
    let rerun: Value = app
        .post_json(&rerun_path, &officer, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rerun["comparison"]["rulesChanged"], true);
    assert_eq!(rerun["comparison"]["dataChanged"], false);
    assert_ne!(
        rerun["evaluation"]["result"]["ruleset"]["fileHash"],
        created["result"]["ruleset"]["fileHash"]
    );
}

/// Read inside a transaction, the cube would show the transaction's own writes, which may yet
/// roll back: the cache then reads afresh and keeps nothing, so the next reader outside sees
/// the table as committed.
#[actix_web::test]
async fn no_copy_of_the_cube_is_kept_from_inside_a_transaction() {
    use diesel::Connection;
    use equal_terms::storage::cells::{self, CellFilter, CubeCache, CubeDelta};

    let app = spawn().await;
    load(&app, 300, 31).await;
    let mut conn = app.db.conn().unwrap();
    let org = equal_terms::storage::orgs::find_by_code(&mut conn, ORG)
        .unwrap()
        .unwrap();
    let scheme = equal_terms::storage::orgs::current_scheme(&mut conn, org.id).unwrap();
    let cache = CubeCache::new(4);
    let all = CellFilter::default();
    let committed: Vec<_> = cache
        .get(&mut conn, org.id, scheme.id)
        .unwrap()
        .cells(&all)
        .map(|(k, s)| (k.clone(), s.clone()))
        .collect();
    let (key, stats) = committed[0].clone();
    let rolled_back = conn.transaction::<(), diesel::result::Error, _>(|conn| {
        let mut delta = CubeDelta::default();
        delta.add(key.clone(), &stats, 1);
        cells::apply(conn, org.id, scheme.id, delta).unwrap();
        let inside = cache.get(conn, org.id, scheme.id).unwrap();
        let doubled = inside.cells(&all).find(|(k, _)| **k == key).unwrap().1;
        assert_eq!(doubled.applications, 2 * stats.applications);
        Err(diesel::result::Error::RollbackTransaction)
    });
    assert!(rolled_back.is_err());
    // Another write commits the generation the rolled-back one had used.
    let (other, other_stats) = committed[1].clone();
    conn.transaction::<(), diesel::result::Error, _>(|conn| {
        let mut delta = CubeDelta::default();
        delta.add(other.clone(), &other_stats, 1);
        cells::apply(conn, org.id, scheme.id, delta).unwrap();
        Ok(())
    })
    .unwrap();
    let read = |cube: &cells::Cube| -> Vec<_> {
        cube.cells(&all)
            .map(|(k, s)| (k.clone(), s.clone()))
            .collect()
    };
    let after = read(&cache.get(&mut conn, org.id, scheme.id).unwrap());
    let fresh = read(&cells::Cube::read(&mut conn, org.id, scheme.id).unwrap());
    assert!(after == fresh, "the copy differs from the committed cube");
    let unchanged = after.iter().find(|(k, _)| *k == key).unwrap();
    assert_eq!(unchanged.1.applications, stats.applications);
}
