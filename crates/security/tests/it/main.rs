//! Integration tests of forecast-security, one binary.

// Fixture helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used)]

mod admin;
mod audit;
mod audit_store;
mod common;
mod data_scope;
mod guard;
mod matrix;
mod properties;
mod races;
mod rate_limit;
mod sessions;
mod store;
mod users;
