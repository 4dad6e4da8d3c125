//! Integration tests of forecast-retrain (one binary).

#![allow(clippy::unwrap_used)]
mod crash;
mod fixtures;
mod jobs;
mod promotion;
mod search;
mod sqlite_store;
mod support;
