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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::SeasonalNaive;
    use crate::forecast::forecast_ahead;
    use crate::forecast::testing::panel;

    #[test]
    fn baselines_forecast_each_series_from_its_own_history_before_the_origin() {
        let weekly: Vec<f64> = (0..28).map(|t| (t % 7) as f64).collect();
        let p = panel(vec![(weekly.clone(), vec![0.0; 28]), (vec![5.0; 20], vec![0.0; 20])]);
        let model = LocalForecaster::new(SeasonalNaive { season: 7 }).named("snaive");
        assert_eq!(model.name(), "snaive");
        let f = forecast_ahead(&model, &p, 9).unwrap();
        assert_eq!(f.series[0].point, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 0.0, 1.0]);
        assert_eq!(f.series[1].point, vec![5.0; 9]);
        // from an earlier origin, the target after it is not read
        let fitted = model.fit(&p, &[10, 10]).unwrap();
        let early = fitted.forecast(&[10, 10], 3).unwrap();
        assert_eq!(early.series[0].point, vec![3.0, 4.0, 5.0]);
        assert_eq!(early.series[0].origin, 10);
        assert!(fitted.forecast(&[10], 3).is_err());
    }
}
