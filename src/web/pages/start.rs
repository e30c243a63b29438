//! The start page: the organisation's programmes and calls, with what needs attention.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::{checker, kronor, status_words, when};
use crate::analysis::findings::Level;
use crate::callcheck::render::verdict_label;
use crate::domain::call::CallStatus;
use crate::http::AppState;
use crate::http::auth::{
    CheckCalls, Evaluate, ManageCalls, ReadCatalogue, Role, allows, authorize,
};
use crate::locale::Language;
use crate::services::ServiceResult;
use crate::services::{callchecks, calls, programmes};
use crate::web::{PageError, SignedIn, Viewer, render};

pub struct CallLine {
    pub href: String,
    pub title: String,
    pub code: String,
    pub programme: String,
    pub status: &'static str,
    pub dates: String,
    pub budget: String,
    pub check_class: &'static str,
    pub check: String,
    pub monitor: String,
}

pub struct ProgrammeLine {
    pub code: String,
    pub name: String,
    pub calls: usize,
}

#[derive(Template)]
#[template(path = "web/start.html")]
pub struct StartPage<'a> {
    pub viewer: &'a Viewer,
    pub title: String,
    pub programmes: Vec<ProgrammeLine>,
    pub calls: Vec<CallLine>,
    pub can_create: bool,
    pub can_check: bool,
    /// For roles whose pages come later (auditor, admin, integrator).
    pub later: Option<String>,
}

#[get("/")]
pub async fn start(
    signed_in: SignedIn<ReadCatalogue>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let viewer = &signed_in.viewer;
    let lang = viewer.language;
    let org_id = signed_in.caller.org_id;
    let app = state.clone();
    // Checks and the monitor are what the API shows under `Evaluate` only.
    let evaluates = authorize::<Evaluate>(&signed_in.caller).is_ok();
    let (found_programmes, lines) = state
        .db
        .run(move |conn| -> ServiceResult<_> {
            let found_programmes = programmes::list(conn, org_id, None, 500)?;
            let found = calls::list(conn, org_id, None, None, 500)?;
            let mut lines = Vec::new();
            for call in found {
                let stored = &call.stored.call;
                let history = if evaluates {
                    Some(callchecks::history(conn, org_id, stored.id)?)
                } else {
                    None
                };
                let (check_class, check) = match history.as_ref().and_then(|h| h.checks.first()) {
                    Some(c) => (
                        c.report.verdict.code(),
                        format!(
                            "{} ({}, version {})",
                            verdict_label(lang, c.report.verdict),
                            when(c.created_at),
                            c.call_version
                        ),
                    ),
                    None if evaluates => {
                        ("", lang.pick("inte kontrollerad", "not checked").to_owned())
                    }
                    None => ("", String::new()),
                };
                let monitor = if evaluates && call.status == CallStatus::Published {
                    let (_, evaluation) =
                        checker(&app).monitor(conn, org_id, stored.id, lang, None)?;
                    let flags = evaluation
                        .outcome
                        .findings
                        .iter()
                        .filter(|f| matches!(f.level, Level::Red | Level::Watch))
                        .count();
                    match (flags, lang) {
                        (0, _) => lang.pick("inga flaggor", "no flags").to_owned(),
                        (n, Language::Sv) => format!("{n} flaggor hittills"),
                        (n, Language::En) => format!("{n} flags so far"),
                    }
                } else {
                    String::new()
                };
                lines.push(CallLine {
                    href: format!("/calls/{}", stored.id),
                    title: stored.title.clone(),
                    code: stored.code.clone(),
                    programme: call.stored.programme_code.clone(),
                    status: status_words(lang, call.status),
                    dates: format!("{} – {}", stored.opens_on, stored.closes_on),
                    budget: kronor(lang, stored.budget_ore),
                    check_class,
                    check,
                    monitor,
                });
            }
            Ok((found_programmes, lines))
        })
        .await?;
    let roles = &viewer.roles;
    let officer = roles.contains(&Role::CaseOfficer);
    let later = (!officer).then(|| {
        lang.pick(
            "Sidorna för din roll kommer i en senare version. Här ser du organisationens program och utlysningar.",
            "The pages for your role come in a later version. Here you see the organisation's programmes and calls.",
        )
        .to_owned()
    });
    let programmes = found_programmes
        .into_iter()
        .map(|p| ProgrammeLine {
            calls: lines.iter().filter(|l| l.programme == p.code).count(),
            code: p.code,
            name: p.name,
        })
        .collect();
    render(&StartPage {
        viewer,
        title: lang.pick("Utlysningar", "Calls").into(),
        programmes,
        calls: lines,
        can_create: allows::<ManageCalls>(roles) && officer,
        can_check: allows::<CheckCalls>(roles),
        later,
    })
}
