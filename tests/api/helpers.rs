//! Spawns the real application on a random port against a fresh database of its own: a SQLite
//! file in a temporary directory, or, when `TEST_DATABASE_URL` names a PostgreSQL server, a new
//! database created for the test and dropped afterwards. No test shares rows with another.

use std::path::PathBuf;

use diesel::{Connection, PgConnection, RunQueryDsl};
use equal_terms::config::Settings;
use equal_terms::http::auth::{Authenticator, Role};
use equal_terms::startup::Application;
use equal_terms::storage::{Database, orgs};
use figment::Figment;
use figment::providers::Serialized;
use serde_json::{Value, json};

pub const ORG: &str = "lst-test";
pub const OTHER_ORG: &str = "lst-other";

/// The database a test runs against; dropped with the test.
pub enum TestDatabase {
    Sqlite,
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh database and its URL.
    pub fn create(dir: &std::path::Path) -> (Self, String) {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("et_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin =
                    PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL reachable");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(b, _)| b);
                let url = format!("{base}/{name}");
                (TestDatabase::Postgres { admin_url, name }, url)
            }
            _ => (
                TestDatabase::Sqlite,
                format!("sqlite://{}", dir.join("test.db").display()),
            ),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDatabase::Postgres { .. })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

pub fn config_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
}

// ---- The Node.js harness of the web workspace's tests (tests/js): a real OpenID Connect
// provider (provider.mjs) and the browser test (browser.mjs). Neither is needed to build or run
// the service; .ci/run installs them (`npm ci --prefix tests/js`).

/// tests/js, when `node` runs and `npm ci --prefix tests/js` has been done; otherwise prints why
/// `test` cannot run and gives `None` (on CI, where .ci/run installs both, it fails instead).
pub fn js_harness(test: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let reason = if !node {
        "no `node` here (apt-get install nodejs npm)"
    } else if !dir.join("node_modules").is_dir() {
        "tests/js/node_modules is missing (npm ci --prefix tests/js)"
    } else {
        return Some(dir);
    };
    skip(test, reason);
    None
}

/// Debian's Chromium for the browser tests (`CHROMIUM` overrides /usr/bin/chromium).
pub fn chromium(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        return Some(path);
    }
    skip(
        test,
        &format!("no {} (apt-get install chromium)", path.display()),
    );
    None
}

/// Says why a test does not run; on CI (`CI` set) that is a failure, as .ci/run installs
/// everything the tests need.
pub fn skip(test: &str, reason: &str) {
    assert!(
        std::env::var("CI").is_err(),
        "{test}: {reason}, and on CI .ci/run installs it"
    );
    eprintln!("{test}: not run: {reason}");
}

/// A free loopback port (for a server that must know its address before it starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A child process (a node script, the demo) that is killed when this is dropped; holding its
/// stdin open keeps provider.mjs running (it exits when stdin closes).
pub struct ChildGuard {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    /// Everything it printed on stderr so far (for failure messages).
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
    lines: std::sync::mpsc::Receiver<String>,
}

impl ChildGuard {
    /// Starts `command` with piped stdin/stdout/stderr.
    pub fn start(mut command: std::process::Command) -> ChildGuard {
        use std::io::{BufRead, BufReader, Read};
        use std::process::Stdio;
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let stdin = child.stdin.take();
        let (tx, lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        ChildGuard {
            child,
            stdin,
            stderr,
            lines,
        }
    }

    /// Reads stdout lines until one satisfies `found` (returned), panicking with everything read
    /// and the process's stderr after `timeout` or when the process ends first.
    pub fn wait_for_line(
        &mut self,
        what: &str,
        timeout: std::time::Duration,
        found: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = std::time::Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if found(&line) => return line,
                Ok(line) => seen.push(line),
                Err(e) => {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    panic!(
                        "{what}: not seen ({e:?}); exit status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                        self.child.try_wait().ok().flatten(),
                        seen.join("\n"),
                        self.stderr.lock().unwrap()
                    );
                }
            }
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Settings for a test: fresh database, port 0, known secrets.
pub fn test_settings(dir: &std::path::Path, database_url: &str, extra: Figment) -> Settings {
    let overrides = Figment::new()
        .merge(Serialized::default("database.url", database_url))
        .merge(Serialized::default("server.bind", "127.0.0.1:0"))
        .merge(Serialized::default("server.workers", 2))
        .merge(Serialized::default("data_dir", dir))
        .merge(Serialized::default(
            "auth.jwt_secret",
            "test-secret-test-secret-test-secret-0123456789",
        ))
        .merge(Serialized::default(
            "pseudonym.secret",
            "pseudonym-secret-pseudonym-secret-0123456789",
        ))
        .merge(Serialized::default("database.pool_size", 4))
        .merge(extra);
    let mut settings =
        Settings::load_from(&config_dir(), "test", overrides).expect("test settings");
    settings.resolve_secrets().expect("secrets");
    settings
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub db: Database,
    pub auth: Authenticator,
    /// The development sign-in's key, when the app was spawned with `web.dev_sign_in`.
    pub dev_key: Option<String>,
    // Dropped last: the server's files and database outlive the handles above.
    _database: TestDatabase,
    _dir: tempfile::TempDir,
}

pub async fn spawn() -> TestApp {
    spawn_with(Figment::new()).await
}

/// Starts the app with extra configuration, with two organisations created.
pub async fn spawn_with(extra: Figment) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, url) = TestDatabase::create(dir.path());
    let settings = test_settings(dir.path(), &url, extra);
    let app = Application::build(settings.clone()).expect("application builds");
    let address = format!("http://{}", app.address());
    let dev_key = app.dev_sign_in_key().map(str::to_owned);
    actix_web::rt::spawn(app.run_until_stopped());
    let db = Database::connect(&settings.database).expect("database");
    let scheme = settings.tagging.scheme().expect("scheme");
    {
        let mut conn = db.conn().expect("connection");
        orgs::create(&mut conn, ORG, "Länsstyrelsen Test", &scheme).expect("org");
        orgs::create(&mut conn, OTHER_ORG, "Länsstyrelsen Annan", &scheme).expect("org");
    }
    TestApp {
        address,
        client: reqwest::Client::new(),
        auth: Authenticator::new(&settings.auth).expect("authenticator"),
        dev_key,
        settings,
        db,
        _database: database,
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn token(&self, org: &str, role: Role) -> String {
        self.auth.mint(org, &[role], "test", 3600).expect("token")
    }

    pub fn integrator(&self) -> String {
        self.token(ORG, Role::Integrator)
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put_json(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn import(
        &self,
        token: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/imports"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// A programme and a call (`ABC-2017-1`) to apply to.
    pub async fn seed_call(&self, token: &str) {
        self.seed_call_code(token, "ABC-2017-1").await;
    }

    pub async fn seed_call_code(&self, token: &str, code: &str) {
        let response = self
            .post_json(
                "/api/v1/programmes",
                token,
                &json!({"code": "REG-FS", "name": "Regionalt företagsstöd"}),
            )
            .await;
        assert!(
            response.status() == 201 || response.status() == 409,
            "{}",
            response.status()
        );
        let response = self
            .post_json(
                "/api/v1/calls",
                token,
                &json!({
                    "programmeCode": "REG-FS", "code": code, "title": "Utlysning",
                    "opensOn": "2017-01-01", "closesOn": "2017-12-31",
                    "budget": {"amount": "10000000.00", "currency": "SEK"}
                }),
            )
            .await;
        assert_eq!(
            response.status(),
            201,
            "{}",
            response.text().await.unwrap_or_default()
        );
    }

    /// The stored cube equals the cube recomputed from the rows.
    pub fn assert_cube_consistent(&self, org: &str) {
        use equal_terms::storage::cells;
        let mut conn = self.db.conn().expect("connection");
        let org = orgs::find_by_code(&mut conn, org).unwrap().unwrap();
        let scheme = orgs::current_scheme(&mut conn, org.id).unwrap();
        let stored: std::collections::HashMap<_, _> =
            cells::Cube::read(&mut conn, org.id, scheme.id)
                .unwrap()
                .cells(&Default::default())
                .map(|(k, s)| (k.clone(), s.clone()))
                .collect();
        let expected = cells::recompute(&mut conn, org.id, scheme.id).unwrap();
        assert_eq!(stored.len(), expected.len(), "cell count");
        for (key, want) in &expected {
            let got = stored
                .get(key)
                .unwrap_or_else(|| panic!("missing cell {key:?}"));
            let mut got = got.clone();
            // Squares of kronor are floats: compare them with a tolerance.
            assert!(
                (got.granted_sq_sek - want.granted_sq_sek).abs()
                    <= 1e-6 * want.granted_sq_sek.max(1.0)
            );
            got.granted_sq_sek = want.granted_sq_sek;
            assert_eq!(&got, want, "cell {key:?}");
        }
    }
}

/// The minimal application.
pub fn application() -> Value {
    json!({
      "callCode": "ABC-2017-1",
      "receivedOn": "2017-03-01",
      "amountApplied": { "amount": "250000.00", "currency": "SEK" },
      "applicant": {
        "orgNumber": "5566778899", "legalForm": "AB", "municipality": "0180", "employees": 4,
        "sector": "62.010",
        "leader": { "sex": "female", "birthYear": 1980, "background": "born_abroad" },
        "owners": [ { "share": "0.60", "sex": "female", "background": "born_in_sweden_two_parents_abroad" },
                    { "share": "0.40", "sex": "male", "background": "born_in_sweden_swedish_parents" } ]
      },
      "decision": { "outcome": "approved", "amountGranted": { "amount": "200000.00", "currency": "SEK" },
                    "decidedOn": "2017-04-15" }
    })
}

/// Checks a problem document: status, media type, and (optionally) a field pointer.
pub async fn assert_problem(
    response: reqwest::Response,
    status: u16,
    pointer: Option<&str>,
) -> Value {
    assert_eq!(response.status().as_u16(), status);
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let body: Value = response.json().await.expect("problem json");
    assert_eq!(body["status"], status);
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:equal-terms:problem:")
    );
    assert!(body["detail"].as_str().is_some());
    if let Some(pointer) = pointer {
        let pointers: Vec<&str> = body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["pointer"].as_str()).collect())
            .unwrap_or_default();
        assert!(pointers.contains(&pointer), "{pointer} not in {body}");
    }
    body
}

/// Loads a synthetic history (`applications` rows, `seed`) through the API: its programmes and
/// calls, then one NDJSON import, every row accepted.
pub async fn load_synthetic(app: &TestApp, applications: usize, seed: u64) {
    let admin = app.token(ORG, Role::Admin);
    let token = app.integrator();
    let config = equal_terms::synth::SynthConfig {
        seed,
        applications,
        ..Default::default()
    };
    for (code, name) in &config.programmes {
        app.post_json(
            "/api/v1/programmes",
            &admin,
            &json!({"code": code, "name": name}),
        )
        .await;
    }
    for call in config.calls() {
        app.post_json(
            "/api/v1/calls",
            &token,
            &json!({"programmeCode": call.programme_code, "code": call.code, "title": call.title,
                    "opensOn": call.opens_on, "closesOn": call.closes_on,
                    "budget": {"amount": call.budget.to_decimal_string()}}),
        )
        .await;
    }
    let body: String = config
        .applications()
        .map(|row| serde_json::to_string(&row).unwrap() + "\n")
        .collect();
    let summary: Value = app
        .import(&token, "application/x-ndjson", body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["rejected"], 0, "{summary}");
}

/// The web workspace's tests: the app with the development sign-in on for organisation [`ORG`].
pub async fn spawn_web() -> TestApp {
    spawn_with(
        Figment::new()
            .merge(Serialized::default("web.dev_sign_in", true))
            .merge(Serialized::default("web.dev_organisation", ORG)),
    )
    .await
}

/// A client for pages: follows no redirect, keeps no cookie (tests pass the session cookie
/// themselves, see [`session_cookie`]).
pub fn page_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The `et_session=<id>` pair a response sets, if any, and the whole `Set-Cookie` value.
pub fn session_cookie(response: &reqwest::Response) -> Option<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("et_session="))
        .map(|v| {
            let pair = v.split(';').next().unwrap_or_default().to_owned();
            (pair, v.to_owned())
        })
}

impl TestApp {
    /// Another instance of the app (a restart, or a second replica) on this app's database;
    /// its address. It runs until the test ends.
    pub fn spawn_replica(&self) -> String {
        let app = Application::build(self.settings.clone()).expect("replica builds");
        let address = format!("http://{}", app.address());
        actix_web::rt::spawn(app.run_until_stopped());
        address
    }

    /// Signs `role` in through the development sign-in link; the session cookie
    /// (`et_session=<id>`).
    pub async fn dev_sign_in(&self, role: Role) -> String {
        let key = self
            .dev_key
            .as_deref()
            .expect("spawned with web.dev_sign_in");
        let response = page_client()
            .get(self.url(&format!("/dev/sign-in?role={}&key={key}", role.code())))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 303, "dev sign-in");
        session_cookie(&response).expect("a session cookie").0
    }
}
