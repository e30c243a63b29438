//! Shared by the benchmarks: a release server process on a fresh database, and the synthetic
//! catalogue it needs.

// Each benchmark compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use equal_terms::synth::SynthConfig;
use serde_json::json;

pub const JWT_SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";
pub const ORG: &str = "bench";

/// Which database a run uses.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// SQLite always; PostgreSQL too when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set.
    pub fn all() -> Vec<Backend> {
        let mut all = vec![Backend::Sqlite];
        if let Some(url) = std::env::var("BENCH_DATABASE_URL")
            .ok()
            .or_else(|| std::env::var("TEST_DATABASE_URL").ok())
            .filter(|u| !u.is_empty())
        {
            all.push(Backend::Postgres(url));
        }
        all
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgresql",
        }
    }

    /// A fresh database URL for one run.
    pub fn fresh(&self, dir: &Path, run: usize) -> String {
        match self {
            Backend::Sqlite => {
                format!("sqlite://{}", dir.join(format!("bench-{run}.db")).display())
            }
            Backend::Postgres(admin) => {
                let name = format!("et_bench_{run}_{}", std::process::id());
                psql(admin, &format!("DROP DATABASE IF EXISTS {name}"));
                psql(admin, &format!("CREATE DATABASE {name}"));
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                format!("{base}/{name}")
            }
        }
    }
}

pub fn psql(url: &str, sql: &str) {
    let status = Command::new("psql")
        .args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .stdout(Stdio::null())
        .status()
        .expect("psql runs");
    assert!(status.success(), "psql failed: {sql}");
}

/// The release binary, started on `database_url`, killed on drop.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub database_url: String,
    pub data_dir: PathBuf,
}

fn env(cmd: &mut Command, database_url: &str, data_dir: &Path) {
    cmd.env("EQUAL_TERMS_ENV", "test")
        .env(
            "EQUAL_TERMS_CONFIG_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config"),
        )
        .env("EQUAL_TERMS__DATABASE__URL", database_url)
        .env("EQUAL_TERMS__DATA_DIR", data_dir)
        .env("EQUAL_TERMS__AUTH__JWT_SECRET", JWT_SECRET)
        .env(
            "EQUAL_TERMS__PSEUDONYM__SECRET",
            "bench-pseudonym-secret-bench-pseudonym-0123",
        )
        .env(
            "EQUAL_TERMS__LOG__LEVEL",
            std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn".into()),
        );
}

impl Server {
    pub fn start(database_url: &str, data_dir: &Path, port: u16) -> Server {
        let bin = env!("CARGO_BIN_EXE_equal-terms");
        let mut add = Command::new(bin);
        env(&mut add, database_url, data_dir);
        let status = add
            .args(["org", "add", ORG, "--name", "Bench"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        Self::serve(database_url, data_dir, port, &[])
    }

    /// Another server on a database `start` prepared, with extra settings
    /// (`EQUAL_TERMS__SECTION__KEY`, value).
    pub fn serve(
        database_url: &str,
        data_dir: &Path,
        port: u16,
        settings: &[(&str, &str)],
    ) -> Server {
        let bin = env!("CARGO_BIN_EXE_equal-terms");
        let mut serve = Command::new(bin);
        env(&mut serve, database_url, data_dir);
        serve.envs(settings.iter().copied());
        let child = serve
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Server {
            child,
            base,
            database_url: database_url.to_owned(),
            data_dir: data_dir.to_owned(),
        }
    }

    pub fn token(&self, role: &str) -> String {
        let bin = env!("CARGO_BIN_EXE_equal-terms");
        let mut cmd = Command::new(bin);
        env(&mut cmd, &self.database_url, &self.data_dir);
        let out = cmd
            .args(["token", "--org", ORG, "--role", role, "--ttl", "2h"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Peak resident memory of the server so far, in MiB (VmHWM).
    pub fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates the programmes and calls of `config` through the API.
pub async fn catalogue(client: &reqwest::Client, server: &Server, config: &SynthConfig) {
    let admin = server.token("admin");
    let officer = server.token("case_officer");
    for (code, name) in &config.programmes {
        client
            .post(format!("{}/api/v1/programmes", server.base))
            .bearer_auth(&admin)
            .json(&json!({"code": code, "name": name}))
            .send()
            .await
            .unwrap();
    }
    for call in config.calls() {
        let response = client
            .post(format!("{}/api/v1/calls", server.base))
            .bearer_auth(&officer)
            .json(&json!({"programmeCode": call.programme_code, "code": call.code, "title": call.title,
                    "opensOn": call.opens_on, "closesOn": call.closes_on,
                    "budget": {"amount": call.budget.to_decimal_string()}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
}

/// A synthetic configuration of `rows` applications: ten years, five programmes, two calls a
/// year each (100 calls).
pub fn config(rows: usize) -> SynthConfig {
    SynthConfig {
        applications: rows,
        first_year: 2014,
        years: 10,
        programmes: (1..=5)
            .map(|i| (format!("P{i}"), format!("Programme {i}")))
            .collect(),
        calls_per_programme_per_year: 2,
        ..Default::default()
    }
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

pub fn arg_or_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}
