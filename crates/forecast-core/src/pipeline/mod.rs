//! `ForecastPipeline`: everything needed to forecast again, owned and serialisable.
//!
//! A fitted pipeline holds the panel layout it was fitted on ([`PanelSchema`]: frequency,
//! columns, static levels, series keys), the model (a global model's feature spec, strategy,
//! horizon and every step and quantile model with its feature names; or a local method), the
//! conformal calibration of its backtest, and whether forecasts are clamped at zero. It
//! borrows nothing: it can be moved, stored (as [`ModelArtifact::Pipeline`] in JSON, binary
//! or a registry), shared across threads, and asked to forecast from any panel with the same
//! layout, e.g. one holding newer observations than at fit time (mlforecast's
//! `predict(new_df)`), without refitting.
//!
//! ```
//! use forecast_core::data::RetailGenerator;
//! use forecast_core::features::FeatureSpec;
//! use forecast_core::forecast::{GlobalForecaster, Strategy};
//! use forecast_core::gbdt::{Gbdt, Objective};
//! use forecast_core::{ModelArtifact, ParamGuard};
//!
//! let data = RetailGenerator::new(5).stores(1).items(3).days(200).future_days(7).generate();
//! let features = FeatureSpec::for_frequency(data.panel.frequency).retain_available(&data.panel.regressor_names);
//! let gbdt = Gbdt::params().objective(Objective::Poisson).n_rounds(20).check()?;
//! let model = GlobalForecaster::new("gbdt", gbdt, features).strategy(Strategy::Direct).horizon(7);
//! let pipeline = model.fit_pipeline(&data.panel)?;
//!
//! // Save, reload, forecast: bit-identical.
//! let bytes = ModelArtifact::from(pipeline.clone()).to_bytes()?;
//! let reloaded = ModelArtifact::from_bytes(&bytes)?.into_pipeline()?;
//! assert_eq!(reloaded.forecast(&data.panel, 7)?, pipeline.forecast(&data.panel, 7)?);
//! assert_eq!(reloaded.step_models().len(), 7); // one model per step
//! # Ok::<(), forecast_core::Error>(())
//! ```

mod schema;
mod step;

pub use schema::PanelSchema;
pub use step::{ScoredModel, StepModel};

use crate::artifact::ModelArtifact;
use crate::features::{FeatureBuilder, FeatureSpec};
use crate::forecast::{FittedForecaster, Forecasts, LocalMethod, SeriesForecast, Strategy, direct, recursive};
use crate::interval::ConformalIntervals;
use crate::{Error, Panel, Result};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// A fitted forecasting pipeline. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastPipeline {
    name: String,
    schema: PanelSchema,
    model: PipelineModel,
    conformal: Option<ConformalIntervals>,
    non_negative: bool,
}

/// What a pipeline forecasts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PipelineModel {
    /// One model across all series, scoring feature rows.
    Global(GlobalModel),
    /// A method that forecasts each series from its own history.
    Local(LocalMethod),
}

/// The fitted part of a global model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalModel {
    /// The feature recipe.
    pub features: FeatureSpec,
    /// Recursive or direct.
    pub strategy: Strategy,
    /// The horizon it was fitted for (the direct strategy forecasts at most this many steps).
    pub horizon: usize,
    /// The step models, by increasing first step.
    pub steps: Vec<StepModel>,
}

impl GlobalModel {
    /// Index of the step model that scores forecast step `step` (1-based).
    pub fn step_model_index(&self, step: usize) -> Option<usize> {
        match self.strategy {
            Strategy::Recursive => (!self.steps.is_empty()).then_some(0),
            Strategy::Direct => self.steps.iter().position(|m| m.covers(step)),
        }
    }
}

/// The design rows a pipeline scored for one forecast step: exactly what its step model read.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRows {
    /// The forecast step (1-based).
    pub step: usize,
    /// Index of the step model in [`ForecastPipeline::step_models`].
    pub model: usize,
    /// Rows x features (the step model's [`StepModel::feature_names`]).
    pub x: Array2<f64>,
    /// `(series, t)` of each row: the panel series index and the target index forecast.
    pub rows: Vec<(usize, usize)>,
}

impl ForecastPipeline {
    pub(crate) fn new(name: String, schema: PanelSchema, model: PipelineModel, non_negative: bool) -> Self {
        Self { name, schema, model, conformal: None, non_negative }
    }

    /// The name forecasts are reported under (e.g. `"gbdt"`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The layout of the panel it was fitted on.
    pub fn schema(&self) -> &PanelSchema {
        &self.schema
    }

    /// The fitted model.
    pub fn model(&self) -> &PipelineModel {
        &self.model
    }

    /// The global model, if this is one.
    pub fn global(&self) -> Option<&GlobalModel> {
        match &self.model {
            PipelineModel::Global(g) => Some(g),
            PipelineModel::Local(_) => None,
        }
    }

    /// The step models of a global pipeline (empty for a local one).
    pub fn step_models(&self) -> &[StepModel] {
        self.global().map_or(&[], |g| &g.steps)
    }

    /// The feature names the model of forecast step `step` (1-based) reads, if global.
    pub fn feature_names(&self, step: usize) -> Option<&[String]> {
        let g = self.global()?;
        g.step_model_index(step).map(|i| g.steps[i].feature_names.as_slice())
    }

    /// The strategy of a global pipeline.
    pub fn strategy(&self) -> Option<Strategy> {
        self.global().map(|g| g.strategy)
    }

    /// The largest horizon it forecasts: the fitted horizon for the direct strategy, unbounded
    /// (`None`) for recursive and local models.
    pub fn max_horizon(&self) -> Option<usize> {
        self.global().filter(|g| g.strategy == Strategy::Direct).map(|g| g.horizon)
    }

    /// The conformal calibration added to forecasts, if any.
    pub fn conformal(&self) -> Option<&ConformalIntervals> {
        self.conformal.as_ref()
    }

    /// Set (or clear) the conformal calibration, e.g. from the pipeline's backtest
    /// ([`crate::backtest::ModelBacktest::conformal`]).
    pub fn set_conformal(&mut self, conformal: Option<ConformalIntervals>) {
        self.conformal = conformal;
    }

    /// Whether forecasts are clamped at zero.
    pub fn non_negative(&self) -> bool {
        self.non_negative
    }

    /// Forecast the `horizon` periods after the end of every series of `panel`.
    ///
    /// # Errors
    /// As [`ForecastPipeline::forecast_from`].
    pub fn forecast(&self, panel: &Panel, horizon: usize) -> Result<Forecasts> {
        let origins: Vec<Option<usize>> = panel.series.iter().map(|s| Some(s.len())).collect();
        self.forecast_from(panel, &origins, horizon)
    }

    /// Forecast `horizon` steps from `origins[s]` (targets before it are read) for every series
    /// with an origin; `None` leaves a series out. Adds the conformal interval when calibrated
    /// and the model forecasts no quantiles of its own.
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] when the panel's layout differs from the training panel's;
    /// [`Error::ShapeMismatch`] when `origins` has the wrong length; [`Error::InvalidParam`]
    /// for a direct horizon past the fitted one; model errors.
    pub fn forecast_from(&self, panel: &Panel, origins: &[Option<usize>], horizon: usize) -> Result<Forecasts> {
        let (mut series, _) = self.run(panel, origins, horizon, false)?;
        if let Some(c) = &self.conformal
            && series.iter().all(|f| f.quantiles.is_empty())
        {
            let mut f = Forecasts { model: self.name.clone(), horizon, series };
            c.apply(panel, &mut f, self.non_negative);
            series = f.series;
        }
        Ok(Forecasts { model: self.name.clone(), horizon, series })
    }

    /// The design rows each forecast step scored, with the forecasts they produced: what an
    /// explanation of these forecasts must read (the recursive strategy's rows include the
    /// predictions it fed back). Empty for a local model.
    ///
    /// # Errors
    /// As [`ForecastPipeline::forecast_from`].
    pub fn design_rows(
        &self,
        panel: &Panel,
        origins: &[Option<usize>],
        horizon: usize,
    ) -> Result<(Forecasts, Vec<StepRows>)> {
        let (series, rows) = self.run(panel, origins, horizon, true)?;
        Ok((Forecasts { model: self.name.clone(), horizon, series }, rows))
    }

    fn run(
        &self,
        panel: &Panel,
        origins: &[Option<usize>],
        horizon: usize,
        record: bool,
    ) -> Result<(Vec<SeriesForecast>, Vec<StepRows>)> {
        let codes = self.schema.check(panel)?;
        crate::forecast::check_origins(panel, origins, "ForecastPipeline::forecast: origins")?;
        match &self.model {
            PipelineModel::Global(g) => {
                let builder = FeatureBuilder::with_static_codes(panel, g.features.clone(), &codes)?;
                let run = crate::forecast::StrategyRun {
                    model: g,
                    builder: &builder,
                    panel,
                    origins,
                    horizon,
                    non_negative: self.non_negative,
                    record,
                };
                match g.strategy {
                    Strategy::Recursive => recursive::forecast(&run),
                    Strategy::Direct => direct::forecast(&run),
                }
            }
            PipelineModel::Local(method) => Ok((method.forecast_panel(panel, origins, horizon)?, Vec::new())),
        }
    }
}

impl FittedForecaster for ForecastPipeline {
    fn forecast(&self, panel: &Panel, origins: &[Option<usize>], horizon: usize) -> Result<Forecasts> {
        self.forecast_from(panel, origins, horizon)
    }

    fn pipeline(&self) -> Option<&ForecastPipeline> {
        Some(self)
    }
}

impl From<ForecastPipeline> for ModelArtifact {
    fn from(p: ForecastPipeline) -> Self {
        Self::Pipeline(Box::new(p))
    }
}

impl ModelArtifact {
    /// The fitted pipeline inside a [`ModelArtifact::Pipeline`].
    ///
    /// # Errors
    /// [`Error::Unsupported`] for any other kind.
    pub fn into_pipeline(self) -> Result<ForecastPipeline> {
        match self {
            Self::Pipeline(p) => Ok(*p),
            other => Err(Error::Unsupported {
                operation: "forecasting a panel (into_pipeline)",
                kind: other.kind(),
                hint: "only a fitted pipeline forecasts a panel; fit one with GlobalForecaster::fit_pipeline",
            }),
        }
    }
}
