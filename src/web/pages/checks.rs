//! Running a call's check, showing a stored check, publishing, and publishing with an override.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::calls::{CallState, call_page, call_state, refusal};
use super::{CsrfForm, checker, say, when};
use crate::analysis::labels;
use crate::callcheck::checks::{CheckId, CheckReport, EarlierCalls};
use crate::callcheck::design::{CallText, Panel, TargetGroup};
use crate::callcheck::eligibility::ExclusionAnalysis;
use crate::callcheck::render::{CheckBody, Piece, check_body, verdict_label};
use crate::callcheck::text::lix::Lix;
use crate::callcheck::text::plain::PlainLanguage;
use crate::domain::call::CallStatus;
use crate::http::AppState;
use crate::http::auth::{CheckCalls, Evaluate, ManageCalls, authorize};
use crate::locale::{Language, percent_rounded, sek};
use crate::services::ServiceError;
use crate::services::ServiceResult;
use crate::services::callchecks::{CallCheck, OverrideError, record_override};
use crate::services::calls::{self, CallError, CallUpdate};
use crate::web::{PageError, SignedIn, Viewer, render, see_other};

#[post("/calls/{id}/check")]
pub async fn run(
    signed_in: SignedIn<CheckCalls>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    let (org_id, id) = (signed_in.caller.org_id, id.into_inner());
    let subject = signed_in.caller.subject.clone();
    let language = signed_in.viewer.language;
    let app = state.clone();
    let (check, _) = state
        .db
        .run(move |conn| -> ServiceResult<_> {
            checker(&app).check_call(conn, org_id, id, &subject, language, None)
        })
        .await?;
    Ok(see_other(&format!("/calls/{id}/checks/{}", check.id)))
}

pub struct Cell {
    pub text: String,
}

/// A table: caption, column headings, rows whose first cell is the row's heading.
pub struct Table {
    pub id: &'static str,
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A marked passage: long sentence or officialese, with what to do.
pub struct Passage {
    pub text: String,
    pub note: String,
}

/// What the checks rest on, for people: LIX, long sentences, officialese, exclusion, panel,
/// target groups, earlier calls.
pub struct Details {
    pub lix: Option<String>,
    pub lix_meaning: String,
    pub long_sentences: Vec<Passage>,
    pub jargon: Vec<Passage>,
    pub exclusion: Option<Table>,
    pub population: Option<String>,
    pub panel: Option<String>,
    pub target_groups: Vec<String>,
    pub missing_goals: Vec<String>,
    pub earlier: Option<String>,
    pub earlier_findings: Vec<String>,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell { text: text.into() }
}

/// The details of `report`; passages are cut from `text` (the checked text, where known).
pub fn details(lang: Language, report: &CheckReport, text: Option<&CallText>) -> Details {
    let l = |sv: &str, en: &str| lang.pick(sv, en).to_owned();
    let detail = |id: CheckId| {
        report
            .checks
            .iter()
            .find(|c| c.id == id)
            .map(|c| &c.details)
    };
    let mut out = Details {
        lix: None,
        lix_meaning: l(
            "LIX (läsbarhetsindex) är medellängden på meningarna plus andelen långa ord (fler än sex bokstäver) i procent. Under 30: lättläst. 30–40: som en tidningstext. 40–50: som en typisk myndighetstext. Över 50: svårläst byråkratsvenska. En utlysning bör ligga under 40 för att nå fler.",
            "LIX (readability index) is the average sentence length plus the share of long words (more than six letters) in percent. Below 30: easy. 30-40: like a newspaper. 40-50: like a typical official text. Above 50: hard bureaucratic Swedish. A call should stay below 40 to reach more people.",
        ),
        long_sentences: Vec::new(),
        jargon: Vec::new(),
        exclusion: None,
        population: None,
        panel: None,
        target_groups: Vec::new(),
        missing_goals: Vec::new(),
        earlier: None,
        earlier_findings: Vec::new(),
    };
    let sv_text = text.and_then(|t| t.sv.as_deref());
    let cut = |offset: usize, len: usize| {
        sv_text
            .and_then(|t| t.get(offset..offset + len))
            .map(str::to_owned)
    };
    if let Some(d) = detail(CheckId::PlainLanguage) {
        if let Some(lix) = d
            .get("lix")
            .and_then(|v| serde_json::from_value::<Lix>(v.clone()).ok())
        {
            out.lix = Some(match lang {
                Language::Sv => format!(
                    "LIX {:.0}: {} ({} ord, {} meningar, {} långa ord).",
                    lix.score,
                    lix.band.label_sv(),
                    lix.words,
                    lix.sentences,
                    lix.long_words
                ),
                Language::En => format!(
                    "LIX {:.0}: {} ({} words, {} sentences, {} long words).",
                    lix.score,
                    lix.band.label_en(),
                    lix.words,
                    lix.sentences,
                    lix.long_words
                ),
            });
        }
        if let Some(plain) = d
            .get("plainLanguage")
            .and_then(|v| serde_json::from_value::<PlainLanguage>(v.clone()).ok())
        {
            for s in &plain.long_sentences {
                let words = match lang {
                    Language::Sv => format!("{} ord: dela upp meningen.", s.words),
                    Language::En => format!("{} words: split the sentence.", s.words),
                };
                out.long_sentences.push(Passage {
                    text: cut(s.location.byte_offset, s.location.byte_len)
                        .unwrap_or_else(|| format!("{} {}", l("rad", "line"), s.location.line)),
                    note: words,
                });
            }
            for j in &plain.jargon {
                let mut note = if j.plain.is_empty() {
                    l("Skriv enklare.", "Write plainer.")
                } else {
                    format!(
                        "{} {}",
                        l("Skriv hellre:", "Write instead:"),
                        j.plain.join(", ")
                    )
                };
                if let Some(extra) = &j.note {
                    note.push(' ');
                    note.push_str(extra);
                }
                out.jargon.push(Passage {
                    text: j.text.clone(),
                    note,
                });
            }
        }
    }
    if let Some(d) = detail(CheckId::EligibilityExclusion) {
        if let Some(p) = d.get("population") {
            let field = |k: &str| {
                p.get(k)
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .unwrap_or_default()
            };
            out.population = Some(match lang {
                Language::Sv => format!(
                    "Företagspopulationen: {} ({}, region {}).",
                    field("source"),
                    field("year"),
                    field("region")
                ),
                Language::En => format!(
                    "The firm population: {} ({}, region {}).",
                    field("source"),
                    field("year"),
                    field("region")
                ),
            });
        }
        if let Some(analysis) = d
            .get("analysis")
            .and_then(|v| serde_json::from_value::<ExclusionAnalysis>(v.clone()).ok())
        {
            out.exclusion = Some(Table {
                id: "exclusion",
                caption: l(
                    "Vilka grupper villkoren håller ute: andel bland alla företag och bland dem som får söka",
                    "Which groups the rules keep out: share among all firms and among those that may apply",
                ),
                columns: vec![
                    l("Grupp", "Group"),
                    l("Företag", "Firms"),
                    l("Får söka", "May apply"),
                    l("Andel av alla", "Share of all"),
                    l("Andel av dem som får söka", "Share of those who may apply"),
                    l(
                        "Disparitetsindex (100 = lika)",
                        "Disparity index (100 = equal)",
                    ),
                ],
                rows: analysis
                    .groups
                    .iter()
                    .map(|g| {
                        let who: Vec<String> = g
                            .group
                            .iter()
                            .map(|(d, v)| labels::value(lang, *d, v))
                            .collect();
                        vec![
                            cell(who.join(", ")),
                            cell(crate::locale::whole(lang, g.firms)),
                            cell(crate::locale::whole(lang, g.eligible_firms)),
                            cell(percent_rounded(g.share_all)),
                            cell(g.share_eligible.map_or("–".into(), percent_rounded)),
                            cell(g.disparity_index.map_or("–".into(), |d| format!("{d:.0}"))),
                        ]
                    })
                    .collect(),
            });
        }
    }
    if let Some(panel) = detail(CheckId::AssessmentPanel)
        .and_then(|d| d.get("panel"))
        .and_then(|v| serde_json::from_value::<Panel>(v.clone()).ok())
    {
        let total = panel.women + panel.men;
        let share = if total > 0 {
            percent_rounded(f64::from(panel.women) / f64::from(total))
        } else {
            "–".into()
        };
        out.panel = Some(match lang {
            Language::Sv => format!(
                "{} kvinnor, {} män, {} annat eller inte registrerat: {share} kvinnor. Jämn fördelning är 40–60 procent.",
                panel.women, panel.men, panel.other
            ),
            Language::En => format!(
                "{} women, {} men, {} other or not recorded: {share} women. Balanced is 40-60 per cent.",
                panel.women, panel.men, panel.other
            ),
        });
    }
    if let Some(d) = detail(CheckId::TargetGroups) {
        if let Some(groups) = d
            .get("targetGroups")
            .and_then(|v| serde_json::from_value::<Vec<TargetGroup>>(v.clone()).ok())
        {
            out.target_groups = groups.into_iter().map(|t| t.description).collect();
        }
        if let Some(missing) = d.get("missingGoalGroups").and_then(|v| {
            serde_json::from_value::<Vec<crate::callcheck::design::GroupRef>>(v.clone()).ok()
        }) {
            out.missing_goals = missing
                .iter()
                .map(|g| labels::value(lang, g.dimension, &g.value))
                .collect();
        }
    }
    if let Some(earlier) = detail(CheckId::EarlierCalls)
        .and_then(|v| serde_json::from_value::<EarlierCalls>(v.clone()).ok())
    {
        out.earlier = Some(match lang {
            Language::Sv => format!(
                "{} tidigare utlysningar, {} ansökningar, {} beslutade.",
                earlier.calls, earlier.applications, earlier.decided
            ),
            Language::En => format!(
                "{} earlier calls, {} applications, {} decided.",
                earlier.calls, earlier.applications, earlier.decided
            ),
        });
        out.earlier_findings = earlier
            .findings
            .iter()
            .map(|f| {
                let gap = f
                    .sek_gap
                    .map(|g| format!(" ({} {})", l("resursgap", "resource gap"), sek(lang, g)))
                    .unwrap_or_default();
                format!("{}: {}{gap}", f.group, f.explanation)
            })
            .collect();
    }
    out
}

pub struct EarlierCheck {
    pub href: String,
    pub at: String,
    pub version: i32,
    pub verdict: &'static str,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "web/check.html")]
pub struct CheckPage<'a> {
    pub viewer: &'a Viewer,
    pub title: String,
    pub call_id: i64,
    pub call_title: String,
    pub meta: String,
    /// Why the text is not marked (the check is of an earlier version), if so.
    pub text_note: Option<String>,
    pub body: CheckBody<'a>,
    pub details: Details,
    pub earlier_checks: Vec<EarlierCheck>,
    pub can_check: bool,
    pub is_draft: bool,
}

#[derive(Debug, Deserialize)]
pub struct CheckPath {
    pub id: i64,
    pub check_id: String,
}

#[get("/calls/{id}/checks/{check_id}")]
pub async fn show(
    signed_in: SignedIn<Evaluate>,
    state: web::Data<AppState>,
    path: web::Path<CheckPath>,
) -> Result<HttpResponse, PageError> {
    let CheckPath { id, check_id } = path.into_inner();
    let CallState { call, history, .. } = call_state(&state, signed_in.caller.org_id, id).await?;
    let viewer = &signed_in.viewer;
    let lang = viewer.language;
    let check: &CallCheck = history
        .checks
        .iter()
        .find(|c| c.id == check_id)
        .ok_or(PageError::NotFound)?;
    let current_version = check.call_version == call.stored.call.version;
    // Only the current version's text is stored: older checks are shown without marked text.
    let text = current_version.then_some(&call.design.text);
    let meta = match lang {
        Language::Sv => format!(
            "Version {} kontrollerad {} av {}. Resultat: {}.",
            check.call_version,
            when(check.created_at),
            check.created_by,
            verdict_label(lang, check.report.verdict)
        ),
        Language::En => format!(
            "Version {} checked {} by {}. Result: {}.",
            check.call_version,
            when(check.created_at),
            check.created_by,
            verdict_label(lang, check.report.verdict)
        ),
    };
    let page = CheckPage {
        viewer,
        title: format!(
            "{}: {}",
            lang.pick("Kontroll", "Check"),
            call.stored.call.title
        ),
        call_id: id,
        call_title: call.stored.call.title.clone(),
        meta,
        text_note: (!current_version).then(|| {
            lang.pick(
                "Kontrollen gäller en tidigare version. Tjänsten sparar bara den senaste versionens text, så orden markeras inte här.",
                "The check is of an earlier version. The service keeps only the latest version's text, so words are not marked here.",
            )
            .to_owned()
        }),
        body: check_body(&check.report, text),
        details: details(lang, &check.report, text),
        earlier_checks: history
            .checks
            .iter()
            .map(|c| EarlierCheck {
                href: format!("/calls/{id}/checks/{}", c.id),
                at: when(c.created_at),
                version: c.call_version,
                verdict: verdict_label(lang, c.report.verdict),
                current: c.id == check.id,
            })
            .collect(),
        can_check: signed_in
            .viewer
            .roles
            .iter()
            .any(|r| <CheckCalls as crate::http::auth::Policy>::ROLES.contains(r)),
        is_draft: call.status == CallStatus::Draft,
    };
    render(&page)
}

/// Publishes the call; on refusal, the call's page saying why.
async fn publish_or_explain(
    viewer: &Viewer,
    state: &AppState,
    org_id: i64,
    id: i64,
    page_extra: impl FnOnce(&mut super::calls::CallPage<'_>),
) -> Result<HttpResponse, PageError> {
    let update = CallUpdate {
        status: Some(CallStatus::Published),
        ..Default::default()
    };
    let result = state
        .db
        .run(move |conn| -> ServiceResult<_> { Ok(calls::update(conn, org_id, id, update)) })
        .await?;
    match result {
        Ok(_) => Ok(see_other(&format!("/calls/{id}?published=1"))),
        Err(CallError::Service(e)) => Err(e.into()),
        Err(refused) => {
            let found = call_state(state, org_id, id).await?;
            let mut page = call_page(viewer, found);
            page.refused = Some(refusal(viewer.language, &refused));
            page_extra(&mut page);
            render(&page)
        }
    }
}

#[post("/calls/{id}/publish")]
pub async fn publish(
    signed_in: SignedIn<ManageCalls>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    let (org_id, id) = (signed_in.caller.org_id, id.into_inner());
    publish_or_explain(&signed_in.viewer, &state, org_id, id, |_| {}).await
}

#[derive(Debug, Deserialize)]
pub struct OverrideForm {
    pub csrf: String,
    pub reason: String,
}

#[post("/calls/{id}/override")]
pub async fn override_publish(
    signed_in: SignedIn<CheckCalls>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<OverrideForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    // Recording the override is a check's business; publishing is managing the call.
    authorize::<ManageCalls>(&signed_in.caller).map_err(|_| PageError::Forbidden)?;
    let (org_id, id) = (signed_in.caller.org_id, id.into_inner());
    let OverrideForm { reason, .. } = form.into_inner();
    let subject = signed_in.caller.subject.clone();
    let viewer = &signed_in.viewer;
    let lang = viewer.language;
    let kept = reason.clone();
    let recorded = state
        .db
        .run(move |conn| -> ServiceResult<_> {
            Ok(record_override(conn, org_id, id, &reason, &subject))
        })
        .await?;
    let problem = match recorded {
        Ok(_) => return publish_or_explain(viewer, &state, org_id, id, |_| {}).await,
        Err(OverrideError::Unchecked(version)) => refusal(lang, &CallError::Unchecked { version }),
        Err(OverrideError::Service(ServiceError::Invalid(errors))) => {
            let message = errors
                .first()
                .map(|e| say(lang, &e.reason))
                .unwrap_or_default();
            let found = call_state(&state, org_id, id).await?;
            let mut page = call_page(viewer, found);
            page.summary = vec![super::form::ErrorLink {
                id: "override-reason".into(),
                text: format!("{}: {message}", lang.pick("Motivering", "Reason")),
            }];
            page.override_error = Some(message);
            page.override_reason = kept;
            return render(&page);
        }
        Err(OverrideError::Service(e)) => return Err(e.into()),
    };
    let found = call_state(&state, org_id, id).await?;
    let mut page = call_page(viewer, found);
    page.refused = Some(problem);
    render(&page)
}
