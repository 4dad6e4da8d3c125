//! The scoring engine: events in, one-step forecasts scored in micro-batches through the
//! pipeline's compiled step model, detectors fed with each actual and its forecast, alerts out.

use super::model::{Band, BandParams, ServedModel};
use super::state::{FnvBuild, series_seed};
use super::swap::ModelWatcher;
use super::verdicts::Verdicts;
use super::{LatencyHistogram, MicroBatcher};
use crate::alert::{Alert, Evidence, EvidenceWindow, Labels, Severity};
use crate::detect::{Detector, DetectorSpec, LearnPolicy, Verdict};
use crate::source::Event;
use crate::{RealtimeError, Result};
use chrono::{DateTime, TimeDelta, Utc};
use forecast_core::features::{CalendarCache, SeriesFeatures};
use forecast_core::{Clock, Panel, SeriesKey};
use ndarray::ArrayView2;
use std::collections::HashMap;
use std::sync::Arc;

/// Parameters of [`ScoringEngine`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `max_batch` | 256 | rows scored together (the compiled predictor's block) | >= 1 |
/// | `max_wait` | 1 ms | longest an event waits for its batch to fill, on the clock | >= 0 |
/// | `detectors` | `residual`, `adwin` | detectors run per series: `residual` on (actual, forecast, interval), `adwin` on the residual, the others on the actual | any [`DetectorSpec`] |
/// | `alert_on` | `residual` | detectors whose flags raise alerts (the others give verdicts only) | names among `detectors` |
/// | `policy` | [`LearnPolicy::All`] | whether detectors learn from the points they flag | - |
/// | `seed` | 0 | base of each series' detector seed | any `u64` |
/// | `band` | [`BandParams::default`] | the interval of the residual detector | - |
/// | `severity` | warning | severity of the alerts | - |
/// | `alertname` | `anomaly` | the `alertname` label | non-empty |
#[derive(Debug, Clone, PartialEq)]
pub struct EngineParams {
    /// Largest micro-batch.
    pub max_batch: usize,
    /// Longest wait of an event for its batch.
    pub max_wait: TimeDelta,
    /// Detectors per series.
    pub detectors: Vec<DetectorSpec>,
    /// Names of the detectors that raise alerts.
    pub alert_on: Vec<String>,
    /// Learning policy of the detectors.
    pub policy: LearnPolicy,
    /// Base seed.
    pub seed: u64,
    /// Interval source.
    pub band: BandParams,
    /// Alert severity.
    pub severity: Severity,
    /// Alert name.
    pub alertname: String,
}

impl Default for EngineParams {
    fn default() -> Self {
        Self {
            max_batch: 256,
            max_wait: TimeDelta::milliseconds(1),
            detectors: vec![DetectorSpec::Residual(Default::default()), DetectorSpec::Adwin(Default::default())],
            alert_on: vec!["residual".into()],
            policy: LearnPolicy::All,
            seed: 0,
            band: BandParams::default(),
            severity: Severity::Warning,
            alertname: "anomaly".into(),
        }
    }
}

/// One event, scored: its forecast (made before it arrived), each detector's verdict, and the
/// alerts it raised.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The event's sequence number.
    pub seq: u64,
    /// Its series.
    pub key: Arc<SeriesKey>,
    /// Its period.
    pub timestamp: DateTime<Utc>,
    /// The actual.
    pub value: f64,
    /// The one-step point forecast of the period.
    pub forecast: f64,
    /// The interval at the band's level.
    pub interval: (f64, f64),
    /// Registry version of the model that scored it (None for a model not from a registry).
    pub version: Option<u32>,
    /// One verdict per detector, in [`ScoringEngine::detector_names`] order; a detector that
    /// could not take the point (a non-finite forecast) gives score NaN, not flagged.
    pub verdicts: Verdicts,
    /// Alerts raised by the detectors of `alert_on`.
    pub alerts: Vec<Alert>,
    /// Clock time from the engine taking the event to its verdicts.
    pub latency: TimeDelta,
}

/// Counters of a [`ScoringEngine`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Events offered to [`ScoringEngine::ingest`].
    pub events_in: u64,
    /// Events scored.
    pub scored: u64,
    /// Events refused (unknown series, out of order, malformed), each with an error to its caller.
    pub rejected: u64,
    /// Batches scored.
    pub batches: u64,
    /// Models swapped in.
    pub swaps: u64,
    /// New champions refused (their features cannot continue the series states) or not loadable.
    pub swaps_refused: u64,
    /// Registry polls that failed (the model in service stays).
    pub poll_errors: u64,
    /// Detector inputs refused (a non-finite forecast).
    pub detector_errors: u64,
}

impl EngineStats {
    /// Events taken in but neither scored nor refused nor waiting: 0 unless events were lost.
    pub fn lost(&self, pending: usize) -> u64 {
        self.events_in.saturating_sub(self.scored + self.rejected + pending as u64)
    }
}

#[derive(Debug)]
struct Slot {
    key: Arc<SeriesKey>,
    state: SeriesFeatures,
    detectors: Vec<Box<dyn Detector>>,
    first_seen: Option<DateTime<Utc>>,
}

#[derive(Debug)]
struct Pending {
    slot: usize,
    seq: u64,
    key: Arc<SeriesKey>,
    timestamp: DateTime<Utc>,
    value: f64,
    arrived: DateTime<Utc>,
    /// The series' scale before the event, for a conformal band; its difficulty for a scaled one.
    scale: f64,
}

/// How a detector is fed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Input {
    /// `[actual, point, lower, upper]`.
    Interval,
    /// `[actual - point]`.
    Residual,
    /// `[actual]`.
    Value,
}

/// Scores a stream of sales events with a fitted pipeline. See the [module docs](crate::engine).
///
/// Per event: find the series' state, bring in the regressors the event carries, write the
/// row of the event's own period from the history before it (the one-step forecast's row,
/// equal to `design_rows`'), then add the actual to the state. Rows wait in a micro-batch until
/// `max_batch` of them or until the oldest waited `max_wait` on the clock; then the step model
/// scores them at once, the interval comes from the band, and every detector of the series
/// takes the actual and its forecast. A model swap happens only between batches, so that each
/// event is scored exactly once, by one model.
#[derive(Debug)]
pub struct ScoringEngine {
    params: EngineParams,
    clock: Arc<dyn Clock>,
    model: ServedModel,
    history: Arc<Panel>,
    key_names: Vec<String>,
    slots: Vec<Slot>,
    by_key: HashMap<Arc<SeriesKey>, usize, FnvBuild>,
    by_ptr: HashMap<usize, usize, FnvBuild>,
    inputs: Vec<Input>,
    alerting: Vec<bool>,
    batcher: MicroBatcher<Pending>,
    rows: Vec<f64>,
    width: usize,
    /// The calendar columns of the newest period written (the series of a period share them).
    calendar: CalendarCache,
    watcher: Option<ModelWatcher>,
    latency: LatencyHistogram,
    stats: EngineStats,
    last_swap_error: Option<String>,
}

impl ScoringEngine {
    /// An engine serving `model`, with one state per series of `history` warm-started from its
    /// whole history (events then continue each series from its end).
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for parameters out of range or an `alert_on` name not
    /// among the detectors; a panel of another layout than the model's.
    pub fn new(model: ServedModel, history: Arc<Panel>, params: EngineParams, clock: Arc<dyn Clock>) -> Result<Self> {
        if params.alertname.is_empty() {
            return Err(RealtimeError::param("alertname", "", "a non-empty name"));
        }
        if params.detectors.is_empty() {
            return Err(RealtimeError::param("detectors", "[]", "at least one detector"));
        }
        let names: Vec<&str> = params.detectors.iter().map(DetectorSpec::name).collect();
        if let Some(unknown) = params.alert_on.iter().find(|a| !names.contains(&a.as_str())) {
            return Err(RealtimeError::param("alert_on", unknown, "names of detectors in `detectors`"));
        }
        let batcher = MicroBatcher::new(params.max_batch, params.max_wait, clock.clone())?;
        let inputs = params
            .detectors
            .iter()
            .map(|d| match d {
                DetectorSpec::Residual(_) => Input::Interval,
                DetectorSpec::Adwin(_) => Input::Residual,
                _ => Input::Value,
            })
            .collect();
        let alerting = names.iter().map(|n| params.alert_on.iter().any(|a| a == n)).collect();
        let states = model.stream().warm_start(&history)?;
        let width = model.stream().row_width(1)?;
        let mut engine = Self {
            key_names: history.key_names.clone(),
            slots: Vec::with_capacity(states.len()),
            by_key: HashMap::default(),
            by_ptr: HashMap::default(),
            inputs,
            alerting,
            batcher,
            rows: Vec::with_capacity(params.max_batch * width),
            width,
            calendar: CalendarCache::default(),
            watcher: None,
            latency: LatencyHistogram::new()?,
            stats: EngineStats::default(),
            last_swap_error: None,
            params,
            clock,
            model,
            history: history.clone(),
        };
        for (series, state) in history.series.iter().zip(states) {
            engine.insert(Arc::new(series.key.clone()), state)?;
        }
        Ok(engine)
    }

    /// Follow a registry reference: the model is swapped when it moves (see [`ModelWatcher`]).
    pub fn watch(&mut self, watcher: ModelWatcher) {
        self.watcher = Some(watcher);
    }

    /// Add a series the warm-start panel did not hold, starting on `start`, with its static
    /// levels by name.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for a series already present; unseen static levels.
    pub fn add_series(&mut self, key: SeriesKey, start: chrono::NaiveDate, static_levels: &[&str]) -> Result<()> {
        if self.by_key.contains_key(&key) {
            return Err(RealtimeError::param("key", key, "a series the engine does not have yet"));
        }
        let state = self.model.stream().series(start, static_levels)?;
        self.insert(Arc::new(key), state)
    }

    fn insert(&mut self, key: Arc<SeriesKey>, state: SeriesFeatures) -> Result<()> {
        let seed = series_seed(self.params.seed, &key);
        let detectors = self
            .params
            .detectors
            .iter()
            .zip(&self.inputs)
            .map(|(d, input)| d.build(if *input == Input::Interval { 4 } else { 1 }, seed))
            .collect::<Result<Vec<_>>>()?;
        let index = self.slots.len();
        self.by_ptr.insert(Arc::as_ptr(&key) as usize, index);
        self.by_key.insert(key.clone(), index);
        self.slots.push(Slot { key, state, detectors, first_seen: None });
        Ok(())
    }

    /// Names of the detectors, in the order of [`Scored::verdicts`].
    pub fn detector_names(&self) -> Vec<&'static str> {
        self.params.detectors.iter().map(DetectorSpec::name).collect()
    }

    /// The model in service.
    pub fn model(&self) -> &ServedModel {
        &self.model
    }

    /// Counters.
    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// Events waiting in the open batch.
    pub fn pending(&self) -> usize {
        self.batcher.pending()
    }

    /// Per-event latency so far.
    pub fn latency(&self) -> &LatencyHistogram {
        &self.latency
    }

    /// Why the last new champion was refused, if one was.
    pub fn last_swap_error(&self) -> Option<&str> {
        self.last_swap_error.as_deref()
    }

    /// When the open batch must be scored (a driver waits at most until then).
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.batcher.deadline()
    }

    /// Take one event: queue its forecast row, and score the batch if that filled it (or if it
    /// had waited long enough). Returns the events scored now, oldest first.
    ///
    /// # Errors
    /// [`RealtimeError::Rejected`] for an event of an unknown series, a period not after the
    /// series' newest, a date off its calendar, a non-finite value or malformed regressors: the
    /// event is counted as rejected and nothing changes.
    pub fn ingest(&mut self, event: Event) -> Result<Vec<Scored>> {
        let arrived = self.clock.now();
        self.stats.events_in += 1;
        let queued = self.queue(event, arrived);
        if queued.is_err() {
            self.stats.rejected += 1;
        }
        match queued? {
            Some(batch) => {
                let scored = self.score(batch)?;
                self.maybe_swap(arrived)?;
                Ok(scored)
            }
            None => Ok(Vec::new()),
        }
    }

    /// Score the open batch if its wait is over, and poll the registry when due (scoring the
    /// open batch first if a new model arrives). Call it when the source has nothing.
    ///
    /// # Errors
    /// Model errors while scoring.
    pub fn tick(&mut self) -> Result<Vec<Scored>> {
        let now = self.clock.now();
        let mut scored = match self.batcher.poll_at(now) {
            Some(batch) => self.score(batch)?,
            None => Vec::new(),
        };
        if self.watcher.as_ref().is_some_and(|w| w.due(now)) {
            if let Some(batch) = self.batcher.flush() {
                scored.extend(self.score(batch)?);
            }
            self.maybe_swap(now)?;
        }
        Ok(scored)
    }

    /// Score the open batch now (end of stream, shutdown).
    ///
    /// # Errors
    /// Model errors while scoring.
    pub fn flush(&mut self) -> Result<Vec<Scored>> {
        match self.batcher.flush() {
            Some(batch) => self.score(batch),
            None => Ok(Vec::new()),
        }
    }

    fn slot_of(&mut self, key: &Arc<SeriesKey>) -> Option<usize> {
        if let Some(&i) = self.by_ptr.get(&(Arc::as_ptr(key) as usize)) {
            return Some(i);
        }
        let i = *self.by_key.get(&**key)?;
        // Adopt the event's key so that its source's next events hit the pointer table; the
        // slot holds it, so the address stays this series' while the engine lives.
        let old = std::mem::replace(&mut self.slots[i].key, key.clone());
        self.by_ptr.remove(&(Arc::as_ptr(&old) as usize));
        self.by_ptr.insert(Arc::as_ptr(key) as usize, i);
        Some(i)
    }

    fn reject(event: &Event, message: impl Into<String>) -> RealtimeError {
        RealtimeError::Rejected { seq: event.seq, key: event.key.to_string(), message: message.into() }
    }

    /// Check the event whole, then change the state: no partial update.
    fn queue(&mut self, event: Event, arrived: DateTime<Utc>) -> Result<Option<Vec<Pending>>> {
        let Some(i) = self.slot_of(&event.key) else {
            return Err(Self::reject(&event, "unknown series (not in the warm-start panel; add it with add_series)"));
        };
        let stream = self.model.stream();
        let features = stream.features();
        let n_regressors = features.regressor_names().len();
        if !event.value.is_finite() {
            return Err(Self::reject(&event, format!("value {} is not a finite number", event.value)));
        }
        let malformed = |rows: &[f64]| rows.iter().any(|v| v.is_infinite());
        if event.regressors.len() != n_regressors || malformed(&event.regressors) {
            return Err(Self::reject(
                &event,
                format!(
                    "{} regressor values; expected {n_regressors} finite or NaN ([{}])",
                    event.regressors.len(),
                    features.regressor_names().join(", ")
                ),
            ));
        }
        if let Some(plan) = &event.plan
            && (plan.offset == 0
                || n_regressors == 0
                || !plan.rows.len().is_multiple_of(n_regressors)
                || malformed(&plan.rows))
        {
            return Err(Self::reject(&event, "plan: offset must be >= 1 and rows whole rows of finite or NaN values"));
        }
        let date = event.timestamp.date_naive();
        let state = &mut self.slots[i].state;
        let t = features.next_index(state, date).map_err(|e| Self::reject(&event, e.to_string()))?;
        // Validated: none of these can fail any more. By target index: the date arithmetic
        // is done once, above.
        features.plan_at(state, t, &event.regressors)?;
        if let Some(plan) = &event.plan
            && let Some(first) = t.checked_add(plan.offset)
        {
            features.plan_at(state, first, &plan.rows)?;
        }
        features.advance_to_index(state, t)?;
        let at = self.rows.len();
        self.rows.resize(at + self.width, 0.0);
        self.model.step_row(state, &mut self.calendar, &mut self.rows[at..])?;
        let scale = match self.model.band() {
            Band::Conformal(band) => {
                forecast_core::interval::ConformalIntervals::scale_of(band.scale, state.recent(), band.level_window)
            }
            Band::Scaled(band) => band.series_scale(i),
            Band::Heads { .. } => 1.0,
        };
        features.push(state, event.value)?;
        let slot = &mut self.slots[i];
        slot.first_seen.get_or_insert(event.timestamp);
        let pending = Pending {
            slot: i,
            seq: event.seq,
            key: event.key,
            timestamp: event.timestamp,
            value: event.value,
            arrived,
            scale,
        };
        Ok(self.batcher.push_at(pending, arrived))
    }

    fn score(&mut self, batch: Vec<Pending>) -> Result<Vec<Scored>> {
        let n = batch.len();
        let x = ArrayView2::from_shape((n, self.width), &self.rows[..n * self.width])
            .map_err(|e| RealtimeError::input("scoring engine", "batch rows", e.to_string()))?;
        let step = &self.model.stream().pipeline().step_models()[self.model.step_model()];
        let points = step.point.predict(x);
        let heads = match self.model.band() {
            Band::Heads { lower, upper } => {
                Some(step.quantiles[*lower].1.predict(x).and_then(|lo| Ok((lo, step.quantiles[*upper].1.predict(x)?))))
            }
            Band::Conformal(_) | Band::Scaled(_) => None,
        };
        // The rows belong to this batch whatever the outcome: the next batch starts empty.
        self.rows.clear();
        let points = points?;
        let heads = heads.transpose()?;
        let non_negative = self.model.stream().pipeline().non_negative();
        let clamp = |v: f64| if non_negative { v.max(0.0) } else { v };
        let now = self.clock.now();
        let version = self.model.version();
        let mut out = Vec::with_capacity(n);
        for (r, p) in batch.into_iter().enumerate() {
            let point = clamp(points[r]);
            let interval = match (&heads, self.model.band()) {
                // Heads may cross the point forecast; the interval then reaches to it.
                (Some((lo, hi)), _) => (clamp(lo[r]).min(point), clamp(hi[r]).max(point)),
                (None, Band::Conformal(band)) => band.bounds(point, 0, p.scale, non_negative),
                (None, Band::Scaled(band)) => band.bounds(point, p.scale, non_negative),
                (None, Band::Heads { .. }) => (f64::NAN, f64::NAN),
            };
            let (verdicts, alerts) = self.detect(&p, point, interval);
            if let Band::Scaled(band) = self.model.band_mut() {
                band.learn(p.value, point, p.scale);
            }
            let latency = now - p.arrived;
            self.latency.record(latency.to_std().unwrap_or_default());
            out.push(Scored {
                seq: p.seq,
                key: p.key,
                timestamp: p.timestamp,
                value: p.value,
                forecast: point,
                interval,
                version,
                verdicts,
                alerts,
                latency,
            });
        }
        self.stats.scored += n as u64;
        self.stats.batches += 1;
        Ok(out)
    }

    fn detect(&mut self, p: &Pending, point: f64, interval: (f64, f64)) -> (Verdicts, Vec<Alert>) {
        let slot = &mut self.slots[p.slot];
        let mut verdicts = Verdicts::with_capacity(slot.detectors.len());
        let mut alerts = Vec::new();
        for (d, detector) in slot.detectors.iter_mut().enumerate() {
            let input = [p.value, point, interval.0, interval.1];
            let residual = [p.value - point];
            let x: &[f64] = match self.inputs[d] {
                Input::Interval => &input,
                Input::Residual => &residual,
                Input::Value => &input[..1],
            };
            // What the detector expected before the point: only alerts carry it.
            let expectation = if self.alerting[d] { detector.expectation() } else { Default::default() };
            let verdict = detector.observe(x, self.params.policy).unwrap_or_else(|_| {
                self.stats.detector_errors += 1;
                Verdict { score: f64::NAN, flagged: false, learned: false }
            });
            if verdict.flagged && self.alerting[d] {
                let mut labels = Labels::from_pairs(self.key_names.iter().cloned().zip(p.key.0.iter().cloned()));
                labels.insert("alertname", self.params.alertname.clone());
                labels.insert("detector", detector.name());
                let (expected, band) = match self.inputs[d] {
                    Input::Interval => (Some(point), Some(interval)),
                    _ => (expectation.expected, expectation.interval),
                };
                alerts.push(Alert::new(labels, self.params.severity, p.timestamp).with_evidence(Evidence {
                    value: p.value,
                    expected,
                    interval: band,
                    detector: detector.name().into(),
                    score: verdict.score,
                    threshold: detector.threshold(),
                    window: EvidenceWindow { start: slot.first_seen, end: p.timestamp, points: expectation.window },
                }));
            }
            verdicts.push(verdict);
        }
        (verdicts, alerts)
    }

    /// Between batches: poll the watcher when due, and serve the new champion if its features
    /// continue the series states.
    fn maybe_swap(&mut self, now: DateTime<Utc>) -> Result<()> {
        let Some(watcher) = self.watcher.as_mut().filter(|w| w.due(now)) else { return Ok(()) };
        let champion = match watcher.poll(now) {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(()),
            Err(e) => {
                self.stats.poll_errors += 1;
                self.last_swap_error = Some(e.to_string());
                return Ok(());
            }
        };
        let prepared =
            ServedModel::prepare(Arc::new(champion.pipeline), Some(champion.version), &self.params.band, &self.history);
        match prepared {
            Ok(next) if self.model.stream().carries_states_to(next.stream()) => {
                self.width = next.stream().row_width(1)?;
                self.model = next;
                self.stats.swaps += 1;
            }
            Ok(_) => {
                self.stats.swaps_refused += 1;
                self.last_swap_error = Some(format!(
                    "version {}: its features cannot continue the series states (another spec, regressors or static encoding); warm-start a new engine",
                    champion.version
                ));
            }
            Err(e) => {
                self.stats.swaps_refused += 1;
                self.last_swap_error = Some(format!("version {}: {e}", champion.version));
            }
        }
        Ok(())
    }
}
