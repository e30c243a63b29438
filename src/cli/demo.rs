//! `equal-terms demo`: a county board with three programmes, a few years of calls and
//! synthetic applications (with a planted skew: women with foreign background in two
//! municipalities approved at half the rate), loaded through the same import pipeline as the
//! API, then served with tokens printed for each role.

use std::io::Write;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::domain::applicant::{Pseudonymiser, Sex};
use crate::domain::tagging::TaggingScheme;
use crate::http::auth::{Authenticator, Role};
use crate::ingest::{ImportFormat, Importer};
use crate::startup::Application;
use crate::storage::{Database, StorageError, orgs, programmes};
use crate::synth::{Skew, SynthConfig};

pub const DEMO_ORG: &str = "demo";

pub fn run(settings: Settings, applications: usize, skew: bool, serve: bool) -> anyhow::Result<()> {
    let db = Database::connect(&settings.database)?;
    db.migrate()?;
    let config = SynthConfig {
        applications,
        skew: skew.then(|| Skew {
            leader_sex: Some(Sex::Female),
            foreign_background: Some(true),
            municipalities: vec!["0127".into(), "0181".into()], // Botkyrka, Södertälje
            approval_factor: 0.4,
        }),
        ..Default::default()
    };
    let org_id = ensure_catalogue(&db, &settings, &config)?;
    load(&db, &settings, &config, org_id)?;

    let auth = Authenticator::new(&settings.auth)?;
    let token = |role: Role| auth.mint(DEMO_ORG, &[role], "demo", 86_400);
    let (integrator, officer, auditor, admin) = (
        token(Role::Integrator)?,
        token(Role::CaseOfficer)?,
        token(Role::Auditor)?,
        token(Role::Admin)?,
    );
    if !serve {
        println!("demo data loaded into {}", db.backend().name());
        return Ok(());
    }
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)?;
        let base = format!("http://{}", app.address());
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "\nEqual Terms demo is running at {base}\n\
             \n  API docs:     {base}/api/v1/docs/\
             \n  Health:       {base}/ready\
             \n\nTokens for organisation \"{DEMO_ORG}\" (valid 24 hours):\
             \n  integrator:   {integrator}\
             \n  case_officer: {officer}\
             \n  auditor:      {auditor}\
             \n  admin:        {admin}\
             \n\nTry:\
             \n  curl -s -H \"Authorization: Bearer {integrator}\" {base}/api/v1/calls?limit=3\
             \n  curl -s -H \"Authorization: Bearer {integrator}\" {base}/api/v1/applications/REG-FS-2016-1-0000001\
             \n\nStop with Ctrl-C.\n"
        )?;
        drop(out);
        app.run_until_stopped().await?;
        Ok(())
    })
}

/// The demo organisation, its programmes and calls (created once, found afterwards).
fn ensure_catalogue(
    db: &Database,
    settings: &Settings,
    config: &SynthConfig,
) -> anyhow::Result<i64> {
    let mut conn = db.conn()?;
    let org = match orgs::find_by_code(&mut conn, DEMO_ORG)? {
        Some(org) => org,
        None => {
            let scheme =
                TaggingScheme::from_settings(&settings.tagging).map_err(anyhow::Error::msg)?;
            orgs::create(
                &mut conn,
                DEMO_ORG,
                "Länsstyrelsen i Stockholms län (demo)",
                &scheme,
            )?
        }
    };
    for (code, name) in &config.programmes {
        match programmes::create_programme(&mut conn, org.id, code, name) {
            Ok(_) | Err(StorageError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    for call in config.calls() {
        let new = programmes::NewCall {
            programme_code: call.programme_code,
            code: call.code,
            title: call.title,
            opens_on: call.opens_on,
            closes_on: call.closes_on,
            budget_ore: call.budget.0,
            design: "{}".into(),
        };
        match programmes::create_call(&mut conn, org.id, &new) {
            Ok(_) | Err(StorageError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(org.id)
}

/// Imports the synthetic applications through the bulk import pipeline (idempotent: a second
/// run reports them unchanged).
fn load(
    db: &Database,
    settings: &Settings,
    config: &SynthConfig,
    org_id: i64,
) -> anyhow::Result<()> {
    let mut body = Vec::with_capacity(config.applications * 700);
    for row in config.applications() {
        serde_json::to_writer(&mut body, &row)?;
        body.push(b'\n');
    }
    let scheme = orgs::current_scheme(&mut *db.conn()?, org_id)?;
    let importer = Importer {
        db: db.clone(),
        keys: Pseudonymiser::new(settings.pseudonym.secret.expose().as_bytes()),
        batch_size: settings.imports.batch_size,
        max_errors: settings.imports.max_reported_errors,
        writers: settings.imports.writers,
    };
    let bar = ProgressBar::new(config.applications as u64).with_style(
        ProgressStyle::with_template("loading {bar:40} {pos}/{len} applications")
            .context("progress template")?,
    );
    let job = uuid::Uuid::new_v4().to_string();
    let summary = importer.run(
        &job,
        org_id,
        scheme,
        ImportFormat::Ndjson,
        &body[..],
        &|rows| bar.set_position(rows),
    )?;
    bar.finish_and_clear();
    println!(
        "demo data: {} applications read, {} written, {} already there, {} rejected",
        summary.rows, summary.accepted, summary.unchanged, summary.rejected
    );
    Ok(())
}
