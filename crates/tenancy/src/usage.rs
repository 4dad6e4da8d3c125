//! What usage reads return: meter aggregates, usage by day, tenants by usage
//! ([`crate::metering`] and [`crate::analytics`] serve them).

use chrono::NaiveDate;
use forecast_core::tenant::TenantId;
use serde::{Deserialize, Serialize};

/// How to aggregate a meter over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Sum of quantities.
    Sum,
    /// Number of events.
    Count,
    /// Largest quantity (0 when there are no events).
    Max,
}

/// A meter's aggregates over one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterTotal {
    /// The meter.
    pub meter: String,
    /// Sum of quantities.
    pub sum: u64,
    /// Number of events.
    pub count: u64,
    /// Largest quantity.
    pub max: u64,
}

impl MeterTotal {
    /// The value of one aggregation.
    pub fn get(&self, aggregation: Aggregation) -> u64 {
        match aggregation {
            Aggregation::Sum => self.sum,
            Aggregation::Count => self.count,
            Aggregation::Max => self.max,
        }
    }
}

/// One meter's usage on one local day of the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyUsage {
    /// The day in the tenant's timezone.
    pub day: NaiveDate,
    /// The meter.
    pub meter: String,
    /// Sum of quantities.
    pub sum: u64,
    /// Number of events.
    pub count: u64,
}

/// A tenant's total usage of a meter over a time range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantUsage {
    /// The tenant.
    pub tenant: TenantId,
    /// Sum of quantities.
    pub total: u64,
}
