//! Integration tests of forecast-agent (one binary, as house style asks).

// Helpers shared by the tests (not #[test] functions themselves) unwrap too.
#![allow(clippy::unwrap_used)]

mod executor;
mod fuzz;
#[cfg(feature = "llm")]
mod llm;
mod planner;

use chrono::{DateTime, TimeZone, Utc};
use forecast_agent::planner::{RulePlanner, Vocabulary};
use forecast_core::ManualClock;
use std::sync::Arc;

/// Wednesday 2026-03-18, 09:00 UTC: "today" of the question tables.
pub(crate) fn today() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 18, 9, 0, 0).unwrap()
}

/// The vocabulary of the question tables.
pub(crate) fn vocabulary() -> Vocabulary {
    Vocabulary::new()
        .stores((1..=12).map(|i| format!("store_{i:02}")))
        .items((1..=30).map(|i| format!("item_{i:02}")))
        .models(["gbdt_daily", "ets_baseline"])
        .statics(["store", "item", "region", "category"])
        .features(["price", "discount", "promo", "holiday"])
}

pub(crate) fn planner() -> RulePlanner {
    RulePlanner::new(vocabulary(), Arc::new(ManualClock::new(today())))
}
