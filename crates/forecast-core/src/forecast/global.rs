//! One global model across all series: learners fitted on the pooled feature rows of every
//! series, forecasting with the recursive or the direct strategy. Fitting produces an owned
//! [`ForecastPipeline`].

use super::{FittedForecaster, Forecaster, Learner, StepGroups, Strategy, TrainingSet};
use crate::features::{DesignMatrix, FeatureBuilder, FeatureSpec};
use crate::pipeline::{ForecastPipeline, GlobalModel, PanelSchema, PipelineModel, ScoredModel, StepModel};
use crate::{Error, Panel, Result};
use ndarray::{Array1, Array2};
use std::fmt::Debug;
use std::sync::Arc;

/// A global model: a point learner, optional quantile learners (e.g. quantile-objective GBDTs
/// at alpha 0.1 and 0.9), a feature recipe and a strategy.
///
/// | Setting | Default | Purpose | Range |
/// |---|---|---|---|
/// | `strategy` | recursive | multi-step strategy | recursive, direct |
/// | `horizon` | 28 | steps the direct strategy fits a model for (the recursive strategy forecasts any horizon) | >= 1 |
/// | `step_groups` | each step | direct models per step or per group of steps | [`StepGroups`] |
/// | `quantile` | none | extra models predicting quantile `alpha` on the same rows | (0, 1) |
/// | `validation` | `horizon` | last periods of each series held out for early stopping (only when the learner stops early) | >= 1 |
/// | `non_negative` | true | clamp forecasts at 0 (unit sales) | |
#[derive(Debug, Clone)]
pub struct GlobalForecaster {
    name: String,
    learner: Arc<dyn Learner>,
    quantiles: Vec<(f64, Arc<dyn Learner>)>,
    features: FeatureSpec,
    strategy: Strategy,
    horizon: usize,
    step_groups: StepGroups,
    validation: Option<usize>,
    non_negative: bool,
}

impl GlobalForecaster {
    /// A recursive global model named `name`.
    pub fn new(name: impl Into<String>, learner: impl Learner + 'static, features: FeatureSpec) -> Self {
        Self {
            name: name.into(),
            learner: Arc::new(learner),
            quantiles: Vec::new(),
            features,
            strategy: Strategy::Recursive,
            horizon: 28,
            step_groups: StepGroups::EachStep,
            validation: None,
            non_negative: true,
        }
    }

    /// Set the multi-step strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Set the horizon the direct strategy fits models for.
    pub fn horizon(mut self, horizon: usize) -> Self {
        self.horizon = horizon;
        self
    }

    /// Set how the direct strategy assigns models to steps.
    pub fn step_groups(mut self, groups: StepGroups) -> Self {
        self.step_groups = groups;
        self
    }

    /// Add a model of the quantile `alpha` (a learner with a quantile objective).
    pub fn quantile(mut self, alpha: f64, learner: impl Learner + 'static) -> Self {
        self.quantiles.push((alpha, Arc::new(learner)));
        self
    }

    /// Hold out the last `periods` of each series' training history as the validation split
    /// of learners that stop early (default: the horizon).
    pub fn validation(mut self, periods: usize) -> Self {
        self.validation = Some(periods);
        self
    }

    /// Whether forecasts are clamped at zero.
    pub fn non_negative(mut self, yes: bool) -> Self {
        self.non_negative = yes;
        self
    }

    /// The name forecasts are reported under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The feature recipe.
    pub fn features(&self) -> &FeatureSpec {
        &self.features
    }

    /// Fit on the whole history of every series.
    ///
    /// # Errors
    /// As [`GlobalForecaster::fit_pipeline_until`].
    pub fn fit_pipeline(&self, panel: &Panel) -> Result<ForecastPipeline> {
        let end: Vec<usize> = panel.series.iter().map(|s| s.len()).collect();
        self.fit_pipeline_until(panel, &end)
    }

    /// Fit on targets `panel.series[s].target[..end[s]]`, returning the owned fitted pipeline.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a quantile level outside (0, 1), a zero horizon or
    /// validation window; [`Error::ShapeMismatch`] for a wrong `end`; feature and learner errors.
    pub fn fit_pipeline_until(&self, panel: &Panel, end: &[usize]) -> Result<ForecastPipeline> {
        panel.validate()?;
        super::check_per_series(panel, end, "GlobalForecaster::fit: end per series")?;
        self.check()?;
        let mut quantiles: Vec<(f64, Arc<dyn Learner>)> = self.quantiles.clone();
        quantiles.sort_by(|a, b| a.0.total_cmp(&b.0));
        let builder = FeatureBuilder::new(panel, self.features.clone())?;
        let plan: Vec<(usize, usize)> = match self.strategy {
            Strategy::Recursive => vec![(1, usize::MAX)],
            Strategy::Direct => self.step_groups.ranges(self.horizon),
        };
        let mut steps = Vec::with_capacity(plan.len());
        for (first, last) in plan {
            let (m, step_column) = match self.strategy {
                Strategy::Recursive => (builder.training_matrix(end, 1)?, false),
                Strategy::Direct if first == last => (builder.training_matrix(end, first)?, false),
                Strategy::Direct => (stacked_rows(&builder, end, first, last)?, true),
            };
            if m.n_rows() == 0 {
                return Err(Error::InvalidData(format!(
                    "{}: no training row for forecast step {first} (series too short for its shift, or every target missing)",
                    self.name
                )));
            }
            let validation = self.validation_flags(&m, end);
            let mut set = TrainingSet::new(m.x.view(), m.y.view(), &m.categorical);
            if let Some(v) = &validation {
                set = set.with_validation(v);
            }
            let point = ScoredModel::new(self.learner.fit_model(&set)?)?;
            let mut heads = Vec::with_capacity(quantiles.len());
            for (alpha, learner) in &quantiles {
                heads.push((*alpha, ScoredModel::new(learner.fit_model(&set)?)?));
            }
            steps.push(StepModel {
                first_step: first,
                last_step: last,
                step_column,
                feature_names: m.names,
                categorical: m.categorical,
                point,
                quantiles: heads,
                n_train_rows: m.y.len(),
            });
        }
        let model =
            GlobalModel { features: self.features.clone(), strategy: self.strategy, horizon: self.horizon, steps };
        Ok(ForecastPipeline::new(
            self.name.clone(),
            PanelSchema::of(panel),
            PipelineModel::Global(model),
            self.non_negative,
        ))
    }

    fn check(&self) -> Result<()> {
        for (alpha, _) in &self.quantiles {
            if !(*alpha > 0.0 && *alpha < 1.0) {
                return Err(Error::InvalidParam {
                    name: "quantile",
                    value: alpha.to_string(),
                    expected: "a level strictly between 0 and 1",
                });
            }
        }
        if self.horizon == 0 {
            return Err(Error::InvalidParam { name: "horizon", value: "0".into(), expected: ">= 1" });
        }
        if self.validation == Some(0) {
            return Err(Error::InvalidParam { name: "validation", value: "0".into(), expected: ">= 1 periods" });
        }
        if let StepGroups::Every(0) = self.step_groups {
            return Err(Error::InvalidParam {
                name: "step_groups",
                value: "0".into(),
                expected: ">= 1 steps per group",
            });
        }
        Ok(())
    }

    /// Which rows form the validation split: the last `validation` periods of each series'
    /// training history, when a learner stops early.
    fn validation_flags(&self, m: &DesignMatrix, end: &[usize]) -> Option<Vec<bool>> {
        let uses = self.learner.uses_validation() || self.quantiles.iter().any(|(_, l)| l.uses_validation());
        if !uses {
            return None;
        }
        let periods = self.validation.unwrap_or(self.horizon);
        Some(m.rows.iter().map(|r| r.t + periods >= end[r.series]).collect())
    }
}

/// The rows of steps `first..=last` stacked (each read at its own step's shift), with the step
/// as an extra last column `step`.
fn stacked_rows(builder: &FeatureBuilder, end: &[usize], first: usize, last: usize) -> Result<DesignMatrix> {
    let parts = (first..=last).map(|h| builder.training_matrix(end, h)).collect::<Result<Vec<_>>>()?;
    let n: usize = parts.iter().map(DesignMatrix::n_rows).sum();
    let nf = builder.n_features();
    let mut x = Array2::<f64>::zeros((n, nf + 1));
    let (mut y, mut rows) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut at = 0;
    for (h, part) in (first..=last).zip(&parts) {
        let k = part.n_rows();
        x.slice_mut(ndarray::s![at..at + k, ..nf]).assign(&part.x);
        x.slice_mut(ndarray::s![at..at + k, nf]).fill(h as f64);
        y.extend(part.y.iter().copied());
        rows.extend(part.rows.iter().copied());
        at += k;
    }
    let mut names = builder.names_for_shift(first);
    names.push("step".into());
    Ok(DesignMatrix {
        x,
        y: Array1::from(y),
        names,
        categorical: builder.categorical(),
        rows,
        missing_targets: parts.iter().map(|p| p.missing_targets).sum(),
    })
}

impl Forecaster for GlobalForecaster {
    fn name(&self) -> &str {
        &self.name
    }

    fn fit(&self, panel: &Panel, end: &[usize]) -> Result<Box<dyn FittedForecaster>> {
        Ok(Box::new(self.fit_pipeline_until(panel, end)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::forecast_ahead;
    use crate::forecast::testing::{LeastSquares, lag_and_regressors, panel};
    use crate::{Frequency, ModelArtifact};

    /// Regressor cycling through 1..=5, target = 10 * regressor (no target dynamics).
    fn regressor_only(len: usize, future: usize) -> Panel {
        let reg: Vec<f64> = (0..len + future).map(|t| (t % 5 + 1) as f64).collect();
        let target = reg[..len].iter().map(|r| 10.0 * r).collect();
        panel(vec![(target, reg)])
    }

    fn ls(spec: FeatureSpec) -> GlobalForecaster {
        GlobalForecaster::new("ls", LeastSquares, spec)
    }

    #[test]
    fn recursive_reads_each_steps_own_regressors() {
        let p = regressor_only(60, 10);
        let f = forecast_ahead(&ls(lag_and_regressors()), &p, 7).unwrap();
        let reg = &p.series[0].regressors[0];
        let expected: Vec<f64> = (60..67).map(|t| 10.0 * reg[t]).collect();
        for (got, want) in f.series[0].point.iter().zip(&expected) {
            assert!((got - want).abs() < 1e-6, "{:?} vs {expected:?}", f.series[0].point);
        }
        assert_eq!(f.series[0].dates.first(), p.date(&p.series[0], 60).as_ref());
    }

    #[test]
    fn recursive_feeds_predictions_back_into_lags() {
        // y[t] = y[t-1] + 2: only the fed-back lag can continue the ramp.
        let target: Vec<f64> = (0..40).map(|t| 3.0 + 2.0 * t as f64).collect();
        let p = panel(vec![(target, vec![0.0; 50])]);
        let f = forecast_ahead(&ls(lag_and_regressors()), &p, 5).unwrap();
        for (k, v) in f.series[0].point.iter().enumerate() {
            assert!((v - (3.0 + 2.0 * (40 + k) as f64)).abs() < 1e-6, "{:?}", f.series[0].point);
        }
    }

    #[test]
    fn direct_fits_one_model_per_step_reading_lags_from_that_step() {
        // A random walk: the best forecast of every step is the last observation. Step h's
        // model reads lag_h (the newest value h periods back), so step 1 uses target[o - 1].
        let mut level = 100.0;
        let mut state = 7u64;
        let target: Vec<f64> = (0..300)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                level += ((state >> 33) as f64 / 2f64.powi(31) - 0.5) * 10.0;
                level
            })
            .collect();
        let p = panel(vec![(target.clone(), vec![0.0; 310])]);
        let model = ls(FeatureSpec::empty().lags([1])).strategy(Strategy::Direct).horizon(4);
        let pipeline = model.fit_pipeline_until(&p, &[290]).unwrap();
        assert_eq!(pipeline.step_models().len(), 4);
        for h in 1..=4 {
            assert_eq!(pipeline.feature_names(h).unwrap(), [format!("lag_{h}")]);
        }
        let f = pipeline.forecast_from(&p, &[Some(290)], 4).unwrap();
        let last = target[289];
        for v in &f.series[0].point {
            assert!((v - last).abs() < 0.05 * last.abs().max(1.0), "{:?} vs last {last}", f.series[0].point);
        }
        // A shorter forecast uses the first steps' models, never another shift.
        let short = pipeline.forecast_from(&p, &[Some(290)], 2).unwrap();
        assert_eq!(short.series[0].point, f.series[0].point[..2]);
        assert!(pipeline.forecast_from(&p, &[Some(290)], 5).is_err(), "no model past the fitted horizon");
    }

    #[test]
    fn direct_daily_lags_keep_their_offsets_at_step_one() {
        let p = crate::data::RetailGenerator::new(1).stores(1).items(2).days(120).future_days(28).generate().panel;
        let spec = FeatureSpec::for_frequency(Frequency::Daily).retain_available(&p.regressor_names);
        let pipeline = ls(spec).strategy(Strategy::Direct).horizon(28).fit_pipeline(&p).unwrap();
        let names = |h| pipeline.feature_names(h).unwrap().to_vec();
        for lag in ["lag_1", "lag_7", "lag_14", "lag_21", "lag_28"] {
            assert!(names(1).iter().any(|n| n == lag), "step 1 reads {lag}: {:?}", names(1));
        }
        assert!(!names(1).iter().any(|n| n == "lag_34"));
        assert!(names(28).iter().any(|n| n == "lag_28") && names(28).iter().any(|n| n == "lag_55"));
    }

    #[test]
    fn step_groups_share_a_model_with_a_step_column() {
        let target: Vec<f64> = (0..80).map(|t| 2.0 * t as f64).collect();
        let p = panel(vec![(target, vec![0.0; 90])]);
        let model =
            ls(FeatureSpec::empty().lags([1])).strategy(Strategy::Direct).horizon(5).step_groups(StepGroups::Every(2));
        let pipeline = model.fit_pipeline_until(&p, &[70]).unwrap();
        let ranges: Vec<(usize, usize)> = pipeline.step_models().iter().map(|m| (m.first_step, m.last_step)).collect();
        assert_eq!(ranges, vec![(1, 2), (3, 4), (5, 5)]);
        assert_eq!(pipeline.feature_names(2).unwrap(), ["lag_1", "step"]);
        assert!(!pipeline.step_models()[2].step_column);
        // y = 2t: lag_h + 2h is exact, and linear in (lag, step) within a group.
        let f = pipeline.forecast_from(&p, &[Some(70)], 5).unwrap();
        for (k, v) in f.series[0].point.iter().enumerate() {
            assert!((v - 2.0 * (70 + k) as f64).abs() < 1e-6, "{:?}", f.series[0].point);
        }
    }

    #[test]
    fn quantile_heads_and_clamping() {
        let p = regressor_only(60, 10);
        let model = ls(lag_and_regressors()).quantile(0.9, LeastSquares);
        let f = forecast_ahead(&model, &p, 3).unwrap();
        assert_eq!(f.series[0].quantile(0.9).map(<[f64]>::len), Some(3));
        assert!(ls(lag_and_regressors()).quantile(1.5, LeastSquares).fit(&p, &[60]).is_err());
        // a falling line goes negative without clamping
        let target: Vec<f64> = (0..30).map(|t| 30.0 - t as f64).collect();
        let p = panel(vec![(target, vec![0.0; 40])]);
        let clamped = forecast_ahead(&ls(lag_and_regressors()), &p, 5).unwrap();
        assert!(clamped.series[0].point.iter().all(|v| *v >= 0.0));
        let free = ls(lag_and_regressors()).non_negative(false);
        assert!(forecast_ahead(&free, &p, 5).unwrap().series[0].point[4] < 0.0);
    }

    #[test]
    fn masked_gaps_are_skipped_in_training_and_forecasting_works() {
        let mut target: Vec<f64> = (0..50).map(|t| 5.0 + (t % 3) as f64).collect();
        for t in [10, 11, 12, 30, 49] {
            target[t] = f64::NAN;
        }
        let p = panel(vec![(target, vec![1.0; 60])]);
        let f = forecast_ahead(&ls(lag_and_regressors()), &p, 4).unwrap();
        assert!(f.series[0].point.iter().all(|v| v.is_finite()), "{:?}", f.series[0].point);
    }

    #[test]
    fn wrong_origin_lengths_are_errors() {
        let p = regressor_only(20, 5);
        let model = ls(lag_and_regressors());
        assert!(model.fit(&p, &[20, 20]).is_err());
        assert!(model.fit(&p, &[21]).is_err());
        let fitted = model.fit(&p, &[20]).unwrap();
        assert!(fitted.forecast(&p, &[], 3).is_err());
    }

    #[test]
    fn the_fitted_pipeline_owns_its_state_and_round_trips_bit_identically() {
        let data = crate::data::RetailGenerator::new(9).stores(2).items(2).days(150).future_days(14).generate();
        let spec = FeatureSpec::for_frequency(Frequency::Daily).retain_available(&data.panel.regressor_names);
        let gbdt = crate::ParamGuard::check(crate::gbdt::Gbdt::params().n_rounds(15).min_data_in_leaf(5)).unwrap();
        for strategy in [Strategy::Recursive, Strategy::Direct] {
            let pipeline = GlobalForecaster::new("g", gbdt.clone(), spec.clone())
                .strategy(strategy)
                .horizon(14)
                .quantile(0.9, LeastSquares)
                .fit_pipeline(&data.panel)
                .unwrap();
            // Moved to another thread, away from the training panel.
            let moved = std::thread::spawn(move || pipeline).join().unwrap();
            let expected = moved.forecast(&data.panel, 14).unwrap();
            let json = ModelArtifact::from(moved.clone()).to_json().unwrap();
            let from_json = ModelArtifact::from_json(&json).unwrap().into_pipeline().unwrap();
            let bytes = ModelArtifact::from(moved.clone()).to_bytes().unwrap();
            let from_bytes = ModelArtifact::from_bytes(&bytes).unwrap().into_pipeline().unwrap();
            for back in [from_json, from_bytes] {
                assert_eq!(back, moved);
                let got = back.forecast(&data.panel, 14).unwrap();
                for (a, b) in got.series.iter().zip(&expected.series) {
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&a.point), bits(&b.point), "{strategy:?}");
                    assert_eq!(bits(a.quantile(0.9).unwrap()), bits(b.quantile(0.9).unwrap()));
                }
            }
        }
    }

    #[test]
    fn early_stopping_uses_the_last_periods_of_each_series_then_refits_on_all() {
        let data = crate::data::RetailGenerator::new(2).stores(2).items(3).days(240).future_days(14).generate();
        let spec = FeatureSpec::for_frequency(Frequency::Daily).retain_available(&data.panel.regressor_names);
        let gbdt = crate::ParamGuard::check(
            crate::gbdt::Gbdt::params()
                .objective(crate::gbdt::Objective::Poisson)
                .n_rounds(400)
                .learning_rate(0.3)
                .early_stopping_rounds(10),
        )
        .unwrap();
        let model = GlobalForecaster::new("g", gbdt, spec).horizon(14);
        let pipeline = model.fit_pipeline(&data.panel).unwrap();
        let ModelArtifact::Gbdt(m) = pipeline.step_models()[0].point.artifact() else { panic!("a GBDT") };
        assert!(m.best_iteration() < 400, "stopped early at {}", m.best_iteration());
        assert_eq!(m.ensemble().trees.len(), m.best_iteration());
        assert!(m.best_validation_loss().is_some());
        // A validation window covering every row leaves nothing to train on: an error.
        let all = model.clone().validation(1000).fit_pipeline(&data.panel).unwrap_err();
        assert!(all.to_string().contains("validation"), "{all}");
    }

    #[test]
    fn forecasting_newer_observations_needs_no_refit() {
        let data = crate::data::RetailGenerator::new(4).stores(1).items(3).days(200).future_days(21).generate();
        let spec = FeatureSpec::for_frequency(Frequency::Daily).retain_available(&data.panel.regressor_names);
        let model = ls(spec);
        let mut old = data.panel.clone();
        for s in &mut old.series {
            s.target.truncate(186);
        }
        let pipeline = model.fit_pipeline(&old).unwrap();
        // The same pipeline forecasts the panel with 14 more days from its new end.
        let new = pipeline.forecast(&data.panel, 7).unwrap();
        let refit = model.fit_pipeline_until(&data.panel, &[186, 186, 186]).unwrap().forecast(&data.panel, 7).unwrap();
        assert_eq!(new, refit, "fitted on the same targets, so the same model");
        assert_eq!(new.series[0].dates[0], data.panel.date(&data.panel.series[0], 200).unwrap());
        // Another layout is refused with the difference named.
        let mut other = data.panel.clone();
        other.regressor_names.swap(0, 1);
        let e = pipeline.forecast(&other, 7).unwrap_err().to_string();
        assert!(e.contains("regressor columns"), "{e}");
    }
}

#[cfg(test)]
mod csv_tests {
    use super::*;
    use crate::backtest::Backtest;
    use crate::data::{CsvSpec, GapPolicy, IngestOptions, read_csv_from};
    use crate::features::FeatureSpec;
    use crate::forecast::forecast_ahead;
    use crate::forecast::testing::LeastSquares;
    use chrono::{Duration, NaiveDate};
    use std::fmt::Write;

    /// Two shops over 70 days with some days absent from the file, plus 7 planned future days.
    fn csv_with_gaps() -> String {
        let start = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        let mut csv = String::from("day,shop,sold,price,promo\n");
        for shop in ["north", "south"] {
            for t in 0..77 {
                if shop == "north" && [5, 6, 30, 31, 32, 60].contains(&t) {
                    continue; // missing days: gaps
                }
                let promo = u8::from(t % 10 == 0);
                let price = if promo == 1 { 4.0 } else { 5.0 };
                let sold = if t < 70 { format!("{}", 10 + (t % 7) + 6 * i64::from(promo)) } else { String::new() };
                let date = start + Duration::days(t);
                writeln!(csv, "{date},{shop},{sold},{price},{promo}").unwrap();
            }
        }
        csv
    }

    #[test]
    fn a_csv_with_masked_gaps_is_forecast_end_to_end() {
        let spec = CsvSpec::new("day", "sold").keys(["shop"]).regressors(["price", "promo"]);
        let (panel, report) =
            read_csv_from(csv_with_gaps().as_bytes(), "gaps.csv", &spec, &IngestOptions::strict(GapPolicy::Masked))
                .unwrap();
        assert_eq!(report.periods_filled, 6);
        assert_eq!(panel.series[0].target.iter().filter(|v| v.is_nan()).count(), 6);
        let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
        let model = GlobalForecaster::new("ls", LeastSquares, features);
        let f = forecast_ahead(&model, &panel, 7).unwrap();
        for s in &f.series {
            assert_eq!(s.point.len(), 7);
            assert!(s.point.iter().all(|v| v.is_finite() && *v >= 0.0), "{:?}", s.point);
            assert_eq!(s.dates[0], NaiveDate::from_ymd_opt(2024, 3, 1).unwrap() + Duration::days(70));
        }
        let report = Backtest::new(2, 7).run(&panel, &[&model]).unwrap();
        let m = report.models[0].metrics.unwrap();
        assert_eq!(m.n, 2 * 2 * 7 - 1, "north's day 60 is a gap inside the first window: not scored");
        assert!(m.wape.is_finite() && m.wape < 0.5, "{m:?}");
    }
}
