//! Integration tests of forecast-security, one binary.

mod audit;
mod common;
mod data_scope;
mod guard;
mod matrix;
mod properties;
mod rate_limit;
mod sessions;
mod users;
