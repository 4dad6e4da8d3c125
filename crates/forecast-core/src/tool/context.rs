//! What a tool reads its data from, and the typed reading of the contract's arguments.
//!
//! Every crate that offers tools (xai, decisions, mlops, core's own `forecast` and
//! `backtest`) reads `store`, `item`, `horizon`, `period`, `change`, `service_level` and
//! `lead_time` the same way through [`ToolContext`], so an unknown store is refused with the
//! same error everywhere and no crate parses the JSON by hand.

use crate::panel::Panel;
use crate::pipeline::ForecastPipeline;
use crate::{Error, Result};
use chrono::NaiveDate;
use serde_json::Value;
use std::sync::Arc;

/// The data a tool works on: a panel, the fitted pipeline that forecasts it, and which key
/// columns hold the store and item ids.
#[derive(Debug, Clone)]
pub struct ToolContext {
    panel: Arc<Panel>,
    pipeline: Arc<ForecastPipeline>,
    store_key: Option<usize>,
    item_key: Option<usize>,
}

/// A change to one feature, as the `change` argument gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureChange {
    /// The regressor's name, e.g. `price`.
    pub feature: String,
    /// What happens to it.
    pub kind: ChangeKind,
}

/// How a [`FeatureChange`] moves its feature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ChangeKind {
    /// Add this amount, in the feature's units.
    Delta(f64),
    /// Set the feature to this value.
    Value(f64),
    /// Change by this percent (-10 is ten percent lower).
    DeltaPct(f64),
}

impl ChangeKind {
    /// The feature's new value from its current one.
    pub fn apply(self, current: f64) -> f64 {
        match self {
            Self::Delta(d) => current + d,
            Self::Value(v) => v,
            Self::DeltaPct(p) => current * (1.0 + p / 100.0),
        }
    }
}

impl ToolContext {
    /// A context over `panel` forecast by `pipeline`; the store and item ids are read from the
    /// key columns named `store` and `item` when the panel has them (see
    /// [`ToolContext::with_keys`] for other names).
    pub fn new(panel: Arc<Panel>, pipeline: Arc<ForecastPipeline>) -> Self {
        let position = |name: &str| panel.key_names.iter().position(|k| k == name);
        let (store_key, item_key) = (position("store"), position("item"));
        Self { panel, pipeline, store_key, item_key }
    }

    /// Read store ids from the key column `store` and item ids from `item`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming a column that is not a key column of the panel.
    pub fn with_keys(mut self, store: &str, item: &str) -> Result<Self> {
        let position = |name: &str| {
            self.panel.key_names.iter().position(|k| k == name).ok_or_else(|| {
                Error::InvalidData(format!(
                    "key column `{name}` is not in the panel; its key columns are: {}",
                    self.panel.key_names.join(", ")
                ))
            })
        };
        let (s, i) = (position(store)?, position(item)?);
        self.store_key = Some(s);
        self.item_key = Some(i);
        Ok(self)
    }

    /// The panel.
    pub fn panel(&self) -> &Panel {
        &self.panel
    }

    /// The fitted pipeline.
    pub fn pipeline(&self) -> &ForecastPipeline {
        &self.pipeline
    }

    /// The store id of series `s` (its store key value), if the panel has a store column.
    pub fn store_of(&self, s: usize) -> Option<&str> {
        self.key_value(s, self.store_key)
    }

    /// The item id of series `s`, if the panel has an item column.
    pub fn item_of(&self, s: usize) -> Option<&str> {
        self.key_value(s, self.item_key)
    }

    fn key_value(&self, s: usize, key: Option<usize>) -> Option<&str> {
        self.panel.series.get(s)?.key.0.get(key?).map(String::as_str)
    }

    /// The series the `store` and `item` arguments select (null selects all), in panel order.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `store` or `item` when the id is not in the data (the
    /// message lists some accepted ids), when the panel has no such key column, or when the
    /// pair selects no series.
    pub fn series(&self, operation: &str, args: &Value) -> Result<Vec<usize>> {
        let store = optional_str(operation, args, "store")?;
        let item = optional_str(operation, args, "item")?;
        let store_filter = self.key_filter(operation, "store", self.store_key, store)?;
        let item_filter = self.key_filter(operation, "item", self.item_key, item)?;
        let chosen: Vec<usize> = (0..self.panel.series.len())
            .filter(|&s| {
                let matches = |f: &Option<(usize, &str)>| {
                    f.is_none_or(|(k, id)| self.panel.series[s].key.0.get(k).is_some_and(|v| v == id))
                };
                matches(&store_filter) && matches(&item_filter)
            })
            .collect();
        if chosen.is_empty() {
            return Err(invalid(
                operation,
                "item",
                format!("no series of store {} sells item {}", store.unwrap_or("(any)"), item.unwrap_or("(any)")),
            ));
        }
        Ok(chosen)
    }

    fn key_filter<'a>(
        &self,
        operation: &str,
        argument: &str,
        key: Option<usize>,
        id: Option<&'a str>,
    ) -> Result<Option<(usize, &'a str)>> {
        let Some(id) = id else { return Ok(None) };
        let Some(k) = key else {
            return Err(invalid(
                operation,
                argument,
                format!(
                    "the data has no {argument} column (key columns: {}); pass null",
                    self.panel.key_names.join(", ")
                ),
            ));
        };
        if self.panel.series.iter().any(|s| s.key.0.get(k).is_some_and(|v| v == id)) {
            return Ok(Some((k, id)));
        }
        let mut known: Vec<&str> =
            self.panel.series.iter().filter_map(|s| s.key.0.get(k).map(String::as_str)).collect();
        known.sort_unstable();
        known.dedup();
        let shown: Vec<&str> = known.iter().take(10).copied().collect();
        let more =
            if known.len() > shown.len() { format!(" and {} more", known.len() - shown.len()) } else { String::new() };
        Err(invalid(operation, argument, format!("`{id}` is not in the data; known ids: {}{more}", shown.join(", "))))
    }

    /// The `horizon` argument, or `default` when it is null or absent.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when it is not a positive integer.
    pub fn horizon(&self, operation: &str, args: &Value, default: usize) -> Result<usize> {
        match optional_count(operation, args, "horizon")? {
            None => Ok(default),
            Some(0) => Err(invalid(operation, "horizon", "must be at least 1 period".into())),
            Some(h) => Ok(h),
        }
    }

    /// The `lead_time` argument in periods, or `None` when null or absent.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when it is not a non-negative integer.
    pub fn lead_time(&self, operation: &str, args: &Value) -> Result<Option<usize>> {
        optional_count(operation, args, "lead_time")
    }

    /// The `service_level` argument, or `None` when null or absent.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when it is not a number strictly between 0 and 1.
    pub fn service_level(&self, operation: &str, args: &Value) -> Result<Option<f64>> {
        match args.get("service_level") {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_f64() {
                Some(p) if p > 0.0 && p < 1.0 => Ok(Some(p)),
                _ => Err(invalid(operation, "service_level", format!("{v} is not a probability in (0, 1), e.g. 0.95"))),
            },
        }
    }

    /// The `period` argument as inclusive dates, or `None` when null or absent.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `period.from` or `period.to` when a date is not an ISO
    /// date (YYYY-MM-DD) or `to` is before `from`.
    pub fn period(&self, operation: &str, args: &Value) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let period = match args.get("period") {
            None | Some(Value::Null) => return Ok(None),
            Some(p) => p,
        };
        let date = |field: &str| {
            let name = format!("period.{field}");
            let text = period
                .get(field)
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(operation, &name, "is missing; give an ISO date (YYYY-MM-DD)".into()))?;
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|e| invalid(operation, &name, format!("`{text}` is not an ISO date (YYYY-MM-DD): {e}")))
        };
        let (from, to) = (date("from")?, date("to")?);
        if to < from {
            return Err(invalid(operation, "period.to", format!("{to} is before period.from {from}")));
        }
        Ok(Some((from, to)))
    }

    /// The `change` argument, or `None` when null or absent; the feature must be a regressor
    /// of the panel.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `change.feature` for an unknown feature (the message
    /// lists the regressors), or `change` when not exactly one of `delta`, `value`,
    /// `delta_pct` is a number.
    pub fn change(&self, operation: &str, args: &Value) -> Result<Option<FeatureChange>> {
        let change = match args.get("change") {
            None | Some(Value::Null) => return Ok(None),
            Some(c) => c,
        };
        let feature = change.get("feature").and_then(Value::as_str).unwrap_or_default();
        if self.panel.regressor_index(feature).is_none() {
            return Err(invalid(
                operation,
                "change.feature",
                format!(
                    "`{feature}` is not a feature of the data; its features are: {}",
                    self.panel.regressor_names.join(", ")
                ),
            ));
        }
        let number = |field: &str| change.get(field).and_then(Value::as_f64);
        let kinds: Vec<ChangeKind> = [
            number("delta").map(ChangeKind::Delta),
            number("value").map(ChangeKind::Value),
            number("delta_pct").map(ChangeKind::DeltaPct),
        ]
        .into_iter()
        .flatten()
        .collect();
        match kinds.as_slice() {
            [kind] if kind_is_finite(*kind) => Ok(Some(FeatureChange { feature: feature.to_string(), kind: *kind })),
            [_] => Err(invalid(operation, "change", "the amount must be a finite number".into())),
            _ => Err(invalid(
                operation,
                "change",
                format!("exactly one of delta, value and delta_pct must be a number; {} are", kinds.len()),
            )),
        }
    }
}

fn kind_is_finite(kind: ChangeKind) -> bool {
    match kind {
        ChangeKind::Delta(x) | ChangeKind::Value(x) | ChangeKind::DeltaPct(x) => x.is_finite(),
    }
}

fn invalid(operation: &str, argument: &str, message: String) -> Error {
    Error::InvalidArgument { operation: operation.to_string(), argument: argument.to_string(), message }
}

fn optional_str<'a>(operation: &str, args: &'a Value, name: &str) -> Result<Option<&'a str>> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(v) => Err(invalid(operation, name, format!("{v} is not an id; give a non-empty string or null"))),
    }
}

fn optional_count(operation: &str, args: &Value, name: &str) -> Result<Option<usize>> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid(operation, name, format!("{v} is not a whole number of periods"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParamGuard;
    use crate::data::generator::RetailGenerator;
    use crate::features::FeatureSpec;
    use crate::forecast::GlobalForecaster;
    use crate::gbdt::Gbdt;
    use serde_json::json;

    fn context() -> ToolContext {
        let data = RetailGenerator::new(5).stores(2).items(3).days(120).future_days(7).generate();
        let features = FeatureSpec::for_frequency(data.panel.frequency).retain_available(&data.panel.regressor_names);
        let gbdt = Gbdt::params().n_rounds(5).check().expect("params");
        let pipeline = GlobalForecaster::new("gbdt", gbdt, features).horizon(7).fit_pipeline(&data.panel).expect("fit");
        ToolContext::new(Arc::new(data.panel), Arc::new(pipeline))
    }

    #[test]
    fn selects_series_and_names_unknown_ids() {
        let ctx = context();
        let store = ctx.store_of(0).expect("store").to_string();
        let all = ctx.series("forecast", &json!({"store": null, "item": null})).expect("all");
        assert_eq!(all.len(), ctx.panel().series.len());
        let one = ctx.series("forecast", &json!({"store": store, "item": null})).expect("store");
        assert!(!one.is_empty() && one.len() < all.len());
        assert!(one.iter().all(|&s| ctx.store_of(s) == Some(store.as_str())));
        let err = ctx.series("forecast", &json!({"store": "store_99", "item": null})).expect_err("unknown");
        let text = err.to_string();
        assert!(text.contains("`store`") && text.contains("store_99") && text.contains(&store), "{text}");
    }

    #[test]
    fn reads_period_change_and_numbers() {
        let ctx = context();
        let args = json!({"period": {"from": "2026-03-01", "to": "2026-02-01"}});
        assert!(ctx.period("explain_drop", &args).expect_err("reversed").to_string().contains("period.to"));
        let args = json!({"period": {"from": "2026-02-30", "to": "2026-03-01"}});
        assert!(ctx.period("explain_drop", &args).expect_err("no such day").to_string().contains("period.from"));
        let args = json!({"change": {"feature": "price", "delta": null, "value": null, "delta_pct": -10.0}});
        let change = ctx.change("what_if", &args).expect("change").expect("some");
        assert!((change.kind.apply(2.0) - 1.8).abs() < 1e-12);
        let args = json!({"change": {"feature": "colour", "delta": 1.0, "value": null, "delta_pct": null}});
        assert!(ctx.change("what_if", &args).expect_err("unknown").to_string().contains("change.feature"));
        let args = json!({"change": {"feature": "price", "delta": 1.0, "value": 2.0, "delta_pct": null}});
        assert!(ctx.change("what_if", &args).is_err());
        assert_eq!(ctx.horizon("forecast", &json!({"horizon": null}), 14).expect("default"), 14);
        assert!(ctx.horizon("forecast", &json!({"horizon": 0}), 14).is_err());
        assert!(ctx.service_level("reorder", &json!({"service_level": 1.0})).is_err());
        assert_eq!(ctx.lead_time("reorder", &json!({"lead_time": 3})).expect("lead"), Some(3));
    }
}
