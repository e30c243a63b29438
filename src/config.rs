//! Layered configuration: `config/default.toml`, then `config/<env>.toml`, then `DATABASE_URL`
//! and `EQUAL_TERMS__<SECTION>__<KEY>` environment variables. Every command reads it the same
//! way, so a token minted by `equal-terms token` is accepted by `equal-terms serve` started in
//! the same environment.

use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::domain::tagging::{
    BackgroundDefinition, Band, DEFINITION_VERSION, Dimension, GenderDefinition, TaggingScheme,
};

/// Environment variable naming the environment file (`local`, `production`, `test`, ...).
pub const ENV_VAR: &str = "EQUAL_TERMS_ENV";
/// Environment variable naming the configuration directory (default `./config`).
pub const CONFIG_DIR_VAR: &str = "EQUAL_TERMS_CONFIG_DIR";
const ENV_PREFIX: &str = "EQUAL_TERMS__";
const MIN_SECRET_BYTES: usize = 32;
const LOCAL_SECRETS_FILE: &str = "local-secrets.toml";

/// A secret string: deserialises like a string, never prints its value.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub pseudonym: PseudonymSettings,
    pub log: LogSettings,
    pub imports: ImportSettings,
    pub tagging: TaggingSettings,
    pub rules: RuleSettings,
    pub evaluations: EvaluationSettings,
    pub reports: ReportSettings,
    pub call_check: CallCheckSettings,
    pub web: WebSettings,
    /// Which environment file was layered in; set by the loader, not a configuration key.
    #[serde(skip)]
    pub environment: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub workers: usize,
    pub json_limit_bytes: usize,
    pub import_limit_bytes: u64,
    pub shutdown_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: Secret,
    pub pool_size: u32,
    pub acquire_timeout_ms: u64,
    pub sqlite_busy_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub issuer: String,
    pub audience: String,
    pub jwt_secret: Secret,
    pub jwks_file: String,
    pub leeway_secs: u64,
    pub max_token_ttl_secs: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PseudonymSettings {
    pub secret: Secret,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    pub batch_size: usize,
    pub max_reported_errors: usize,
    pub writers: usize,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaggingSettings {
    pub gender_definition: String,
    pub background_definition: String,
    pub ownership_majority: f64,
    pub mixed_band: [f64; 2],
    pub age_bands: Vec<[u32; 2]>,
    pub size_bands: Vec<[u32; 2]>,
}

impl TaggingSettings {
    /// The tagging scheme these settings describe. A band is `[from, to]`, where `to = 0` is
    /// open-ended (except for the band `[0, 0]`).
    pub fn scheme(&self) -> Result<TaggingScheme, String> {
        let gender = GenderDefinition::from_code(&self.gender_definition).ok_or_else(|| {
            format!(
                "tagging.gender_definition {:?} is not one of leader, ownership, leader_and_ownership",
                self.gender_definition
            )
        })?;
        let background =
            BackgroundDefinition::from_code(&self.background_definition).ok_or_else(|| {
                format!(
                    "tagging.background_definition {:?} is not one of leader, ownership",
                    self.background_definition
                )
            })?;
        Ok(TaggingScheme {
            gender_definition: gender,
            background_definition: background,
            definition_version: DEFINITION_VERSION,
            ownership_majority: self.ownership_majority,
            mixed_band: self.mixed_band,
            age_bands: bands(&self.age_bands, "age_bands")?,
            size_bands: bands(&self.size_bands, "size_bands")?,
        })
    }
}

/// The bands of the setting `tagging.<name>`, which must be ascending and not overlap.
fn bands(raw: &[[u32; 2]], name: &str) -> Result<Vec<Band>, String> {
    let bands: Vec<Band> = raw
        .iter()
        .map(|[from, to]| Band {
            from: *from,
            to: (*to != 0 || *from == 0).then_some(*to),
        })
        .collect();
    for pair in bands.windows(2) {
        if pair[0].to.is_none_or(|to| to >= pair[1].from) {
            return Err(format!("tagging.{name} must be ascending and not overlap"));
        }
    }
    Ok(bands)
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSettings {
    pub dir: PathBuf,
    pub default_ruleset: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSettings {
    /// Organisations' statistics cubes a server keeps in memory (0: read afresh each time).
    pub cached_cubes: usize,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    pub min_cell: u64,
    pub dominance_share: f64,
}

/// Thresholds of the call check (docs/call-checks.md).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CallCheckSettings {
    pub exclusion_warn_below: f64,
    pub exclusion_fail_below: f64,
    pub lix_warn_above: f64,
    pub long_sentence_words: usize,
    pub panel_band: [f64; 2],
    pub usual_channels: Vec<String>,
    pub usual_languages: Vec<String>,
    pub earlier_dimensions: Vec<String>,
    pub earlier_depth: usize,
}

/// The web workspace: sessions, sign-in (docs/sign-in.md).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    pub idle_timeout_mins: u64,
    pub absolute_timeout_hours: u64,
    pub secure_cookies: SecureCookies,
    /// Development sign-in (links that sign a role in without a password): the demo only;
    /// `equal-terms serve` refuses to start with it.
    pub dev_sign_in: bool,
    /// The organisation a development sign-in belongs to.
    pub dev_organisation: String,
    /// Where people reach the service, for redirect URIs and printed links, without a trailing
    /// slash. Empty: filled from the bound address at start (`http://<address>`).
    pub public_url: String,
    pub oidc: OidcSettings,
}

/// When the session cookie carries `Secure`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookies {
    /// Always, except on plain HTTP to localhost / 127.0.0.1 / [::1].
    Auto,
    Always,
}

/// OpenID Connect sign-in; off while `issuer` is empty.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    /// The ID token claim holding the person's groups or roles (a string array or one string).
    pub roles_claim: String,
    /// The ID token claim naming the organisation's code; empty: `organisation` for everyone.
    pub org_claim: String,
    pub organisation: String,
    /// Claim value (e.g. a group id) -> role code.
    pub role_map: std::collections::BTreeMap<String, String>,
}

impl OidcSettings {
    pub fn enabled(&self) -> bool {
        !self.issuer.trim().is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration directory {0} has no default.toml (set {CONFIG_DIR_VAR})")]
    MissingDefault(PathBuf),
    #[error("environment file {0} does not exist ({ENV_VAR}={1})")]
    MissingEnvironmentFile(PathBuf, String),
    #[error("invalid configuration: {0}")]
    Invalid(String),
    #[error("{0}")]
    Secret(String),
    #[error("cannot read or write {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

impl From<figment::Error> for ConfigError {
    fn from(error: figment::Error) -> Self {
        // figment names the key and the layer it came from; keep every error of the chain.
        let all: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        ConfigError::Invalid(all.join("; "))
    }
}

impl Settings {
    /// Loads the layered configuration for the environment named by `EQUAL_TERMS_ENV`.
    pub fn load() -> Result<Self, ConfigError> {
        let environment = std::env::var(ENV_VAR).unwrap_or_else(|_| "local".to_owned());
        let dir = std::env::var_os(CONFIG_DIR_VAR)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("config"));
        Self::load_from(&dir, &environment, Figment::new())
    }

    /// Loads from `dir` for `environment`, with `overrides` merged last (used by tests and by
    /// command-line flags such as `serve --bind`).
    pub fn load_from(
        dir: &Path,
        environment: &str,
        overrides: Figment,
    ) -> Result<Self, ConfigError> {
        let default = dir.join("default.toml");
        if !default.is_file() {
            return Err(ConfigError::MissingDefault(dir.to_path_buf()));
        }
        let env_file = dir.join(format!("{environment}.toml"));
        // The local file is optional; naming any other environment means its file must exist.
        if !env_file.is_file() && environment != "local" {
            return Err(ConfigError::MissingEnvironmentFile(
                env_file,
                environment.to_owned(),
            ));
        }
        let figment = Figment::new()
            .merge(Toml::file_exact(&default))
            .merge(Toml::file_exact(&env_file))
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database.url".into()),
            )
            .merge(Env::prefixed(ENV_PREFIX).split("__"))
            .merge(overrides);
        let mut settings: Settings = figment.extract()?;
        settings.environment = environment.to_owned();
        // Rule sets ship with the configuration, so a relative directory is relative to it.
        if settings.rules.dir.is_relative() {
            settings.rules.dir = dir.join(&settings.rules.dir);
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Figment provider that overrides one key, e.g. `Settings::override_key("server.bind", addr)`.
    pub fn override_key<T: Serialize>(key: &str, value: T) -> Figment {
        Figment::new().merge(Serialized::default(key, value))
    }

    pub fn is_production(&self) -> bool {
        self.environment == "production"
    }

    /// What `equal-terms serve` refuses to start with: the development sign-in, which signs
    /// anyone in with a link, is for `equal-terms demo` only.
    pub fn check_for_serve(&self) -> Result<(), ConfigError> {
        if self.web.dev_sign_in {
            return Err(ConfigError::Invalid(
                "web.dev_sign_in is for the demo only (`equal-terms demo`); `equal-terms serve` \
                 refuses to start with it: set web.dev_sign_in = false and configure [web.oidc] \
                 (docs/sign-in.md)"
                    .into(),
            ));
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let t = &self.tagging;
        let invalid = |m: String| Err(ConfigError::Invalid(m));
        if !(0.0..1.0).contains(&t.ownership_majority) {
            return invalid("tagging.ownership_majority must be in [0, 1)".into());
        }
        if !(t.mixed_band[0] <= t.mixed_band[1] && t.mixed_band[0] >= 0.0 && t.mixed_band[1] <= 1.0)
        {
            return invalid("tagging.mixed_band must be [low, high] within [0, 1]".into());
        }
        if self.imports.batch_size == 0 {
            return invalid("imports.batch_size must be at least 1".into());
        }
        if self.database.pool_size == 0 {
            return invalid("database.pool_size must be at least 1".into());
        }
        if self.reports.min_cell < 2 {
            return invalid("reports.min_cell must be at least 2".into());
        }
        if !(0.5..=1.0).contains(&self.reports.dominance_share) {
            return invalid("reports.dominance_share must be in [0.5, 1]".into());
        }
        let c = &self.call_check;
        if !(0.0 < c.exclusion_fail_below && c.exclusion_fail_below <= c.exclusion_warn_below) {
            return invalid(
                "call_check.exclusion_fail_below must be above 0 and not above exclusion_warn_below"
                    .into(),
            );
        }
        if !(c.panel_band[0] <= c.panel_band[1] && c.panel_band[0] >= 0.0 && c.panel_band[1] <= 1.0)
        {
            return invalid("call_check.panel_band must be [low, high] within [0, 1]".into());
        }
        if let Some(bad) = c
            .earlier_dimensions
            .iter()
            .find(|d| Dimension::from_code(d).is_none())
        {
            return invalid(format!(
                "call_check.earlier_dimensions: unknown dimension {bad:?}"
            ));
        }
        if !(1..=4).contains(&c.earlier_depth) {
            return invalid("call_check.earlier_depth must be 1 to 4".into());
        }
        let w = &self.web;
        if w.idle_timeout_mins == 0 || w.absolute_timeout_hours == 0 {
            return invalid(
                "web.idle_timeout_mins and web.absolute_timeout_hours must be at least 1".into(),
            );
        }
        let public = w.public_url.trim_end_matches('/');
        if !(public.is_empty() || public.starts_with("http://") || public.starts_with("https://")) {
            return invalid(
                "web.public_url must start with http:// or https:// (or be empty)".into(),
            );
        }
        let o = &w.oidc;
        if o.enabled() {
            if o.client_id.is_empty() {
                return invalid("web.oidc.client_id must be set when web.oidc.issuer is".into());
            }
            if o.org_claim.is_empty() && o.organisation.is_empty() {
                return invalid(
                    "web.oidc: set org_claim or organisation (who signed-in people belong to)"
                        .into(),
                );
            }
            if o.role_map.is_empty() {
                return invalid("web.oidc.role_map maps no claim value to a role".into());
            }
            if let Some((value, role)) = o
                .role_map
                .iter()
                .find(|(_, role)| crate::domain::role::Role::from_code(role).is_none())
            {
                return invalid(format!(
                    "web.oidc.role_map: {value:?} maps to {role:?}, which is not one of \
                     integrator, case_officer, auditor, admin"
                ));
            }
        }
        Ok(())
    }

    /// Fills in the secrets. In production an empty secret is an error; elsewhere a random one is
    /// generated once and kept in `<data_dir>/local-secrets.toml` (never committed), so that every
    /// command of one local installation agrees on it.
    pub fn resolve_secrets(&mut self) -> Result<(), ConfigError> {
        let needs_jwt = self.auth.jwt_secret.is_empty() && self.auth.jwks_file.is_empty();
        let needs_pseudonym = self.pseudonym.secret.is_empty();
        if self.is_production() {
            if needs_jwt {
                return Err(ConfigError::Secret(
                    "auth.jwt_secret (EQUAL_TERMS__AUTH__JWT_SECRET) or auth.jwks_file must be set in production".into(),
                ));
            }
            if needs_pseudonym {
                return Err(ConfigError::Secret(
                    "pseudonym.secret (EQUAL_TERMS__PSEUDONYM__SECRET) must be set in production"
                        .into(),
                ));
            }
        } else if needs_jwt || needs_pseudonym {
            let local = LocalSecrets::load_or_create(&self.data_dir)?;
            if needs_jwt {
                self.auth.jwt_secret = local.jwt_secret;
            }
            if needs_pseudonym {
                self.pseudonym.secret = local.pseudonym_secret;
            }
        }
        if !self.auth.jwt_secret.is_empty()
            && self.auth.jwt_secret.expose().len() < MIN_SECRET_BYTES
        {
            return Err(ConfigError::Secret(format!(
                "auth.jwt_secret must be at least {MIN_SECRET_BYTES} bytes"
            )));
        }
        if self.pseudonym.secret.expose().len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Secret(format!(
                "pseudonym.secret must be at least {MIN_SECRET_BYTES} bytes"
            )));
        }
        Ok(())
    }
}

#[derive(Deserialize, Serialize)]
struct LocalSecrets {
    jwt_secret: Secret,
    pseudonym_secret: Secret,
}

impl LocalSecrets {
    fn load_or_create(data_dir: &Path) -> Result<Self, ConfigError> {
        let path = data_dir.join(LOCAL_SECRETS_FILE);
        let io = |e| ConfigError::Io(path.clone(), e);
        if path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(io)?;
            return toml::from_str(&text)
                .map_err(|e| ConfigError::Invalid(format!("{}: {e}", path.display())));
        }
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let secrets = LocalSecrets {
            jwt_secret: Secret::new(random_hex(32)),
            pseudonym_secret: Secret::new(random_hex(32)),
        };
        let text = format!(
            "# Generated by equal-terms for local use only. Do not commit; production sets its own.\n{}",
            toml::to_string(&secrets).map_err(|e| ConfigError::Invalid(e.to_string()))?
        );
        write_private(&path, &text).map_err(io)?;
        Ok(secrets)
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
    }

    #[test]
    fn defaults_load() {
        let s = Settings::load_from(&config_dir(), "local", Figment::new()).unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert_eq!(s.environment, "local");
    }

    #[test]
    fn unknown_key_is_named() {
        let overrides = Settings::override_key("server.bindd", "x");
        let err = Settings::load_from(&config_dir(), "local", overrides).unwrap_err();
        assert!(err.to_string().contains("bindd"), "{err}");
    }

    #[test]
    fn missing_environment_file_is_an_error() {
        let err = Settings::load_from(&config_dir(), "nosuchenv", Figment::new()).unwrap_err();
        assert!(matches!(err, ConfigError::MissingEnvironmentFile(..)));
    }

    #[test]
    fn tagging_settings_make_a_scheme() {
        let s = Settings::load_from(&config_dir(), "local", Figment::new()).unwrap();
        let scheme = s.tagging.scheme().unwrap();
        assert_eq!(scheme.definition_version, DEFINITION_VERSION);
        assert_eq!(scheme.size_bands.last().unwrap().to, None);
        let mut overlapping = s.tagging.clone();
        overlapping.age_bands = vec![[18, 30], [30, 40]];
        assert_eq!(
            overlapping.scheme().unwrap_err(),
            "tagging.age_bands must be ascending and not overlap"
        );
    }

    #[test]
    fn secrets_never_print() {
        let mut s = Settings::load_from(&config_dir(), "local", Figment::new()).unwrap();
        s.auth.jwt_secret = Secret::new("super-secret-value-that-must-not-leak");
        s.database.url = Secret::new("postgres://user:password@host/db");
        let printed = format!("{s:?}");
        assert!(!printed.contains("super-secret"));
        assert!(!printed.contains("password"));
    }

    #[test]
    fn web_defaults_and_serve_refuses_dev_sign_in() {
        let s = Settings::load_from(&config_dir(), "local", Figment::new()).unwrap();
        assert!(!s.web.dev_sign_in);
        assert!(!s.web.oidc.enabled());
        assert_eq!(s.web.idle_timeout_mins, 30);
        assert!(s.check_for_serve().is_ok());
        let on = Settings::override_key("web.dev_sign_in", true);
        let s = Settings::load_from(&config_dir(), "local", on).unwrap();
        let err = s.check_for_serve().unwrap_err().to_string();
        assert!(
            err.contains("web.dev_sign_in") && err.contains("demo"),
            "{err}"
        );
    }

    #[test]
    fn oidc_client_secret_never_prints() {
        let mut s = Settings::load_from(&config_dir(), "local", Figment::new()).unwrap();
        s.web.oidc.client_secret = Secret::new("oidc-client-secret-value");
        assert!(!format!("{s:?}").contains("oidc-client-secret-value"));
    }

    #[test]
    fn oidc_role_map_must_name_roles() {
        let overrides = Figment::new()
            .merge(Serialized::default("web.oidc.issuer", "https://id.example"))
            .merge(Serialized::default("web.oidc.client_id", "et"))
            .merge(Serialized::default("web.oidc.organisation", "lst"))
            .merge(Serialized::default("web.oidc.role_map.g1", "boss"));
        let err = Settings::load_from(&config_dir(), "local", overrides).unwrap_err();
        assert!(err.to_string().contains("boss"), "{err}");
    }

    #[test]
    fn production_requires_secrets() {
        let mut s = Settings::load_from(&config_dir(), "production", Figment::new()).unwrap();
        s.auth.jwt_secret = Secret::default();
        let err = s.resolve_secrets().unwrap_err();
        assert!(err.to_string().contains("jwt_secret"), "{err}");
    }

    #[test]
    fn local_secrets_are_generated_once() {
        let dir = tempfile::tempdir().unwrap();
        let overrides = Settings::override_key("data_dir", dir.path());
        let mut a = Settings::load_from(&config_dir(), "local", overrides.clone()).unwrap();
        a.resolve_secrets().unwrap();
        let mut b = Settings::load_from(&config_dir(), "local", overrides).unwrap();
        b.resolve_secrets().unwrap();
        assert_eq!(a.auth.jwt_secret, b.auth.jwt_secret);
        assert_eq!(a.auth.jwt_secret.expose().len(), 64);
        assert_ne!(a.auth.jwt_secret, a.pseudonym.secret);
    }
}
