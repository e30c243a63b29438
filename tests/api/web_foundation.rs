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
    // An unreadable form is refused with the page that says nothing changed, not plain text.
    assert_page_headers(&missing);
    let body = missing.text().await.unwrap();
    assert!(body.contains("Formuläret var inaktuellt"), "{body}");
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

    // Without `next`: back to the page the form was on, if it is on this site.
    let back = page_client()
        .post(app.url("/language"))
        .header("cookie", &cookie)
        .header("referer", app.url("/calls/9?tab=x"))
        .form(&[("csrf", csrf.as_str()), ("lang", "sv"), ("next", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&back), "/calls/9?tab=x");
    let elsewhere = page_client()
        .post(app.url("/language"))
        .header("cookie", &cookie)
        .header("referer", "https://evil.example/calls/9")
        .form(&[("csrf", csrf.as_str()), ("lang", "sv")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&elsewhere), "/");

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
    assert_problem(missing, 404, None).await;
    // An unknown page is a page.
    let missing = page_client()
        .get(app.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_page_headers(&missing);
    assert!(missing.text().await.unwrap().contains("Sidan finns inte"));
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

// ---------------------------------------------------------------------------------------------
// Sign-in through OpenID Connect, against a minimal provider written here (discovery, keys, a
// token endpoint that checks PKCE and signs RS256 ID tokens). The full provider and browser test
// is tests/api/web.rs.

/// A test-only RSA key (2048 bits), made for these tests and used nowhere else.
const TEST_RSA_KEY: &str = r"-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAyokVNkKPHd1EOuUDnD4AEjLpuR7X4WVS+41bXrvjqRcOqfm4
5IjsNKuVt5BkOpWSF5cCSm5k5SBcyxp7qtsdw3KO10SAde9FC5ToiPoSwcxk9iJd
MAHbIWqWKxyPyfThTzdXe2UrSE8fWR4gMRhNKCcyXRyyrEhreZmOMD7zLjLBFa3y
SHzd+FyZqaZ6Gtss/ChIRn8lc/zBWNxegH70GeuvcNFB3hc8BQ8dM3OmNZqQeEEN
pfvHnk3QpMAmnwBe1HiuQFuQ+8xfpq6cHRQZhd8LhsHAnawLcu92zGeiYxjNbp1x
rZP+72ULmXzvrCI6Cd8UF6uqxV20HqRFp0KguwIDAQABAoIBAA2NbAnxcjosBYDG
CkkjgkW1enDqC3AITlaJeEUNNYf/BFAuEZ0ukapZ65luOVwM3iBjTm1EmHkXLUkP
QJnc3PpTFBPQ1aJj8a7Qtq6pF9A3/m7UkH/B4Ak1uflbM+lDpZVIvWXYYzO3d6rd
mocuenCRZDau0Os4/VgUWltdcFBK8/cClueHppKZ9sozZhFDvB6+aOJC84QY4jnH
Ii7iXO8c/QeieGPgJM/4lxDPV3zOvBnjc2fBrEQHLTf0hXyqoxkgB9yz5DYm8f/l
DdYGqSboIqf9u3YaISdjhep1Z96y5srGo4BHYyHmYuTPYB7pF4kV1BG9FZpGagfO
4Z+7myECgYEA7oJyiMtm+tbvRjUyqePWSFFc9gpr+xW6ddc6Syuu3gjga11NCjoK
zXhfM9uAtEEGnvt4Os4tNi8P/NpDcSq7G2eG9lgfJTInbzKCmcgZM/7Mg5//DGXf
MAKSlVmd4fL8ubwTr6RrjGRkSpq6zHpw99tAi+RbBeOFFPmVDQ3YjJUCgYEA2WNK
yh0y8+OsIrhuMYxMk5LoJFm9XXvQIXnFLnSxgfAV19lTLgIK1cCZZUDY2lzTP4UP
p+yakqiPjzDlAGsAPL7gsVOB3+BX846dAKxcKScasK3++vrXGNcQ1luh/2aHotD3
S3plMXm2c+hJhDLx3+ehu9SZnTbDbsHYG6XL1A8CgYBA82crV3DQyG1aiiwk1bXJ
9dZB7m6fbrhbVOQ8CkZRkstCkaLkMRA2Chyq65CuBbM+4i5InVL0mXZaHjoVfFR9
zwCS30aEA5d3kaK9LB+o6C9bfNugzbEsytaOM1xqZphqIAygXT8oeUJSirZp7sIK
zTtTnTkobmAUaS8s4eNhzQKBgQCa1d0UPl3nVtdpV4GtKuf0CKPuGDkHl8NzxH7M
ivNPwIheWH2lfHDpNKhNdTW/unQAfy7ahWzHXuX5sHK7rHrbyXzS8M7Ffc5HPOHY
8+skqKSbCSNe8kE4gR6N/3BQMGAVeM9a5E+lQLLStbV/QqYCu8H3vgK39qSWg90A
PEQEwwKBgE4o7ai7G2yIkQPtPPox9IyU5o8YyTyTl9O6JesfNzojUpJisn90Y4UP
OvFbEry+lgzTyYY+rXFDU/qe0nHjtlj6WeTpKpwtZn9qVeHrf6NSGX4auSqZTJFL
eiydqBDJMDBeoH+Zr0XDkdemNaoJbSzFTtbEHjGZmQJu3Paxc4oT
-----END RSA PRIVATE KEY-----";
const TEST_RSA_N: &str = "yokVNkKPHd1EOuUDnD4AEjLpuR7X4WVS-41bXrvjqRcOqfm45IjsNKuVt5BkOpWSF5cCSm5k5SBcyxp7qtsdw3KO10SAde9FC5ToiPoSwcxk9iJdMAHbIWqWKxyPyfThTzdXe2UrSE8fWR4gMRhNKCcyXRyyrEhreZmOMD7zLjLBFa3ySHzd-FyZqaZ6Gtss_ChIRn8lc_zBWNxegH70GeuvcNFB3hc8BQ8dM3OmNZqQeEENpfvHnk3QpMAmnwBe1HiuQFuQ-8xfpq6cHRQZhd8LhsHAnawLcu92zGeiYxjNbp1xrZP-72ULmXzvrCI6Cd8UF6uqxV20HqRFp0Kguw";

#[derive(Default)]
struct ProviderState {
    issuer: String,
    /// The PKCE challenge and nonce of the sign-in the "browser" is in.
    challenge: String,
    nonce: String,
    /// Claims of the next ID token beyond iss/aud/exp/iat/nonce.
    claims: serde_json::Value,
    /// Overrides the nonce of the next ID token.
    wrong_nonce: bool,
}

type Shared = std::sync::Arc<std::sync::Mutex<ProviderState>>;

/// Starts the provider on a thread of its own (the app discovers it while building, blocking
/// the test's runtime); its issuer URL.
fn start_provider(shared: Shared) -> String {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    shared.lock().unwrap().issuer = issuer.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                App::new()
                    .app_data(web::Data::new(shared.clone()))
                    .route(
                        "/.well-known/openid-configuration",
                        web::get().to(|s: web::Data<Shared>| async move {
                            let issuer = s.lock().unwrap().issuer.clone();
                            HttpResponse::Ok().json(serde_json::json!({
                                "issuer": issuer,
                                "authorization_endpoint": format!("{issuer}/authorize"),
                                "token_endpoint": format!("{issuer}/token"),
                                "jwks_uri": format!("{issuer}/jwks"),
                                "end_session_endpoint": format!("{issuer}/logout"),
                                "response_types_supported": ["code"],
                                "subject_types_supported": ["public"],
                                "id_token_signing_alg_values_supported": ["RS256"],
                            }))
                        }),
                    )
                    .route(
                        "/jwks",
                        web::get().to(|| async {
                            HttpResponse::Ok().json(serde_json::json!({"keys": [{
                                "kty": "RSA", "use": "sig", "alg": "RS256", "kid": "k1",
                                "n": TEST_RSA_N, "e": "AQAB",
                            }]}))
                        }),
                    )
                    .route("/token", web::post().to(token_endpoint))
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    issuer
}

async fn token_endpoint(
    s: actix_web::web::Data<Shared>,
    form: actix_web::web::Form<std::collections::HashMap<String, String>>,
) -> actix_web::HttpResponse {
    use base64::Engine;
    use sha2::Digest;
    let state = s.lock().unwrap();
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    if challenge != state.challenge || form.get("code").map(String::as_str) != Some("the-code") {
        return actix_web::HttpResponse::BadRequest()
            .json(serde_json::json!({"error": "invalid_grant"}));
    }
    let now = chrono::Utc::now().timestamp();
    let mut claims = serde_json::json!({
        "iss": state.issuer, "aud": "equal-terms", "iat": now, "exp": now + 300,
        "nonce": if state.wrong_nonce { "another" } else { state.nonce.as_str() },
    });
    for (k, v) in state.claims.as_object().unwrap() {
        claims[k] = v.clone();
    }
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("k1".into());
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(TEST_RSA_KEY.as_bytes()).unwrap();
    let id_token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    actix_web::HttpResponse::Ok().json(serde_json::json!({
        "access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token,
    }))
}

async fn spawn_with_provider() -> (TestApp, Shared) {
    let shared: Shared = Default::default();
    let issuer = start_provider(shared.clone());
    let app = spawn_with(
        Figment::new()
            .merge(Serialized::default("web.oidc.issuer", issuer))
            .merge(Serialized::default("web.oidc.client_id", "equal-terms"))
            .merge(Serialized::default("web.oidc.client_secret", "test-secret"))
            .merge(Serialized::default("web.oidc.org_claim", "org"))
            .merge(Serialized::default(
                "web.oidc.role_map.et-officers",
                "case_officer",
            )),
    )
    .await;
    (app, shared)
}

/// Begins a sign-in at the app (to come back to `next`), plays the provider's part of the
/// browser's trip, and returns the callback's query (`code`, `state`).
async fn begin_sign_in(
    app: &TestApp,
    shared: &Shared,
    next: &str,
    claims: serde_json::Value,
) -> String {
    let response = page_client()
        .get(app.url(&format!("/sign-in?next={next}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let to = reqwest::Url::parse(&location(&response)).unwrap();
    let issuer = shared.lock().unwrap().issuer.clone();
    assert!(
        to.as_str().starts_with(&format!("{issuer}/authorize?")),
        "{to}"
    );
    let param = |name: &str| {
        to.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    assert_eq!(param("code_challenge_method"), "S256");
    assert_eq!(param("response_type"), "code");
    assert_eq!(param("client_id"), "equal-terms");
    assert_eq!(
        param("redirect_uri"),
        format!("{}/auth/callback", app.address)
    );
    assert!(param("scope").split(' ').any(|s| s == "openid"));
    let mut state = shared.lock().unwrap();
    state.challenge = param("code_challenge");
    state.nonce = param("nonce");
    state.claims = claims;
    state.wrong_nonce = false;
    format!("code=the-code&state={}", param("state"))
}

async fn callback(app: &TestApp, query: &str) -> reqwest::Response {
    page_client()
        .get(app.url(&format!("/auth/callback?{query}")))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn oidc_sign_in_makes_a_session_once_per_state() {
    let (app, shared) = spawn_with_provider().await;
    let claims = serde_json::json!({
        "sub": "u-1", "name": "Anna Andersson", "groups": ["x", "et-officers"], "org": ORG,
    });
    let query = begin_sign_in(&app, &shared, "/calls/3", claims).await;
    let response = callback(&app, &query).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/calls/3");
    let (cookie, _) = session_cookie(&response).expect("a session");
    let session = stored(&app, &cookie).unwrap();
    assert_eq!(session.display_name, "Anna Andersson");
    assert_eq!(session.roles, "case_officer");
    assert_eq!(session.org_code, ORG);
    assert!(session.id_token.is_some());

    // The state is used up.
    let again = callback(&app, &query).await;
    assert_eq!(again.status(), 400);
    assert!(session_cookie(&again).is_none());
    let unknown = callback(&app, "code=the-code&state=made-up").await;
    assert_eq!(unknown.status(), 400);

    // Sign-out ends the provider's session too.
    let csrf = session.csrf.clone();
    let out = page_client()
        .post(app.url("/sign-out"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let to = location(&out);
    let issuer = shared.lock().unwrap().issuer.clone();
    assert!(
        to.starts_with(&format!("{issuer}/logout?id_token_hint=")),
        "{to}"
    );
    assert!(to.contains("post_logout_redirect_uri="), "{to}");
    assert!(stored(&app, &cookie).is_none());
}

#[actix_web::test]
async fn oidc_refuses_no_role_an_unknown_organisation_a_wrong_nonce_and_provider_errors() {
    let (app, shared) = spawn_with_provider().await;
    let stranger = serde_json::json!({"sub": "u-2", "groups": ["nobody"], "org": ORG});
    let query = begin_sign_in(&app, &shared, "/", stranger).await;
    let response = callback(&app, &query).await;
    assert_eq!(response.status(), 403);
    assert!(session_cookie(&response).is_none());
    assert!(response.text().await.unwrap().contains("ingen roll"));

    let other_org = serde_json::json!({"sub": "u-3", "groups": "et-officers", "org": "NOWHERE"});
    let query = begin_sign_in(&app, &shared, "/", other_org).await;
    let response = callback(&app, &query).await;
    assert_eq!(response.status(), 403);
    assert!(session_cookie(&response).is_none());

    let officer = serde_json::json!({"sub": "u-4", "groups": ["et-officers"], "org": ORG});
    let query = begin_sign_in(&app, &shared, "/", officer.clone()).await;
    shared.lock().unwrap().wrong_nonce = true;
    assert_eq!(callback(&app, &query).await.status(), 400);

    let query = begin_sign_in(&app, &shared, "/", officer).await;
    let state = query.split("state=").nth(1).unwrap();
    let refused = callback(&app, &format!("error=access_denied&state={state}")).await;
    assert_eq!(refused.status(), 400);
    // ... and that state is used up too.
    assert_eq!(callback(&app, &query).await.status(), 400);
    assert_eq!(rows(&app), 0);
}
