//! Kill the server (SIGKILL) in the middle of a bulk import and of a stream of single writes,
//! restart it, and check that every acknowledged write is there, nothing is half-written (the
//! statistics cube still equals the rows), and re-sending the import completes it without
//! duplicates. Also checks that the server's log holds no organisation number.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use equal_terms::storage::{Database, orgs};
use equal_terms::synth::SynthConfig;
use figment::Figment;
use serde_json::{Value, json};

use crate::helpers::{ORG, TestDatabase, application, test_settings};

const SECRET: &str = "crash-test-secret-crash-test-secret-0123456789";

struct Server {
    child: Child,
    base: String,
    log: Arc<Mutex<String>>,
}

fn command(dir: &std::path::Path, url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_equal-terms"));
    cmd.env("EQUAL_TERMS_ENV", "test")
        .env(
            "EQUAL_TERMS_CONFIG_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config"),
        )
        .env("EQUAL_TERMS__DATABASE__URL", url)
        .env("EQUAL_TERMS__DATA_DIR", dir)
        .env("EQUAL_TERMS__AUTH__JWT_SECRET", SECRET)
        .env(
            "EQUAL_TERMS__PSEUDONYM__SECRET",
            "pseudonym-secret-pseudonym-secret-0123456789",
        )
        .env("EQUAL_TERMS__IMPORTS__BATCH_SIZE", "200")
        .env("EQUAL_TERMS__LOG__LEVEL", "info")
        .env("EQUAL_TERMS__LOG__FORMAT", "json");
    cmd
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` on a free port and waits until it says where it listens.
fn start(dir: &std::path::Path, url: &str) -> Server {
    let mut child = command(dir, url)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("\"listening\"") {
                let value: Value = serde_json::from_str(&line).unwrap_or_default();
                if let Some(address) = value["fields"]["address"].as_str() {
                    let _ = tx.send(address.to_owned());
                }
            }
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    let address = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("server listens");
    Server {
        child,
        base: format!("http://{address}"),
        log,
    }
}

#[actix_web::test]
async fn a_killed_server_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let (_database, url) = TestDatabase::create(dir.path());
    let status = command(dir.path(), &url)
        .args(["org", "add", ORG, "--name", "Test"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let token = String::from_utf8(
        command(dir.path(), &url)
            .args([
                "token",
                "--org",
                ORG,
                "--role",
                "integrator",
                "--role",
                "admin",
            ])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();

    let mut server = start(dir.path(), &url);
    let client = reqwest::Client::new();
    let config = SynthConfig {
        applications: 30_000,
        years: 1,
        programmes: vec![("REG-FS".into(), "Regionalt företagsstöd".into())],
        ..Default::default()
    };
    let post = |path: &str, body: Value| {
        client
            .post(format!("{}{path}", server.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    post(
        "/api/v1/programmes",
        json!({"code": "REG-FS", "name": "Regionalt"}),
    )
    .await
    .unwrap();
    for call in config
        .calls()
        .into_iter()
        .chain(std::iter::once(equal_terms::synth::SynthCall {
            programme_code: "REG-FS".into(),
            code: "ABC-2017-1".into(),
            title: "Single writes".into(),
            opens_on: "2017-01-01".parse().unwrap(),
            closes_on: "2017-12-31".parse().unwrap(),
            budget: equal_terms::domain::money::Ore(100),
            approval_rate: 0.5,
        }))
    {
        let response = post(
            "/api/v1/calls",
            json!({"programmeCode": call.programme_code, "code": call.code, "title": call.title,
                   "opensOn": call.opens_on, "closesOn": call.closes_on, "budget": {"amount": "1.00"}}),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 201);
    }
    let mut body = String::new();
    let mut org_numbers = Vec::new();
    for row in config.applications() {
        org_numbers.push(row.applicant.org_number.clone());
        body.push_str(&serde_json::to_string(&row).unwrap());
        body.push('\n');
    }

    // A bulk import and a stream of single writes, both cut off by SIGKILL.
    let import = {
        let (client, base, token, body) = (
            client.clone(),
            server.base.clone(),
            token.clone(),
            body.clone(),
        );
        actix_web::rt::spawn(async move {
            client
                .post(format!("{base}/api/v1/imports"))
                .bearer_auth(token)
                .header("content-type", "application/x-ndjson")
                .body(body)
                .send()
                .await
        })
    };
    let mut acknowledged = Vec::new();
    let started = Instant::now();
    let mut i = 0;
    // Short enough that the import is still running on a fast machine (30,000 rows took
    // about 1.5 s on one), long enough for a stream of acknowledged single writes.
    while started.elapsed() < Duration::from_millis(600) {
        let mut app = application();
        app["amountApplied"]["amount"] = json!(format!("{}.00", 1000 + i));
        let id = format!("SINGLE-{i}");
        let response = client
            .put(format!("{}/api/v1/applications/{id}", server.base))
            .bearer_auth(&token)
            .json(&app)
            .send()
            .await;
        if response.is_ok_and(|r| r.status().is_success()) {
            acknowledged.push((id, 1000 + i));
        }
        i += 1;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let cut_off = import.await.unwrap();
    assert!(
        cut_off.is_err() || !cut_off.as_ref().unwrap().status().is_success(),
        "the import should not have finished before the kill (make it larger)"
    );
    assert!(!acknowledged.is_empty());
    let first_log = server.log.lock().unwrap().clone();

    // Restart on the same database.
    let server = start(dir.path(), &url);
    for (id, amount) in &acknowledged {
        let response = client
            .get(format!("{}/api/v1/applications/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "acknowledged {id} lost");
        let view: Value = response.json().await.unwrap();
        assert_eq!(view["amountApplied"]["amount"], format!("{amount}.00"));
    }
    let settings = test_settings(dir.path(), &url, Figment::new());
    let db = Database::connect(&settings.database).unwrap();
    let check_cube = || {
        let mut conn = db.conn().unwrap();
        let org = orgs::find_by_code(&mut conn, ORG).unwrap().unwrap();
        let scheme = orgs::current_scheme(&mut conn, org.id).unwrap();
        let cube = equal_terms::storage::cells::Cube::read(&mut conn, org.id, scheme.id).unwrap();
        let stored: Vec<_> = cube.cells(&Default::default()).collect();
        let expected =
            equal_terms::storage::cells::recompute(&mut conn, org.id, scheme.id).unwrap();
        let total: i64 = stored.iter().map(|(_, s)| s.applications).sum();
        assert_eq!(stored.len(), expected.len());
        for (key, stats) in &stored {
            assert_eq!(stats.applications, expected[key].applications, "{key:?}");
            assert_eq!(stats.granted_ore, expected[key].granted_ore, "{key:?}");
        }
        total
    };
    let before_resend = check_cube();
    assert!(before_resend >= acknowledged.len() as i64);

    // Re-sending the file completes it: nothing twice, nothing missing.
    let summary: Value = client
        .post(format!("{}/api/v1/imports", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["rejected"], 0, "{summary}");
    assert_eq!(
        summary["accepted"].as_u64().unwrap() + summary["unchanged"].as_u64().unwrap(),
        30_000
    );
    assert!(
        summary["unchanged"].as_u64().unwrap() > 0,
        "some batches committed before the kill"
    );
    assert_eq!(check_cube(), 30_000 + acknowledged.len() as i64);

    // No organisation number, and no personal data, in either run's log.
    let log = first_log + &server.log.lock().unwrap();
    assert!(log.contains("request finished"));
    for number in org_numbers
        .iter()
        .take(2_000)
        .chain(std::iter::once(&"5566778899".to_owned()))
    {
        assert!(
            !log.contains(number.as_str()),
            "organisation number {number} in the log"
        );
    }
    assert!(!log.contains("born_abroad") && !log.contains("\"female\""));
}
