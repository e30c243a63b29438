//! A check without saving: text and eligibility rules in, the check out, nothing stored but
//! the evaluation of the programme's earlier calls (as for the API's draft check).

use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use super::checker;
use super::checks::{Details, details};
use super::design_form::{FormValues, parse_design};
use super::form::{
    ErrorLink, Errors, FieldKind, Opt, Scope, Section, design_sections, group_options,
};
use crate::callcheck::checks::CheckReport;
use crate::callcheck::render::{CheckBody, Piece, check_body};
use crate::domain::validation::Errors as FieldErrors;
use crate::http::AppState;
use crate::http::auth::CheckCalls;
use crate::services::ServiceResult;
use crate::services::programmes;
use crate::web::{PageError, SignedIn, Viewer, render};

pub struct Checked<'a> {
    pub body: CheckBody<'a>,
    pub details: Details,
}

#[derive(Template)]
#[template(path = "web/draft.html")]
pub struct DraftPage<'a> {
    pub viewer: &'a Viewer,
    pub title: String,
    pub summary: Vec<ErrorLink>,
    pub sections: Vec<Section>,
    pub checked: Option<Checked<'a>>,
}

async fn sections(
    state: &AppState,
    viewer: &Viewer,
    org_id: i64,
    values: &FormValues,
    errors: &Errors,
) -> Result<Vec<Section>, PageError> {
    let lang = viewer.language;
    let found = state
        .db
        .run(move |conn| -> ServiceResult<_> { programmes::list(conn, org_id, None, 500) })
        .await?;
    let chosen = values.get("programmeCode");
    let mut options = vec![Opt {
        value: String::new(),
        label: lang.pick("Inget program", "No programme").into(),
        selected: chosen.is_empty(),
    }];
    options.extend(found.into_iter().map(|p| Opt {
        selected: chosen == p.code,
        label: format!("{} ({})", p.name, p.code),
        value: p.code,
    }));
    let mut sections = vec![Section {
        legend: lang.pick("Program", "Programme").into(),
        hint: String::new(),
        fields: vec![super::form::Field {
            id: "programmeCode".into(),
            label: lang
                .pick("Program (valfritt)", "Programme (optional)")
                .into(),
            hint: lang
                .pick(
                    "Välj programmet för att också se vad dess tidigare utlysningar gav.",
                    "Choose the programme to also see what its earlier calls produced.",
                )
                .into(),
            error: None,
            value: chosen.to_owned(),
            kind: FieldKind::Select { options },
        }],
        checkboxes: Vec::new(),
    }];
    let groups = group_options(lang, &state.settings.tagging.age_bands);
    sections.extend(design_sections(
        lang,
        values,
        errors,
        &groups,
        Scope::TextAndEligibility,
    ));
    Ok(sections)
}

#[get("/draft-check")]
pub async fn draft_form(
    signed_in: SignedIn<CheckCalls>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let viewer = &signed_in.viewer;
    let values = FormValues::default();
    let errors = Errors::none(viewer.language);
    let sections = sections(&state, viewer, signed_in.caller.org_id, &values, &errors).await?;
    render(&DraftPage {
        viewer,
        title: viewer
            .language
            .pick("Kolla utan att spara", "Check without saving")
            .into(),
        summary: Vec::new(),
        sections,
        checked: None,
    })
}

#[post("/draft-check")]
pub async fn draft_check(
    signed_in: SignedIn<CheckCalls>,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let values = FormValues::from_pairs(form.into_inner());
    signed_in.check_csrf(values.get("csrf"))?;
    let viewer = &signed_in.viewer;
    let lang = viewer.language;
    let org_id = signed_in.caller.org_id;
    let parsed = parse_design(&values);
    let mut errors = parsed.errors.clone();
    let mut more = FieldErrors::new();
    parsed.design.validate("/design", &mut more);
    errors.extend(more.into_vec());
    let programme = Some(values.get("programmeCode").trim().to_owned()).filter(|p| !p.is_empty());
    let mut report: Option<CheckReport> = None;
    if errors.is_empty() {
        let app = state.clone();
        let subject = signed_in.caller.subject.clone();
        let design = parsed.design.clone();
        let ran = state
            .db
            .run(move |conn| -> ServiceResult<_> {
                Ok(checker(&app).run(
                    conn,
                    org_id,
                    &design,
                    programme.as_deref(),
                    None,
                    &subject,
                    lang,
                    None,
                ))
            })
            .await?;
        match ran {
            Ok(r) => report = Some(r),
            Err(crate::services::ServiceError::Invalid(e)) => errors.extend(e),
            Err(e) => return Err(e.into()),
        }
    }
    let errors = Errors::new(lang, &errors, &parsed.rows);
    let sections = sections(&state, viewer, org_id, &values, &errors).await?;
    let summary = errors.summary(&sections);
    let checked = report.as_ref().map(|r| Checked {
        body: check_body(r, Some(&parsed.design.text)),
        details: details(lang, r, Some(&parsed.design.text)),
    });
    render(&DraftPage {
        viewer,
        title: lang
            .pick("Kolla utan att spara", "Check without saving")
            .into(),
        summary,
        sections,
        checked,
    })
}
