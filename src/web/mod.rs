//! The web workspace: server-rendered pages in Swedish (English as a choice) for the people the
//! service is for, served by the same binary under `/` (the API stays under `/api/v1`).
//!
//! Foundation: sessions and the [`SignedIn<P>`] extractor ([`session`]), OpenID Connect sign-in
//! ([`oidc`]), the demo's development sign-in ([`dev`]), errors, rendering, security headers
//! and the stylesheet ([`page`]). Pages ([`pages`]) call the same services and the same
//! authorization policies as the API; no business rule is written twice.

pub mod dev;
pub mod oidc;
pub mod page;
pub mod pages;
pub mod session;

use actix_web::web;

pub use page::{PageError, render, see_other};
pub use session::{SignedIn, Viewer};

use crate::config::{Secret, Settings};

/// What the workspace keeps for the life of the process (in `AppState`): nothing about
/// sessions, which live in the database.
#[derive(Debug, Default)]
pub struct WebState {
    /// The development sign-in's key, made at start when `web.dev_sign_in` is on.
    pub dev_key: Option<Secret>,
    /// The discovered identity provider, when `web.oidc.issuer` is set.
    pub oidc: Option<oidc::Provider>,
}

impl WebState {
    /// Makes the development key and discovers the identity provider (failing start-up when
    /// discovery fails). `settings.web.public_url` must be filled in.
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let web = &settings.web;
        let dev_key = web
            .dev_sign_in
            .then(|| Secret::new(session::random_token()));
        let oidc = if web.oidc.enabled() {
            Some(oidc::Provider::discover(&web.oidc, &web.public_url)?)
        } else {
            None
        };
        Ok(Self { dev_key, oidc })
    }
}

/// Every workspace route; called from `crate::http::configure` before the API's default 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(page::stylesheet)
        .service(oidc::sign_in)
        .service(oidc::signed_out)
        .service(oidc::callback)
        .service(oidc::sign_out)
        .service(session::set_language)
        .service(dev::dev_sign_in);
    pages::configure(cfg);
}
