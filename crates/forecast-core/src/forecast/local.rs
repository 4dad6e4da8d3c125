//! Local per-series methods (the baselines) as a [`Forecaster`]: each series is forecast from
//! its own history only, so fitting learns nothing that newer observations would not
//! replace; the fitted pipeline stores the method and applies it to the history of whatever
//! panel it is given (as statsforecast's `forecast` does).

use super::{FittedForecaster, Forecaster, SeriesForecast};
use crate::baseline::{BaselineModel, MovingAverage, Naive, SeasonalNaive, SeriesForecaster};
use crate::pipeline::{ForecastPipeline, PanelSchema, PipelineModel};
use crate::{Error, Panel, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The local methods a pipeline can store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LocalMethod {
    /// Naive, seasonal naive or moving average.
    Baseline(BaselineModel),
}

impl LocalMethod {
    fn method(&self) -> &dyn SeriesForecaster {
        match self {
            Self::Baseline(m) => m,
        }
    }

    /// The method's own name.
    pub fn name(&self) -> &str {
        self.method().name()
    }

    /// Forecast each series with an origin from `target[..origin]`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the series when its history cannot be forecast (e.g. no
    /// observed value).
    pub(crate) fn forecast_panel(
        &self,
        panel: &Panel,
        origins: &[Option<usize>],
        horizon: usize,
    ) -> Result<Vec<SeriesForecast>> {
        let method = self.method();
        origins
            .par_iter()
            .enumerate()
            .filter_map(|(s, o)| o.map(|o| (s, o)))
            .map(|(s, o)| {
                let mut f = SeriesForecast::new(panel, s, o, horizon);
                f.point = method.forecast(&panel.series[s].target[..o], horizon).map_err(|e| {
                    Error::InvalidData(format!("{}: series {}: {e}", method.name(), panel.series[s].key))
                })?;
                Ok(f)
            })
            .collect()
    }
}

impl From<BaselineModel> for LocalMethod {
    fn from(m: BaselineModel) -> Self {
        Self::Baseline(m)
    }
}

impl From<Naive> for LocalMethod {
    fn from(m: Naive) -> Self {
        Self::Baseline(BaselineModel::Naive(m))
    }
}

impl From<SeasonalNaive> for LocalMethod {
    fn from(m: SeasonalNaive) -> Self {
        Self::Baseline(BaselineModel::SeasonalNaive(m))
    }
}

impl From<MovingAverage> for LocalMethod {
    fn from(m: MovingAverage) -> Self {
        Self::Baseline(BaselineModel::MovingAverage(m))
    }
}

/// A [`LocalMethod`] applied to every series of a panel.
#[derive(Debug, Clone)]
pub struct LocalForecaster {
    name: String,
    method: LocalMethod,
    non_negative: bool,
}

impl LocalForecaster {
    /// Wrap `method`; the name is the method's own name.
    pub fn new(method: impl Into<LocalMethod>) -> Self {
        let method = method.into();
        Self { name: method.name().to_owned(), method, non_negative: true }
    }

    /// Use `name` in tables instead of the method's own name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The fitted pipeline of this method for panels laid out as `panel`.
    ///
    /// # Errors
    /// As [`crate::Panel::validate`].
    pub fn fit_pipeline(&self, panel: &Panel) -> Result<ForecastPipeline> {
        panel.validate()?;
        Ok(ForecastPipeline::new(
            self.name.clone(),
            PanelSchema::of(panel),
            PipelineModel::Local(self.method.clone()),
            self.non_negative,
        ))
    }
}

impl Forecaster for LocalForecaster {
    fn name(&self) -> &str {
        &self.name
    }

    fn fit(&self, panel: &Panel, end: &[usize]) -> Result<Box<dyn FittedForecaster>> {
        super::check_per_series(panel, end, "LocalForecaster::fit: end per series")?;
        Ok(Box::new(self.fit_pipeline(panel)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let early = fitted.forecast(&p, &[Some(10), Some(10)], 3).unwrap();
        assert_eq!(early.series[0].point, vec![3.0, 4.0, 5.0]);
        assert_eq!(early.series[0].origin, 10);
        assert!(fitted.forecast(&p, &[Some(10)], 3).is_err());
        // a series left out is not forecast, so an empty history does not fail the others
        let left_out = fitted.forecast(&p, &[None, Some(0)], 3);
        assert!(left_out.unwrap_err().to_string().contains("s001"), "names the series");
        let only_first = fitted.forecast(&p, &[Some(10), None], 3).unwrap();
        assert_eq!(only_first.series.len(), 1);
    }
}
