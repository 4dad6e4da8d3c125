//! Integration tests of forecast-decisions (one binary).

mod elasticity;
mod lead_time;
mod stockpyl_inventory;
mod stockpyl_simulation;
