//! Integration tests: the real application on a random port, a fresh database per test.
//! Plain `cargo test` runs them on SQLite; with TEST_DATABASE_URL set (as .ci/run does) they run
//! on PostgreSQL.

// The web workspace against a real identity provider and in a real browser (tests/js); a group of
// its own, so that the foundation's web modules below merge without a conflict.
mod web_browser;
mod web_sign_in;

mod applications;
mod auth;
mod callchecks;
mod catalogue;
mod crash;
mod evaluations;
mod helpers;
mod imports;
mod operations;
mod reports;
mod web_foundation;
mod web_pages;
