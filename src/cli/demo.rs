//! `equal-terms demo`: a county board with three programmes, a few years of calls and
//! synthetic applications (with a planted skew: women with foreign background in two
//! municipalities approved at 0.4 times the rate of others), loaded through the same import
//! pipeline as the API, a draft call to check before publication with the firm population it
//! is measured against, then served with tokens printed for each role and one development
//! sign-in link per role for the web workspace (`<role>: <url>`).

use std::io::Write;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::callcheck::design::DraftFile;
use crate::callcheck::eligibility::PopulationUpload;
use crate::config::Settings;
use crate::domain::applicant::{Pseudonymiser, Sex};
use crate::http::auth::{Authenticator, Role};
use crate::ingest::{ImportFormat, Importer};
use crate::startup::Application;
use crate::storage::{Database, StorageError, callchecks, orgs, programmes};
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
    let draft_id = draft_call(&db, org_id)?;

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
    // The development sign-in (links without a password) is the demo's alone; its key is made
    // at start and kept in memory. Links use the bound address.
    let mut settings = settings;
    settings.web.dev_sign_in = true;
    settings.web.dev_organisation = DEMO_ORG.to_owned();
    settings.web.public_url = String::new();
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)?;
        let base = format!("http://{}", app.address());
        let key = app
            .dev_sign_in_key()
            .context("the demo's development sign-in has no key")?;
        let links: String = crate::web::dev::ROLES
            .iter()
            .map(|role| {
                format!(
                    "\n{}: {}",
                    role.code(),
                    crate::web::dev::link(app.public_url(), *role, key)
                )
            })
            .collect();
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
             \n  curl -s -X POST -H \"Authorization: Bearer {officer}\" \"{base}/api/v1/calls/{draft_id}/checks?language=en\"\
             \n  equal-terms evaluate --org {DEMO_ORG} --dimensions gender,background,municipality --depth 3\
             \n\nStop with Ctrl-C.\n"
        )?;
        writeln!(
            out,
            "Web workspace: open the case_officer link to sign in (the links work until the demo stops):{links}\n"
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
            let scheme = settings.tagging.scheme().map_err(anyhow::Error::msg)?;
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

/// The draft call of the examples (docs/examples/call-draft.toml), to check before publication,
/// and the illustrative firm population its eligibility rules are measured against.
const DRAFT_CODE: &str = "AFF-CHECK-2027-1";
const DRAFT: &str = include_str!("../../docs/examples/call-draft.toml");
const POPULATION: &str = include_str!("../../docs/examples/firm-population.json");

fn draft_call(db: &Database, org_id: i64) -> anyhow::Result<i64> {
    let mut conn = db.conn()?;
    if let Some(found) = programmes::find_call_by_code(&mut conn, org_id, DRAFT_CODE)? {
        return Ok(found.call.id);
    }
    let draft =
        DraftFile::from_toml(DRAFT).map_err(|e| anyhow::anyhow!("the example draft: {e}"))?;
    let population = serde_json::from_str::<PopulationUpload>(POPULATION)
        .context("the example population")?
        .into_population()
        .map_err(|e| anyhow::anyhow!("the example population: {e:?}"))?;
    callchecks::put_population(
        &mut conn,
        org_id,
        &population.region,
        population.year,
        &serde_json::to_string(&population)?,
    )?;
    let new = programmes::NewCall {
        programme_code: draft.programme.unwrap_or_else(|| "AFF-CHECK".into()),
        code: DRAFT_CODE.into(),
        title: draft.title.unwrap_or_else(|| DRAFT_CODE.into()),
        opens_on: chrono::NaiveDate::from_ymd_opt(2027, 1, 15).expect("a date"),
        closes_on: chrono::NaiveDate::from_ymd_opt(2027, 3, 31).expect("a date"),
        budget_ore: 500_000_000,
        design: serde_json::to_string(&draft.design)?,
    };
    Ok(programmes::create_call(&mut conn, org_id, &new)?.call.id)
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
