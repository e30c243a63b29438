//! Sessions of the web workspace: the `et_session` cookie holds a random 256-bit id, the database
//! (storage::web_sessions) its SHA-256 and who is signed in. [`SignedIn<P>`] turns the cookie
//! into a [`Caller`] and checks policy `P` with the same [`authorize`] as the API's
//! `Authorized<P>`.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::page::{PageError, see_other};
use super::viewer::Viewer;
use crate::config::{SecureCookies, WebSettings};
use crate::http::AppState;
use crate::http::auth::{Caller, Policy, Role, authorize};
use crate::locale::Language;
use crate::storage::web_sessions::{self, Lifetimes, NewSession, Session};

/// The session cookie's name.
pub const COOKIE: &str = "et_session";

/// A signed-in person allowed by policy `P` (the same policies as the API).
///
/// Extracting it: no or an expired session is a 303 to `/sign-in?next=<path>`; a session without
/// a role of `P` is a 403 page, never data.
pub struct SignedIn<P: Policy> {
    pub caller: Caller,
    pub viewer: Viewer,
    /// The SHA-256 of the session id, as stored.
    pub session: String,
    policy: PhantomData<P>,
}

impl<P: Policy> SignedIn<P> {
    /// Checks the hidden `csrf` field of a form that changes something (constant-time compare).
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        csrf_matches(&self.viewer.csrf, token)
            .then_some(())
            .ok_or(PageError::Csrf)
    }
}

/// Constant-time comparison of the session's token with a submitted one.
pub fn csrf_matches(expected: &str, submitted: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
}

impl<P: Policy> std::ops::Deref for SignedIn<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

/// 32 random bytes, hex: session ids, CSRF tokens, keys.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The session id the request's cookie carries.
pub fn session_id(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub fn lifetimes(settings: &WebSettings) -> Lifetimes {
    Lifetimes {
        idle: chrono::Duration::minutes(settings.idle_timeout_mins as i64),
        absolute: chrono::Duration::hours(settings.absolute_timeout_hours as i64),
    }
}

/// How long a sign-in begun at the provider may take.
pub fn sign_in_max_age() -> chrono::Duration {
    chrono::Duration::minutes(10)
}

/// The live session of the request, if any (expired ones are deleted on the way).
pub async fn current(state: &AppState, req: &HttpRequest) -> Result<Option<Session>, PageError> {
    let Some(id) = session_id(req) else {
        return Ok(None);
    };
    let lifetimes = lifetimes(&state.settings.web);
    let id_hash = web_sessions::hash(&id);
    let session = state
        .db
        .run(move |conn| web_sessions::find(conn, &id_hash, lifetimes, crate::storage::now()))
        .await?;
    Ok(session)
}

/// The caller and viewer of a stored session.
pub fn caller_and_viewer(session: &Session) -> (Caller, Viewer) {
    let roles: Vec<Role> = session
        .roles
        .split(',')
        .filter_map(Role::from_code)
        .collect();
    let caller = Caller {
        org_id: session.org_id,
        org_code: session.org_code.clone(),
        subject: session.subject.clone(),
        roles: roles.clone(),
    };
    let viewer = Viewer {
        name: session.display_name.clone(),
        org_code: session.org_code.clone(),
        org_name: session.org_name.clone(),
        roles,
        language: Language::from_code(&session.language).unwrap_or_default(),
        csrf: session.csrf.clone(),
    };
    (caller, viewer)
}

/// Where to come back to after signing in: the page asked for (GET), else the start page.
fn sign_in_redirect(req: &HttpRequest) -> HttpResponse {
    let next = if req.method() == Method::GET {
        match req.uri().path_and_query() {
            Some(pq) => pq.as_str().to_owned(),
            None => "/".to_owned(),
        }
    } else {
        "/".to_owned()
    };
    let query = serde_urlencoded_pair("next", super::page::local_path(&next));
    see_other(&format!("/sign-in?{query}"))
}

fn serde_urlencoded_pair(name: &str, value: &str) -> String {
    openidconnect::url::form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish()
}

impl<P: Policy + 'static> FromRequest for SignedIn<P> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| PageError::Internal("application state missing".into()))?;
            let Some(session) = current(&state, &req).await? else {
                return Err(
                    InternalError::from_response("sign in first", sign_in_redirect(&req)).into(),
                );
            };
            let (caller, viewer) = caller_and_viewer(&session);
            // For the frame of an error page (page::security_headers).
            req.extensions_mut().insert(viewer.clone());
            authorize::<P>(&caller).map_err(|_| PageError::Forbidden)?;
            Ok(SignedIn {
                caller,
                viewer,
                session: session.id_hash,
                policy: PhantomData,
            })
        })
    }
}

/// Who a new session is for.
#[derive(Debug, Clone)]
pub struct SessionStart {
    pub org_id: i64,
    pub subject: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub id_token: Option<String>,
}

/// Stores a new session (sweeping expired ones) and answers a 303 to `next` that sets its
/// cookie.
pub async fn start(
    state: &AppState,
    req: &HttpRequest,
    who: SessionStart,
    next: &str,
) -> Result<HttpResponse, PageError> {
    let id = random_token();
    let id_hash = web_sessions::hash(&id);
    let lifetimes = lifetimes(&state.settings.web);
    state
        .db
        .run(move |conn| {
            let now = crate::storage::now();
            web_sessions::delete_expired(conn, lifetimes, sign_in_max_age(), now)?;
            let roles: Vec<&str> = who.roles.iter().map(|r| r.code()).collect();
            web_sessions::create(
                conn,
                &NewSession {
                    id_hash: &id_hash,
                    org_id: who.org_id,
                    subject: &who.subject,
                    display_name: &who.display_name,
                    roles: &roles.join(","),
                    language: Language::Sv.code(),
                    csrf: &random_token(),
                    id_token: who.id_token.as_deref(),
                },
                now,
            )
        })
        .await?;
    let mut response = see_other(super::page::local_path(next));
    response.headers_mut().insert(
        header::SET_COOKIE,
        header::HeaderValue::from_str(&session_cookie(&state.settings.web, req, &id))
            .map_err(|e| PageError::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// Whether the cookie may go without `Secure`: plain HTTP to this machine, with
/// `secure_cookies = "auto"`.
fn insecure_allowed(settings: &WebSettings, req: &HttpRequest) -> bool {
    if settings.secure_cookies == SecureCookies::Always {
        return false;
    }
    let info = req.connection_info();
    let host = info.host();
    let hostname = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    info.scheme() == "http" && matches!(hostname, "localhost" | "127.0.0.1" | "::1")
}

/// The `Set-Cookie` value of a session.
pub fn session_cookie(settings: &WebSettings, req: &HttpRequest, id: &str) -> String {
    let secure = if insecure_allowed(settings, req) {
        ""
    } else {
        "; Secure"
    };
    format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clearing_cookie(settings: &WebSettings, req: &HttpRequest) -> String {
    let secure = if insecure_allowed(settings, req) {
        ""
    } else {
        "; Secure"
    };
    format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}")
}

/// The form of `POST /language`.
#[derive(Debug, serde::Deserialize)]
pub struct LanguageForm {
    pub csrf: String,
    pub lang: String,
    #[serde(default)]
    pub next: String,
}

/// The path and query of a same-site `Referer`, for going back where a form was sent from.
fn referer_path(req: &HttpRequest) -> Option<String> {
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let url = openidconnect::url::Url::parse(referer).ok()?;
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str()?),
        None => url.host_str()?.to_owned(),
    };
    if host != req.connection_info().host() {
        return None;
    }
    Some(match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    })
}

/// `POST /language`: sets the session's language, back to `next` (a local path; when empty,
/// the page the form was on, from a same-site `Referer`).
#[actix_web::post("/language")]
pub async fn set_language(
    req: HttpRequest,
    signed_in: SignedIn<crate::http::auth::ReadCatalogue>,
    state: web::Data<AppState>,
    form: web::Form<LanguageForm>,
) -> Result<HttpResponse, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    let language = Language::from_code(&form.lang).unwrap_or_default();
    let id_hash = signed_in.session.clone();
    state
        .db
        .run(move |conn| web_sessions::set_language(conn, &id_hash, language.code()))
        .await?;
    let next = if form.next.is_empty() {
        referer_path(&req).unwrap_or_else(|| "/".to_owned())
    } else {
        form.next.clone()
    };
    Ok(see_other(super::page::local_path(&next)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    /// State over a fresh database with one organisation and two sessions, "officer" and
    /// "auditor" (the cookie values).
    fn state_with_sessions() -> (web::Data<AppState>, tempfile::TempDir) {
        use crate::config::Settings;
        let dir = tempfile::tempdir().unwrap();
        let overrides = figment::Figment::new()
            .merge(Settings::override_key(
                "database.url",
                format!("sqlite://{}", dir.path().join("t.db").display()),
            ))
            .merge(Settings::override_key("data_dir", dir.path()));
        let mut settings = Settings::load_from(
            &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config"),
            "test",
            overrides,
        )
        .unwrap();
        settings.resolve_secrets().unwrap();
        let db = crate::storage::Database::connect(&settings.database).unwrap();
        db.migrate().unwrap();
        let mut conn = db.conn().unwrap();
        let scheme = settings.tagging.scheme().unwrap();
        let org =
            crate::storage::orgs::create(&mut conn, "lst", "Länsstyrelsen L", &scheme).unwrap();
        for (id, role) in [("officer", "case_officer"), ("auditor", "auditor")] {
            let new = NewSession {
                id_hash: &web_sessions::hash(id),
                org_id: org.id,
                subject: id,
                display_name: "Eva Ek",
                roles: role,
                language: "en",
                csrf: "the-csrf",
                id_token: None,
            };
            web_sessions::create(&mut conn, &new, crate::storage::now()).unwrap();
        }
        drop(conn);
        let state = web::Data::new(AppState {
            auth: crate::http::auth::Authenticator::new(&settings.auth).unwrap(),
            keys: crate::domain::applicant::Pseudonymiser::new(b"k"),
            db,
            orgs: Default::default(),
            cubes: crate::storage::cells::CubeCache::new(0),
            settings: std::sync::Arc::new(settings),
        });
        (state, dir)
    }

    async fn page(
        signed_in: SignedIn<crate::http::auth::CheckCalls>,
    ) -> Result<HttpResponse, PageError> {
        Ok(HttpResponse::Ok().body(format!("hello {}", signed_in.viewer.name)))
    }

    #[actix_web::test]
    async fn signed_in_checks_the_policy_and_sends_strangers_to_sign_in() {
        let (state, _dir) = state_with_sessions();
        let app = actix_web::test::init_service(
            actix_web::App::new()
                .app_data(state)
                .wrap(actix_web::middleware::from_fn(
                    super::super::page::security_headers,
                ))
                .route("/calls/{id}", web::get().to(page)),
        )
        .await;
        let get = |cookie: Option<&str>| {
            let mut req = TestRequest::get().uri("/calls/7?tab=history");
            if let Some(c) = cookie {
                req = req.insert_header((header::COOKIE, format!("{COOKIE}={c}")));
            }
            req.to_request()
        };
        let res = actix_web::test::call_service(&app, get(Some("officer"))).await;
        assert_eq!(res.status(), 200);
        let body = actix_web::test::read_body(res).await;
        assert_eq!(body, "hello Eva Ek");

        // Signed in, but the role does not satisfy the policy: a 403 page in the frame, in the
        // session's language.
        let res = actix_web::test::call_service(&app, get(Some("auditor"))).await;
        assert_eq!(res.status(), 403);
        assert!(res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        let body = String::from_utf8(actix_web::test::read_body(res).await.to_vec()).unwrap();
        assert!(body.contains("You do not have access"), "{body}");
        assert!(body.contains("<html lang=\"en\">"), "{body}");
        assert!(body.contains("Länsstyrelsen L"), "{body}");
        assert!(body.contains("value=\"the-csrf\""), "{body}");

        // No session, or an unknown one: to sign-in, and back here afterwards.
        for cookie in [None, Some("nobody")] {
            let res = actix_web::test::call_service(&app, get(cookie)).await;
            assert_eq!(res.status(), 303);
            assert_eq!(
                res.headers().get(header::LOCATION).unwrap(),
                "/sign-in?next=%2Fcalls%2F7%3Ftab%3Dhistory"
            );
        }
    }

    #[test]
    fn csrf_compare() {
        assert!(csrf_matches("abc", "abc"));
        assert!(!csrf_matches("abc", "abd"));
        assert!(!csrf_matches("abc", "ab"));
        assert!(!csrf_matches("", ""));
    }

    #[test]
    fn cookie_is_read_among_others() {
        let req = TestRequest::default()
            .insert_header((header::COOKIE, "a=1; et_session=xyz; b=2"))
            .to_http_request();
        assert_eq!(session_id(&req).as_deref(), Some("xyz"));
        let req = TestRequest::default()
            .insert_header((header::COOKIE, "et_session="))
            .to_http_request();
        assert_eq!(session_id(&req), None);
    }

    #[test]
    fn secure_except_plain_http_to_localhost() {
        let settings = crate::config::Settings::load_from(
            &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config"),
            "local",
            figment::Figment::new(),
        )
        .unwrap()
        .web;
        let local = TestRequest::default()
            .insert_header((header::HOST, "127.0.0.1:8080"))
            .to_http_request();
        let cookie = session_cookie(&settings, &local, "id");
        assert_eq!(cookie, "et_session=id; Path=/; HttpOnly; SameSite=Lax");
        let remote = TestRequest::default()
            .insert_header((header::HOST, "equal-terms.lansstyrelsen.se"))
            .to_http_request();
        assert!(session_cookie(&settings, &remote, "id").ends_with("; Secure"));
        let mut always = settings.clone();
        always.secure_cookies = SecureCookies::Always;
        assert!(session_cookie(&always, &local, "id").ends_with("; Secure"));
    }
}
