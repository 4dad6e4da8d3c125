//! Plans: price, boolean features, numeric limits, static settings and metered prices.

use crate::name::check_slug;
use crate::{Result, TenancyError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Names of the boolean features the suite checks.
pub mod features {
    /// Model explanations (forecast-xai).
    pub const EXPLANATIONS: &str = "explanations";
    /// The query agent (forecast-agent).
    pub const AGENT: &str = "agent";
    /// Real-time scoring (forecast-realtime).
    pub const REALTIME: &str = "realtime";
}

/// Names of the numeric limits the suite checks.
pub mod limits {
    /// API calls per calendar month.
    pub const API_CALLS: &str = "api_calls";
    /// Registered models.
    pub const MODELS: &str = "models";
    /// Forecast series.
    pub const SERIES: &str = "series";
    /// User accounts.
    pub const USERS: &str = "users";
    /// Stored bytes.
    pub const STORAGE_BYTES: &str = "storage_bytes";
}

/// Names of the static settings the suite reads.
pub mod settings {
    /// Model kinds a tenant may train, e.g. `baseline`, `linear`, `gbdt`.
    pub const ALLOWED_MODEL_KINDS: &str = "allowed_model_kinds";
}

/// What happens when usage would pass a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    /// Deny the request; nothing is consumed.
    Hard,
    /// Allow it and record the overage.
    Soft,
}

/// When usage of a limit goes back to zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reset {
    /// At local midnight on the 1st of each month in the tenant's timezone (e.g. API calls).
    Monthly,
    /// Never: a capacity (models, users, storage) that goes down only when released.
    Never,
}

/// One numeric limit of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LimitSpec {
    /// The amount allowed per period, before one-off grants.
    pub value: u64,
    /// Hard (deny) or soft (allow and record overage).
    pub enforcement: Enforcement,
    /// Monthly or never.
    pub reset: Reset,
}

impl LimitSpec {
    /// A hard limit of `value` per month.
    pub fn hard_monthly(value: u64) -> Self {
        Self { value, enforcement: Enforcement::Hard, reset: Reset::Monthly }
    }

    /// A soft limit of `value` per month.
    pub fn soft_monthly(value: u64) -> Self {
        Self { value, enforcement: Enforcement::Soft, reset: Reset::Monthly }
    }

    /// A hard capacity of `value` that never resets.
    pub fn hard_capacity(value: u64) -> Self {
        Self { value, enforcement: Enforcement::Hard, reset: Reset::Never }
    }

    /// A soft capacity of `value` that never resets.
    pub fn soft_capacity(value: u64) -> Self {
        Self { value, enforcement: Enforcement::Soft, reset: Reset::Never }
    }
}

/// The price of one meter: units included in the base price, then a unit price.
///
/// Prices are in micro-units of the tenant currency's major unit: 1 USD = 1,000,000 micros,
/// so 0.0005 USD a call is `500`. See [`crate::billing`] for the rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MeterPrice {
    /// Units per month covered by the base price.
    pub included: u64,
    /// Price of each unit beyond `included`, in micro-units.
    pub unit_price_micros: i64,
}

/// A plan: what a tenant pays and what it may do.
///
/// Built-in plans are [`Plan::free`], [`Plan::pro`] and [`Plan::enterprise`]; others are
/// built with [`Plan::custom`] and registered with `TenantStore::define_plan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The plan's name (slug).
    pub name: String,
    /// Monthly base price in micro-units of the tenant's currency.
    pub base_price_micros: i64,
    /// Boolean features included.
    pub features: BTreeSet<String>,
    /// Numeric limits by name.
    pub limits: BTreeMap<String, LimitSpec>,
    /// Static settings: a name and its allowed values.
    pub settings: BTreeMap<String, Vec<String>>,
    /// Metered prices by meter name.
    pub meter_prices: BTreeMap<String, MeterPrice>,
}

const MB: u64 = 1_000_000;

impl Plan {
    /// An empty plan with no price, features, limits or settings.
    pub fn custom(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            base_price_micros: 0,
            features: BTreeSet::new(),
            limits: BTreeMap::new(),
            settings: BTreeMap::new(),
            meter_prices: BTreeMap::new(),
        }
    }

    /// Free: no paid features; hard limits everywhere (1,000 API calls a month).
    pub fn free() -> Self {
        Self::custom("free")
            .limit(limits::API_CALLS, LimitSpec::hard_monthly(1_000))
            .limit(limits::MODELS, LimitSpec::hard_capacity(1))
            .limit(limits::SERIES, LimitSpec::hard_capacity(100))
            .limit(limits::USERS, LimitSpec::hard_capacity(2))
            .limit(limits::STORAGE_BYTES, LimitSpec::hard_capacity(100 * MB))
            .setting(settings::ALLOWED_MODEL_KINDS, &["baseline", "linear"])
    }

    /// Pro: 49.00 a month, explanations and real-time; soft API limit billed at 0.0005 a call.
    pub fn pro() -> Self {
        Self::custom("pro")
            .base_price_micros(49_000_000)
            .feature(features::EXPLANATIONS)
            .feature(features::REALTIME)
            .limit(limits::API_CALLS, LimitSpec::soft_monthly(100_000))
            .limit(limits::MODELS, LimitSpec::hard_capacity(20))
            .limit(limits::SERIES, LimitSpec::hard_capacity(10_000))
            .limit(limits::USERS, LimitSpec::hard_capacity(20))
            .limit(limits::STORAGE_BYTES, LimitSpec::soft_capacity(10_000 * MB))
            .setting(settings::ALLOWED_MODEL_KINDS, &["baseline", "linear", "gbdt"])
            .meter_price(limits::API_CALLS, MeterPrice { included: 100_000, unit_price_micros: 500 })
    }

    /// Enterprise: 999.00 a month, every feature, soft limits, API calls beyond 5 million at 0.0002.
    pub fn enterprise() -> Self {
        Self::custom("enterprise")
            .base_price_micros(999_000_000)
            .feature(features::EXPLANATIONS)
            .feature(features::AGENT)
            .feature(features::REALTIME)
            .limit(limits::API_CALLS, LimitSpec::soft_monthly(5_000_000))
            .limit(limits::MODELS, LimitSpec::soft_capacity(1_000))
            .limit(limits::SERIES, LimitSpec::soft_capacity(1_000_000))
            .limit(limits::USERS, LimitSpec::soft_capacity(1_000))
            .limit(limits::STORAGE_BYTES, LimitSpec::soft_capacity(1_000_000 * MB))
            .setting(settings::ALLOWED_MODEL_KINDS, &["baseline", "linear", "gbdt", "forest"])
            .meter_price(limits::API_CALLS, MeterPrice { included: 5_000_000, unit_price_micros: 200 })
    }

    /// The three built-in plans.
    pub fn builtin() -> [Self; 3] {
        [Self::free(), Self::pro(), Self::enterprise()]
    }

    /// Set the monthly base price in micro-units.
    pub fn base_price_micros(mut self, micros: i64) -> Self {
        self.base_price_micros = micros;
        self
    }

    /// Include a boolean feature.
    pub fn feature(mut self, feature: &str) -> Self {
        self.features.insert(feature.to_owned());
        self
    }

    /// Set a numeric limit.
    pub fn limit(mut self, name: &str, spec: LimitSpec) -> Self {
        self.limits.insert(name.to_owned(), spec);
        self
    }

    /// Set a static setting to a list of allowed values.
    pub fn setting(mut self, name: &str, values: &[&str]) -> Self {
        self.settings.insert(name.to_owned(), values.iter().map(|v| (*v).to_owned()).collect());
        self
    }

    /// Price a meter.
    pub fn meter_price(mut self, meter: &str, price: MeterPrice) -> Self {
        self.meter_prices.insert(meter.to_owned(), price);
        self
    }

    /// Check names and prices.
    ///
    /// # Errors
    /// [`TenancyError::InvalidName`] for a bad plan, feature, limit, setting or meter name;
    /// [`TenancyError::InvalidPlan`] for a negative price.
    pub fn validate(&self) -> Result<()> {
        check_slug("plan name", &self.name)?;
        self.features.iter().try_for_each(|f| check_slug("feature", f))?;
        self.limits.keys().try_for_each(|l| check_slug("limit", l))?;
        self.settings.keys().try_for_each(|s| check_slug("setting", s))?;
        self.meter_prices.keys().try_for_each(|m| check_slug("meter", m))?;
        let negative = |what: &str| TenancyError::InvalidPlan {
            plan: self.name.clone(),
            reason: format!("{what} is negative; prices are micro-units >= 0"),
        };
        if self.base_price_micros < 0 {
            return Err(negative("the base price"));
        }
        if let Some((meter, _)) = self.meter_prices.iter().find(|(_, p)| p.unit_price_micros < 0) {
            return Err(negative(&format!("the unit price of meter `{meter}`")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_plans_are_valid_and_ordered_by_features() {
        for plan in Plan::builtin() {
            plan.validate().unwrap();
        }
        assert!(Plan::free().features.is_empty());
        assert!(Plan::pro().features.is_subset(&Plan::enterprise().features));
    }

    #[test]
    fn validation_names_the_problem() {
        let err = Plan::custom("x").base_price_micros(-1).validate().unwrap_err();
        assert!(err.to_string().contains("base price"), "{err}");
        let err = Plan::custom("x").meter_price("rows", MeterPrice { included: 0, unit_price_micros: -5 }).validate();
        assert!(err.unwrap_err().to_string().contains("`rows`"));
        assert!(Plan::custom("Bad Name").validate().is_err());
        assert!(Plan::custom("x").feature("Agent!").validate().is_err());
    }
}
