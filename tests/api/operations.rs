//! The operational surface: OpenAPI, docs, error shapes, body limits, schema parity.

use figment::Figment;
use figment::providers::Serialized;
use serde_json::Value;

use crate::helpers::{application, assert_problem, spawn, spawn_with};

#[actix_web::test]
async fn the_openapi_document_describes_the_api() {
    let app = spawn().await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/applications/{externalId}",
        "/api/v1/imports",
        "/api/v1/calls/{id}",
        "/ready",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from {:?}",
            doc["paths"].as_object().unwrap().keys().collect::<Vec<_>>()
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let ui = app
        .client
        .get(app.url("/api/v1/docs/"))
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger"));
}

#[actix_web::test]
async fn unknown_routes_and_bad_bodies_are_problems() {
    let app = spawn().await;
    let token = app.integrator();
    assert_problem(app.get("/api/v1/nothing-here", &token).await, 404, None).await;
    let malformed = app
        .client
        .put(app.url("/api/v1/applications/A-1"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"callCode\": ")
        .send()
        .await
        .unwrap();
    assert_problem(malformed, 400, None).await;
    let wrong_type = app
        .client
        .put(app.url("/api/v1/applications/A-1"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(application().to_string())
        .send()
        .await
        .unwrap();
    assert_problem(wrong_type, 415, None).await;
}

#[actix_web::test]
async fn an_oversized_json_body_is_413() {
    let app =
        spawn_with(Figment::new().merge(Serialized::default("server.json_limit_bytes", 512))).await;
    let response = app
        .put_json(
            "/api/v1/applications/A-1",
            &app.integrator(),
            &application(),
        )
        .await;
    assert_problem(response, 413, None).await;
}

/// Both backends end with the same tables and columns (run with TEST_DATABASE_URL set; on SQLite
/// alone there is nothing to compare against).
#[test]
fn both_backends_have_the_same_tables_and_columns() {
    use diesel::prelude::*;
    use diesel::sql_types::{Integer, Text};
    use equal_terms::storage::{Database, DbConnection};

    #[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
    struct Column {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Integer)]
        nullable: i32,
    }

    let dir = tempfile::tempdir().unwrap();
    let (database, pg_url) = crate::helpers::TestDatabase::create(dir.path());
    if !database.is_postgres() {
        eprintln!("schema parity needs TEST_DATABASE_URL (PostgreSQL); skipped");
        return;
    }
    let columns = |url: &str| -> Vec<Column> {
        let settings = crate::helpers::test_settings(dir.path(), url, Figment::new());
        let db = Database::connect(&settings.database).unwrap();
        db.migrate().unwrap();
        let mut conn = db.conn().unwrap();
        let mut found: Vec<Column> = match &mut *conn {
            DbConnection::Postgresql(c) => diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                 CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 AND table_name <> '__diesel_schema_migrations'",
            )
            .load(c)
            .unwrap(),
            DbConnection::Sqlite(c) => diesel::sql_query(
                "SELECT m.name AS table_name, p.name AS column_name, \
                 CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 0 ELSE 1 END AS nullable \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                 AND m.name <> '__diesel_schema_migrations'",
            )
            .load(c)
            .unwrap(),
        };
        found.sort();
        found
    };
    let sqlite = columns(&format!(
        "sqlite://{}",
        dir.path().join("parity.db").display()
    ));
    let postgres = columns(&pg_url);
    assert!(sqlite.len() > 50);
    assert_eq!(sqlite, postgres);
}
