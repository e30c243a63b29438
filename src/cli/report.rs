//! `equal-terms report`: an allocation-equality report for an organisation, stored like one
//! made through the API (and recorded in the audit log), written as JSON, CSV or HTML.

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::report::model::ReportRequest;
use crate::report::{csv, html};
use crate::services::evaluations::Evaluator;
use crate::services::reports::{self, Format, ReportMaker};
use crate::storage::{Database, orgs};

pub struct Args {
    pub org: String,
    pub request: ReportRequest,
    pub format: Format,
    pub swedish: bool,
    pub output: Option<PathBuf>,
}

pub fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let db = Database::connect(&settings.database)?;
    db.migrate()?;
    let mut conn = db.conn()?;
    let org = orgs::find_by_code(&mut conn, &args.org)?
        .with_context(|| format!("no organisation {:?}", args.org))?;
    let maker = ReportMaker {
        evaluator: Evaluator::new(&settings.rules, None),
        settings: &settings.reports,
    };
    // A spinner with a count: the number of applications in the scope is not known up front.
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} reading applications: {pos}")
            .context("progress template")?,
    );
    let progress = |read: u64| {
        if read >= 50_000 {
            bar.set_position(read);
            bar.tick();
        }
    };
    let making = reports::Making {
        action: "create",
        format: args.format,
    };
    let (report, body) = reports::create(
        &maker,
        &mut conn,
        org.id,
        "cli",
        args.request,
        making,
        &progress,
    )
    .map_err(super::service_error)?;
    bar.finish_and_clear();
    let out = match args.format {
        Format::Json => body,
        Format::Csv => csv::render(
            &report,
            csv::CsvOptions {
                swedish: args.swedish,
            },
        ),
        Format::Html => html::render(&report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, out)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("report {} written to {}", report.id, path.display());
        }
        None => print!("{out}"),
    }
    Ok(())
}
