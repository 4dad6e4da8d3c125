//! Integration tests of forecast-retrain (one binary).

#![allow(clippy::unwrap_used)]
mod fixtures;
mod jobs;
mod promotion;
mod search;
mod support;
