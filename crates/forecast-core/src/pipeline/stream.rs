//! Streaming rows and forecasts of a fitted pipeline: [`PipelineStream`].

use super::{ForecastPipeline, GlobalModel, StepModel};
use crate::features::{FeatureStream, SeriesFeatures};
use crate::forecast::{QuantileForecast, Strategy};
use crate::interval::ConformalIntervals;
use crate::{Error, Panel, Result};
use chrono::NaiveDate;
use ndarray::ArrayView2;
use std::sync::Arc;

/// `PipelineStream`: the rows and forecasts of a fitted global pipeline, one observation at a
/// time, equal to what [`ForecastPipeline::design_rows`] and [`ForecastPipeline::forecast_from`]
/// give on the same data.
///
/// Each series keeps a [`SeriesFeatures`] state (see [`FeatureStream`]): warm-started from a
/// panel's history, then updated with one observation at a time (date, value, and the
/// regressors known for the coming periods). The stream writes the design row of any forecast
/// step exactly as the pipeline's batch path does, static codes in the pipeline's encoding and
/// the `step` column of grouped direct models included, and forecasts from the state with the
/// pipeline's own step models (feeding predictions back for the recursive strategy), quantile
/// heads and conformal band. This is the one place where streaming meets the pipeline: target
/// transforms, when the pipeline gets them, belong here too.
///
/// ```
/// use forecast_core::data::RetailGenerator;
/// use forecast_core::features::FeatureSpec;
/// use forecast_core::forecast::GlobalForecaster;
/// use forecast_core::gbdt::Gbdt;
/// use forecast_core::pipeline::PipelineStream;
/// use forecast_core::ParamGuard;
/// use std::sync::Arc;
///
/// let data = RetailGenerator::new(5).stores(1).items(2).days(120).future_days(7).generate();
/// let panel = data.panel;
/// let spec = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
/// let model = GlobalForecaster::new("gbdt", Gbdt::params().n_rounds(10).check()?, spec);
/// let mut history = panel.clone();
/// history.series.iter_mut().for_each(|s| s.target.truncate(100));
/// let pipeline = Arc::new(model.fit_pipeline(&history)?);
///
/// let stream = PipelineStream::new(pipeline.clone())?;
/// let mut states = stream.warm_start(&history)?;
/// // Day 100 of the first series arrives, with its regressors.
/// let s = &panel.series[0];
/// let row: Vec<f64> = s.regressors.iter().map(|r| r[100]).collect();
/// let date = panel.date(s, 100).unwrap();
/// stream.features().observe(&mut states[0], date, s.target[100], &row)?;
/// // The next day's forecast is the batch forecast from the same history.
/// let mut seen = history.clone();
/// seen.series[0].target.push(s.target[100]);
/// let batch = pipeline.forecast_from(&seen, &[Some(101), None], 1)?;
/// assert_eq!(stream.forecast(&states[0], 1)?.point, batch.series[0].point);
/// # Ok::<(), forecast_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct PipelineStream {
    pipeline: Arc<ForecastPipeline>,
    features: FeatureStream,
}

/// A forecast from one series' streaming state.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamForecast {
    /// Date of each step.
    pub dates: Vec<NaiveDate>,
    /// Point forecast of each step.
    pub point: Vec<f64>,
    /// Quantile paths (quantile heads, or the conformal band), by increasing level.
    pub quantiles: Vec<QuantileForecast>,
}

impl StreamForecast {
    /// The quantile path at level `alpha`, if present (compared to 1e-9).
    pub fn quantile(&self, alpha: f64) -> Option<&[f64]> {
        self.quantiles.iter().find(|q| (q.alpha - alpha).abs() < 1e-9).map(|q| q.values.as_slice())
    }
}

impl PipelineStream {
    /// The streaming form of a fitted global pipeline.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a local pipeline (it reads no feature rows);
    /// [`Error::InvalidData`] when a step model's feature names are not those the pipeline's
    /// feature spec produces (a pipeline assembled by hand); feature spec errors.
    pub fn new(pipeline: Arc<ForecastPipeline>) -> Result<Self> {
        let g = global(&pipeline)?;
        let schema = pipeline.schema();
        let level_window = pipeline.conformal().map_or(0, |c| c.level_window.max(1));
        let features =
            FeatureStream::new(g.features.clone(), schema.frequency, &schema.regressor_names, &schema.static_names)?
                .with_min_history(0, level_window);
        for m in &g.steps {
            let mut names = features.names(m.first_step);
            if m.step_column {
                names.push("step".into());
            }
            if names != m.feature_names {
                return Err(Error::InvalidData(format!(
                    "step model of steps {}..={}: its feature names {:?} are not the spec's {names:?}",
                    m.first_step, m.last_step, m.feature_names
                )));
            }
        }
        Ok(Self { pipeline, features })
    }

    /// Also keep at least `periods` targets, and `observed` non-missing ones when the history
    /// has them, in every state made from now on (e.g. for the level window of another
    /// conformal band); see [`FeatureStream::with_min_history`].
    pub fn with_min_history(mut self, periods: usize, observed: usize) -> Self {
        self.features = self.features.with_min_history(periods, observed);
        self
    }

    /// The pipeline.
    pub fn pipeline(&self) -> &Arc<ForecastPipeline> {
        &self.pipeline
    }

    /// The feature layout: observe, plan and push through it.
    pub fn features(&self) -> &FeatureStream {
        &self.features
    }

    /// Whether series states of `self` serve `other` unchanged (a hot swap keeps them): same
    /// features, regressors, statics and static encoding, and at least the history `other` keeps.
    pub fn carries_states_to(&self, other: &Self) -> bool {
        self.features.serves(&other.features)
            && self.pipeline.schema().static_levels == other.pipeline.schema().static_levels
    }

    /// One state per series of `panel`, after all its targets.
    ///
    /// # Errors
    /// As [`PipelineStream::warm_start_until`].
    pub fn warm_start(&self, panel: &Panel) -> Result<Vec<SeriesFeatures>> {
        let ends: Vec<usize> = panel.series.iter().map(|s| s.len()).collect();
        self.warm_start_until(panel, &ends)
    }

    /// One state per series of `panel`, after its targets `[..ends[s]]` (regressors: all of the
    /// panel's, plan included), with the static codes in the pipeline's encoding.
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] for a panel of another layout or an unseen static level;
    /// [`Error::ShapeMismatch`] for a wrong `ends` length; [`Error::InvalidData`] for an end past a series.
    pub fn warm_start_until(&self, panel: &Panel, ends: &[usize]) -> Result<Vec<SeriesFeatures>> {
        let codes = self.pipeline.schema().check(panel)?;
        if ends.len() != panel.series.len() {
            return Err(Error::ShapeMismatch {
                context: "PipelineStream::warm_start_until: ends per series",
                expected: panel.series.len(),
                got: ends.len(),
            });
        }
        panel.series.iter().zip(&codes).zip(ends).map(|((s, c), &end)| self.features.warm_start(s, c, end)).collect()
    }

    /// A state for a series the warm-start panel did not hold, starting on `start`, with its
    /// static levels by name (one per static column).
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] for a level the pipeline never saw; [`Error::ShapeMismatch`]
    /// for a wrong number of levels.
    pub fn series(&self, start: NaiveDate, static_levels: &[&str]) -> Result<SeriesFeatures> {
        let schema = self.pipeline.schema();
        if static_levels.len() != schema.static_names.len() {
            return Err(Error::ShapeMismatch {
                context: "PipelineStream::series: static levels vs static columns",
                expected: schema.static_names.len(),
                got: static_levels.len(),
            });
        }
        let codes = static_levels
            .iter()
            .zip(&schema.static_levels)
            .zip(&schema.static_names)
            .map(|((level, levels), name)| {
                levels.iter().position(|l| l == level).map(|i| i as u32).ok_or_else(|| Error::SchemaMismatch {
                    what: "static level",
                    expected: format!("one of the {} levels of `{name}` seen in training", levels.len()),
                    found: format!("`{level}`"),
                })
            })
            .collect::<Result<Vec<u32>>>()?;
        self.features.series(start, &codes)
    }

    /// Index of the step model that scores forecast step `step` (1-based).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for step 0 or a step past a direct pipeline's horizon.
    pub fn step_model(&self, step: usize) -> Result<usize> {
        let g = self.global()?;
        (step >= 1).then(|| g.step_model_index(step)).flatten().ok_or_else(|| Error::InvalidParam {
            name: "step",
            value: step.to_string(),
            expected: "a forecast step from 1 to the direct pipeline's horizon",
        })
    }

    /// Width of the rows of forecast step `step` (the features, plus `step` for grouped direct models).
    ///
    /// # Errors
    /// As [`PipelineStream::step_model`].
    pub fn row_width(&self, step: usize) -> Result<usize> {
        let m = &self.global()?.steps[self.step_model(step)?];
        Ok(self.features.n_features() + usize::from(m.step_column))
    }

    /// Write the row that the model of forecast step `step` scores after the state's newest
    /// period (the batch row of `design_rows` for that step, read from observed targets only:
    /// for the recursive strategy that is step 1), and return that model's index in
    /// [`ForecastPipeline::step_models`].
    ///
    /// # Errors
    /// As [`PipelineStream::step_model`]; [`Error::ShapeMismatch`] when `out` is not
    /// [`PipelineStream::row_width`] long; [`Error::InvalidParam`] for a recursive step above 1
    /// (its rows read predictions: use [`PipelineStream::forecast`]).
    pub fn step_row(&self, state: &SeriesFeatures, step: usize, out: &mut [f64]) -> Result<usize> {
        let index = self.step_model(step)?;
        if self.global()?.strategy == Strategy::Recursive && step > 1 {
            return Err(Error::InvalidParam {
                name: "step",
                value: step.to_string(),
                expected: "1 for a recursive pipeline (later rows read fed-back predictions: use forecast)",
            });
        }
        let m = &self.global()?.steps[index];
        let nf = self.features.n_features();
        let width = nf + usize::from(m.step_column);
        if out.len() != width {
            return Err(Error::ShapeMismatch {
                context: "PipelineStream::step_row: out length",
                expected: width,
                got: out.len(),
            });
        }
        self.features.row(state, step, &mut out[..nf])?;
        if m.step_column {
            out[nf] = step as f64;
        }
        Ok(index)
    }

    /// The interval of `band` around `point`, the forecast of 0-based step `k` from `state`:
    /// the series' scale read from the state's recent targets, as [`ConformalIntervals::apply`]
    /// reads it from a panel, clamped at 0 when the pipeline forecasts non-negative values.
    pub fn band(&self, band: &ConformalIntervals, state: &SeriesFeatures, k: usize, point: f64) -> (f64, f64) {
        let scale = ConformalIntervals::scale_of(band.scale, state.recent(), band.level_window);
        band.bounds(point, k, scale, self.pipeline.non_negative())
    }

    /// Forecast `horizon` steps after the state's newest period with the pipeline's models:
    /// what [`ForecastPipeline::forecast_from`] returns for that series of the equivalent panel
    /// (points, quantile heads, or the conformal band when calibrated and there are no heads).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a horizon past a direct pipeline's; model errors.
    pub fn forecast(&self, state: &SeriesFeatures, horizon: usize) -> Result<StreamForecast> {
        let (point, mut quantiles) = match self.global()?.strategy {
            Strategy::Recursive => self.recursive(state, horizon)?,
            Strategy::Direct => self.direct(state, horizon)?,
        };
        if let Some(c) = self.pipeline.conformal()
            && quantiles.is_empty()
        {
            let (lo, hi) = c.alphas();
            let (lower, upper) = point.iter().enumerate().map(|(k, &p)| self.band(c, state, k, p)).unzip();
            quantiles =
                vec![QuantileForecast { alpha: lo, values: lower }, QuantileForecast { alpha: hi, values: upper }];
        }
        let dates = (0..horizon).filter_map(|k| self.features.date_of(state, state.len() + k)).collect();
        Ok(StreamForecast { dates, point, quantiles })
    }

    /// Shift-1 rows, each step's (clamped) point fed back as the next period's target.
    fn recursive(&self, state: &SeriesFeatures, horizon: usize) -> Result<(Vec<f64>, Vec<QuantileForecast>)> {
        let m = &self.global()?.steps[self.step_model(1)?];
        let mut fed = state.clone();
        let mut row = vec![0.0; self.features.n_features()];
        let mut point = Vec::with_capacity(horizon);
        let mut quantiles: Vec<QuantileForecast> =
            m.quantiles.iter().map(|(alpha, _)| QuantileForecast { alpha: *alpha, values: Vec::new() }).collect();
        for _ in 0..horizon {
            self.features.row(&fed, 1, &mut row)?;
            let x = one_row(&row)?;
            let p = m.point.predict(x)?[0];
            for (q, (_, model)) in quantiles.iter_mut().zip(&m.quantiles) {
                q.values.push(self.clamp(model.predict(x)?[0]));
            }
            let p = self.clamp(p);
            point.push(p);
            self.features.push(&mut fed, p)?;
        }
        Ok((point, quantiles))
    }

    /// One row per step from the observed history, each scored by its step's model.
    fn direct(&self, state: &SeriesFeatures, horizon: usize) -> Result<(Vec<f64>, Vec<QuantileForecast>)> {
        if let Some(k) = (1..=horizon).find(|&k| self.step_model(k).is_err()) {
            return Err(Error::InvalidParam {
                name: "horizon",
                value: horizon.to_string(),
                expected: if k > self.global()?.horizon {
                    "at most the horizon the direct pipeline was fitted for (one model per step)"
                } else {
                    "steps that the direct pipeline has a model for"
                },
            });
        }
        let steps: &[StepModel] = &self.global()?.steps;
        let alphas: Vec<f64> = steps.first().map(|m| m.quantiles.iter().map(|q| q.0).collect()).unwrap_or_default();
        let mut point = vec![f64::NAN; horizon];
        let mut quantiles: Vec<QuantileForecast> =
            alphas.iter().map(|&alpha| QuantileForecast { alpha, values: vec![f64::NAN; horizon] }).collect();
        let mut row = Vec::new();
        for step in 1..=horizon {
            let m = &steps[self.step_model(step)?];
            row.resize(self.row_width(step)?, 0.0);
            self.step_row(state, step, &mut row)?;
            let x = one_row(&row)?;
            point[step - 1] = self.clamp(m.point.predict(x)?[0]);
            for (q, (_, model)) in quantiles.iter_mut().zip(&m.quantiles) {
                q.values[step - 1] = self.clamp(model.predict(x)?[0]);
            }
        }
        Ok((point, quantiles))
    }

    /// A prediction clamped at zero when the pipeline forecasts non-negative quantities.
    fn clamp(&self, v: f64) -> f64 {
        if self.pipeline.non_negative() { v.max(0.0) } else { v }
    }

    fn global(&self) -> Result<&GlobalModel> {
        global(&self.pipeline)
    }
}

/// The global model of a pipeline (`PipelineStream::new` accepts no other).
fn global(pipeline: &ForecastPipeline) -> Result<&GlobalModel> {
    pipeline.global().ok_or(Error::Unsupported {
        operation: "streaming features",
        kind: "local pipeline",
        hint: "a local method forecasts from the history alone; call ForecastPipeline::forecast",
    })
}

fn one_row(row: &[f64]) -> Result<ArrayView2<'_, f64>> {
    ArrayView2::from_shape((1, row.len()), row).map_err(|e| Error::InvalidData(format!("stream row: {e}")))
}

#[cfg(test)]
mod tests {
    use super::{Arc, ConformalIntervals, Error, ForecastPipeline, NaiveDate, Panel, PipelineStream, SeriesFeatures};
    use crate::features::FeatureSpec;
    use crate::forecast::Strategy as Multistep;
    use crate::forecast::testing::LeastSquares;
    use crate::forecast::{GlobalForecaster, LocalForecaster, StepGroups};
    use crate::interval::{ConformalScale, Residual};
    use crate::{Frequency, Series, SeriesKey};
    use proptest::prelude::*;

    const NAN: f64 = f64::NAN;
    const REGRESSORS: [&str; 5] = ["price", "discount", "promo", "holiday", "temperature"];

    /// Daily from a Monday, weekly from a Wednesday, monthly from a month end (the hard case).
    fn start(frequency: Frequency) -> NaiveDate {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        match frequency {
            Frequency::Daily => ymd(2024, 1, 1),
            Frequency::Weekly => ymd(2024, 1, 3),
            Frequency::Monthly => ymd(2024, 1, 31),
        }
    }

    /// A panel with regressors [price, discount, promo, holiday, temperature] and statics
    /// [store (2 levels), item (4 levels)]; series `i` is store `i / 2`, item `i`.
    fn panel(frequency: Frequency, series: Vec<(Vec<f64>, Vec<Vec<f64>>)>) -> Panel {
        Panel {
            frequency,
            key_names: vec!["store".into(), "item".into()],
            target_name: "units".into(),
            regressor_names: REGRESSORS.map(String::from).to_vec(),
            static_names: vec!["store".into(), "item".into()],
            static_levels: vec![vec!["a".into(), "b".into()], (0..4).map(|i| format!("i{i}")).collect()],
            series: series
                .into_iter()
                .enumerate()
                .map(|(i, (target, regressors))| Series {
                    key: SeriesKey(vec![format!("s{}", i / 2), format!("i{i}")]),
                    start: start(frequency),
                    target,
                    regressors,
                    statics: vec![(i / 2) as u32, i as u32],
                })
                .collect(),
        }
    }

    /// Deterministic regressors of `n` periods from a seed: prices around 10 with cuts, discounts,
    /// promos, a holiday every 59 periods (so that distances up to the cap of 60 occur) and a few
    /// more, a continuous temperature; some values missing.
    fn regressors(n: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut draw = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut cols: Vec<Vec<f64>> = (0..5).map(|_| Vec::with_capacity(n)).collect();
        let phase = (seed % 59) as usize;
        for t in 0..n {
            let u: Vec<f64> = (0..6).map(|_| draw()).collect();
            let missing = u[5] < 0.05;
            cols[0].push(if missing {
                NAN
            } else if u[0] < 0.2 {
                8.0
            } else {
                10.0
            });
            cols[1].push(if u[1] < 0.2 { 0.2 } else { 0.0 });
            cols[2].push(if u[2] < 0.25 { 1.0 } else { 0.0 });
            cols[3].push(if missing {
                NAN
            } else if (t + phase).is_multiple_of(59) || u[3] < 0.01 {
                1.0
            } else {
                0.0
            });
            cols[4].push(15.0 + 10.0 * u[4]);
        }
        cols
    }

    fn training_panel(frequency: Frequency) -> Panel {
        let series = (0..4)
            .map(|i| {
                let target =
                    (0..90).map(|t| ((t * (i + 3)) % 17) as f64 + if t % 11 == 0 { NAN } else { 0.0 }).collect();
                (target, regressors(100, 7 + i as u64))
            })
            .collect();
        panel(frequency, series)
    }

    /// Targets, regressors (each its own length), warm-start cut, plan known at warm start.
    type CaseSeries = (Vec<f64>, Vec<Vec<f64>>, usize, usize);

    #[derive(Debug, Clone)]
    struct Case {
        frequency: Frequency,
        spec: FeatureSpec,
        strategy: Multistep,
        horizon: usize,
        grouped: bool,
        quantile: bool,
        conformal: Option<usize>,
        non_negative: bool,
        series: Vec<CaseSeries>,
        /// Per event: periods of regressor rows it brings, and whether to skip a missing target.
        plans: Vec<(usize, bool, bool)>,
    }

    fn spec() -> impl proptest::strategy::Strategy<Value = FeatureSpec> {
        (
            prop::collection::btree_set(1usize..15, 0..5),
            prop::collection::btree_set(1usize..12, 0..3),
            prop::collection::vec(prop_oneof![Just(0.1), Just(0.5), Just(1.0)], 0..3),
            any::<bool>(),
            prop::collection::vec(any::<bool>(), 6),
        )
            .prop_map(|(lags, windows, alphas, calendar, on)| {
                let role = |on: bool, name: &str| on.then(|| name.to_string());
                FeatureSpec {
                    lags: lags.into_iter().collect(),
                    windows: windows.into_iter().collect(),
                    ewm_alphas: alphas,
                    calendar,
                    holiday: role(on[0], "holiday"),
                    price: role(on[1], "price"),
                    discount: role(on[2], "discount"),
                    promo: role(on[3], "promo"),
                    regressors: on[4],
                    statics: on[5],
                    lag_transforms: Vec::new(),
                    date_features: if calendar {
                        use crate::features::DateFeature;
                        vec![DateFeature::Year, DateFeature::Quarter, DateFeature::WeekOfMonth, DateFeature::MonthEnd]
                    } else {
                        Vec::new()
                    },
                    static_encoding: crate::features::StaticEncoding::default(),
                }
            })
    }

    fn case() -> impl proptest::strategy::Strategy<Value = Case> {
        let one_series = (1usize..150, 0.0..0.5f64, any::<u64>()).prop_flat_map(|(len, nan_rate, seed)| {
            (
                prop::collection::vec(prop_oneof![Just(true), Just(false)].prop_map(move |_| 0.0), len),
                prop::collection::vec(0.0..1.0f64, len),
                prop::collection::vec(0usize..8, 5),
                0..=len,
                0usize..4,
                Just((nan_rate, seed)),
            )
                .prop_map(move |(_, u, future, cut, ahead, (nan_rate, seed))| {
                    let target: Vec<f64> =
                        u.iter().map(|&u| if u < nan_rate { NAN } else { (u * 40.0).floor() }).collect();
                    let all = regressors(len + 8, seed);
                    let regs = all.into_iter().zip(future).map(|(r, f)| r[..len + f].to_vec()).collect();
                    (target, regs, cut, ahead)
                })
        });
        (
            prop_oneof![Just(Frequency::Daily), Just(Frequency::Weekly), Just(Frequency::Monthly)],
            spec(),
            prop_oneof![Just(Multistep::Recursive), Just(Multistep::Direct)],
            1usize..5,
            any::<bool>(),
            any::<bool>(),
            prop::option::of(1usize..12),
            any::<bool>(),
            prop::collection::vec(one_series, 1..4),
            prop::collection::vec((0usize..6, any::<bool>(), prop::bool::weighted(0.15)), 256),
        )
            .prop_map(
                |(frequency, spec, strategy, horizon, grouped, quantile, conformal, non_negative, series, plans)| {
                    Case {
                        frequency,
                        spec,
                        strategy,
                        horizon,
                        grouped,
                        quantile,
                        conformal,
                        non_negative,
                        series,
                        plans,
                    }
                },
            )
    }

    fn fit(case: &Case) -> Option<ForecastPipeline> {
        let mut model = GlobalForecaster::new("ls", LeastSquares, case.spec.clone())
            .strategy(case.strategy)
            .horizon(case.horizon)
            .non_negative(case.non_negative);
        if case.grouped {
            model = model.step_groups(StepGroups::Every(2));
        }
        if case.quantile {
            model = model.quantile(0.9, LeastSquares);
        }
        let training = training_panel(case.frequency);
        // Specs without any column are rejected by the builder: not a streaming question.
        crate::features::FeatureBuilder::new(&training, case.spec.clone()).ok()?;
        let mut pipeline = model.fit_pipeline(&training).unwrap();
        if let Some(window) = case.conformal {
            let residuals: Vec<Residual> = (0..200)
                .map(|i| Residual {
                    step: i % case.horizon,
                    residual: (i % 7) as f64 - 3.0,
                    scale: 1.0 + (i % 3) as f64,
                })
                .collect();
            let c = ConformalIntervals::calibrate(&residuals, case.horizon, 0.8, ConformalScale::SeriesLevel, window);
            pipeline.set_conformal(Some(c.unwrap()));
        }
        Some(pipeline)
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// What the stream knows of one series, as a panel series would hold it: the targets seen and,
    /// per regressor, every value given (NaN where none was).
    #[derive(Debug, Clone)]
    struct Shadow {
        target: Vec<f64>,
        regressors: Vec<Vec<f64>>,
    }

    impl Shadow {
        fn write(&mut self, first: usize, rows: &[f64]) {
            for (r, row) in rows.chunks_exact(REGRESSORS.len()).enumerate() {
                for (col, &v) in self.regressors.iter_mut().zip(row) {
                    if col.len() <= first + r {
                        col.resize(first + r + 1, NAN);
                    }
                    col[first + r] = v;
                }
            }
        }
    }

    /// Compare the stream with the batch path for series `s`, all others left out.
    fn check(
        stream: &PipelineStream,
        shadows: &[Shadow],
        states: &[SeriesFeatures],
        s: usize,
        frequency: Frequency,
        horizon: usize,
    ) -> std::result::Result<(), TestCaseError> {
        let pipeline = stream.pipeline();
        let series = shadows
            .iter()
            .map(|sh| {
                let n = sh.target.len();
                let regs = sh.regressors.iter().map(|r| {
                    let mut r = r.clone();
                    if r.len() < n {
                        r.resize(n, NAN);
                    }
                    r
                });
                (sh.target.clone(), regs.collect())
            })
            .collect();
        let equivalent = panel(frequency, series);
        let mut origins = vec![None; shadows.len()];
        origins[s] = Some(states[s].len());
        prop_assert_eq!(states[s].len(), shadows[s].target.len());
        let (_, steps) = pipeline.design_rows(&equivalent, &origins, horizon).unwrap();
        for step_rows in &steps {
            if pipeline.strategy() == Some(Multistep::Recursive) && step_rows.step > 1 {
                continue;
            }
            let mut row = vec![0.0; stream.row_width(step_rows.step).unwrap()];
            let m = stream.step_row(&states[s], step_rows.step, &mut row).unwrap();
            prop_assert_eq!(m, step_rows.model);
            prop_assert_eq!(step_rows.rows.clone(), vec![(s, states[s].len() + step_rows.step - 1)]);
            let batch = step_rows.x.row(0).to_vec();
            prop_assert_eq!(bits(&row), bits(&batch), "step {}: stream {:?} batch {:?}", step_rows.step, row, batch);
        }
        let batch = pipeline.forecast_from(&equivalent, &origins, horizon).unwrap();
        let ours = stream.forecast(&states[s], horizon).unwrap();
        let theirs = &batch.series[0];
        prop_assert_eq!(bits(&ours.point), bits(&theirs.point));
        prop_assert_eq!(&ours.dates, &theirs.dates);
        prop_assert_eq!(ours.quantiles.len(), theirs.quantiles.len());
        for (a, b) in ours.quantiles.iter().zip(&theirs.quantiles) {
            prop_assert_eq!(a.alpha.to_bits(), b.alpha.to_bits());
            prop_assert_eq!(bits(&a.values), bits(&b.values));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Warm start at a random cut, then one observation at a time (with gaps: missing targets
        /// are sometimes not sent at all, the next observation's date jumping over them), each
        /// bringing the regressor rows of some coming periods (actual prices differing from the
        /// plan), and a plan update now and then: after every event, the stream's rows of every
        /// step equal `design_rows` and its forecast equals `forecast_from` on the equivalent
        /// panel, bit for bit.
        #[test]
        fn streaming_rows_equal_design_rows(case in case()) {
            let Some(pipeline) = fit(&case) else { return Ok(()) };
            let stream = PipelineStream::new(Arc::new(pipeline)).unwrap();
            let horizon = case.horizon;
            let warm = panel(
                case.frequency,
                case.series.iter().map(|(target, regs, cut, ahead)| {
                    let regs = regs.iter().map(|r| r[..r.len().min(cut + ahead).max(*cut)].to_vec()).collect();
                    (target[..*cut].to_vec(), regs)
                }).collect(),
            );
            let mut states = stream.warm_start(&warm).unwrap();
            let mut shadows: Vec<Shadow> = warm.series.iter()
                .map(|s| Shadow { target: s.target.clone(), regressors: s.regressors.clone() })
                .collect();
            for s in 0..states.len() {
                check(&stream, &shadows, &states, s, case.frequency, horizon)?;
            }
            let mut plans = case.plans.iter().cycle();
            for (s, (target, regs, cut, _)) in case.series.iter().enumerate() {
                let truth = regressors(target.len() + 8, s as u64 + 99);
                for (t, &value) in target.iter().enumerate().skip(*cut) {
                    let &(ahead, revise, skip) = plans.next().unwrap();
                    if value.is_nan() && skip {
                        continue;
                    }
                    // Rows of periods t .. t + ahead: the panel's values where it has them
                    // (revised prices now and then), the truth beyond.
                    let rows: Vec<f64> = (t..t + ahead).flat_map(|p| {
                        (0..REGRESSORS.len()).map(|j| {
                            let v = regs[j].get(p).copied().unwrap_or(truth[j][p]);
                            if revise && j == 0 { v + 1.0 } else { v }
                        }).collect::<Vec<_>>()
                    }).collect();
                    let date = stream.features().date_of(&states[s], t).unwrap();
                    stream.features().observe(&mut states[s], date, value, &rows).unwrap();
                    let shadow = &mut shadows[s];
                    shadow.target.resize(t, NAN);
                    shadow.target.push(value);
                    shadow.write(t, &rows);
                    if revise && ahead >= 3 {
                        // A period two steps ahead enters the plan (a promotion, say).
                        let row = [9.0, 0.3, 1.0, 1.0, 20.0];
                        let first = stream.features().date_of(&states[s], t + 3).unwrap();
                        stream.features().plan(&mut states[s], first, &row).unwrap();
                        shadows[s].write(t + 3, &row);
                    }
                    check(&stream, &shadows, &states, s, case.frequency, horizon)?;
                }
            }
        }
    }

    fn small() -> (Panel, ForecastPipeline) {
        let p = training_panel(Frequency::Daily);
        let spec = FeatureSpec::for_frequency(Frequency::Daily).lags([1, 7]).windows([7]);
        let pipeline = GlobalForecaster::new("ls", LeastSquares, spec).fit_pipeline(&p).unwrap();
        (p, pipeline)
    }

    #[test]
    fn bad_observations_are_refused_and_change_nothing() {
        let (p, pipeline) = small();
        let stream = PipelineStream::new(Arc::new(pipeline)).unwrap();
        let f = stream.features();
        let mut states = stream.warm_start(&p).unwrap();
        let before = states[0].clone();
        let last = f.date_of(&states[0], 89).unwrap();
        let next = f.date_of(&states[0], 90).unwrap();
        let row = [10.0, 0.0, 0.0, 0.0, 20.0];
        let e = f.observe(&mut states[0], last, 3.0, &row).unwrap_err().to_string();
        assert!(e.contains("not after the newest period"), "{e}");
        assert!(f.observe(&mut states[0], next, f64::INFINITY, &row).is_err());
        let e = f.observe(&mut states[0], next, 3.0, &row[..3]).unwrap_err().to_string();
        assert!(e.contains("not whole rows"), "{e}");
        let e = f.observe(&mut states[0], next, 3.0, &[f64::NEG_INFINITY, 0.0, 0.0, 0.0, 1.0]).unwrap_err();
        assert!(e.to_string().contains("`price` of row 0"), "{e}");
        assert!(f.plan(&mut states[0], p.series[0].start - chrono::Days::new(1), &row).is_err());
        assert_eq!(format!("{:?}", states[0]), format!("{before:?}"));
        // Weekly: a date off the calendar.
        let weekly = training_panel(Frequency::Weekly);
        let spec = FeatureSpec::empty().lags([1]);
        let wp = GlobalForecaster::new("ls", LeastSquares, spec).fit_pipeline(&weekly).unwrap();
        let ws = PipelineStream::new(Arc::new(wp)).unwrap();
        let mut w = ws.warm_start(&weekly).unwrap();
        let off = ws.features().date_of(&w[0], 90).unwrap() + chrono::Days::new(2);
        let e = ws.features().observe(&mut w[0], off, 1.0, &[]).unwrap_err().to_string();
        assert!(e.contains("not a Weekly period"), "{e}");
        // A state of another layout.
        let mut row = vec![0.0; stream.row_width(1).unwrap()];
        assert!(ws.features().push(&mut states[0].clone(), 1.0).is_err());
        assert!(matches!(stream.step_row(&states[0], 0, &mut row), Err(Error::InvalidParam { .. })));
        assert!(matches!(stream.step_row(&states[0], 2, &mut row), Err(Error::InvalidParam { .. })));
        assert!(matches!(stream.step_row(&states[0], 1, &mut row[1..]), Err(Error::ShapeMismatch { .. })));
    }

    #[test]
    fn new_series_take_their_levels_by_name_and_layouts_are_compared() {
        let (p, pipeline) = small();
        let stream = PipelineStream::new(Arc::new(pipeline)).unwrap();
        let fresh = stream.series(p.series[0].start, &["b", "i3"]).unwrap();
        let warm = stream.warm_start(&p).unwrap();
        let (mut a, mut b) = (vec![0.0; stream.row_width(1).unwrap()], vec![0.0; stream.row_width(1).unwrap()]);
        stream.step_row(&fresh, 1, &mut a).unwrap();
        stream.step_row(&warm[3], 1, &mut b).unwrap();
        assert_eq!(a[a.len() - 2..], [1.0, 3.0]);
        assert_eq!(a[a.len() - 2..], b[b.len() - 2..], "statics of series 3 (store b, item i3)");
        let e = stream.series(p.series[0].start, &["b", "i9"]).unwrap_err().to_string();
        assert!(e.contains("`i9`") && e.contains("`item`"), "{e}");
        assert!(stream.series(p.series[0].start, &["b"]).is_err());

        let refit = GlobalForecaster::new(
            "ls",
            LeastSquares,
            FeatureSpec::for_frequency(Frequency::Daily).lags([1, 7]).windows([7]),
        )
        .fit_pipeline_until(&p, &[80; 4])
        .unwrap();
        let other = PipelineStream::new(Arc::new(refit)).unwrap();
        assert!(stream.carries_states_to(&other), "same spec, another fit");
        let longer =
            GlobalForecaster::new("ls", LeastSquares, FeatureSpec::for_frequency(Frequency::Daily).lags([1, 14]))
                .fit_pipeline(&p)
                .unwrap();
        assert!(!stream.carries_states_to(&PipelineStream::new(Arc::new(longer)).unwrap()));
        let local = LocalForecaster::new(crate::baseline::Naive).fit_pipeline(&p).unwrap();
        assert!(matches!(PipelineStream::new(Arc::new(local)), Err(Error::Unsupported { .. })));
    }

    #[test]
    fn memory_stays_bounded_over_a_long_stream() {
        let (p, pipeline) = small();
        let stream = PipelineStream::new(Arc::new(pipeline)).unwrap();
        let mut state = stream.warm_start(&p).unwrap().remove(0);
        let f = stream.features();
        for t in 90..5_000 {
            let date = f.date_of(&state, t).unwrap();
            f.observe(&mut state, date, (t % 9) as f64, &[10.0, 0.0, 0.0, 0.0, 20.0, 10.0, 0.0, 1.0, 0.0, 21.0])
                .unwrap();
        }
        assert_eq!(state.len(), 5_000);
        assert!(state.recent().len() < 14, "kept {} targets for lags up to 7", state.recent().len());
        assert_eq!(state.known_ahead(), 1);
        assert!(state.regressor_periods() <= 2 * 60 + 2, "{}", state.regressor_periods());
    }
}
