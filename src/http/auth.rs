//! Authentication and authorisation, in one place.
//!
//! Every endpoint but the health checks and the API documentation takes an [`Authorized<P>`]
//! argument: the extractor verifies the bearer token (signature, issuer, audience, expiry),
//! resolves the organisation it names and checks that its roles satisfy the policy `P`. Handlers
//! never look at tokens; they get the caller's organisation id and query only within it, so
//! another organisation's data answers 404 as if it did not exist.

use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::problem::ApiError;
use crate::config::AuthSettings;

pub use crate::domain::role::Role;

/// The claims Equal Terms reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    /// The organisation's code.
    pub org: String,
    pub roles: Vec<String>,
}

/// Verifies tokens and, with a shared secret, mints them.
pub struct Authenticator {
    secret: Option<(EncodingKey, DecodingKey)>,
    /// Public keys by key id, from the JWKS file.
    public_keys: HashMap<String, (DecodingKey, Algorithm)>,
    issuer: String,
    audience: String,
    leeway: u64,
    max_ttl_secs: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Invalid(String),
    #[error("cannot read the JWKS file {0}: {1}")]
    Jwks(String, String),
}

impl Authenticator {
    pub fn new(settings: &AuthSettings) -> Result<Self, AuthError> {
        let secret = (!settings.jwt_secret.is_empty()).then(|| {
            let bytes = settings.jwt_secret.expose().as_bytes();
            (
                EncodingKey::from_secret(bytes),
                DecodingKey::from_secret(bytes),
            )
        });
        let public_keys = if settings.jwks_file.is_empty() {
            HashMap::new()
        } else {
            load_jwks(&settings.jwks_file)?
        };
        Ok(Self {
            secret,
            public_keys,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            leeway: settings.leeway_secs,
            max_ttl_secs: settings.max_token_ttl_secs,
        })
    }

    /// Checks a token and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let invalid = |m: &str| AuthError::Invalid(m.to_owned());
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed token"))?;
        let key = match header.alg {
            Algorithm::HS256 => self
                .secret
                .as_ref()
                .map(|(_, d)| d)
                .ok_or_else(|| invalid("HS256 tokens are not accepted here"))?,
            Algorithm::RS256 | Algorithm::EdDSA => {
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or_else(|| invalid("token has no kid"))?;
                match self.public_keys.get(kid) {
                    Some((key, alg)) if *alg == header.alg => key,
                    _ => return Err(invalid("unknown signing key")),
                }
            }
            _ => return Err(invalid("signing algorithm not accepted")),
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = self.leeway;
        jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                AuthError::Invalid(
                    match e.kind() {
                        K::ExpiredSignature => "token has expired",
                        K::InvalidIssuer => "token has the wrong issuer",
                        K::InvalidAudience => "token has the wrong audience",
                        K::InvalidSignature => "token signature is invalid",
                        K::MissingRequiredClaim(_) => "token lacks a required claim",
                        _ => "token is invalid",
                    }
                    .to_owned(),
                )
            })
    }

    /// Mints an HS256 token with the configured secret (for `equal-terms token` and the demo).
    pub fn mint(
        &self,
        org: &str,
        roles: &[Role],
        subject: &str,
        ttl_secs: u64,
    ) -> Result<String, AuthError> {
        let (key, _) = self.secret.as_ref().ok_or_else(|| {
            AuthError::Invalid("no auth.jwt_secret is configured to sign with".into())
        })?;
        if ttl_secs == 0 || ttl_secs > self.max_ttl_secs {
            return Err(AuthError::Invalid(format!(
                "the lifetime must be between 1 second and {} seconds (auth.max_token_ttl_secs)",
                self.max_ttl_secs
            )));
        }
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: subject.to_owned(),
            iat: now,
            exp: now + ttl_secs as i64,
            org: org.to_owned(),
            roles: roles.iter().map(|r| r.code().to_owned()).collect(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, key)
            .map_err(|e| AuthError::Invalid(e.to_string()))
    }
}

fn load_jwks(path: &str) -> Result<HashMap<String, (DecodingKey, Algorithm)>, AuthError> {
    let fail = |m: String| AuthError::Jwks(path.to_owned(), m);
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let set: JwkSet = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let kid = jwk
            .common
            .key_id
            .clone()
            .ok_or_else(|| fail("every key needs a kid".into()))?;
        let alg = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
            _ => {
                return Err(fail(format!(
                    "key {kid}: only RSA and Ed25519 keys are accepted"
                )));
            }
        };
        let key = DecodingKey::from_jwk(jwk).map_err(|e| fail(format!("key {kid}: {e}")))?;
        keys.insert(kid, (key, alg));
    }
    Ok(keys)
}

/// Who is calling: from a verified token, with the organisation resolved.
#[derive(Debug, Clone)]
pub struct Caller {
    pub org_id: i64,
    pub org_code: String,
    pub subject: String,
    pub roles: Vec<Role>,
}

/// A rule naming which roles may do something.
pub trait Policy {
    const ROLES: &'static [Role];
    const ACTION: &'static str;
}

/// Write applications, decisions and imports.
pub struct WriteData;
impl Policy for WriteData {
    const ROLES: &'static [Role] = &[Role::Integrator];
    const ACTION: &'static str = "write applications and decisions";
}

/// Read programmes and calls.
pub struct ReadCatalogue;
impl Policy for ReadCatalogue {
    const ROLES: &'static [Role] = &[
        Role::Integrator,
        Role::CaseOfficer,
        Role::Auditor,
        Role::Admin,
    ];
    const ACTION: &'static str = "read programmes and calls";
}

/// Create programmes.
pub struct ManageProgrammes;
impl Policy for ManageProgrammes {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Integrator];
    const ACTION: &'static str = "manage programmes";
}

/// Create and change calls.
pub struct ManageCalls;
impl Policy for ManageCalls {
    const ROLES: &'static [Role] = &[Role::CaseOfficer, Role::Integrator];
    const ACTION: &'static str = "manage calls";
}

/// Check calls, record overrides.
pub struct CheckCalls;
impl Policy for CheckCalls {
    const ROLES: &'static [Role] = &[Role::CaseOfficer];
    const ACTION: &'static str = "check calls";
}

/// Run and read evaluations.
pub struct Evaluate;
impl Policy for Evaluate {
    const ROLES: &'static [Role] = &[Role::CaseOfficer, Role::Auditor];
    const ACTION: &'static str = "evaluate allocation";
}

/// Make and read reports.
pub struct Report;
impl Policy for Report {
    const ROLES: &'static [Role] = &[Role::Auditor];
    const ACTION: &'static str = "make and read reports";
}

/// Organisation set-up: tagging definitions, baselines, the audit log.
pub struct Administer;
impl Policy for Administer {
    const ROLES: &'static [Role] = &[Role::Admin];
    const ACTION: &'static str = "administer the organisation";
}

/// Publish awarded grants as open data (360Giving).
pub struct PublishOpenData;
impl Policy for PublishOpenData {
    const ROLES: &'static [Role] = &[Role::Auditor, Role::Admin];
    const ACTION: &'static str = "export open grant data";
}

/// Write baselines and firm populations.
pub struct ManageBaselines;
impl Policy for ManageBaselines {
    const ROLES: &'static [Role] = &[Role::Admin, Role::CaseOfficer];
    const ACTION: &'static str = "manage baselines";
}

/// Why a caller may not do what policy `P` guards: none of its roles is in `P::ROLES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub action: &'static str,
    pub allowed: &'static [Role],
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let allowed: Vec<&str> = self.allowed.iter().map(|r| r.code()).collect();
        write!(
            f,
            "to {} a token needs one of the roles {}",
            self.action,
            allowed.join(", ")
        )
    }
}

/// The one decision whether a caller (from a token or a web session, its organisation already
/// resolved) may do what policy `P` guards. Both [`Authorized`] and the web workspace's
/// `SignedIn` call it, so roles are enforced in one place.
pub fn authorize<P: Policy>(caller: &Caller) -> Result<(), Refusal> {
    if allows::<P>(&caller.roles) {
        Ok(())
    } else {
        Err(Refusal {
            action: P::ACTION,
            allowed: P::ROLES,
        })
    }
}

/// Whether any of `roles` satisfies policy `P`: the rule [`authorize`] applies, for pages that
/// show or hide an action by it.
pub fn allows<P: Policy>(roles: &[Role]) -> bool {
    roles.iter().any(|r| P::ROLES.contains(r))
}

/// A caller that satisfies policy `P`.
pub struct Authorized<P: Policy> {
    pub caller: Caller,
    policy: PhantomData<P>,
}

impl<P: Policy> std::ops::Deref for Authorized<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

/// Organisation code -> id; organisations are never deleted, so entries never go stale.
#[derive(Default)]
pub struct OrgCache(RwLock<HashMap<String, i64>>);

impl<P: Policy + 'static> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let token = token?;
            let claims = state
                .auth
                .verify(&token)
                .map_err(|e| ApiError::Unauthorized(e.to_string()))?;
            let roles: Vec<Role> = claims
                .roles
                .iter()
                .filter_map(|r| Role::from_code(r))
                .collect();
            let org_id = resolve_org(&state, &claims.org).await?;
            let caller = Caller {
                org_id,
                org_code: claims.org,
                subject: claims.sub,
                roles,
            };
            authorize::<P>(&caller).map_err(|refusal| ApiError::Forbidden(refusal.to_string()))?;
            Ok(Authorized {
                caller,
                policy: PhantomData,
            })
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("no Authorization header".into()))?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("malformed Authorization header".into()))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::Unauthorized("expected \"Bearer <token>\"".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized("expected \"Bearer <token>\"".into()));
    }
    Ok(token.trim().to_owned())
}

async fn resolve_org(state: &Arc<AppState>, code: &str) -> Result<i64, ApiError> {
    org_id_of(state, code)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the token's organisation does not exist".into()))
}

/// The id of the organisation with `code` (cached), or `None` when there is none. Used by the
/// API's tokens and by the web workspace's sign-in.
pub async fn org_id_of(
    state: &AppState,
    code: &str,
) -> Result<Option<i64>, crate::storage::StorageError> {
    if let Some(id) = state.orgs.0.read().expect("org cache lock").get(code) {
        return Ok(Some(*id));
    }
    let lookup = code.to_owned();
    let Some(org) = state
        .db
        .run(move |conn| crate::storage::orgs::find_by_code(conn, &lookup))
        .await?
    else {
        return Ok(None);
    };
    state
        .orgs
        .0
        .write()
        .expect("org cache lock")
        .insert(code.to_owned(), org.id);
    Ok(Some(org.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_are_the_serde_names() {
        assert_eq!(Role::CaseOfficer.code(), "case_officer");
        assert_eq!(Role::from_code("auditor"), Some(Role::Auditor));
        assert_eq!(Role::from_code("Admin"), None);
    }

    #[test]
    fn one_decision_for_every_policy() {
        let caller = |roles: Vec<Role>| Caller {
            org_id: 1,
            org_code: "lst".into(),
            subject: "s".into(),
            roles,
        };
        assert!(authorize::<CheckCalls>(&caller(vec![Role::CaseOfficer])).is_ok());
        let refusal = authorize::<CheckCalls>(&caller(vec![Role::Auditor])).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "to check calls a token needs one of the roles case_officer"
        );
        assert!(authorize::<ReadCatalogue>(&caller(vec![])).is_err());
    }
}
