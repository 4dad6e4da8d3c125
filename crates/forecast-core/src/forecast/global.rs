//! One global model across all series: a learner fitted on the pooled feature rows of every
//! series, forecasting with the recursive or the direct strategy.

use super::{BuildFeatures, FittedForecaster, Forecaster, Forecasts, RowFeatures, Strategy, direct, recursive};
use crate::{Fit, Panel, Predict, Result};
use ndarray::{ArrayView1, ArrayView2};
use std::fmt::Debug;
use std::sync::Arc;

/// A learner that fits a boxed predictor: implemented for every [`Fit`] whose fitted model is
/// `'static`, so checked params of any library plug in.
pub trait Learner: Send + Sync + Debug {
    /// Fit on `x` and `y`.
    ///
    /// # Errors
    /// The learner's own fit errors.
    fn fit_predictor(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Result<Box<dyn Predict>>;
}

impl<F> Learner for F
where
    F: Fit + Send + Sync + Debug,
    F::Fitted: 'static,
{
    fn fit_predictor(&self, x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Result<Box<dyn Predict>> {
        Ok(Box::new(self.fit(x, y)?))
    }
}

/// A global model: a point learner, optional quantile learners (e.g. quantile-objective GBDTs
/// at alpha 0.1 and 0.9), a feature recipe and a strategy.
///
/// | Setting | Default | Purpose |
/// |---|---|---|
/// | `strategy` | recursive | multi-step strategy |
/// | `horizon` | 28 | the direct strategy's training shift (ignored by recursive) |
/// | `quantile` | none | extra models predicting quantile `alpha` on the same rows |
/// | `non_negative` | true | clamp forecasts at 0 (unit sales) |
#[derive(Debug, Clone)]
pub struct GlobalForecaster {
    name: String,
    learner: Arc<dyn Learner>,
    quantiles: Vec<(f64, Arc<dyn Learner>)>,
    features: Arc<dyn BuildFeatures>,
    strategy: Strategy,
    horizon: usize,
    non_negative: bool,
}

impl GlobalForecaster {
    /// A recursive global model named `name`.
    pub fn new(
        name: impl Into<String>,
        learner: impl Learner + 'static,
        features: impl BuildFeatures + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            learner: Arc::new(learner),
            quantiles: Vec::new(),
            features: Arc::new(features),
            strategy: Strategy::Recursive,
            horizon: 28,
            non_negative: true,
        }
    }

    /// Set the multi-step strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Set the horizon the direct strategy trains for.
    pub fn horizon(mut self, horizon: usize) -> Self {
        self.horizon = horizon;
        self
    }

    /// Add a model of the quantile `alpha` (a learner with a quantile objective).
    pub fn quantile(mut self, alpha: f64, learner: impl Learner + 'static) -> Self {
        self.quantiles.push((alpha, Arc::new(learner)));
        self
    }

    /// Whether forecasts are clamped at zero.
    pub fn non_negative(mut self, yes: bool) -> Self {
        self.non_negative = yes;
        self
    }

    /// The training shift of this model's feature rows.
    pub fn shift(&self) -> usize {
        self.strategy.shift(self.horizon)
    }

    /// Fit returning the concrete fitted type (for access to the model and features).
    ///
    /// # Errors
    /// As [`Forecaster::fit`].
    pub fn fit_global<'a>(&self, panel: &'a Panel, end: &[usize]) -> Result<FittedGlobal<'a>> {
        super::check_per_series(panel, end, "GlobalForecaster::fit: end per series")?;
        for (alpha, _) in &self.quantiles {
            if !(*alpha > 0.0 && *alpha < 1.0) {
                return Err(crate::Error::InvalidParam {
                    name: "quantile",
                    value: alpha.to_string(),
                    expected: "a level strictly between 0 and 1",
                });
            }
        }
        let features = self.features.build(panel)?;
        let shift = self.shift();
        let rows = features.training_rows(end, shift)?;
        let model = self.learner.fit_predictor(rows.x.view(), rows.y.view())?;
        let mut quantiles = Vec::with_capacity(self.quantiles.len());
        for (alpha, learner) in &self.quantiles {
            quantiles.push((*alpha, learner.fit_predictor(rows.x.view(), rows.y.view())?));
        }
        Ok(FittedGlobal {
            name: self.name.clone(),
            panel,
            features,
            model,
            quantiles,
            strategy: self.strategy,
            shift,
            non_negative: self.non_negative,
            n_train_rows: rows.y.len(),
        })
    }
}

impl Forecaster for GlobalForecaster {
    fn name(&self) -> &str {
        &self.name
    }

    fn fit<'a>(&self, panel: &'a Panel, end: &[usize]) -> Result<Box<dyn FittedForecaster + 'a>> {
        Ok(Box::new(self.fit_global(panel, end)?))
    }
}

/// A fitted [`GlobalForecaster`].
#[derive(Debug)]
pub struct FittedGlobal<'a> {
    pub(super) name: String,
    pub(super) panel: &'a Panel,
    pub(super) features: Box<dyn RowFeatures + 'a>,
    pub(super) model: Box<dyn Predict>,
    pub(super) quantiles: Vec<(f64, Box<dyn Predict>)>,
    strategy: Strategy,
    pub(super) shift: usize,
    non_negative: bool,
    n_train_rows: usize,
}

impl FittedGlobal<'_> {
    /// A prediction clamped at zero when the model forecasts non-negative quantities.
    pub(super) fn clamp(&self, v: f64) -> f64 {
        if self.non_negative { v.max(0.0) } else { v }
    }

    /// The fitted point model.
    pub fn model(&self) -> &dyn Predict {
        self.model.as_ref()
    }

    /// The feature rows it reads.
    pub fn features(&self) -> &dyn RowFeatures {
        self.features.as_ref()
    }

    /// Number of training rows the model was fitted on.
    pub fn n_train_rows(&self) -> usize {
        self.n_train_rows
    }
}

impl FittedForecaster for FittedGlobal<'_> {
    fn forecast(&self, origin: &[usize], horizon: usize) -> Result<Forecasts> {
        super::check_per_series(self.panel, origin, "forecast: origins")?;
        match self.strategy {
            Strategy::Recursive => recursive::forecast(self, origin, horizon),
            Strategy::Direct => direct::forecast(self, origin, horizon),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::forecast_ahead;
    use crate::forecast::testing::{LagAndRegressors, LeastSquares, panel};

    /// Regressor cycling through 1..=5, target = 10 * regressor (no target dynamics).
    fn regressor_only(len: usize, future: usize) -> Panel {
        let reg: Vec<f64> = (0..len + future).map(|t| (t % 5 + 1) as f64).collect();
        let target = reg[..len].iter().map(|r| 10.0 * r).collect();
        panel(vec![(target, reg)])
    }

    #[test]
    fn recursive_reads_each_steps_own_regressors() {
        let p = regressor_only(60, 10);
        let model = GlobalForecaster::new("ls", LeastSquares, LagAndRegressors);
        let f = forecast_ahead(&model, &p, 7).unwrap();
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
        let model = GlobalForecaster::new("ls", LeastSquares, LagAndRegressors);
        let f = forecast_ahead(&model, &p, 5).unwrap();
        for (k, v) in f.series[0].point.iter().enumerate() {
            assert!((v - (3.0 + 2.0 * (40 + k) as f64)).abs() < 1e-6, "{:?}", f.series[0].point);
        }
    }

    #[test]
    fn direct_uses_shift_equal_to_horizon_and_reads_only_observed_targets() {
        // y[t] = y[t-4] + 8 (2 per period): a shift-4 lag predicts every step from observed data.
        let target: Vec<f64> = (0..40).map(|t| 2.0 * t as f64).collect();
        let p = panel(vec![(target, vec![0.0; 50])]);
        let model = GlobalForecaster::new("ls", LeastSquares, LagAndRegressors).strategy(Strategy::Direct).horizon(4);
        assert_eq!(model.shift(), 4);
        let fitted = model.fit_global(&p, &[30]).unwrap();
        let f = fitted.forecast(&[30], 4).unwrap();
        for (k, v) in f.series[0].point.iter().enumerate() {
            assert!((v - 2.0 * (30 + k) as f64).abs() < 1e-6, "{:?}", f.series[0].point);
        }
        assert!(fitted.forecast(&[30], 5).is_err(), "a horizon past the shift would read unobserved targets");
    }

    #[test]
    fn quantile_heads_and_clamping() {
        let p = regressor_only(60, 10);
        let model = GlobalForecaster::new("ls", LeastSquares, LagAndRegressors).quantile(0.9, LeastSquares);
        let f = forecast_ahead(&model, &p, 3).unwrap();
        assert_eq!(f.series[0].quantile(0.9).map(<[f64]>::len), Some(3));
        assert!(
            GlobalForecaster::new("ls", LeastSquares, LagAndRegressors)
                .quantile(1.5, LeastSquares)
                .fit(&p, &[60])
                .is_err()
        );
        // a falling line goes negative without clamping
        let target: Vec<f64> = (0..30).map(|t| 30.0 - t as f64).collect();
        let p = panel(vec![(target, vec![0.0; 40])]);
        let clamped = forecast_ahead(&GlobalForecaster::new("ls", LeastSquares, LagAndRegressors), &p, 5).unwrap();
        assert!(clamped.series[0].point.iter().all(|v| *v >= 0.0));
        let free = GlobalForecaster::new("ls", LeastSquares, LagAndRegressors).non_negative(false);
        assert!(forecast_ahead(&free, &p, 5).unwrap().series[0].point[4] < 0.0);
    }

    #[test]
    fn masked_gaps_are_skipped_in_training_and_forecasting_works() {
        let mut target: Vec<f64> = (0..50).map(|t| 5.0 + (t % 3) as f64).collect();
        for t in [10, 11, 12, 30, 49] {
            target[t] = f64::NAN;
        }
        let p = panel(vec![(target, vec![1.0; 60])]);
        let f = forecast_ahead(&GlobalForecaster::new("ls", LeastSquares, LagAndRegressors), &p, 4).unwrap();
        assert!(f.series[0].point.iter().all(|v| v.is_finite()), "{:?}", f.series[0].point);
    }

    #[test]
    fn wrong_origin_lengths_are_errors() {
        let p = regressor_only(20, 5);
        let model = GlobalForecaster::new("ls", LeastSquares, LagAndRegressors);
        assert!(model.fit(&p, &[20, 20]).is_err());
        assert!(model.fit(&p, &[21]).is_err());
        let fitted = model.fit(&p, &[20]).unwrap();
        assert!(fitted.forecast(&[], 3).is_err());
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
