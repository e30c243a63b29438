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
pub mod viewer;

use actix_web::web;

pub use page::{PageError, render, see_other};
pub use session::SignedIn;
pub use viewer::Viewer;

use crate::config::Settings;

/// The ways of signing in this server offers, made once at start-up and kept as app data:
/// the development sign-in's key (only with `web.dev_sign_in`) and the identity provider,
/// discovered from `web.oidc.issuer` (start-up fails when discovery does). Sessions live in the
/// database, not here. `settings.web.public_url` must be filled in.
pub fn sign_in_methods(
    settings: &Settings,
) -> anyhow::Result<(Option<dev::DevKey>, Option<oidc::Provider>)> {
    let web = &settings.web;
    let dev_key = web.dev_sign_in.then(dev::DevKey::random);
    let oidc = if web.oidc.enabled() {
        Some(oidc::Provider::discover(&web.oidc, &web.public_url)?)
    } else {
        None
    };
    Ok((dev_key, oidc))
}

/// Every workspace route; `startup` adds them beside the API's.
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
