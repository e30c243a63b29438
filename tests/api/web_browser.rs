//! The case officer's flow of issue 11's "Done when" in Debian's Chromium: `equal-terms demo`
//! (the built binary, on a port of its own, with its demo data and dev sign-in) and
//! tests/js/browser.mjs (playwright-core + axe-core) following the printed case-officer link.
//! Screenshots of every page are kept under target/screenshots/web-<backend>/.
//!
//! Needs `node`, `npm ci --prefix tests/js` and Debian's `chromium`; without them it says so
//! and does not run.

use std::path::PathBuf;
use std::time::Duration;

use crate::helpers::{ChildGuard, TestDatabase, chromium, config_dir, free_port, js_harness};

#[test]
fn the_case_officer_checks_fixes_and_publishes_the_demo_call_in_a_browser() {
    const TEST: &str = "web_browser::the_case_officer_checks_fixes_and_publishes";
    let Some(js) = js_harness(TEST) else { return };
    let Some(chromium) = chromium(TEST) else {
        return;
    };

    // The demo as a new user runs it (`cargo run -- demo`), on a database of the test's own (a
    // SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL is set) and fewer
    // applications. The port is chosen first so that the printed links carry it.
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, url) = TestDatabase::create(dir.path());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_equal-terms"));
    command
        .args(["demo", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--applications", "3000"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("EQUAL_TERMS_ENV", "local")
        .env("EQUAL_TERMS_CONFIG_DIR", config_dir())
        .env("DATABASE_URL", &url)
        .env("EQUAL_TERMS__DATA_DIR", dir.path())
        .env("EQUAL_TERMS__LOG__LEVEL", "warn");
    // The demo turns dev sign-in on and prints its links on the bound address (public_url empty).
    let mut demo = ChildGuard::start(command);
    // The contract: one line per role, exactly `<role>: <url>` (the current demo prints
    // `case_officer: <token>` among its API tokens, which is not a URL).
    let is_link = |l: &str| {
        l.trim_start()
            .strip_prefix("case_officer:")
            .is_some_and(|rest| rest.trim_start().starts_with("http"))
    };
    let what = "the demo's `case_officer: <url>` line (dev sign-in, from the foundation branch)";
    let mut line = demo.wait_for_line(what, Duration::from_secs(300), |l| {
        is_link(l) || l.contains("Stop with Ctrl-C")
    });
    if !is_link(&line) {
        // The banner is out: the links follow at once, or never.
        line = demo.wait_for_line(what, Duration::from_secs(10), is_link);
    }
    let sign_in = line.trim_start()["case_officer:".len()..].trim().to_owned();
    assert!(
        sign_in.starts_with(&base),
        "the case officer's link is on the demo's address {base}: {sign_in}"
    );

    let backend = if database.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .to_path_buf();
    let shots = target.join("screenshots").join(format!("web-{backend}"));
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("screenshot directory");

    let run = std::process::Command::new("node")
        .arg(js.join("browser.mjs"))
        .arg(&base)
        .arg(&sign_in)
        .arg(&shots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs browser.mjs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    if !stderr.trim().is_empty() {
        eprintln!("--- browser.mjs stderr ---\n{stderr}");
    }
    println!("screenshots: {}", shots.display());
    assert!(
        run.status.success(),
        "browser.mjs failed ({}): {}\nscreenshots in {}\n--- demo stderr ---\n{}",
        run.status,
        stdout.lines().last().unwrap_or_default(),
        shots.display(),
        demo.stderr.lock().unwrap()
    );
    drop(demo);
    drop(database);
}
