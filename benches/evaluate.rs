//! Evaluation latency: a full evaluation of one organisation over four dimensions to depth 3
//! (tests and intervals included), through `POST /api/v1/evaluations` of the release server,
//! after a synthetic backfill through the import. Reports the median over repeated requests.
//!
//!     cargo bench --bench evaluate                      # 1,000,000 decisions, SQLite
//!     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/test cargo bench --bench evaluate
//!     EVAL_ROWS=10000000 cargo bench --bench evaluate   # the 10x case
//!
//! `EVAL_KEEP=1` keeps the databases for inspection (and prints where they are);
//! `BENCH_LOG=warn,equal_terms::services::evaluations=debug` logs each evaluation's phases.

mod support;

use std::time::Instant;

use equal_terms::domain::application::{ImportRow, Outcome};
use equal_terms::synth::SynthConfig;
use serde_json::{Value, json};
use support::{Backend, Server, arg_or_env, catalogue, config, median, psql};

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let rows = arg_or_env("EVAL_ROWS", if benching { 1_000_000 } else { 2_000 });
    let requests = arg_or_env("EVAL_REQUESTS", if benching { 21 } else { 3 });
    let dir = tempfile::tempdir().unwrap();
    // Every application decided: the evaluation then judges all of them.
    let config = SynthConfig {
        pending_share: 0.0,
        ..config(rows)
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for backend in Backend::all() {
        let url = backend.fresh(dir.path(), 0);
        let server = Server::start(&url, dir.path(), 18_700);
        runtime.block_on(async {
            // Idle connections are dropped before the server's keep-alive (5 s) would close
            // them under a request: a long VACUUM after the backfill left one to race.
            let client = reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .build()
                .unwrap();
            catalogue(&client, &server, &config).await;
            let token = server.token("integrator");
            let started = Instant::now();
            // Streamed in chunks, generated on the fly: nothing is held whole.
            let (sender, receiver) =
                tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(8);
            let generator = config.clone();
            std::thread::spawn(move || {
                let mut chunk = Vec::with_capacity(1 << 20);
                for row in generator.applications() {
                    serde_json::to_writer(&mut chunk, &row).unwrap();
                    chunk.push(b'\n');
                    if chunk.len() >= 1 << 20 {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(1 << 20));
                        if sender.blocking_send(Ok(full)).is_err() {
                            return;
                        }
                    }
                }
                let _ = sender.blocking_send(Ok(chunk));
            });
            let body = reqwest::Body::wrap_stream(tokio_stream_from(receiver));
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
            assert_eq!(summary["accepted"].as_u64(), Some(rows as u64), "{summary}");
            println!(
                "{}: loaded {rows} applications in {:.1} s",
                backend.name(),
                started.elapsed().as_secs_f64()
            );
            // A backfill leaves PostgreSQL's autovacuum a million rows to analyse, which would
            // otherwise compete with the requests for the two cores; after a backfill an
            // operator runs it at once (docs/operations.md).
            if matches!(backend, Backend::Postgres(_)) {
                let vacuum = Instant::now();
                psql(&url, "VACUUM (ANALYZE)");
                println!(
                    "{}: VACUUM (ANALYZE) in {:.1} s",
                    backend.name(),
                    vacuum.elapsed().as_secs_f64()
                );
            }
            let officer = server.token("case_officer");
            let request =
                json!({"dimensions": ["gender", "background", "ageBand", "county"], "depth": 3});
            // Unchanged data: the server's copy of the cube is current.
            let mut last = Value::Null;
            let unchanged = evaluations(
                &client,
                &server,
                &officer,
                &request,
                requests,
                &mut last,
                |_| async {},
            )
            .await;
            report(backend.name(), "unchanged data", &last, unchanged, requests);
            // A decision reconsidered before each evaluation: the copy is refreshed from the
            // cells written since.
            let reconsidered: Vec<_> = config.applications().take(requests).collect();
            let write = |i: usize| {
                let (client, base, token) = (client.clone(), server.base.clone(), token.clone());
                let row = reconsidered[i].clone();
                async move { reconsider(&client, &base, &token, row).await }
            };
            let after_write = evaluations(
                &client, &server, &officer, &request, requests, &mut last, write,
            )
            .await;
            report(
                backend.name(),
                "after a reconsidered decision",
                &last,
                after_write,
                requests,
            );
            // No copy kept (`[evaluations] cached_cubes = 0`): every evaluation reads the whole
            // cube, as the first one after a start does.
            let fresh = Server::serve(
                &url,
                dir.path(),
                18_701,
                &[("EQUAL_TERMS__EVALUATIONS__CACHED_CUBES", "0")],
            );
            let whole = evaluations(
                &client,
                &fresh,
                &officer,
                &request,
                requests,
                &mut last,
                |_| async {},
            )
            .await;
            report(
                backend.name(),
                "whole cube read (no copy kept)",
                &last,
                whole,
                requests,
            );
        });
        drop(server);
        if std::env::var_os("EVAL_KEEP").is_some() {
            println!("{}: kept {url}", backend.name());
        } else if let Backend::Postgres(admin) = &backend {
            let name = url.rsplit('/').next().unwrap();
            psql(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

/// `requests` evaluations, each after `before(i)`; the times of the evaluations alone, in ms.
async fn evaluations<F, Fut>(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    request: &Value,
    requests: usize,
    last: &mut Value,
    before: F,
) -> Vec<f64>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(requests);
    for i in 0..requests {
        before(i).await;
        let started = Instant::now();
        let response = client
            .post(format!("{}/api/v1/evaluations", server.base))
            .bearer_auth(token)
            .json(request)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            201,
            "{}",
            response.text().await.unwrap_or_default()
        );
        let body: Value = response.json().await.unwrap();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        *last = body;
    }
    times
}

fn report(backend: &str, series: &str, last: &Value, mut times: Vec<f64>, requests: usize) {
    let data = &last["result"]["data"];
    println!(
        "{backend}, {series}: {} decisions, {} cells ({}), {} findings, {} tests; median {:.1} ms, min {:.1} ms over {requests} requests",
        data["judged"],
        data["cells"],
        data["source"],
        last["result"]["findings"].as_array().map_or(0, Vec::len),
        last["result"]["summary"]["tests"],
        median(&mut times),
        times.iter().cloned().fold(f64::INFINITY, f64::min),
    );
}

/// Sends a new version of the row's decision: approved in full if it was not, else rejected.
async fn reconsider(client: &reqwest::Client, base: &str, token: &str, row: ImportRow) {
    let decided_on = row.received_on + chrono::Days::new(40);
    let approved = row
        .decision
        .as_ref()
        .is_some_and(|d| d.outcome == Outcome::Approved);
    let decision = if approved {
        json!({"outcome": "rejected", "decidedOn": decided_on, "reason": "reconsidered"})
    } else {
        json!({"outcome": "approved", "amountGranted": row.amount_applied, "decidedOn": decided_on, "reason": "reconsidered"})
    };
    let response = client
        .put(format!(
            "{base}/api/v1/applications/{}/decision",
            row.external_id
        ))
        .bearer_auth(token)
        .json(&decision)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap_or_default()
    );
}

fn tokio_stream_from(
    mut receiver: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}
