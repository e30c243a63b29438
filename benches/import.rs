//! Bulk import throughput: a synthetic NDJSON backfill of applications with decisions, streamed
//! to `POST /api/v1/imports` of the release server on a fresh database per run. Reports the
//! median rows per second over the runs and the server's peak memory; with
//! `--baseline`-style env IMPORT_BASELINE=1 it also times the databases' own bulk loaders
//! (sqlite3 `.import`, PostgreSQL `COPY`) on the same rows as CSV.
//!
//!     cargo bench --bench import                       # 1,000,000 rows, 3 runs, SQLite
//!     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/test cargo bench --bench import
//!     IMPORT_ROWS=100000 IMPORT_RUNS=1 cargo bench --bench import

mod support;

use std::io::{BufWriter, Write};
use std::time::Instant;

use serde_json::Value;
use support::{Backend, Server, arg_or_env, catalogue, config, median, psql};

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run small then.
    let benching = std::env::args().any(|a| a == "--bench");
    let rows = arg_or_env("IMPORT_ROWS", if benching { 1_000_000 } else { 2_000 });
    let runs = arg_or_env("IMPORT_RUNS", if benching { 3 } else { 1 });
    let dir = tempfile::tempdir().unwrap();
    let config = config(rows);
    let file = dir.path().join("applications.ndjson");
    let started = Instant::now();
    {
        let mut out = BufWriter::new(std::fs::File::create(&file).unwrap());
        for row in config.applications() {
            serde_json::to_writer(&mut out, &row).unwrap();
            out.write_all(b"\n").unwrap();
        }
    }
    let size = std::fs::metadata(&file).unwrap().len();
    println!(
        "generated {rows} rows ({:.0} MiB) in {:.1} s",
        size as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for backend in Backend::all() {
        let mut rates = Vec::new();
        let mut peaks = Vec::new();
        for run in 0..runs {
            let url = backend.fresh(dir.path(), run);
            let server = Server::start(&url, dir.path(), 18_600 + run as u16);
            let (seconds, summary) = runtime.block_on(async {
                let client = reqwest::Client::new();
                catalogue(&client, &server, &config).await;
                let token = server.token("integrator");
                let file = tokio::fs::File::open(&file).await.unwrap();
                let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
                    file,
                    256 * 1024,
                ));
                let started = Instant::now();
                let response = client
                    .post(format!("{}/api/v1/imports", server.base))
                    .bearer_auth(token)
                    .header("content-type", "application/x-ndjson")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let summary: Value = response.json().await.unwrap();
                (started.elapsed().as_secs_f64(), summary)
            });
            assert_eq!(summary["accepted"].as_u64(), Some(rows as u64), "{summary}");
            let rate = rows as f64 / seconds;
            let peak = server.peak_rss_mib();
            println!(
                "{} run {}: {rows} rows in {seconds:.2} s = {rate:.0} rows/s, server peak RSS {peak:.0} MiB",
                backend.name(),
                run + 1
            );
            rates.push(rate);
            peaks.push(peak);
            drop(server);
            if let Backend::Postgres(admin) = &backend {
                let name = url.rsplit('/').next().unwrap();
                psql(
                    admin,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                );
            }
        }
        println!(
            "{}: median {:.0} rows/s over {runs} run(s), median peak RSS {:.0} MiB",
            backend.name(),
            median(&mut rates),
            median(&mut peaks)
        );
        if std::env::var("IMPORT_BASELINE").is_ok() {
            baseline(&backend, &config, dir.path(), rows);
        }
    }
}

/// The database's own bulk loader on the same rows, flattened to CSV.
fn baseline(
    backend: &Backend,
    config: &equal_terms::synth::SynthConfig,
    dir: &std::path::Path,
    rows: usize,
) {
    let csv = dir.join("flat.csv");
    {
        let mut out = BufWriter::new(std::fs::File::create(&csv).unwrap());
        for r in config.applications() {
            let leader = r.applicant.leader.as_ref();
            let d = r.decision.as_ref();
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                r.external_id,
                r.call_code,
                r.received_on,
                r.amount_applied.amount,
                r.applicant.org_number,
                r.applicant.municipality.clone().unwrap_or_default(),
                r.applicant
                    .employees
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
                r.applicant.sector.clone().unwrap_or_default(),
                leader
                    .and_then(|l| l.sex)
                    .map(|s| format!("{s:?}"))
                    .unwrap_or_default(),
                leader
                    .and_then(|l| l.birth_year)
                    .map(|y| y.to_string())
                    .unwrap_or_default(),
                d.map(|d| d.outcome.code()).unwrap_or_default(),
                d.and_then(|d| d.amount_granted.as_ref())
                    .map(|m| m.amount.clone())
                    .unwrap_or_default(),
                d.map(|d| d.decided_on.to_string()).unwrap_or_default(),
            )
            .unwrap();
        }
    }
    let table = "CREATE TABLE flat (external_id TEXT, call_code TEXT, received_on TEXT, applied TEXT, \
                 org_number TEXT, municipality TEXT, employees TEXT, sector TEXT, sex TEXT, birth_year TEXT, \
                 outcome TEXT, granted TEXT, decided_on TEXT)";
    let started = Instant::now();
    match backend {
        Backend::Sqlite => {
            let db = dir.join("baseline.db");
            let _ = std::fs::remove_file(&db);
            let script = format!("{table};\n.mode csv\n.import {} flat\n", csv.display());
            let status = std::process::Command::new("sqlite3")
                .arg(&db)
                .stdin(std::process::Stdio::piped())
                .spawn()
                .and_then(|mut child| {
                    child.stdin.take().unwrap().write_all(script.as_bytes())?;
                    child.wait()
                })
                .unwrap();
            assert!(status.success());
        }
        Backend::Postgres(admin) => {
            psql(admin, "DROP TABLE IF EXISTS flat");
            psql(admin, table);
            psql(
                admin,
                &format!("\\copy flat FROM '{}' WITH (FORMAT csv)", csv.display()),
            );
            psql(admin, "DROP TABLE flat");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} baseline (own bulk loader, no validation, one flat table): {rows} rows in {seconds:.2} s = {:.0} rows/s",
        backend.name(),
        rows as f64 / seconds
    );
}
