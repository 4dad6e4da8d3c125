//! The closed dictionaries the planner fills slots from: the panel's store and item ids,
//! model names, static columns and regressors, and the panel's frequency.

use crate::error::{AgentError, Result};
use chrono::NaiveDate;
use forecast_core::{Frequency, Panel};
use std::collections::BTreeSet;

/// What the planner may name in a plan; anything else gets a clarifying question.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `stores` | empty | store ids as in the data | any strings |
/// | `items` | empty | item ids as in the data | any strings |
/// | `models` | empty | registered model names | `[A-Za-z0-9_.-]+` |
/// | `statics` | empty | static columns `by` may name | column names |
/// | `features` | empty | regressors a `change` may name | column names |
/// | `frequency` | daily | unit of `horizon` and `lead_time` | daily, weekly, monthly |
/// | `origin` | the clock's date | forecast origin (last observed date) horizons count from | a date |
#[derive(Debug, Clone, PartialEq)]
pub struct Vocabulary {
    pub(crate) stores: Vec<String>,
    pub(crate) items: Vec<String>,
    pub(crate) models: Vec<String>,
    pub(crate) statics: Vec<String>,
    pub(crate) features: Vec<String>,
    pub(crate) frequency: Frequency,
    pub(crate) origin: Option<NaiveDate>,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Self {
            stores: Vec::new(),
            items: Vec::new(),
            models: Vec::new(),
            statics: Vec::new(),
            features: Vec::new(),
            frequency: Frequency::Daily,
            origin: None,
        }
    }
}

fn distinct(values: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    values.into_iter().map(Into::into).filter(|v: &String| seen.insert(v.clone())).collect()
}

impl Vocabulary {
    /// An empty vocabulary (daily, origin from the clock).
    pub fn new() -> Self {
        Self::default()
    }

    /// From a panel: store and item ids from the key columns named `store_column` and
    /// `item_column`, static columns, regressors, frequency, and the last date with an
    /// observation as the origin.
    ///
    /// # Errors
    /// [`AgentError::Core`] (`InvalidData`) when a named key column is not in the panel.
    pub fn from_panel(panel: &Panel, store_column: &str, item_column: &str) -> Result<Self> {
        let column = |name: &str| {
            panel.key_names.iter().position(|k| k == name).ok_or_else(|| {
                AgentError::Core(forecast_core::Error::InvalidData(format!(
                    "key column `{name}` is not in the panel; its key columns are: {}",
                    panel.key_names.join(", ")
                )))
            })
        };
        let (s, i) = (column(store_column)?, column(item_column)?);
        let ids = |c: usize| distinct(panel.series.iter().filter_map(|x| x.key.0.get(c).cloned()));
        let origin = panel.series.iter().filter(|x| !x.is_empty()).filter_map(|x| panel.date(x, x.len() - 1)).max();
        Ok(Self {
            stores: ids(s),
            items: ids(i),
            models: Vec::new(),
            statics: panel.static_names.clone(),
            features: panel.regressor_names.clone(),
            frequency: panel.frequency,
            origin,
        })
    }

    /// Set the store ids.
    pub fn stores(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.stores = distinct(ids);
        self
    }

    /// Set the item ids.
    pub fn items(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.items = distinct(ids);
        self
    }

    /// Set the registered model names.
    pub fn models(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.models = distinct(names);
        self
    }

    /// Set the static columns `by` may name.
    pub fn statics(mut self, columns: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.statics = distinct(columns);
        self
    }

    /// Set the regressors a `change` may name.
    pub fn features(mut self, columns: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.features = distinct(columns);
        self
    }

    /// Set the panel's frequency.
    pub fn frequency(mut self, frequency: Frequency) -> Self {
        self.frequency = frequency;
        self
    }

    /// Set the forecast origin (the last observed date); horizons count from it.
    pub fn origin(mut self, origin: NaiveDate) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Store ids.
    pub fn store_ids(&self) -> &[String] {
        &self.stores
    }

    /// Item ids.
    pub fn item_ids(&self) -> &[String] {
        &self.items
    }

    /// Model names.
    pub fn model_names(&self) -> &[String] {
        &self.models
    }
}
