//! Development sign-in for the demo: `GET /dev/sign-in?role=<role>&key=<key>` signs a role of the
//! `web.dev_organisation` in, without a password. Only with `web.dev_sign_in`, which
//! `equal-terms serve` refuses to start with; `equal-terms demo` turns it on with a random key
//! made at start (kept in memory only) and prints one link per role.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use super::page::{PageError, bilingual_error_page, local_path, render};
use super::session::{self, SessionStart, csrf_matches};
use crate::config::Secret;
use crate::http::AppState;
use crate::http::auth::{Role, org_id_of};

/// Every role, in the order the demo prints their links.
pub const ROLES: [Role; 4] = [
    Role::CaseOfficer,
    Role::Auditor,
    Role::Admin,
    Role::Integrator,
];

/// The development sign-in's key, made at start when `web.dev_sign_in` is on; kept in memory
/// only, as app data of its own (absent when the development sign-in is off).
pub struct DevKey(pub Secret);

impl DevKey {
    pub fn random() -> Self {
        DevKey(Secret::new(session::random_token()))
    }
}

/// The development sign-in link of `role`.
pub fn link(public_url: &str, role: Role, key: &str) -> String {
    format!("{public_url}/dev/sign-in?role={}&key={key}", role.code())
}

/// The display name of a development sign-in.
pub fn demo_name(role: Role) -> &'static str {
    match role {
        Role::CaseOfficer => "Demo: handläggare",
        Role::Auditor => "Demo: granskare",
        Role::Admin => "Demo: administratör",
        Role::Integrator => "Demo: integratör",
    }
}

#[derive(Debug, Deserialize)]
pub struct DevQuery {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub next: String,
}

#[get("/dev/sign-in")]
pub async fn dev_sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    dev_key: Option<web::Data<DevKey>>,
    query: web::Query<DevQuery>,
) -> Result<HttpResponse, PageError> {
    let Some(DevKey(key)) = dev_key.as_deref().map(|k| &**k) else {
        return Err(PageError::NotFound);
    };
    if !csrf_matches(key.expose(), &query.key) {
        return Ok(bilingual_error_page(
            StatusCode::FORBIDDEN,
            "Fel nyckel",
            "Länken har fel nyckel. Använd en länk som `equal-terms demo` skrev ut när den startade.",
            "The link has the wrong key. Use a link that `equal-terms demo` printed when it started.",
        ));
    }
    let Some(role) = Role::from_code(&query.role) else {
        return Ok(bilingual_error_page(
            StatusCode::BAD_REQUEST,
            "Okänd roll",
            "Rollen finns inte: case_officer, auditor, admin eller integrator.",
            "No such role: case_officer, auditor, admin or integrator.",
        ));
    };
    let org = state.settings.web.dev_organisation.clone();
    let Some(org_id) = org_id_of(&state, &org).await? else {
        return Ok(bilingual_error_page(
            StatusCode::FORBIDDEN,
            "Organisationen finns inte",
            "Organisationen för utvecklingsinloggning (web.dev_organisation) finns inte.",
            "The development sign-in's organisation (web.dev_organisation) does not exist.",
        ));
    };
    let next = if query.next.is_empty() {
        "/"
    } else {
        local_path(&query.next)
    };
    session::start(
        &state,
        &req,
        SessionStart {
            org_id,
            subject: format!("demo-{}", role.code()),
            display_name: demo_name(role).to_owned(),
            roles: vec![role],
            id_token: None,
        },
        next,
    )
    .await
}

#[derive(Template)]
#[template(path = "web/sign_in.html")]
struct SignInPage {
    lang: crate::locale::Language,
    title: String,
    signed_out: bool,
    oidc: bool,
    dev: bool,
}

/// The sign-in page shown without an identity provider (or after signing out): `oidc` and `dev`
/// say which ways of signing in this server offers.
pub fn sign_in_page(oidc: bool, dev: bool, signed_out: bool) -> Result<HttpResponse, PageError> {
    let title = if signed_out {
        "Du är utloggad"
    } else {
        "Logga in"
    };
    render(&SignInPage {
        lang: crate::locale::Language::Sv,
        title: title.to_owned(),
        signed_out,
        oidc,
        dev,
    })
}
