//! Plans: price, boolean features, numeric limits, static settings and metered prices.

use crate::currency::Currency;
use crate::name::check_slug;
use crate::{Result, TenancyError};
use forecast_core::tenant::ApiRate;
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
    /// Model kinds a tenant may register, as `forecast_core::ModelArtifact::kind` names them:
    /// `baseline`, `linear`, `gbdt`, `tree_ensemble`.
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
/// Prices are in micro-units of the plan currency's major unit: 1 USD = 1,000,000 micros,
/// so 0.0005 USD a call is `500`. See [`crate::billing`] for the rounding.
///
/// For a meter that is also a soft limit of the plan, `included` must equal the limit's value:
/// what is billed is the overage beyond the limit (plus the period's grants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MeterPrice {
    /// Units per month covered by the base price.
    pub included: u64,
    /// Price of each block of `per_units` units beyond `included`, in micro-units.
    pub unit_price_micros: i64,
    /// Units the price is for (1 for a price per unit; 1,000,000 for a price per MB of bytes).
    #[serde(default = "one")]
    pub per_units: u64,
}

fn one() -> u64 {
    1
}

impl MeterPrice {
    /// `unit_price_micros` for each unit beyond `included`.
    pub fn per_unit(included: u64, unit_price_micros: i64) -> Self {
        Self { included, unit_price_micros, per_units: 1 }
    }
}

/// A plan: what a tenant pays and what it may do.
///
/// Built-in plans are [`Plan::free`], [`Plan::pro`] and [`Plan::enterprise`] (priced in USD);
/// others are built with [`Plan::custom`] and registered with `TenantStore::define_plan`. A
/// plan is priced in one currency and only tenants billed in it can be on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The plan's name (slug).
    pub name: String,
    /// The currency every price of the plan is in.
    pub currency: Currency,
    /// Monthly base price in micro-units of `currency`, prorated by day when the plan starts
    /// or changes within a month.
    pub base_price_micros: i64,
    /// API requests per minute the plan allows each tenant (fed to the rate limiter through
    /// `forecast_core::tenant::TenantDirectory::api_rate`); `None`: the limiter's default.
    pub api_rate_per_minute: Option<u32>,
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
            currency: Currency::USD,
            base_price_micros: 0,
            api_rate_per_minute: None,
            features: BTreeSet::new(),
            limits: BTreeMap::new(),
            settings: BTreeMap::new(),
            meter_prices: BTreeMap::new(),
        }
    }

    /// Free: no paid features; hard limits everywhere (1,000 API calls a month, 60 a minute).
    pub fn free() -> Self {
        Self::custom("free")
            .api_rate_per_minute(60)
            .limit(limits::API_CALLS, LimitSpec::hard_monthly(1_000))
            .limit(limits::MODELS, LimitSpec::hard_capacity(1))
            .limit(limits::SERIES, LimitSpec::hard_capacity(100))
            .limit(limits::USERS, LimitSpec::hard_capacity(2))
            .limit(limits::STORAGE_BYTES, LimitSpec::hard_capacity(100 * MB))
            .setting(settings::ALLOWED_MODEL_KINDS, &["baseline", "linear"])
    }

    /// Pro: 49.00 a month, explanations and real-time; soft API limit billed at 0.0005 a call,
    /// storage beyond 10 GB at 0.02 a MB; 1,000 API calls a minute.
    pub fn pro() -> Self {
        Self::custom("pro")
            .base_price_micros(49_000_000)
            .api_rate_per_minute(1_000)
            .feature(features::EXPLANATIONS)
            .feature(features::REALTIME)
            .limit(limits::API_CALLS, LimitSpec::soft_monthly(100_000))
            .limit(limits::MODELS, LimitSpec::hard_capacity(20))
            .limit(limits::SERIES, LimitSpec::hard_capacity(10_000))
            .limit(limits::USERS, LimitSpec::hard_capacity(20))
            .limit(limits::STORAGE_BYTES, LimitSpec::soft_capacity(10_000 * MB))
            .setting(settings::ALLOWED_MODEL_KINDS, &["baseline", "linear", "gbdt"])
            .meter_price(limits::API_CALLS, MeterPrice::per_unit(100_000, 500))
            .meter_price(
                limits::STORAGE_BYTES,
                MeterPrice { included: 10_000 * MB, unit_price_micros: 20_000, per_units: MB },
            )
    }

    /// Enterprise: 999.00 a month, every feature, soft limits whose overage is billed (API calls
    /// beyond 5 million at 0.0002, models at 1.00, series at 0.001, users at 5.00, storage at
    /// 0.01 a MB, a month each); 10,000 API calls a minute.
    pub fn enterprise() -> Self {
        Self::custom("enterprise")
            .base_price_micros(999_000_000)
            .api_rate_per_minute(10_000)
            .feature(features::EXPLANATIONS)
            .feature(features::AGENT)
            .feature(features::REALTIME)
            .limit(limits::API_CALLS, LimitSpec::soft_monthly(5_000_000))
            .limit(limits::MODELS, LimitSpec::soft_capacity(1_000))
            .limit(limits::SERIES, LimitSpec::soft_capacity(1_000_000))
            .limit(limits::USERS, LimitSpec::soft_capacity(1_000))
            .limit(limits::STORAGE_BYTES, LimitSpec::soft_capacity(1_000_000 * MB))
            .setting(settings::ALLOWED_MODEL_KINDS, &["baseline", "linear", "gbdt", "tree_ensemble"])
            .meter_price(limits::API_CALLS, MeterPrice::per_unit(5_000_000, 200))
            .meter_price(limits::MODELS, MeterPrice::per_unit(1_000, 1_000_000))
            .meter_price(limits::SERIES, MeterPrice::per_unit(1_000_000, 1_000))
            .meter_price(limits::USERS, MeterPrice::per_unit(1_000, 5_000_000))
            .meter_price(
                limits::STORAGE_BYTES,
                MeterPrice { included: 1_000_000 * MB, unit_price_micros: 10_000, per_units: MB },
            )
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

    /// Price the plan in `currency`.
    pub fn currency(mut self, currency: Currency) -> Self {
        self.currency = currency;
        self
    }

    /// Allow `requests` API calls a minute.
    pub fn api_rate_per_minute(mut self, requests: u32) -> Self {
        self.api_rate_per_minute = Some(requests);
        self
    }

    /// The plan's API rate, for the rate limiter.
    pub fn api_rate(&self) -> Option<ApiRate> {
        self.api_rate_per_minute.map(ApiRate::per_minute)
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

    /// Check names, prices and that every soft limit's overage is priced.
    ///
    /// # Errors
    /// [`TenancyError::InvalidName`] for a bad plan, feature, limit, setting or meter name;
    /// [`TenancyError::InvalidPlan`] for a negative price, a zero `per_units` or API rate, or a
    /// soft limit without a meter price whose `included` is the limit's value.
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
        let invalid = |reason: String| TenancyError::InvalidPlan { plan: self.name.clone(), reason };
        if let Some((meter, _)) = self.meter_prices.iter().find(|(_, p)| p.per_units == 0) {
            return Err(invalid(format!("meter `{meter}` is priced per 0 units; per_units is >= 1")));
        }
        if self.api_rate_per_minute == Some(0) {
            return Err(invalid("an API rate of 0 a minute admits nothing; use >= 1 or none".into()));
        }
        for (name, spec) in self.limits.iter().filter(|(_, s)| s.enforcement == Enforcement::Soft) {
            match self.meter_prices.get(name) {
                Some(price) if price.included == spec.value => {}
                Some(price) => {
                    return Err(invalid(format!(
                        "soft limit `{name}` is {} but its meter price includes {}; they must agree, as the overage beyond the limit is what is billed",
                        spec.value, price.included
                    )));
                }
                None => {
                    return Err(invalid(format!(
                        "soft limit `{name}` has no meter price, so its overage would never be invoiced; add one (a price of 0 is allowed)"
                    )));
                }
            }
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
        let err = Plan::custom("x").meter_price("rows", MeterPrice::per_unit(0, -5)).validate();
        assert!(err.unwrap_err().to_string().contains("`rows`"));
        assert!(Plan::custom("Bad Name").validate().is_err());
        let unpriced = Plan::custom("x").limit(limits::API_CALLS, LimitSpec::soft_monthly(10));
        assert!(unpriced.validate().unwrap_err().to_string().contains("never be invoiced"));
        let disagree = unpriced.clone().meter_price(limits::API_CALLS, MeterPrice::per_unit(5, 1));
        assert!(disagree.validate().unwrap_err().to_string().contains("must agree"));
        unpriced.meter_price(limits::API_CALLS, MeterPrice::per_unit(10, 0)).validate().unwrap();
        assert!(Plan::custom("x").feature("Agent!").validate().is_err());
    }
}
