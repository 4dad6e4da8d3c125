//! Local per-series methods (the baselines) as a [`Forecaster`]: each series is forecast from
//! its own history only, so "fitting" just remembers the panel.

use super::{FittedForecaster, Forecaster, Forecasts, SeriesForecast};
use crate::baseline::SeriesForecaster;
use crate::{Panel, Result};
use std::sync::Arc;

/// A [`SeriesForecaster`] applied to every series of a panel.
#[derive(Debug, Clone)]
pub struct LocalForecaster {
    name: String,
    method: Arc<dyn SeriesForecaster>,
}

impl LocalForecaster {
    /// Wrap `method`; the name is the method's own name.
    pub fn new(method: impl SeriesForecaster + 'static) -> Self {
        Self { name: method.name().to_owned(), method: Arc::new(method) }
    }

    /// Use `name` in tables instead of the method's own name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
}

impl Forecaster for LocalForecaster {
    fn name(&self) -> &str {
        &self.name
    }

    fn fit<'a>(&self, panel: &'a Panel, end: &[usize]) -> Result<Box<dyn FittedForecaster + 'a>> {
        super::check_per_series(panel, end, "LocalForecaster::fit: end per series")?;
        Ok(Box::new(FittedLocal { name: self.name.clone(), method: Arc::clone(&self.method), panel }))
    }
}

/// A [`LocalForecaster`] bound to a panel.
#[derive(Debug)]
pub struct FittedLocal<'a> {
    name: String,
    method: Arc<dyn SeriesForecaster>,
    panel: &'a Panel,
}

impl FittedForecaster for FittedLocal<'_> {
    fn forecast(&self, origin: &[usize], horizon: usize) -> Result<Forecasts> {
        super::check_per_series(self.panel, origin, "forecast: origins")?;
        let mut series = Vec::with_capacity(self.panel.series.len());
        for (s, (data, &o)) in self.panel.series.iter().zip(origin).enumerate() {
            let mut f = SeriesForecast::new(self.panel, s, o, horizon);
            f.point = self.method.forecast(&data.target[..o], horizon)?;
            series.push(f);
        }
        Ok(Forecasts { model: self.name.clone(), horizon, series })
    }
}
