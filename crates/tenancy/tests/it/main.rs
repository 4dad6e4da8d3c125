//! Integration tests of forecast-tenancy (one binary).

mod analytics;
mod billing;
mod common;
mod concurrency;
mod isolation;
mod metering;
mod quotas;
mod tenants;
