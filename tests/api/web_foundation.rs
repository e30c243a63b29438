//! The web workspace's foundation: development sign-in, sessions in the database (restart,
//! expiry, sign-out), CSRF, the security headers, the stylesheet, and what `serve` refuses.
//! (Sign-in through a real OpenID Connect provider is tests/api/web.rs.)

use diesel::prelude::*;
use equal_terms::http::auth::Role;
use equal_terms::startup::Application;
use equal_terms::storage::schema::web_sessions;
use equal_terms::storage::web_sessions::{Lifetimes, Session, find, hash};
use figment::Figment;
use figment::providers::Serialized;

use crate::helpers::*;

/// The stored session of a cookie `et_session=<id>`, if it is live.
fn stored(app: &TestApp, cookie: &str) -> Option<Session> {
    let id = cookie.trim_start_matches("et_session=");
    let lifetimes = Lifetimes {
        idle: chrono::Duration::minutes(30),
        absolute: chrono::Duration::hours(10),
    };
    let mut conn = app.db.conn().expect("connection");
    find(&mut conn, &hash(id), lifetimes, equal_terms::storage::now()).expect("find")
}

fn rows(app: &TestApp) -> i64 {
    let mut conn = app.db.conn().expect("connection");
    web_sessions::table
        .count()
        .get_result(&mut conn)
        .expect("count")
}

async fn post_language(
    base: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = page_client().post(format!("{base}/language")).form(form);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.expect("request")
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn assert_page_headers(response: &reqwest::Response) {
    let headers = response.headers();
    let csp = headers
        .get("content-security-policy")
        .expect("a Content-Security-Policy")
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
}

#[actix_web::test]
async fn dev_sign_in_makes_a_session_with_a_safe_cookie() {
    let app = spawn_web().await;
    let key = app.dev_key.clone().expect("a dev key");
    let response = page_client()
        .get(app.url(&format!("/dev/sign-in?role=case_officer&key={key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    assert_page_headers(&response);
    let (pair, whole) = session_cookie(&response).expect("a session cookie");
    assert!(whole.contains("HttpOnly"), "{whole}");
    assert!(whole.contains("SameSite=Lax"), "{whole}");
    assert!(whole.contains("Path=/"), "{whole}");
    assert!(
        !whole.contains("Secure"),
        "plain HTTP to 127.0.0.1: {whole}"
    );
    // 256 random bits, stored only as a hash.
    let id = pair.trim_start_matches("et_session=");
    assert_eq!(id.len(), 64);
    let session = stored(&app, &pair).expect("a stored session");
    assert_eq!(session.id_hash, hash(id));
    assert_ne!(session.id_hash, id);
    assert_eq!(session.org_code, ORG);
    assert_eq!(session.roles, "case_officer");
    assert_eq!(session.display_name, "Demo: handläggare");
    assert_eq!(session.language, "sv");
}

#[actix_web::test]
async fn a_wrong_key_or_no_dev_sign_in_is_refused() {
    let app = spawn_web().await;
    for query in [
        "role=case_officer&key=wrong",
        "role=case_officer",
        "role=case_officer&key=",
    ] {
        let response = page_client()
            .get(app.url(&format!("/dev/sign-in?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{query}");
        assert!(session_cookie(&response).is_none());
    }
    assert_eq!(rows(&app), 0);

    let plain = spawn().await;
    assert!(plain.dev_key.is_none());
    let response = page_client()
        .get(plain.url("/dev/sign-in?role=case_officer&key=anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[actix_web::test]
async fn without_a_session_pages_send_people_to_sign_in() {
    let app = spawn_web().await;
    let response = post_language(&app.address, None, &[("csrf", "x"), ("lang", "en")]).await;
    assert_eq!(response.status(), 303);
    assert!(
        location(&response).starts_with("/sign-in?next="),
        "{}",
        location(&response)
    );
    let response = post_language(
        &app.address,
        Some("et_session=0000000000000000000000000000000000000000000000000000000000000000"),
        &[("csrf", "x"), ("lang", "en")],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/sign-in"));

    // Without an identity provider, /sign-in is a page saying how to sign in.
    let response = page_client().get(app.url("/sign-in")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_page_headers(&response);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = response.text().await.unwrap();
    assert!(body.contains("<html lang=\"sv\">"), "{body}");
    assert!(body.contains("equal-terms demo"), "{body}");
    assert!(body.contains("href=\"/assets/style.css?v="), "{body}");
}

#[actix_web::test]
async fn a_form_without_the_csrf_token_changes_nothing() {
    let app = spawn_web().await;
    let cookie = app.dev_sign_in(Role::CaseOfficer).await;
    let csrf = stored(&app, &cookie).unwrap().csrf;

    let missing = post_language(&app.address, Some(&cookie), &[("lang", "en")]).await;
    assert_eq!(missing.status(), 400);
    let wrong = post_language(
        &app.address,
        Some(&cookie),
        &[("csrf", "not-the-token"), ("lang", "en"), ("next", "/x")],
    )
    .await;
    assert_eq!(wrong.status(), 400);
    assert_page_headers(&wrong);
    // The refusal is a page in the frame of the signed-in person.
    let body = wrong.text().await.unwrap();
    assert!(body.contains("Formuläret var inaktuellt"), "{body}");
    assert!(body.contains("<main id=\"main\""), "{body}");
    assert!(body.contains(&format!("value=\"{csrf}\"")), "{body}");
    assert_eq!(stored(&app, &cookie).unwrap().language, "sv");

    let right = post_language(
        &app.address,
        Some(&cookie),
        &[("csrf", &csrf), ("lang", "en"), ("next", "/calls/7?x=1")],
    )
    .await;
    assert_eq!(right.status(), 303);
    assert_eq!(location(&right), "/calls/7?x=1");
    assert_eq!(stored(&app, &cookie).unwrap().language, "en");

    // `next` never leaves the site.
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "evil",
        "/\\evil.example",
    ] {
        let response = post_language(
            &app.address,
            Some(&cookie),
            &[("csrf", &csrf), ("lang", "sv"), ("next", next)],
        )
        .await;
        assert_eq!(location(&response), "/", "{next}");
    }
}

#[actix_web::test]
async fn page_responses_carry_the_security_headers_and_the_api_is_unchanged() {
    let app = spawn_web().await;
    let page = page_client().get(app.url("/sign-in")).send().await.unwrap();
    assert_page_headers(&page);

    let api = app
        .get("/api/v1/calls", &app.token(ORG, Role::CaseOfficer))
        .await;
    assert_eq!(api.status(), 200);
    assert!(api.headers().get("content-security-policy").is_none());
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    assert!(
        api.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let missing = app.get("/api/v1/nothing-here", &app.integrator()).await;
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().get("content-security-policy").is_none());
}

#[actix_web::test]
async fn the_stylesheet_is_cached_by_its_content() {
    let app = spawn_web().await;
    let response = page_client()
        .get(app.url("/assets/style.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let version = etag.trim_matches('"').to_owned();
    assert!(response.text().await.unwrap().contains(".workspace"));
    let again = page_client()
        .get(app.url("/assets/style.css"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let versioned = page_client()
        .get(app.url(&format!("/assets/style.css?v={version}")))
        .send()
        .await
        .unwrap();
    let cache = versioned.headers()["cache-control"].to_str().unwrap();
    assert!(cache.contains("max-age=31536000"), "{cache}");
}

#[actix_web::test]
async fn sessions_survive_a_restart_and_a_second_replica() {
    let app = spawn_web().await;
    let cookie = app.dev_sign_in(Role::CaseOfficer).await;
    let csrf = stored(&app, &cookie).unwrap().csrf;
    let replica = app.spawn_replica();
    let response = post_language(
        &replica,
        Some(&cookie),
        &[("csrf", &csrf), ("lang", "en"), ("next", "/")],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    assert_eq!(stored(&app, &cookie).unwrap().language, "en");
}

#[actix_web::test]
async fn an_idle_session_expires_and_is_deleted() {
    let app = spawn_web().await;
    let cookie = app.dev_sign_in(Role::CaseOfficer).await;
    let csrf = stored(&app, &cookie).unwrap().csrf;
    {
        let mut conn = app.db.conn().unwrap();
        let long_ago = equal_terms::storage::now() - chrono::Duration::minutes(31);
        diesel::update(web_sessions::table)
            .set(web_sessions::last_seen_at.eq(long_ago))
            .execute(&mut conn)
            .unwrap();
    }
    let response = post_language(
        &app.address,
        Some(&cookie),
        &[("csrf", &csrf), ("lang", "en")],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/sign-in"));
    assert_eq!(rows(&app), 0, "the expired session is deleted");
}

#[actix_web::test]
async fn sign_out_ends_the_session() {
    let app = spawn_web().await;
    let cookie = app.dev_sign_in(Role::CaseOfficer).await;
    let csrf = stored(&app, &cookie).unwrap().csrf;
    let sign_out = |form: Vec<(&'static str, String)>| {
        page_client()
            .post(app.url("/sign-out"))
            .header("cookie", &cookie)
            .form(&form)
            .send()
    };
    let refused = sign_out(vec![("csrf", "wrong".into())]).await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(stored(&app, &cookie).is_some());

    let response = sign_out(vec![("csrf", csrf.clone())]).await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/signed-out");
    let (_, clearing) = session_cookie(&response).expect("the cookie is cleared");
    assert!(clearing.contains("Max-Age=0"), "{clearing}");
    assert_eq!(rows(&app), 0);
    let after = post_language(
        &app.address,
        Some(&cookie),
        &[("csrf", &csrf), ("lang", "en")],
    )
    .await;
    assert!(location(&after).starts_with("/sign-in"));
    let page = page_client()
        .get(app.url("/signed-out"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Du är utloggad"));
}

#[actix_web::test]
async fn start_up_fails_when_discovery_fails() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let settings = test_settings(
        dir.path(),
        &url,
        Figment::new()
            .merge(Serialized::default(
                "web.oidc.issuer",
                "http://127.0.0.1:9/nowhere",
            ))
            .merge(Serialized::default("web.oidc.client_id", "equal-terms"))
            .merge(Serialized::default("web.oidc.organisation", ORG))
            .merge(Serialized::default(
                "web.oidc.role_map.et-officers",
                "case_officer",
            )),
    );
    let error = Application::build(settings).err().expect("start-up fails");
    let message = format!("{error:#}");
    assert!(
        message.contains("discovery") && message.contains("web.oidc.issuer"),
        "{message}"
    );
}

#[test]
fn serve_refuses_the_development_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_equal-terms"))
        .arg("serve")
        .arg("--bind")
        .arg("127.0.0.1:0")
        .env("EQUAL_TERMS_CONFIG_DIR", config_dir())
        .env("EQUAL_TERMS_ENV", "test")
        .env("EQUAL_TERMS__DATA_DIR", dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("t.db").display()),
        )
        .env("EQUAL_TERMS__WEB__DEV_SIGN_IN", "true")
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("web.dev_sign_in") && stderr.contains("demo"),
        "{stderr}"
    );
}
