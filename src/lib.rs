//! Equal Terms: method support for allocating grant money on equal terms.
//!
//! Layers, from the inside out: `codes` and `locale` (the spelling of enum values; the language
//! and the Swedish and English forms of numbers), `domain` (what things are, no I/O), `stats`
//! and `analysis` (pure computation), `storage` (diesel over PostgreSQL and SQLite), `ingest`
//! (bulk imports), `http` (the REST API) and `cli` (the operator's commands). See
//! docs/architecture.md.

pub mod analysis;
pub mod callcheck;
pub mod cli;
pub mod codec;
pub mod codes;
pub mod config;
pub mod domain;
pub mod http;
pub mod ingest;
pub mod locale;
pub mod report;
pub mod services;
pub mod startup;
pub mod stats;
pub mod storage;
pub mod synth;
pub mod telemetry;
pub mod web;
