//! Building the application: one function used by `serve`, `demo` and the tests, so that what is
//! tested is what runs.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;

use crate::config::Settings;
use crate::domain::applicant::Pseudonymiser;
use crate::http::auth::{Authenticator, OrgCache};
use crate::http::problem::ApiError;
use crate::http::{self, AppState, middleware::request_context};
use crate::storage::Database;
use crate::storage::cells::CubeCache;
use crate::web::PageError;
use crate::web::page::is_page_path;

/// A bound, ready-to-run server.
pub struct Application {
    server: Server,
    address: SocketAddr,
    public_url: String,
    dev_key: Option<String>,
}

impl Application {
    /// Connects to the database, applies migrations, binds the listener (port 0 picks a free
    /// port) and prepares the server. `settings` must have its secrets resolved. An empty
    /// `web.public_url` is filled from the bound address (`http://<address>`), so tests on a
    /// random port get working redirect URIs. With `web.oidc.issuer` set, the identity provider
    /// is discovered here, and a failed discovery fails start-up.
    pub fn build(mut settings: Settings) -> anyhow::Result<Self> {
        let db = Database::connect(&settings.database).context("connecting to the database")?;
        let ran = db.migrate().context("applying migrations")?;
        if ran > 0 {
            tracing::info!(
                migrations = ran,
                backend = db.backend().name(),
                "migrations applied"
            );
        }
        prepare_after_restart(&db)?;
        let listener = TcpListener::bind(&settings.server.bind)
            .with_context(|| format!("binding {}", settings.server.bind))?;
        let address = listener.local_addr()?;
        if settings.web.public_url.is_empty() {
            settings.web.public_url = format!("http://{address}");
        }
        settings.web.public_url = settings.web.public_url.trim_end_matches('/').to_owned();
        let (dev_sign_in, provider) = crate::web::sign_in_methods(&settings)?;
        let public_url = settings.web.public_url.clone();
        let dev_key = dev_sign_in.as_ref().map(|k| k.0.expose().to_owned());
        let (dev_sign_in, provider) = (
            dev_sign_in.map(web::Data::new),
            provider.map(web::Data::new),
        );
        let state = web::Data::new(AppState {
            auth: Authenticator::new(&settings.auth)?,
            keys: Pseudonymiser::new(settings.pseudonym.secret.expose().as_bytes()),
            db,
            orgs: OrgCache::default(),
            cubes: CubeCache::new(settings.evaluations.cached_cubes),
            settings: Arc::new(settings),
        });
        let workers = state.settings.server.workers;
        let shutdown = state.settings.server.shutdown_timeout_secs;
        let mut server = HttpServer::new(move || {
            let mut app = App::new().app_data(state.clone());
            // Each way of signing in is app data of its own, absent when it is off.
            if let Some(key) = &dev_sign_in {
                app = app.app_data(key.clone());
            }
            if let Some(provider) = &provider {
                app = app.app_data(provider.clone());
            }
            app.configure(extractor_configs)
                .wrap(from_fn(crate::web::page::security_headers))
                .wrap(from_fn(request_context))
                // Reports and exports are large text; gzip them for clients that ask.
                .wrap(actix_web::middleware::Compress::default())
                .configure(http::configure)
                .configure(crate::web::configure)
                .default_service(web::to(not_found))
        })
        .listen(listener)?
        .shutdown_timeout(shutdown)
        .client_request_timeout(Duration::from_secs(60));
        if workers > 0 {
            server = server.workers(workers);
        }
        tracing::info!(%address, "listening");
        Ok(Self {
            server: server.run(),
            address,
            public_url,
            dev_key,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `web.public_url`, filled from the bound address when it was empty; no trailing slash.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The development sign-in's key (only with `web.dev_sign_in`), for the demo's links.
    pub fn dev_sign_in_key(&self) -> Option<&str> {
        self.dev_key.as_deref()
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests (up to
    /// `server.shutdown_timeout_secs`).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Work left by a process that stopped mid-way: imports still marked running, and idempotency
/// keys claimed by requests that never finished.
fn prepare_after_restart(db: &Database) -> anyhow::Result<()> {
    let mut conn = db.conn()?;
    let interrupted = crate::storage::imports::mark_interrupted(&mut conn)?;
    let released = crate::storage::idempotency::release_unfinished(&mut conn)?;
    if interrupted + released > 0 {
        tracing::warn!(interrupted, released, "cleaned up after an earlier stop");
    }
    Ok(())
}

/// An unknown route: the workspace's 404 page on its paths, a problem document elsewhere.
async fn not_found(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    if is_page_path(req.path()) {
        return Err(PageError::NotFound.into());
    }
    Err(ApiError::NotFound(format!("no endpoint {} {}", req.method(), req.path())).into())
}

/// Path, form and query errors: a path error on a workspace page is its 404 page and an unreadable
/// form its 400 page; on the API, path and query errors are problem documents.
fn extractor_configs(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|err, req| {
        if is_page_path(req.path()) {
            PageError::NotFound.into()
        } else {
            ApiError::NotFound(format!("no such resource ({err})")).into()
        }
    }))
    // A workspace form that cannot be read (a missing field, such as its CSRF token) is
    // refused with the page that says nothing was changed, not actix's plain-text 400.
    .app_data(web::FormConfig::default().error_handler(|err, req| {
        if is_page_path(req.path()) {
            PageError::Csrf.into()
        } else {
            actix_web::error::ErrorBadRequest(err)
        }
    }))
    .app_data(web::QueryConfig::default().error_handler(|err, _| {
        ApiError::Validation(vec![crate::domain::validation::FieldError::new(
            "",
            format!("invalid query parameters: {err}"),
        )])
        .into()
    }));
}
