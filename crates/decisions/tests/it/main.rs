//! Integration tests of forecast-decisions (one binary).

mod stockpyl_inventory;
mod stockpyl_simulation;
