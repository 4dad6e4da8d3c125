//! Integration tests of forecast-tenancy (one binary).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns are test code too

mod analytics;
mod backend;
mod billing;
mod common;
mod concurrency;
mod isolation;
mod metering;
mod models;
mod quotas;
mod tenants;
