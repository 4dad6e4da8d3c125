//! Integration tests of forecast-decisions (one binary).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns are test code too

mod elasticity;
mod lead_time;
mod lost_sales;
mod properties;
mod stockpyl_inventory;
mod stockpyl_simulation;
