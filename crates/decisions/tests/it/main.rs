//! Integration tests of forecast-decisions (one binary).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns are test code too

mod elasticity;
mod fitted;
mod lead_time;
mod lost_sales;
mod pricing;
mod properties;
mod reorder;
mod stockpyl_inventory;
mod stockpyl_simulation;
mod tools;
