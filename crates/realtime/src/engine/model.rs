//! The model a scoring engine serves: a fitted pipeline's streaming form and the interval the
//! forecast-residual detector tests actuals against.

use super::band::{CalibrationPoint, ScaledBand, SeriesScales};
use super::rolling_band::RollingBand;
use crate::detect::LearnPolicy;
use crate::{RealtimeError, Result};
use forecast_core::features::{CalendarCache, SeriesFeatures};
use forecast_core::interval::ConformalIntervals;
use forecast_core::pipeline::PipelineStream;
use forecast_core::{ForecastPipeline, Panel};
use ndarray::ArrayView2;
use std::sync::Arc;

/// How the engine gets the interval of each one-step forecast.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `level` | 0.99 | nominal coverage of the interval the residual detector tests against | (0, 1) |
/// | `calibration_periods` | 56 | last periods of each series of the warm-start panel whose one-step residuals calibrate a conformal band when the pipeline has no interval at `level` | >= 1 |
/// | `level_window` | 28 | observations behind a series' scale (its recent mean absolute sales) | >= 1 |
/// | `scale_periods` | 0 | periods of each series just before the calibration periods whose one-step residuals give its difficulty in a [`ScaledBand`] ([`SeriesScales`]); 0: none, one band for all series (off by default: on the simulator it made the band worse, see [`SeriesScales`]) | >= 0 |
/// | `rolling` | false | a calibrated [`ScaledBand`]'s tails keep learning from the stream's one-step residuals ([`RollingBand`]); false: calibrated once | - |
/// | `learn` | [`LearnPolicy::SkipFlagged`] | how the rolling band learns the points outside it: censored (their size unknown), or as they are | - |
///
/// The interval comes from, in order: quantile heads at `(1 - level)/2` and `(1 + level)/2`; the
/// pipeline's conformal band if calibrated at `level`; else a [`ScaledBand`] at `level` (tails
/// calibrated apart, residuals scaled by a power of the forecast) calibrated here on one-step
/// forecasts of the last `calibration_periods` of the warm-start panel, computed by the
/// streaming path itself, each residual divided by its series' difficulty: the robust spread of
/// the series' one-step residuals over the `scale_periods` before those (locally adaptive
/// conformal prediction; the spread is estimated apart from the calibration pairs, so they stay
/// exchangeable with the stream's). Those periods should lie after the model's training data (fit with
/// `fit_pipeline_until`), or the band is too narrow. With `rolling`, the engine feeds that band
/// every actual after scoring it, and each bin's tails are re-read from a window of its most
/// recent scores. The band is the residual detector's model of normal noise, so by default the
/// points it flags do not widen it (`learn` [`LearnPolicy::SkipFlagged`], whatever the engine's
/// policy for the detectors, as River's `ThresholdFilter` protects its detector by default):
/// they enter censored, and the band narrows when the noise does and widens back at most to its
/// calibration. [`LearnPolicy::All`] follows wider noise too, but takes in the anomalies: on the
/// simulator's 10x rates they widen the band until it misses most spikes (docs/realtime.md).
/// Rolling is off by default: on the simulator it found no more spikes than the fixed band and
/// fewer 3σ drops (the drops inside the band enter its window as they are and widen its lower
/// tail), so it is a choice for streams whose noise narrows and whose anomalies are rare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandParams {
    /// Nominal coverage.
    pub level: f64,
    /// Calibration periods per series.
    pub calibration_periods: usize,
    /// Level window of the series scale.
    pub level_window: usize,
    /// Periods behind each series' difficulty in a scaled band (0: none).
    pub scale_periods: usize,
    /// Whether a calibrated band keeps learning from the stream.
    pub rolling: bool,
    /// How the rolling band learns the points outside it.
    pub learn: LearnPolicy,
}

impl Default for BandParams {
    fn default() -> Self {
        Self {
            level: 0.99,
            calibration_periods: 56,
            level_window: 28,
            scale_periods: 0,
            rolling: false,
            learn: LearnPolicy::SkipFlagged,
        }
    }
}

impl BandParams {
    fn check(&self) -> Result<()> {
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(RealtimeError::param("band.level", self.level, "a coverage in (0, 1)"));
        }
        if self.calibration_periods == 0 {
            return Err(RealtimeError::param("band.calibration_periods", 0, "at least 1"));
        }
        if self.level_window == 0 {
            return Err(RealtimeError::param("band.level_window", 0, "at least 1"));
        }
        Ok(())
    }
}

/// Where a served model's intervals come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Band {
    /// The step model's quantile heads at these positions of its `quantiles` (lower, upper).
    Heads {
        /// Position of the lower head.
        lower: usize,
        /// Position of the upper head.
        upper: usize,
    },
    /// The pipeline's own conformal band (calibrated at the level when it was fitted).
    Conformal(ConformalIntervals),
    /// A band calibrated by [`ServedModel::prepare`] on the warm-start panel, rolling on the
    /// stream when [`BandParams::rolling`] says so.
    Scaled(RollingBand),
}

/// A pipeline ready to score a stream: its streaming form, the step-1 model and the band.
#[derive(Debug, Clone)]
pub struct ServedModel {
    version: Option<u32>,
    stream: PipelineStream,
    step_model: usize,
    /// Whether the step model reads a `step` column after the features.
    step_column: bool,
    band: Band,
}

impl ServedModel {
    /// Prepare `pipeline` (registry `version`, if it came from one) for scoring: its streaming
    /// form, and the band of [`BandParams`], calibrated on `history` when the pipeline has none
    /// at the level.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for band parameters out of range; a local pipeline or a
    /// panel of another layout (core errors); too little history to calibrate.
    pub fn prepare(
        pipeline: Arc<ForecastPipeline>,
        version: Option<u32>,
        params: &BandParams,
        history: &Panel,
    ) -> Result<Self> {
        params.check()?;
        let stream = PipelineStream::new(pipeline)?.with_min_history(0, params.level_window);
        let step_model = stream.step_model(1)?;
        let (lo, hi) = ((1.0 - params.level) / 2.0, (1.0 + params.level) / 2.0);
        let m = &stream.pipeline().step_models()[step_model];
        let head = |q: f64| m.quantiles.iter().position(|(a, _)| (a - q).abs() < 1e-9);
        let band = match (head(lo), head(hi), stream.pipeline().conformal()) {
            (Some(lower), Some(upper), _) => Band::Heads { lower, upper },
            (_, _, Some(c)) if (c.coverage - params.level).abs() < 1e-9 => Band::Conformal(c.clone()),
            _ => Band::Scaled(calibrate(&stream, step_model, params, history)?),
        };
        let step_column = stream.pipeline().step_models()[step_model].step_column;
        Ok(Self { version, stream, step_model, step_column, band })
    }

    /// Write the one-step row of `state` (the row of its next period) into `out`, which must be
    /// [`PipelineStream::row_width`]`(1)` long: what `PipelineStream::step_row(state, 1, out)`
    /// writes, without looking the step model up for every event, the calendar columns read
    /// from `calendar` when it holds those of the row's period.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidInput`] for a wrong `out` length; a state of another layout.
    pub fn step_row(&self, state: &SeriesFeatures, calendar: &mut CalendarCache, out: &mut [f64]) -> Result<()> {
        let features = self.stream.features();
        let nf = features.n_features();
        let width = nf + usize::from(self.step_column);
        if out.len() != width {
            return Err(RealtimeError::input(
                "one-step row",
                "out",
                format!("{} values for a row of {width}", out.len()),
            ));
        }
        features.row_cached(state, 1, calendar, &mut out[..nf])?;
        if self.step_column {
            out[nf] = 1.0;
        }
        Ok(())
    }

    /// The registry version, if the model came from one.
    pub fn version(&self) -> Option<u32> {
        self.version
    }

    /// The streaming form of the pipeline.
    pub fn stream(&self) -> &PipelineStream {
        &self.stream
    }

    /// Index of the step model scoring one-step forecasts.
    pub fn step_model(&self) -> usize {
        self.step_model
    }

    /// The band.
    pub fn band(&self) -> &Band {
        &self.band
    }

    /// The band, to learn from the stream (the engine feeds a [`RollingBand`] each actual).
    pub(crate) fn band_mut(&mut self) -> &mut Band {
        &mut self.band
    }
}

/// One-step forecasts of the last `calibration_periods` of every series of `history`, scored by
/// the streaming path, with their actuals, each divided by its series' difficulty (from the
/// residuals of the `scale_periods` before them): a [`ScaledBand`] at `level`, rolling on from
/// those pairs (oldest first) when `params.rolling`.
fn calibrate(stream: &PipelineStream, step_model: usize, params: &BandParams, history: &Panel) -> Result<RollingBand> {
    let n = params.calibration_periods;
    let m = params.scale_periods;
    let scales = if m == 0 {
        SeriesScales::default()
    } else {
        let ends: Vec<usize> = history.series.iter().map(|s| s.len().saturating_sub(n + m)).collect();
        let stops: Vec<usize> = history.series.iter().map(|s| s.len().saturating_sub(n)).collect();
        let residuals = one_step(stream, step_model, history, &ends, &stops)?
            .iter()
            .map(|pairs| pairs.iter().map(|(actual, point)| actual - point).collect())
            .collect::<Vec<Vec<f64>>>();
        SeriesScales::from_residuals(&residuals)
    };
    let ends: Vec<usize> = history.series.iter().map(|s| s.len().saturating_sub(n)).collect();
    let stops: Vec<usize> = history.series.iter().map(|s| s.len()).collect();
    let per_series = one_step(stream, step_model, history, &ends, &stops)?;
    // Oldest first across series (the rolling band's windows take them in time order).
    let mut pairs = Vec::with_capacity(n * per_series.len());
    for k in 0..n {
        for (s, series) in per_series.iter().enumerate() {
            if let Some(&(actual, point)) = series.get(k) {
                pairs.push(CalibrationPoint { actual, point, scale: scales.of(s) });
            }
        }
    }
    let band = ScaledBand::calibrate(&pairs, params.level)?.with_series(scales);
    Ok(if params.rolling { RollingBand::rolling(band, &pairs, params.learn) } else { RollingBand::fixed(band) })
}

/// The (actual, one-step point forecast) pairs of periods `ends[s]..stops[s]` of every series
/// `s` of `history`, the states warm-started on the periods before `ends` and the forecasts
/// scored by the streaming path in one batch per period (clamped at 0 for a non-negative
/// pipeline).
fn one_step(
    stream: &PipelineStream,
    step_model: usize,
    history: &Panel,
    ends: &[usize],
    stops: &[usize],
) -> Result<Vec<Vec<(f64, f64)>>> {
    let mut states = stream.warm_start_until(history, ends)?;
    let width = stream.row_width(1)?;
    let model = &stream.pipeline().step_models()[step_model].point;
    let non_negative = stream.pipeline().non_negative();
    let mut rows = vec![0.0; width * states.len()];
    let mut out: Vec<Vec<(f64, f64)>> =
        ends.iter().zip(stops).map(|(e, s)| Vec::with_capacity(s.saturating_sub(*e))).collect();
    let periods = ends.iter().zip(stops).map(|(e, s)| s.saturating_sub(*e)).max().unwrap_or(0);
    for k in 0..periods {
        let live: Vec<usize> = (0..states.len()).filter(|&s| ends[s] + k < stops[s]).collect();
        for (slot, &s) in rows.chunks_exact_mut(width).zip(&live) {
            stream.step_row(&states[s], 1, slot)?;
        }
        let x = ArrayView2::from_shape((live.len(), width), &rows[..live.len() * width])
            .map_err(|e| RealtimeError::input("band calibration", "rows", e.to_string()))?;
        let points = model.predict(x)?;
        for (&s, &p) in live.iter().zip(points.iter()) {
            let actual = history.series[s].target[ends[s] + k];
            out[s].push((actual, if non_negative { p.max(0.0) } else { p }));
            stream.features().push(&mut states[s], actual)?;
        }
    }
    Ok(out)
}
