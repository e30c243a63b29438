//! A running call: applications and decisions so far per group, with the monitor's flags.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::checks::{Cell, Table};
use super::{checker, status_words, when};
use crate::analysis::findings::Level;
use crate::http::AppState;
use crate::http::auth::Evaluate;
use crate::locale::{Language, percent_rounded, sek, whole};
use crate::services::ServiceResult;
use crate::web::{PageError, SignedIn, Viewer, render};

#[derive(Template)]
#[template(path = "web/monitor.html")]
pub struct MonitorPage<'a> {
    pub viewer: &'a Viewer,
    pub title: String,
    pub call_id: i64,
    pub status: &'static str,
    pub loaded_at: String,
    pub totals: String,
    pub groups: Table,
    pub flags: Vec<String>,
}

#[get("/calls/{id}/monitor")]
pub async fn monitor(
    signed_in: SignedIn<Evaluate>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let (org_id, id) = (signed_in.caller.org_id, id.into_inner());
    let lang = signed_in.viewer.language;
    let app = state.clone();
    let (call, evaluation) = state
        .db
        .run(move |conn| -> ServiceResult<_> {
            checker(&app).monitor(conn, org_id, id, lang, None)
        })
        .await?;
    let l = |sv: &str, en: &str| lang.pick(sv, en).to_owned();
    let data = &evaluation.data;
    let totals = match lang {
        Language::Sv => format!(
            "{} ansökningar, {} beslutade i sak, {} beviljade.",
            data.applications, data.judged, data.approved
        ),
        Language::En => format!(
            "{} applications, {} decided on the merits, {} approved.",
            data.applications, data.judged, data.approved
        ),
    };
    let groups = Table {
        id: "groups",
        caption: l(
            "Ansökningar och beslut hittills per grupp",
            "Applications and decisions so far per group",
        ),
        columns: vec![
            l("Grupp", "Group"),
            l("Ansökningar", "Applications"),
            l("Beslutade", "Decided"),
            l("Beviljade", "Approved"),
            l("Andel beviljade", "Approval rate"),
            l("Beviljat belopp", "Granted"),
        ],
        rows: evaluation
            .outcome
            .groups
            .iter()
            .map(|g| {
                let f = &g.figures;
                vec![
                    Cell {
                        text: g.label.clone(),
                    },
                    Cell {
                        text: whole(lang, f.applications as f64),
                    },
                    Cell {
                        text: whole(lang, f.judged as f64),
                    },
                    Cell {
                        text: whole(lang, f.approved as f64),
                    },
                    Cell {
                        text: f.approval_rate.map_or("–".into(), percent_rounded),
                    },
                    Cell {
                        text: sek(lang, f.granted_sek),
                    },
                ]
            })
            .collect(),
    };
    let flags = evaluation
        .outcome
        .findings
        .iter()
        .filter(|f| matches!(f.level, Level::Red | Level::Watch))
        .map(|f| {
            let level = match f.level {
                Level::Red => l("Röd flagga", "Red flag"),
                _ => l("Bevaka", "Watch"),
            };
            format!("{level}: {}", f.explanation)
        })
        .collect();
    let stored = &call.stored.call;
    render(&MonitorPage {
        viewer: &signed_in.viewer,
        title: format!("{}: {}", l("Följ utlysningen", "Monitor"), stored.title),
        call_id: stored.id,
        status: status_words(lang, call.status),
        loaded_at: when(crate::storage::now()),
        totals,
        groups,
        flags,
    })
}
