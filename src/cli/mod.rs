//! The operator's commands. Every command reads the same layered configuration, so a token
//! minted by `token` is accepted by `serve` started in the same environment.

mod check_call;
mod demo;
mod report;
mod summary;

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::domain::tagging::GenderDefinition;
use crate::http::auth::{Authenticator, Role};
use crate::locale::Language;
use crate::services::ServiceError;
use crate::services::evaluations::{EvaluationRequest, Evaluator};
use crate::services::retag;
use crate::startup::Application;
use crate::storage::{Database, orgs};

#[derive(Parser)]
#[command(
    name = "equal-terms",
    version,
    about = "Method support for allocating grant money on equal terms"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API.
    Serve {
        /// Address to listen on (configuration key server.bind); port 0 picks a free port.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Manage organisations (tenants).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Mint a bearer token with the configured secret, for local use.
    Token {
        /// Organisation code.
        #[arg(long)]
        org: String,
        /// Role: integrator, case_officer, auditor or admin (repeat for several).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Lifetime, e.g. 30m, 1h, 1d.
        #[arg(long, default_value = "1h")]
        ttl: String,
        /// Who the token is for (the `sub` claim).
        #[arg(long, default_value = "cli")]
        subject: String,
    },
    /// Evaluate an organisation's allocation against the rule set and print a summary.
    Evaluate {
        #[arg(long)]
        org: String,
        #[arg(long)]
        programme: Option<String>,
        #[arg(long)]
        call: Option<String>,
        /// First month, YYYY-MM.
        #[arg(long)]
        from: Option<String>,
        /// Last month, YYYY-MM.
        #[arg(long)]
        to: Option<String>,
        /// Comma-separated: gender, background, backgroundDetail, ageBand, county,
        /// municipality, sizeBand.
        #[arg(long, value_delimiter = ',')]
        dimensions: Vec<String>,
        #[arg(long)]
        depth: Option<usize>,
        /// sv or en.
        #[arg(long, default_value = "sv")]
        lang: String,
        /// Print the whole evaluation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change how an organisation's applicants are tagged, and tag every application again.
    Retag {
        #[arg(long)]
        org: String,
        /// leader, ownership or leader_and_ownership.
        #[arg(long)]
        gender_definition: String,
    },
    /// Make an allocation-equality report (stored, and recorded in the audit log).
    Report {
        #[arg(long)]
        org: String,
        #[arg(long)]
        programme: Option<String>,
        #[arg(long)]
        call: Option<String>,
        /// First month of receipt, YYYY-MM.
        #[arg(long)]
        from: Option<String>,
        /// Last month of receipt, YYYY-MM.
        #[arg(long)]
        to: Option<String>,
        /// Comma-separated dimensions (default gender, background, ageBand, county).
        #[arg(long, value_delimiter = ',')]
        dimensions: Vec<String>,
        #[arg(long)]
        depth: Option<usize>,
        /// half-year or year.
        #[arg(long, default_value = "half-year")]
        period: String,
        /// sv or en.
        #[arg(long, default_value = "sv")]
        lang: String,
        #[arg(long, value_enum, default_value = "html")]
        format: ReportFormat,
        /// CSV with `;` separators and decimal commas.
        #[arg(long)]
        swedish: bool,
        /// Write to this file instead of standard output.
        #[arg(short = 'o', long)]
        output: Option<std::path::PathBuf>,
    },
    /// Check a draft call (a TOML file) before it is published, and print the result.
    CheckCall {
        /// The draft: a call design, with `title` and `programme` at the top if wanted.
        file: std::path::PathBuf,
        /// Read this organisation's firm population and the programme's earlier calls from
        /// the database.
        #[arg(long)]
        org: Option<String>,
        /// Without --org: a firm population upload (JSON) to measure eligibility against.
        #[arg(long, conflicts_with = "org")]
        population: Option<std::path::PathBuf>,
        /// With --org: the baselines' region (county code or SE) for the earlier calls'
        /// evaluation, where the draft names no single county.
        #[arg(long, requires = "org")]
        region: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: check_call::Format,
        /// sv or en.
        #[arg(long, default_value = "sv")]
        lang: String,
        /// Write to this file instead of standard output.
        #[arg(short = 'o', long)]
        output: Option<std::path::PathBuf>,
    },
    /// Load a realistic synthetic dataset into the embedded database and serve it, with a
    /// development sign-in link per role for the web workspace.
    Demo {
        #[arg(long)]
        bind: Option<String>,
        /// Number of synthetic applications.
        #[arg(long, default_value_t = 40_000)]
        applications: usize,
        /// Load data without a planted skew.
        #[arg(long)]
        no_skew: bool,
        /// Load the data and exit instead of serving.
        #[arg(long)]
        no_serve: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Json,
    Csv,
    Html,
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation.
    Add {
        /// Short code, used in tokens (e.g. lst-stockholm).
        code: String,
        #[arg(long)]
        name: String,
    },
    /// List organisations.
    List,
}

/// Parses arguments, runs the command, and turns failures into a message and exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Configuration with `overrides`, secrets resolved, logging set up.
fn settings(overrides: figment::Figment) -> anyhow::Result<Settings> {
    let environment = std::env::var(crate::config::ENV_VAR).unwrap_or_else(|_| "local".into());
    let dir = std::env::var_os(crate::config::CONFIG_DIR_VAR)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "config".into());
    let mut settings = Settings::load_from(&dir, &environment, overrides)?;
    settings.resolve_secrets()?;
    crate::telemetry::init(&settings.log);
    Ok(settings)
}

fn bind_override(bind: Option<String>) -> figment::Figment {
    match bind {
        Some(bind) => Settings::override_key("server.bind", bind),
        None => figment::Figment::new(),
    }
}

fn language(code: &str) -> anyhow::Result<Language> {
    Language::from_code(code).ok_or_else(|| anyhow::anyhow!("--lang {code:?}: sv or en"))
}

fn dimensions_of(codes: &[String]) -> anyhow::Result<Vec<crate::domain::tagging::Dimension>> {
    codes
        .iter()
        .map(|d| {
            crate::domain::tagging::Dimension::from_code(d)
                .with_context(|| format!("unknown dimension {d:?}"))
        })
        .collect()
}

/// A service's refusal as one line (field errors joined), or its storage failure.
fn service_error(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| format!("{} {}", e.pointer, e.reason))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        ServiceError::Storage(e) => e.into(),
        other => other.into(),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { bind } => {
            let settings = settings(bind_override(bind))?;
            settings.check_for_serve()?;
            actix_web::rt::System::new().block_on(async move {
                Application::build(settings)?.run_until_stopped().await?;
                Ok(())
            })
        }
        Command::Migrate => {
            let settings = settings(figment::Figment::new())?;
            let db = Database::connect(&settings.database)?;
            let ran = db.migrate()?;
            println!("{ran} migration(s) applied ({})", db.backend().name());
            Ok(())
        }
        Command::Org(OrgCommand::Add { code, name }) => {
            let settings = settings(figment::Figment::new())?;
            crate::domain::call::validate_code(&code)
                .map_err(|_| anyhow::anyhow!("the code must be 1-64 letters, digits or . _ : -"))?;
            let db = Database::connect(&settings.database)?;
            db.migrate()?;
            let scheme = settings.tagging.scheme().map_err(anyhow::Error::msg)?;
            let org = orgs::create(&mut *db.conn()?, &code, &name, &scheme)?;
            println!(
                "organisation {} created (tagging: {})",
                org.code,
                scheme.name()
            );
            Ok(())
        }
        Command::Org(OrgCommand::List) => {
            let settings = settings(figment::Figment::new())?;
            let db = Database::connect(&settings.database)?;
            db.migrate()?;
            for org in orgs::list(&mut *db.conn()?)? {
                println!("{}\t{}", org.code, org.name);
            }
            Ok(())
        }
        Command::Token {
            org,
            roles,
            ttl,
            subject,
        } => {
            let settings = settings(figment::Figment::new())?;
            let roles = roles
                .iter()
                .map(|r| {
                    Role::from_code(r).with_context(|| {
                        format!("unknown role {r:?}: integrator, case_officer, auditor or admin")
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let ttl = humantime::parse_duration(&ttl)
                .with_context(|| format!("--ttl {ttl:?} is not a duration such as 1h"))?;
            let db = Database::connect(&settings.database)?;
            db.migrate()?;
            if orgs::find_by_code(&mut *db.conn()?, &org)?.is_none() {
                bail!("no organisation {org:?}: create it with `equal-terms org add`");
            }
            let auth = Authenticator::new(&settings.auth)?;
            println!("{}", auth.mint(&org, &roles, &subject, ttl.as_secs())?);
            Ok(())
        }
        Command::Evaluate {
            org,
            programme,
            call,
            from,
            to,
            dimensions,
            depth,
            lang,
            json,
        } => {
            let settings = settings(figment::Figment::new())?;
            let db = Database::connect(&settings.database)?;
            db.migrate()?;
            let mut conn = db.conn()?;
            let org = orgs::find_by_code(&mut conn, &org)?
                .with_context(|| format!("no organisation {org:?}"))?;
            let dimensions = dimensions_of(&dimensions)?;
            let language = language(&lang)?;
            let request = EvaluationRequest {
                programme,
                call,
                from,
                to,
                dimensions,
                depth,
                language,
                ..Default::default()
            };
            let evaluator = Evaluator::new(&settings.rules, None);
            let evaluated = evaluator
                .evaluate(&mut conn, org.id, "cli", request)
                .map_err(service_error)?;
            if json {
                println!("{}", evaluated.body);
            } else {
                print!("{}", summary::evaluation(&evaluated.evaluation));
            }
            Ok(())
        }
        Command::Retag {
            org,
            gender_definition,
        } => {
            let settings = settings(figment::Figment::new())?;
            let definition = GenderDefinition::from_code(&gender_definition).with_context(|| {
                format!("unknown definition {gender_definition:?}: leader, ownership or leader_and_ownership")
            })?;
            let db = Database::connect(&settings.database)?;
            db.migrate()?;
            let mut conn = db.conn()?;
            let org = orgs::find_by_code(&mut conn, &org)?
                .with_context(|| format!("no organisation {org:?}"))?;
            let done = retag::change_definitions(&mut conn, org.id, definition, None)
                .map_err(service_error)?;
            println!(
                "{}: {} applications tagged by {} ({} cells)",
                org.code, done.applications, done.scheme, done.cells
            );
            Ok(())
        }
        Command::Report {
            org,
            programme,
            call,
            from,
            to,
            dimensions,
            depth,
            period,
            lang,
            format,
            swedish,
            output,
        } => {
            let settings = settings(figment::Figment::new())?;
            let request = crate::report::model::ReportRequest {
                programme,
                call,
                from,
                to,
                dimensions: dimensions_of(&dimensions)?,
                depth,
                period: match period.as_str() {
                    "half-year" => crate::report::model::Period::HalfYear,
                    "year" => crate::report::model::Period::Year,
                    other => bail!("--period {other:?}: half-year or year"),
                },
                language: language(&lang)?,
                ..Default::default()
            };
            let format = match format {
                ReportFormat::Json => crate::services::reports::Format::Json,
                ReportFormat::Csv => crate::services::reports::Format::Csv,
                ReportFormat::Html => crate::services::reports::Format::Html,
            };
            report::run(
                settings,
                report::Args {
                    org,
                    request,
                    format,
                    swedish,
                    output,
                },
            )
        }
        Command::CheckCall {
            file,
            org,
            population,
            region,
            format,
            lang,
            output,
        } => {
            let settings = settings(figment::Figment::new())?;
            check_call::run(
                settings,
                check_call::Args {
                    file,
                    org,
                    population,
                    region,
                    format,
                    language: language(&lang)?,
                    output,
                },
            )
        }
        Command::Demo {
            bind,
            applications,
            no_skew,
            no_serve,
        } => {
            let settings = settings(bind_override(bind))?;
            demo::run(settings, applications, !no_skew, !no_serve)
        }
    }
}
