//! Integration tests: the real application on a random port, a fresh database per test.
//! Plain `cargo test` runs them on SQLite; with TEST_DATABASE_URL set (as .ci/run does) they run
//! on PostgreSQL.

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
mod web_browser;
mod web_sign_in;
