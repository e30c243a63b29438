//! `equal-terms check-call call.toml`: the call check on a draft file, for case officers
//! working on a draft before it is in the service.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::callcheck::checks::{self, CheckInputs, CheckReport};
use crate::callcheck::design::DraftFile;
use crate::callcheck::eligibility::{Population, PopulationUpload};
use crate::callcheck::render;
use crate::config::Settings;
use crate::domain::validation::Errors;
use crate::locale::Language;
use crate::services::callchecks::CallChecker;
use crate::services::evaluations::Evaluator;
use crate::storage::{Database, orgs};

/// How the report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Html,
    Json,
}

pub struct Args {
    pub file: PathBuf,
    pub org: Option<String>,
    pub population: Option<PathBuf>,
    pub region: Option<String>,
    pub format: Format,
    pub language: Language,
    pub output: Option<PathBuf>,
}

fn read_draft(path: &Path) -> anyhow::Result<DraftFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let draft = DraftFile::from_toml(&text)
        .map_err(|e| anyhow::anyhow!("{} is not a call draft: {e}", path.display()))?;
    let mut errors = Errors::new();
    draft.design.validate("", &mut errors);
    if !errors.is_empty() {
        let list: Vec<String> = errors
            .into_vec()
            .into_iter()
            .map(|e| format!("{} {}", e.pointer, e.reason))
            .collect();
        bail!("{}: {}", path.display(), list.join("; "));
    }
    Ok(draft)
}

fn read_population(path: &Path) -> anyhow::Result<Population> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let upload: PopulationUpload = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a firm population upload", path.display()))?;
    upload.into_population().map_err(|errors| {
        let list: Vec<String> = errors
            .into_iter()
            .map(|e| format!("{} {}", e.pointer, e.reason))
            .collect();
        anyhow::anyhow!("{}: {}", path.display(), list.join("; "))
    })
}

pub fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let draft = read_draft(&args.file)?;
    let title = draft
        .title
        .clone()
        .unwrap_or_else(|| args.file.display().to_string());
    let report: CheckReport = match &args.org {
        // With an organisation: its firm population and the programme's earlier calls.
        Some(code) => {
            let db = Database::connect(&settings.database)?;
            db.migrate()?;
            let mut conn = db.conn()?;
            let org = orgs::find_by_code(&mut conn, code)?
                .with_context(|| format!("no organisation {code:?}"))?;
            let checker = CallChecker {
                settings: &settings.call_check,
                evaluator: Evaluator::new(&settings.rules, None),
            };
            checker
                .run(
                    &mut conn,
                    org.id,
                    &draft.design,
                    draft.programme.as_deref(),
                    None,
                    "cli",
                    args.language,
                    args.region.clone(),
                )
                .map_err(super::service_error)?
        }
        None => {
            let population = args
                .population
                .as_deref()
                .map(read_population)
                .transpose()?;
            checks::run(
                &draft.design,
                &CheckInputs {
                    settings: &settings.call_check,
                    language: args.language,
                    population: population.as_ref(),
                    earlier: None,
                },
            )
        }
    };
    let out = match args.format {
        Format::Text => render::text(&title, &report),
        Format::Html => render::html(&title, &report, Some(&draft.design.text)),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))?
        }
        None => print!("{out}"),
    }
    Ok(())
}
