//! Sign-in with the organisation's identity provider: OpenID Connect authorization code flow with
//! PKCE (S256), state and nonce kept server-side (storage::web_sessions, consumed once), the ID
//! token verified by the `openidconnect` crate (signature, issuer, audience, expiry) and its nonce
//! checked. Roles come from the `roles_claim` mapped through `role_map`; the organisation from
//! `org_claim` or the fixed `organisation`. Sign-out ends the session and, where the provider
//! offers an `end_session_endpoint`, the provider's session too. docs/sign-in.md.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, web};
use anyhow::Context;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, ProviderMetadataWithLogout, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::dev::{DevKey, sign_in_page};
use super::page::{PageError, local_path, see_other};
use super::session::{self, SessionStart};
use crate::config::OidcSettings;
use crate::http::AppState;
use crate::http::auth::{Role, org_id_of};
use crate::storage::web_sessions::{self, PendingSignIn};

/// Every claim of the ID token beyond the standard ones, by name (the role and organisation
/// claims are configurable).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    pub claims: Map<String, Value>,
}

impl AdditionalClaims for ExtraClaims {}

type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponseOf = StandardTokenResponse<IdFields, CoreTokenType>;

/// The client as discovery makes it: authorization endpoint set, token endpoint maybe.
type OidcClient = openidconnect::Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponseOf,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The discovered provider.
pub struct Provider {
    client: OidcClient,
    http: openidconnect::reqwest::Client,
    end_session: Option<EndSessionUrl>,
    settings: OidcSettings,
    public_url: String,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.settings.issuer)
            .field(
                "end_session",
                &self.end_session.as_ref().map(|u| u.url().as_str()),
            )
            .finish_non_exhaustive()
    }
}

fn http_client() -> anyhow::Result<openidconnect::reqwest::Client> {
    openidconnect::reqwest::ClientBuilder::new()
        // Following redirects would expose the token request to SSRF-like detours.
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        // Every actix worker is a runtime of its own: keep no connection between requests.
        .pool_max_idle_per_host(0)
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .context("building the HTTP client for OpenID Connect")
}

impl Provider {
    /// Discovers the provider at `settings.issuer` (its metadata and signing keys). Runs on a
    /// thread of its own, so it may be called from inside a running async runtime.
    pub fn discover(settings: &OidcSettings, public_url: &str) -> anyhow::Result<Self> {
        let issuer = settings.issuer.trim().to_owned();
        let metadata = std::thread::scope(|scope| {
            scope
                .spawn(|| -> anyhow::Result<ProviderMetadataWithLogout> {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime.block_on(async {
                        let http = http_client()?;
                        let issuer_url = IssuerUrl::new(issuer.clone())
                            .with_context(|| format!("web.oidc.issuer {issuer:?} is not a URL"))?;
                        ProviderMetadataWithLogout::discover_async(issuer_url, &http)
                            .await
                            .map_err(|e| anyhow::anyhow!("{}", error_chain(&e)))
                    })
                })
                .join()
                .map_err(|_| anyhow::anyhow!("OpenID Connect discovery panicked"))?
        })
        .with_context(|| {
            format!("OpenID Connect discovery at {issuer:?} failed (web.oidc.issuer)")
        })?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let secret = (!settings.client_secret.is_empty())
            .then(|| ClientSecret::new(settings.client_secret.expose().to_owned()));
        let redirect = format!("{public_url}/auth/callback");
        let client = OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(settings.client_id.clone()),
            secret,
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect.clone())
                .with_context(|| format!("the redirect URI {redirect:?} (web.public_url)"))?,
        );
        Ok(Self {
            client,
            http: http_client()?,
            end_session,
            settings: settings.clone(),
            public_url: public_url.to_owned(),
        })
    }

    /// Where the browser goes to end the provider's session too, if the provider says.
    fn end_session_url(&self, id_token: Option<&str>) -> Option<String> {
        let mut url = self.end_session.as_ref()?.url().clone();
        {
            let mut query = url.query_pairs_mut();
            if let Some(token) = id_token {
                query.append_pair("id_token_hint", token);
            }
            query.append_pair("client_id", &self.settings.client_id);
            query.append_pair(
                "post_logout_redirect_uri",
                &format!("{}/signed-out", self.public_url),
            );
        }
        Some(url.to_string())
    }
}

/// An error and its causes, for the log and start-up messages.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The roles a person's claims map to (unknown values are ignored). The claim may be a string
/// array or one string.
pub fn roles_from(claims: &Map<String, Value>, settings: &OidcSettings) -> Vec<Role> {
    let values: Vec<&str> = match claims.get(&settings.roles_claim) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    };
    let mut roles: Vec<Role> = Vec::new();
    for value in values {
        if let Some(role) = settings
            .role_map
            .get(value)
            .and_then(|code| Role::from_code(code))
            && !roles.contains(&role)
        {
            roles.push(role);
        }
    }
    roles
}

/// The organisation code of a person: the `org_claim` when configured, else `organisation`.
pub fn organisation_from(claims: &Map<String, Value>, settings: &OidcSettings) -> Option<String> {
    if settings.org_claim.is_empty() {
        return (!settings.organisation.is_empty()).then(|| settings.organisation.clone());
    }
    claims
        .get(&settings.org_claim)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A refusal page before anyone is signed in (Swedish, with the English under it).
fn refuse(status: StatusCode, heading: &str, sv: &str, en: &str) -> HttpResponse {
    super::page::bilingual_error_page(status, heading, sv, en)
}

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    pub next: String,
}

/// `GET /sign-in`: to the provider, or a page saying how to sign in.
#[get("/sign-in")]
pub async fn sign_in(
    state: web::Data<AppState>,
    provider: Option<web::Data<Provider>>,
    dev_key: Option<web::Data<DevKey>>,
    query: web::Query<SignInQuery>,
) -> Result<HttpResponse, PageError> {
    let next = local_path(&query.next).to_owned();
    match &provider {
        Some(provider) => begin(&state, provider, next).await,
        None => sign_in_page(false, dev_key.is_some(), false),
    }
}

/// `GET /signed-out`: where the provider sends people back after signing out.
#[get("/signed-out")]
pub async fn signed_out(
    provider: Option<web::Data<Provider>>,
    dev_key: Option<web::Data<DevKey>>,
) -> Result<HttpResponse, PageError> {
    sign_in_page(provider.is_some(), dev_key.is_some(), true)
}

async fn begin(
    state: &AppState,
    provider: &Provider,
    next: String,
) -> Result<HttpResponse, PageError> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = provider.client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for scope in provider.settings.scopes.iter().filter(|s| *s != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, csrf_state, nonce) = request.set_pkce_challenge(challenge).url();
    let state_hash = web_sessions::hash(csrf_state.secret());
    let pending = PendingSignIn {
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        next_path: next,
    };
    state
        .db
        .run(move |conn| {
            web_sessions::put_sign_in(conn, &state_hash, &pending, crate::storage::now())
        })
        .await?;
    Ok(see_other(url.as_str()))
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// `GET /auth/callback`: the provider's answer.
#[get("/auth/callback")]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    provider: Option<web::Data<Provider>>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, PageError> {
    let Some(provider) = &provider else {
        return Err(PageError::NotFound);
    };
    let bad_request = |sv: &str, en: &str| {
        Ok(refuse(
            StatusCode::BAD_REQUEST,
            "Inloggningen misslyckades",
            sv,
            en,
        ))
    };
    // The state first: it is consumed even when the provider reports an error.
    let pending = match &query.state {
        Some(s) if !s.is_empty() => {
            let state_hash = web_sessions::hash(s);
            state
                .db
                .run(move |conn| {
                    web_sessions::take_sign_in(
                        conn,
                        &state_hash,
                        session::sign_in_max_age(),
                        crate::storage::now(),
                    )
                })
                .await?
        }
        _ => None,
    };
    if let Some(error) = &query.error {
        tracing::warn!(error = %error, "the identity provider refused the sign-in");
        return bad_request(
            "Identitetsleverantören avbröt inloggningen. Försök igen.",
            "The identity provider stopped the sign-in. Try again.",
        );
    }
    let (Some(pending), Some(code)) = (pending, query.code.as_ref()) else {
        return bad_request(
            "Inloggningen var okänd, redan använd eller för gammal. Börja om från inloggningen.",
            "The sign-in was unknown, already used or too old. Start again from sign-in.",
        );
    };
    let exchange = provider
        .client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .map_err(|e| PageError::Internal(format!("token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
        .request_async(&provider.http)
        .await;
    let tokens = match exchange {
        Ok(tokens) => tokens,
        Err(e) => {
            tracing::warn!(error = %error_chain(&e), "code exchange failed");
            return bad_request(
                "Inloggningen kunde inte slutföras hos identitetsleverantören. Försök igen.",
                "The sign-in could not be completed at the identity provider. Try again.",
            );
        }
    };
    let Some(id_token) = tokens.id_token() else {
        tracing::warn!("the token response has no ID token");
        return bad_request(
            "Identitetsleverantören skickade ingen ID-token.",
            "The identity provider sent no ID token.",
        );
    };
    let verifier = provider.client.id_token_verifier();
    let claims = match id_token.claims(&verifier, &Nonce::new(pending.nonce.clone())) {
        Ok(claims) => claims,
        Err(e) => {
            tracing::warn!(error = %error_chain(&e), "ID token refused");
            return bad_request(
                "ID-token från identitetsleverantören kunde inte godtas.",
                "The identity provider's ID token could not be accepted.",
            );
        }
    };
    let subject = claims.subject().as_str().to_owned();
    let display_name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_owned())
        .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()))
        .unwrap_or_else(|| subject.clone());
    let extra = &claims.additional_claims().claims;
    let roles = roles_from(extra, &provider.settings);
    if roles.is_empty() {
        tracing::info!(%subject, "sign-in refused: no role maps");
        return Ok(refuse(
            StatusCode::FORBIDDEN,
            "Du har ingen roll i tjänsten",
            "Ditt konto är inte med i någon grupp som ger en roll i Lika villkor. Be den som \
             administrerar tjänsten att lägga till dig.",
            "Your account is in no group that gives a role in Equal Terms. Ask the person who \
             administers the service to add you.",
        ));
    }
    let org = organisation_from(extra, &provider.settings);
    let org_id = match &org {
        Some(code) => org_id_of(&state, code).await?,
        None => None,
    };
    let Some(org_id) = org_id else {
        tracing::info!(%subject, org = ?org, "sign-in refused: unknown organisation");
        return Ok(refuse(
            StatusCode::FORBIDDEN,
            "Din organisation finns inte i tjänsten",
            "Organisationen som ditt konto hör till är inte upplagd i Lika villkor. Kontakta den \
             som administrerar tjänsten.",
            "The organisation your account belongs to is not set up in Equal Terms. Contact the \
             person who administers the service.",
        ));
    };
    session::start(
        &state,
        &req,
        SessionStart {
            org_id,
            subject,
            display_name,
            roles,
            id_token: Some(id_token.to_string()),
        },
        &pending.next_path,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    pub csrf: String,
}

/// `POST /sign-out` (csrf): ends the session, and the provider's where it offers that.
#[post("/sign-out")]
pub async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    provider: Option<web::Data<Provider>>,
    form: web::Form<SignOutForm>,
) -> Result<HttpResponse, PageError> {
    let mut location = "/signed-out".to_owned();
    if let Some(current) = session::current(&state, &req).await? {
        let (_, viewer) = session::caller_and_viewer(&current);
        req.extensions_mut().insert(viewer);
        if !session::csrf_matches(&current.csrf, &form.csrf) {
            return Err(PageError::Csrf);
        }
        let id_hash = current.id_hash.clone();
        let id_token = state
            .db
            .run(move |conn| web_sessions::delete(conn, &id_hash))
            .await?;
        if let Some(url) = provider
            .as_ref()
            .and_then(|p| p.end_session_url(id_token.as_deref()))
        {
            location = url;
        }
    }
    let mut response = see_other(&location);
    response.headers_mut().insert(
        header::SET_COOKIE,
        header::HeaderValue::from_str(&session::clearing_cookie(&state.settings.web, &req))
            .map_err(|e| PageError::Internal(e.to_string()))?,
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings() -> OidcSettings {
        OidcSettings {
            issuer: "https://id.example".into(),
            client_id: "et".into(),
            client_secret: Default::default(),
            scopes: vec!["openid".into()],
            roles_claim: "groups".into(),
            org_claim: String::new(),
            organisation: "lst-ab".into(),
            role_map: [
                ("g-officers".to_owned(), "case_officer".to_owned()),
                ("g-audit".to_owned(), "auditor".to_owned()),
            ]
            .into(),
        }
    }

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn roles_map_from_an_array_or_one_string() {
        let s = settings();
        let c = claims(json!({"groups": ["x", "g-audit", "g-officers", "g-audit"]}));
        assert_eq!(roles_from(&c, &s), vec![Role::Auditor, Role::CaseOfficer]);
        let c = claims(json!({"groups": "g-officers"}));
        assert_eq!(roles_from(&c, &s), vec![Role::CaseOfficer]);
        let c = claims(json!({"groups": ["nobody"]}));
        assert!(roles_from(&c, &s).is_empty());
        assert!(roles_from(&claims(json!({})), &s).is_empty());
    }

    #[test]
    fn organisation_from_claim_or_setting() {
        let mut s = settings();
        assert_eq!(
            organisation_from(&claims(json!({"org": "OTHER"})), &s).as_deref(),
            Some("lst-ab")
        );
        s.org_claim = "org".into();
        assert_eq!(
            organisation_from(&claims(json!({"org": "OTHER"})), &s).as_deref(),
            Some("OTHER")
        );
        assert_eq!(organisation_from(&claims(json!({})), &s), None);
    }

    #[test]
    fn extra_claims_keep_unknown_claims() {
        let c: ExtraClaims = serde_json::from_value(json!({"groups": ["a"], "org": "x"})).unwrap();
        assert_eq!(c.claims["org"], "x");
    }
}
