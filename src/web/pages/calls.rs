//! A call: the form to create one, the form to change one, and the call's page with its
//! design, versions, checks, overrides and what the viewer may do next.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::design_form::{self, FormValues, RowMap, parse_design, values_of_design};
use super::form::{
    ErrorLink, Errors, FieldKind, Programmes, Scope, Section, call_section, design_sections,
    group_options,
};
use super::{kronor, say, status_words, when};
use crate::callcheck::checks::Verdict;
use crate::callcheck::design::CallDesign;
use crate::callcheck::render::verdict_label;
use crate::domain::call::CallStatus;
use crate::domain::money::{MoneyDto, Ore};
use crate::domain::validation::FieldError;
use crate::http::AppState;
use crate::http::auth::{CheckCalls, Evaluate, ManageCalls, ReadCatalogue, allows, authorize};
use crate::http::handlers::calls::{CallPatch, NewCallBody};
use crate::locale::Language;
use crate::services::ServiceResult;
use crate::services::callchecks::{self, CheckHistory};
use crate::services::calls::{self, Call, CallDraft, CallError, CallUpdate};
use crate::services::publication::{Publication, publication};
use crate::services::{ServiceError, programmes};
use crate::web::{PageError, SignedIn, Viewer, render, see_other};

/// The new-call and edit forms.
#[derive(Template)]
#[template(path = "web/call_form.html")]
pub struct CallFormPage<'a> {
    pub viewer: &'a Viewer,
    pub title: String,
    /// Where the form posts.
    pub action: String,
    pub intro: String,
    pub submit: String,
    pub cancel: String,
    pub summary: Vec<ErrorLink>,
    /// A conflict the service reported (e.g. the code is taken), shown above the form.
    pub problem: Option<String>,
    pub sections: Vec<Section>,
}

fn age_bands(state: &AppState) -> Vec<[u32; 2]> {
    state.settings.tagging.age_bands.clone()
}

#[allow(clippy::too_many_arguments)]
fn form_page<'a>(
    viewer: &'a Viewer,
    state: &AppState,
    values: &FormValues,
    errors: &[FieldError],
    rows: &RowMap,
    programmes: Option<&Programmes>,
    editing: Option<(i64, i32)>,
    problem: Option<String>,
) -> CallFormPage<'a> {
    let lang = viewer.language;
    let errors = Errors::new(lang, errors, rows);
    let groups = group_options(lang, &age_bands(state));
    let mut sections = vec![call_section(lang, values, &errors, programmes)];
    sections.extend(design_sections(
        lang,
        values,
        &errors,
        &groups,
        Scope::Everything,
    ));
    let summary = errors.summary(&sections);
    let l = |sv: &str, en: &str| lang.pick(sv, en).to_owned();
    let (title, action, intro, submit, cancel) = match editing {
        None => (
            l("Ny utlysning", "New call"),
            "/calls/new".to_owned(),
            l(
                "Utlysningen sparas som utkast. Du kan kontrollera och ändra den innan den publiceras.",
                "The call is saved as a draft. You can check and change it before it is published.",
            ),
            l("Skapa utkast", "Create draft"),
            "/".to_owned(),
        ),
        Some((id, version)) => (
            l("Ändra utlysningen", "Change the call"),
            format!("/calls/{id}/edit"),
            match lang {
                Language::Sv => format!(
                    "Det här är version {version}. Ändrar du innehållet blir det version {} och behöver kontrolleras igen innan den publiceras.",
                    version + 1
                ),
                Language::En => format!(
                    "This is version {version}. If you change the content it becomes version {} and needs a new check before it is published.",
                    version + 1
                ),
            },
            l("Spara", "Save"),
            format!("/calls/{id}"),
        ),
    };
    CallFormPage {
        viewer,
        title,
        action,
        intro,
        submit,
        cancel,
        summary,
        problem,
        sections,
    }
}

async fn load_programmes(state: &AppState, org_id: i64) -> Result<Programmes, PageError> {
    let found = state
        .db
        .run(move |conn| -> ServiceResult<_> { programmes::list(conn, org_id, None, 500) })
        .await?;
    Ok(found.into_iter().map(|p| (p.code, p.name)).collect())
}

#[get("/calls/new")]
pub async fn new_form(
    signed_in: SignedIn<ManageCalls>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let programmes = load_programmes(&state, signed_in.caller.org_id).await?;
    let values = FormValues::default();
    render(&form_page(
        &signed_in.viewer,
        &state,
        &values,
        &[],
        &RowMap::default(),
        Some(&programmes),
        None,
        None,
    ))
}

fn date(values: &FormValues, name: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let text = values.get(name).trim();
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(
                format!("/{name}"),
                "must be a date such as 2027-03-31",
            ));
            None
        }
    }
}

/// The call's own fields as read; a date that cannot be read is `None` (and an error).
struct CallFields {
    title: String,
    opens_on: Option<NaiveDate>,
    closes_on: Option<NaiveDate>,
    budget: MoneyDto,
}

fn call_fields(values: &FormValues, errors: &mut Vec<FieldError>) -> CallFields {
    CallFields {
        title: values.get("title").trim().to_owned(),
        opens_on: date(values, "opensOn", errors),
        closes_on: date(values, "closesOn", errors),
        budget: design_form::money(values.get("budget")).unwrap_or(MoneyDto {
            amount: String::new(),
            currency: "SEK".into(),
        }),
    }
}

fn pairs(form: web::Form<Vec<(String, String)>>) -> FormValues {
    FormValues::from_pairs(form.into_inner())
}

#[post("/calls/new")]
pub async fn create(
    signed_in: SignedIn<ManageCalls>,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let values = pairs(form);
    signed_in.check_csrf(values.get("csrf"))?;
    let org_id = signed_in.caller.org_id;
    let parsed = parse_design(&values);
    let mut errors = parsed.errors.clone();
    let programme = values.get("programmeCode").trim().to_owned();
    if programme.is_empty() {
        errors.push(FieldError::new("/programmeCode", "choose a programme"));
    }
    let fields = call_fields(&values, &mut errors);
    // The same checks as the API's POST /calls, on the same body (a date that could not be
    // read is already an error; a placeholder stands in for it here).
    let body = NewCallBody {
        programme_code: programme.clone(),
        code: values.get("code").trim().to_owned(),
        title: fields.title.clone(),
        opens_on: fields.opens_on.unwrap_or_default(),
        closes_on: fields.closes_on.unwrap_or_default(),
        budget: fields.budget.clone(),
        design: parsed.design.clone(),
    };
    let both_dates = fields.opens_on.is_some() && fields.closes_on.is_some();
    errors.extend(body.errors(both_dates).into_vec());
    let lang = signed_in.viewer.language;
    let retry = |errors: Vec<FieldError>, problem: Option<String>| {
        let state = state.clone();
        let values = values.clone();
        let rows = parsed.rows.clone();
        async move {
            let programmes = load_programmes(&state, org_id).await?;
            render(&form_page(
                &signed_in.viewer,
                &state,
                &values,
                &errors,
                &rows,
                Some(&programmes),
                None,
                problem,
            ))
        }
    };
    let (Some(opens_on), Some(closes_on), true) =
        (fields.opens_on, fields.closes_on, errors.is_empty())
    else {
        return retry(errors, None).await;
    };
    let budget = match fields.budget.ore() {
        Ok(ore) => ore,
        Err(reason) => {
            return retry(vec![FieldError::new("/budget/amount", reason)], None).await;
        }
    };
    let draft = CallDraft {
        programme_code: programme,
        code: values.get("code").trim().to_owned(),
        title: fields.title,
        opens_on,
        closes_on,
        budget,
        design: parsed.design.clone(),
    };
    let created = state
        .db
        .run(move |conn| -> ServiceResult<_> { Ok(calls::create(conn, org_id, &draft)) })
        .await?;
    match created {
        Ok(call) => Ok(see_other(&format!("/calls/{}", call.stored.call.id))),
        Err(ServiceError::Invalid(errors)) => retry(errors, None).await,
        Err(ServiceError::Conflict(_)) => {
            retry(
                vec![FieldError::new(
                    "/code",
                    lang.pick(
                        "Det finns redan en utlysning med den koden.",
                        "A call with this code already exists.",
                    ),
                )],
                None,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn find_call(state: &AppState, org_id: i64, id: i64) -> Result<Call, PageError> {
    state
        .db
        .run(move |conn| -> ServiceResult<_> { calls::find(conn, org_id, id) })
        .await
        .map_err(PageError::from)
}

fn values_of_call(call: &Call) -> FormValues {
    let mut values = values_of_design(&call.design);
    let stored = &call.stored.call;
    values.set("title", stored.title.clone());
    values.set("opensOn", stored.opens_on.to_string());
    values.set("closesOn", stored.closes_on.to_string());
    values.set("budget", design_form::kronor(Ore(stored.budget_ore)));
    values
}

#[get("/calls/{id}/edit")]
pub async fn edit_form(
    signed_in: SignedIn<ManageCalls>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let call = find_call(&state, signed_in.caller.org_id, id).await?;
    if call.status != CallStatus::Draft {
        return Ok(see_other(&format!("/calls/{id}")));
    }
    render(&form_page(
        &signed_in.viewer,
        &state,
        &values_of_call(&call),
        &[],
        &RowMap::default(),
        None,
        Some((id, call.stored.call.version)),
        None,
    ))
}

#[post("/calls/{id}/edit")]
pub async fn edit(
    signed_in: SignedIn<ManageCalls>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let values = pairs(form);
    signed_in.check_csrf(values.get("csrf"))?;
    let (org_id, id) = (signed_in.caller.org_id, id.into_inner());
    let current = find_call(&state, org_id, id).await?;
    // Only a draft is changed here, as only a draft's form is offered.
    if current.status != CallStatus::Draft {
        return Ok(see_other(&format!("/calls/{id}")));
    }
    let version = current.stored.call.version;
    let parsed = parse_design(&values);
    let mut errors = parsed.errors.clone();
    let fields = call_fields(&values, &mut errors);
    let title = values.get("title").trim().to_owned();
    // The same checks as the API's PATCH /calls/{id}.
    let patch = CallPatch {
        title: Some(title.clone()),
        opens_on: fields.opens_on,
        closes_on: fields.closes_on,
        budget: Some(fields.budget.clone()),
        design: Some(parsed.design.clone()),
        status: None,
    };
    errors.extend(patch.errors().into_vec());
    let viewer = &signed_in.viewer;
    let retry = |errors: Vec<FieldError>, problem: Option<String>| {
        render(&form_page(
            viewer,
            &state,
            &values,
            &errors,
            &parsed.rows,
            None,
            Some((id, version)),
            problem,
        ))
    };
    let (Some(opens_on), Some(closes_on), true) =
        (fields.opens_on, fields.closes_on, errors.is_empty())
    else {
        return retry(errors, None);
    };
    let budget = match fields.budget.ore() {
        Ok(ore) => ore,
        Err(reason) => return retry(vec![FieldError::new("/budget/amount", reason)], None),
    };
    let update = CallUpdate {
        title: Some(title),
        opens_on: Some(opens_on),
        closes_on: Some(closes_on),
        budget: Some(budget),
        design: Some(parsed.design.clone()),
        status: None,
    };
    let updated = state
        .db
        .run(move |conn| -> ServiceResult<_> { Ok(calls::update(conn, org_id, id, update)) })
        .await?;
    let lang = viewer.language;
    match updated {
        Ok(_) => Ok(see_other(&format!("/calls/{id}?saved=1"))),
        Err(CallError::Service(ServiceError::Invalid(errors))) => retry(errors, None),
        Err(CallError::Service(ServiceError::Conflict(m))) => retry(Vec::new(), Some(m)),
        Err(CallError::Service(other)) => Err(other.into()),
        Err(other) => retry(Vec::new(), Some(refusal(lang, &other))),
    }
}

/// Why a change of the call was refused, in plain words.
pub fn refusal(lang: Language, error: &CallError) -> String {
    match (lang, error) {
        (Language::Sv, CallError::Unchecked { version }) => format!(
            "Version {version} av utlysningen är inte kontrollerad. Kontrollera utlysningen först."
        ),
        (Language::En, CallError::Unchecked { version }) => {
            format!("Version {version} of the call has not been checked. Check the call first.")
        }
        (Language::Sv, CallError::CheckFailed { version, checks }) => format!(
            "Kontrollen av version {version} underkändes ({}). Ändra utlysningen och kontrollera igen, eller publicera ändå med en motivering som sparas.",
            checks.join(", ")
        ),
        (Language::En, CallError::CheckFailed { version, checks }) => format!(
            "The check of version {version} failed ({}). Change the call and check it again, or publish anyway with a reason that is recorded.",
            checks.join(", ")
        ),
        (_, CallError::ChangedWhilePublishing) => lang
            .pick(
                "Utlysningen ändrades samtidigt som den skulle publiceras. Kontrollera den ändrade utlysningen och publicera sedan.",
                "The call was changed while being published. Check the changed call, then publish.",
            )
            .to_owned(),
        (Language::Sv, CallError::NotMovable { from, to }) => format!(
            "En utlysning med status {} kan inte bli {}.",
            status_words(lang, *from),
            status_words(lang, *to)
        ),
        (Language::En, CallError::NotMovable { from, to }) => format!(
            "A {} call cannot become {}.",
            status_words(lang, *from),
            status_words(lang, *to)
        ),
        (_, CallError::HasApplications) => lang
            .pick(
                "Utlysningen har ansökningar och kan inte bli utkast igen.",
                "The call has applications and cannot go back to draft.",
            )
            .to_owned(),
        (_, CallError::Service(e)) => e.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// The call's page.

pub struct Row {
    pub label: String,
    pub value: String,
}

pub struct CheckLine {
    pub href: String,
    pub at: String,
    pub version: i32,
    pub class: &'static str,
    pub verdict: &'static str,
    pub by: String,
}

pub struct OverrideLine {
    pub version: i32,
    pub at: String,
    pub by: String,
    pub reason: String,
}

pub struct VersionLine {
    pub version: i32,
    pub current: bool,
    pub checks: usize,
    pub newest: String,
    pub overrides: usize,
}

/// Where the current version stands before publication.
pub struct Gate {
    pub class: &'static str,
    pub text: String,
}

#[derive(Template)]
#[template(path = "web/call.html")]
pub struct CallPage<'a> {
    pub viewer: &'a Viewer,
    pub title: String,
    pub id: i64,
    pub code: String,
    pub programme: String,
    pub status: &'static str,
    pub is_draft: bool,
    pub is_published: bool,
    pub version: i32,
    pub opens: String,
    pub closes: String,
    pub budget: String,
    pub design: Vec<Row>,
    pub text_sv: String,
    pub text_en: String,
    pub versions: Vec<VersionLine>,
    pub checks: Vec<CheckLine>,
    pub overrides: Vec<OverrideLine>,
    pub gate: Option<Gate>,
    pub can_manage: bool,
    pub can_check: bool,
    pub can_evaluate: bool,
    pub notice: Option<String>,
    pub refused: Option<String>,
    /// Offer the override form (the check of the current version failed).
    pub offer_override: bool,
    pub override_reason: String,
    pub summary: Vec<ErrorLink>,
    pub override_error: Option<String>,
}

/// What the call's page shows besides the call.
pub struct CallState {
    pub call: Call,
    pub history: CheckHistory,
    pub publication: Publication,
}

pub async fn call_state(state: &AppState, org_id: i64, id: i64) -> Result<CallState, PageError> {
    state
        .db
        .run(move |conn| -> ServiceResult<_> {
            let call = calls::find(conn, org_id, id)?;
            let history = callchecks::history(conn, org_id, id)?;
            let publication = publication(conn, org_id, &call.stored)?;
            Ok(CallState {
                call,
                history,
                publication,
            })
        })
        .await
        .map_err(PageError::from)
}

fn describe_design(lang: Language, design: &CallDesign) -> Vec<Row> {
    let l = |sv: &str, en: &str| lang.pick(sv, en).to_owned();
    let none = || l("inget angivet", "none given");
    let or_none = |items: Vec<String>| {
        if items.is_empty() {
            none()
        } else {
            items.join("; ")
        }
    };
    let group = |g: &crate::callcheck::design::GroupRef| {
        crate::analysis::labels::value(lang, g.dimension, &g.value)
    };
    let analysis = &design.target_group_analysis;
    let answer = |a: &Option<String>| a.clone().unwrap_or_else(none);
    vec![
        Row {
            label: l("Vem får söka", "Who may apply"),
            value: or_none(
                design
                    .eligibility_rules()
                    .iter()
                    .map(|r| r.describe(lang))
                    .collect(),
            ),
        },
        Row {
            label: l("Målgrupper", "Target groups"),
            value: or_none(
                design
                    .target_groups
                    .iter()
                    .map(|t| {
                        let groups: Vec<String> = t.groups.iter().map(group).collect();
                        if groups.is_empty() {
                            t.description.clone()
                        } else {
                            format!("{} ({})", t.description, groups.join(", "))
                        }
                    })
                    .collect(),
            ),
        },
        Row {
            label: l("Jämställdhetsmål", "Equality goals"),
            value: or_none(design.equality_goals.iter().map(group).collect()),
        },
        Row {
            label: l("Vem är målgruppen?", "Who is the target group?"),
            value: answer(&analysis.target_group),
        },
        Row {
            label: l(
                "Mönster av kön och bakgrund",
                "Patterns of gender and background",
            ),
            value: answer(&analysis.patterns),
        },
        Row {
            label: l("Önskat utfall", "Desired outcome"),
            value: answer(&analysis.desired_outcome),
        },
        Row {
            label: l("Spridning", "Outreach"),
            value: format!(
                "{}: {}. {}: {}.",
                l("Kanaler", "Channels"),
                or_none(design.outreach.channels.clone()),
                l("Språk", "Languages"),
                or_none(design.outreach.languages.clone())
            ),
        },
        Row {
            label: l("Bedömargruppen", "Assessment panel"),
            value: match design.panel {
                Some(p) => match lang {
                    Language::Sv => format!(
                        "{} kvinnor, {} män, {} annat/ej registrerat",
                        p.women, p.men, p.other
                    ),
                    Language::En => format!(
                        "{} women, {} men, {} other/not recorded",
                        p.women, p.men, p.other
                    ),
                },
                None => none(),
            },
        },
        Row {
            label: l("Uppföljningsindikatorer", "Follow-up indicators"),
            value: or_none(
                design
                    .indicators
                    .iter()
                    .map(|i| {
                        let by: Vec<&str> = i
                            .breakdowns
                            .iter()
                            .map(|d| crate::analysis::labels::dimension(lang, *d))
                            .collect();
                        if by.is_empty() {
                            i.name.clone()
                        } else {
                            format!("{} ({})", i.name, by.join(", "))
                        }
                    })
                    .collect(),
            ),
        },
    ]
}

/// The gate's answer in words, for a draft.
pub fn gate(lang: Language, publication: &Publication) -> Gate {
    match publication {
        Publication::Allowed => Gate {
            class: "pass",
            text: lang.pick("Kan publiceras", "Can be published").into(),
        },
        Publication::Unchecked { .. } => Gate {
            class: "cannot_assess",
            text: lang.pick("Kontrollera först", "Check first").into(),
        },
        Publication::Failed { .. } => Gate {
            class: "fail",
            text: lang
                .pick(
                    "Kontrollen underkändes: ändra eller publicera med motivering",
                    "The check failed: change the call or publish with a reason",
                )
                .into(),
        },
    }
}

/// The call's page, with what happened last (a notice or a refusal).
pub fn call_page<'a>(viewer: &'a Viewer, found: CallState) -> CallPage<'a> {
    let lang = viewer.language;
    let CallState {
        call,
        history,
        publication,
    } = found;
    let stored = &call.stored.call;
    let checks: Vec<CheckLine> = history
        .checks
        .iter()
        .map(|c| CheckLine {
            href: format!("/calls/{}/checks/{}", stored.id, c.id),
            at: when(c.created_at),
            version: c.call_version,
            class: c.report.verdict.code(),
            verdict: verdict_label(lang, c.report.verdict),
            by: c.created_by.clone(),
        })
        .collect();
    let versions = (1..=stored.version)
        .rev()
        .map(|version| {
            let of_version: Vec<_> = history
                .checks
                .iter()
                .filter(|c| c.call_version == version)
                .collect();
            VersionLine {
                version,
                current: version == stored.version,
                checks: of_version.len(),
                newest: of_version.first().map_or_else(
                    || lang.pick("inte kontrollerad", "not checked").to_owned(),
                    |c| {
                        format!(
                            "{} ({})",
                            verdict_label(lang, c.report.verdict),
                            when(c.created_at)
                        )
                    },
                ),
                overrides: history
                    .overrides
                    .iter()
                    .filter(|o| o.call_version == version)
                    .count(),
            }
        })
        .collect();
    let is_draft = call.status == CallStatus::Draft;
    let failed = matches!(publication, Publication::Failed { .. });
    CallPage {
        viewer,
        title: stored.title.clone(),
        id: stored.id,
        code: stored.code.clone(),
        programme: call.stored.programme_code.clone(),
        status: status_words(lang, call.status),
        is_draft,
        is_published: call.status == CallStatus::Published,
        version: stored.version,
        opens: stored.opens_on.to_string(),
        closes: stored.closes_on.to_string(),
        budget: kronor(lang, stored.budget_ore),
        design: describe_design(lang, &call.design),
        text_sv: call.design.text.sv.clone().unwrap_or_default(),
        text_en: call.design.text.en.clone().unwrap_or_default(),
        versions,
        checks,
        overrides: history
            .overrides
            .iter()
            .map(|o| OverrideLine {
                version: o.call_version,
                at: when(o.created_at),
                by: o.created_by.clone(),
                reason: o.reason.clone(),
            })
            .collect(),
        gate: is_draft.then(|| gate(lang, &publication)),
        can_manage: allows::<ManageCalls>(&viewer.roles),
        can_check: allows::<CheckCalls>(&viewer.roles),
        can_evaluate: allows::<Evaluate>(&viewer.roles),
        notice: None,
        refused: None,
        offer_override: is_draft && failed && allows::<CheckCalls>(&viewer.roles),
        override_reason: String::new(),
        summary: Vec::new(),
        override_error: None,
    }
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    pub published: Option<String>,
    pub saved: Option<String>,
    pub created: Option<String>,
}

#[get("/calls/{id}")]
pub async fn show(
    signed_in: SignedIn<ReadCatalogue>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, PageError> {
    let mut found = call_state(&state, signed_in.caller.org_id, id.into_inner()).await?;
    // The checks and overrides are what the API shows under `Evaluate` only.
    if authorize::<Evaluate>(&signed_in.caller).is_err() {
        found.history.checks.clear();
        found.history.changes.clear();
        found.history.overrides.clear();
    }
    let lang = signed_in.viewer.language;
    let mut page = call_page(&signed_in.viewer, found);
    if query.published.is_some() {
        page.notice = Some(
            lang.pick("Utlysningen är publicerad.", "The call is published.")
                .into(),
        );
    } else if query.saved.is_some() {
        page.notice = Some(match lang {
            Language::Sv => format!(
                "Ändringarna är sparade. Utlysningen är nu version {}.",
                page.version
            ),
            Language::En => format!(
                "The changes are saved. The call is now version {}.",
                page.version
            ),
        });
    }
    render(&page)
}

/// Shown where a verdict has no check yet.
pub fn no_verdict(lang: Language) -> &'static str {
    lang.pick("inte kontrollerad", "not checked")
}

/// The verdict in words with its class.
pub fn verdict_words(lang: Language, verdict: Verdict) -> (&'static str, &'static str) {
    (verdict.code(), verdict_label(lang, verdict))
}

/// A field error for the override reason, said in the viewer's language.
pub fn reason_error(lang: Language, reason: &str) -> String {
    say(lang, reason)
}
