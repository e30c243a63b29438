//! Storage tests. Mostly that damaged stored JSON is reported as [`StorageError::Corrupt`],
//! naming its column, wherever storage reads it: never replaced by a default, and never quoting
//! the damaged value.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::application_rows::TagColumns;
use super::schema::{applications, baselines, organisations, tag_schemes};
use super::{Backend, Database, DbConnection, StorageError, applications as stored_applications};
use super::{baselines as stored_baselines, decode_json, now, orgs, programmes};
use crate::config::{DatabaseSettings, Secret};

/// What a value that identifies someone could look like; it must not reach an error message.
const PERSONAL: &str = "Anna Andersson 19800101-1234";

/// A fresh, migrated SQLite database in its own directory (kept alive by the returned guard).
fn fresh_database() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = Database::connect(&DatabaseSettings {
        url: Secret::new(format!("sqlite://{}", dir.path().join("test.db").display())),
        pool_size: 1,
        acquire_timeout_ms: 5_000,
        sqlite_busy_timeout_ms: 5_000,
    })
    .expect("connect");
    db.migrate().expect("migrate");
    (dir, db)
}

/// An organisation without a tagging scheme; its id.
fn organisation(conn: &mut DbConnection) -> i64 {
    diesel::insert_into(organisations::table)
        .values((
            organisations::code.eq("lst-test"),
            organisations::name.eq("Länsstyrelsen Test"),
            organisations::created_at.eq(now()),
        ))
        .execute(conn)
        .expect("insert organisation");
    organisations::table
        .select(organisations::id)
        .first(conn)
        .expect("organisation id")
}

fn assert_corrupt<T: std::fmt::Debug>(result: Result<T, StorageError>, expected_column: &str) {
    match result {
        Err(StorageError::Corrupt { column, reason }) => {
            assert_eq!(column, expected_column);
            assert!(!reason.contains(PERSONAL), "{reason}");
        }
        other => panic!("expected Corrupt in {expected_column}, got {other:?}"),
    }
}

#[test]
fn backend_names_are_their_serde_names() {
    assert_eq!(Backend::Postgres.name(), "postgresql");
    assert_eq!(Backend::Sqlite.name(), "sqlite");
}

#[test]
fn the_reason_names_the_position_not_the_value() {
    let damaged = format!(r#"{{"gender": "{PERSONAL}"}}"#);
    let error = decode_json::<std::collections::BTreeMap<String, u32>>("t.c", &damaged)
        .expect_err("a string is no number");
    let StorageError::Corrupt { column, reason } = &error else {
        panic!("expected Corrupt, got {error:?}");
    };
    assert_eq!(*column, "t.c");
    assert!(reason.contains("line 1 column"), "{reason}");
    assert!(!reason.contains(PERSONAL), "{reason}");
    assert!(!error.to_string().contains(PERSONAL), "{error}");
}

#[test]
fn a_damaged_decision_history_is_corrupt() {
    let (_dir, db) = fresh_database();
    let conn = &mut *db.conn().expect("connection");
    let org_id = organisation(conn);
    programmes::create_programme(conn, org_id, "P", "Programme").expect("programme");
    let call = programmes::create_call(
        conn,
        org_id,
        &programmes::NewCall {
            programme_code: "P".into(),
            code: "C".into(),
            title: "Call".into(),
            opens_on: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
            closes_on: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
            budget_ore: 100_000,
            design: "{}".into(),
        },
    )
    .expect("call");
    let at = now();
    let tags = TagColumns {
        scheme_id: 1,
        gender: "women".into(),
        background: "unknown".into(),
        background_detail: "unknown".into(),
        age_band: "unknown".into(),
        county: "unknown".into(),
        municipality: "unknown".into(),
        size_band: "unknown".into(),
        tag_notes: None,
    };
    diesel::insert_into(applications::table)
        .values((
            (
                applications::org_id.eq(org_id),
                applications::call_id.eq(call.call.id),
                applications::external_id.eq("A-1"),
                applications::applicant_key.eq("key"),
                applications::received_on.eq(NaiveDate::from_ymd_opt(2026, 2, 1).expect("date")),
                applications::amount_applied_ore.eq(50_000),
                applications::facts.eq("{}"),
                applications::content_hash.eq("hash"),
                applications::revision.eq(1),
                applications::decision_history
                    .eq(format!(r#"[{{"version": 1, "outcome": "{PERSONAL}"}}]"#)),
                applications::decision_version.eq(1),
            ),
            tags,
            (
                applications::created_at.eq(at),
                applications::updated_at.eq(at),
            ),
        ))
        .execute(conn)
        .expect("insert application");

    assert_corrupt(
        stored_applications::find(conn, org_id, 1, "A-1"),
        "applications.decision_history",
    );
}

#[test]
fn a_damaged_tagging_scheme_is_corrupt() {
    let (_dir, db) = fresh_database();
    let conn = &mut *db.conn().expect("connection");
    let org_id = organisation(conn);
    diesel::insert_into(tag_schemes::table)
        .values((
            tag_schemes::org_id.eq(org_id),
            tag_schemes::fingerprint.eq("fingerprint"),
            tag_schemes::name.eq("damaged"),
            tag_schemes::definition.eq(format!(r#"{{"name": "{PERSONAL}""#)),
            tag_schemes::created_at.eq(now()),
        ))
        .execute(conn)
        .expect("insert scheme");
    let scheme_id = tag_schemes::table
        .select(tag_schemes::id)
        .first(conn)
        .expect("scheme id");

    assert_corrupt(orgs::scheme(conn, scheme_id), "tag_schemes.definition");
}

#[test]
fn a_damaged_baseline_group_is_corrupt() {
    let (_dir, db) = fresh_database();
    let conn = &mut *db.conn().expect("connection");
    let org_id = organisation(conn);
    diesel::insert_into(baselines::table)
        .values((
            baselines::org_id.eq(org_id),
            baselines::group_key.eq("gender=women"),
            baselines::region.eq("SE"),
            baselines::year.eq(2025),
            baselines::group_json.eq(format!(r#"{{"gender": ["{PERSONAL}"]}}"#)),
            baselines::share.eq(0.5),
            baselines::source.eq("SCB"),
            baselines::updated_at.eq(now()),
        ))
        .execute(conn)
        .expect("insert baseline");

    assert_corrupt(stored_baselines::all(conn, org_id), "baselines.group_json");
}
