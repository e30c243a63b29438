//! Every auth failure the service must refuse, and tenant isolation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use equal_terms::http::auth::{Claims, Role};
use figment::Figment;
use figment::providers::Serialized;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use crate::helpers::{ORG, OTHER_ORG, TestApp, application, assert_problem, spawn, spawn_with};

fn claims(app: &TestApp) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        iss: app.settings.auth.issuer.clone(),
        aud: app.settings.auth.audience.clone(),
        sub: "test".into(),
        iat: now,
        exp: now + 600,
        org: ORG.into(),
        roles: vec!["integrator".into()],
    }
}

fn sign_hs256(claims: &Claims, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn own_secret(app: &TestApp) -> Vec<u8> {
    app.settings.auth.jwt_secret.expose().as_bytes().to_vec()
}

async fn calls_with(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/api/v1/calls"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

#[actix_web::test]
async fn health_checks_need_no_token() {
    let app = spawn().await;
    for path in ["/health", "/ready"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers().contains_key("x-request-id"));
    }
}

#[actix_web::test]
async fn a_valid_token_is_accepted() {
    let app = spawn().await;
    let token = sign_hs256(&claims(&app), &own_secret(&app));
    let response = calls_with(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(response.status(), 200);
}

#[actix_web::test]
async fn missing_and_malformed_tokens_are_401() {
    let app = spawn().await;
    for header in [
        None,
        Some("Bearer"),
        Some("Bearer not.a.token"),
        Some("Basic dXNlcjpwYXNz"),
        Some("Bearer "),
    ] {
        let response = calls_with(&app, header).await;
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{header:?}"
        );
        assert_problem(response, 401, None).await;
    }
}

#[actix_web::test]
async fn expired_wrong_issuer_wrong_audience_and_forged_tokens_are_401() {
    let app = spawn().await;
    let secret = own_secret(&app);
    let mut expired = claims(&app);
    expired.exp = chrono::Utc::now().timestamp() - 3600;
    let mut wrong_issuer = claims(&app);
    wrong_issuer.iss = "someone-else".into();
    let mut wrong_audience = claims(&app);
    wrong_audience.aud = "another-api".into();
    let cases = [
        ("expired", sign_hs256(&expired, &secret), "expired"),
        ("issuer", sign_hs256(&wrong_issuer, &secret), "issuer"),
        ("audience", sign_hs256(&wrong_audience, &secret), "audience"),
        (
            "forged",
            sign_hs256(&claims(&app), b"a-different-secret-of-enough-length!!"),
            "signature",
        ),
    ];
    for (case, token, says) in cases {
        let body = assert_problem(
            calls_with(&app, Some(&format!("Bearer {token}"))).await,
            401,
            None,
        )
        .await;
        assert!(
            body["detail"].as_str().unwrap().contains(says),
            "{case}: {body}"
        );
    }
}

#[actix_web::test]
async fn alg_none_is_401() {
    let app = spawn().await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(&app)).unwrap());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        assert_problem(
            calls_with(&app, Some(&format!("Bearer {token}"))).await,
            401,
            None,
        )
        .await;
    }
}

#[actix_web::test]
async fn a_token_for_an_unknown_organisation_is_401() {
    let app = spawn().await;
    let mut c = claims(&app);
    c.org = "no-such-org".into();
    let token = sign_hs256(&c, &own_secret(&app));
    assert_problem(
        calls_with(&app, Some(&format!("Bearer {token}"))).await,
        401,
        None,
    )
    .await;
}

#[actix_web::test]
async fn the_wrong_role_is_403() {
    let app = spawn().await;
    app.seed_call(&app.integrator()).await;
    let auditor = app.token(ORG, Role::Auditor);
    let response = app
        .put_json("/api/v1/applications/A-1", &auditor, &application())
        .await;
    let body = assert_problem(response, 403, None).await;
    assert!(body["detail"].as_str().unwrap().contains("integrator"));
    // An unknown role in the token counts as no role.
    let mut c = claims(&app);
    c.roles = vec!["superuser".into()];
    let token = sign_hs256(&c, &own_secret(&app));
    assert_problem(
        calls_with(&app, Some(&format!("Bearer {token}"))).await,
        403,
        None,
    )
    .await;
}

#[actix_web::test]
async fn another_organisations_data_is_404_as_if_it_did_not_exist() {
    let app = spawn().await;
    let mine = app.integrator();
    app.seed_call(&mine).await;
    assert_eq!(
        app.put_json("/api/v1/applications/A-1", &mine, &application())
            .await
            .status(),
        201
    );
    let theirs = app.token(OTHER_ORG, Role::Integrator);
    assert_problem(
        app.get("/api/v1/applications/A-1", &theirs).await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.get("/api/v1/applications/NO-SUCH", &theirs).await,
        404,
        None,
    )
    .await;
    let call_id = app
        .get("/api/v1/calls", &mine)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["items"][0]["id"]
        .as_i64()
        .unwrap();
    assert_problem(
        app.get(&format!("/api/v1/calls/{call_id}"), &theirs).await,
        404,
        None,
    )
    .await;
    let listed: serde_json::Value = app
        .get("/api/v1/calls", &theirs)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
    // Their applications cannot name my call either.
    let response = app
        .put_json("/api/v1/applications/B-1", &theirs, &application())
        .await;
    assert_problem(response, 422, Some("/callCode")).await;
    // And my application is untouched.
    assert_eq!(
        app.get("/api/v1/applications/A-1", &mine).await.status(),
        200
    );
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/jwks/{name}", env!("CARGO_MANIFEST_DIR"))
}

async fn jwks_app() -> TestApp {
    spawn_with(Figment::new().merge(Serialized::default("auth.jwks_file", fixture("jwks.json"))))
        .await
}

fn sign_with_pem(claims: &Claims, alg: Algorithm, kid: &str, pem: &str) -> String {
    let pem = std::fs::read(fixture(pem)).unwrap();
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).unwrap(),
        _ => EncodingKey::from_ed_pem(&pem).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

#[actix_web::test]
async fn rs256_and_eddsa_tokens_from_the_jwks_are_accepted() {
    let app = jwks_app().await;
    let c = claims(&app);
    for token in [
        sign_with_pem(&c, Algorithm::RS256, "test-rsa", "rsa-private.pem"),
        sign_with_pem(&c, Algorithm::EdDSA, "test-ed25519", "ed25519-private.pem"),
    ] {
        assert_eq!(
            calls_with(&app, Some(&format!("Bearer {token}")))
                .await
                .status(),
            200
        );
    }
}

#[actix_web::test]
async fn jwks_tokens_with_an_unknown_or_mismatched_kid_are_401() {
    let app = jwks_app().await;
    let c = claims(&app);
    for token in [
        sign_with_pem(&c, Algorithm::RS256, "no-such-key", "rsa-private.pem"),
        sign_with_pem(&c, Algorithm::RS256, "test-ed25519", "rsa-private.pem"),
    ] {
        assert_problem(
            calls_with(&app, Some(&format!("Bearer {token}"))).await,
            401,
            None,
        )
        .await;
    }
}
