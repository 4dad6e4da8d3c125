//! A simulated year of retraining: a daily retail panel from the generator with a regime shift
//! on 1 July, a manual clock stepping day by day, a weekly schedule that refits the serving
//! configuration on the newest data, decay and drift triggers that start a successive-halving
//! search on rolling-origin backtests, promotions of a new configuration through the registry
//! only when a Diebold-Mariano test says it is better, and an automatic rollback when a new
//! configuration's production error passes its own backtest level during its probation.
//! Decay is a [`DecayTest`]: the last week of production's daily WAPE against the serving
//! configuration's own four weeks in service before it (or its first four weeks, with
//! `--first-days-reference`), measured the same way, a one-sided test with a Bartlett
//! long-run variance; a search that keeps the champion keeps its losses. A decay-started
//! search that keeps the champion ran on backtests mostly from before the decay, so it runs
//! once more when its backtest holds only days from the decayed week on.
//! Prints the timeline and the production WAPE of the day-ahead forecasts next to a model
//! never retrained and an oracle that refits every day with the best configuration of the
//! regime it is in (known in hindsight).
//!
//! The shift is strong on purpose, and of a kind retail data show: customers become twice as
//! price sensitive (each item's elasticity, drawn in -2.5..-1, doubles to -5..-2; promoted
//! items' elasticities of -2 to -5 are the common range in the literature, e.g. the
//! meta-analysis of Bijmolt, van Heerde and Pieters, JMR 2005, mean price elasticity -2.6),
//! and the chain moves from irregular promotions (3 to 10 days every 3 to 8 weeks, 0 to 40 %
//! off, about a fifth of the days) to a fixed rhythm of 4 days at 35 % off every 10 days (40 %
//! of the days, a "hi-lo" calendar). A 35 % discount alone then lifts demand 2.4 to 8.6 times
//! instead of 1.5 to 2.9 times, and the rolling means a day-ahead model reads now mix in two
//! promotion days out of five: a model fitted before the shift under-forecasts every
//! promotion and over-forecasts the days between, so it is wrong by far more than the count
//! noise, while the new regime is as learnable as the old.
//!
//! `cargo run --release --example retrain_year [-- --seed 7 --json]`

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use clap::Parser;
use forecast::core::data::{PromoPattern, RegimeShift, RetailGenerator};
use forecast::core::features::FeatureSpec;
use forecast::core::forecast::{FittedForecaster, Forecaster, GlobalForecaster};
use forecast::core::gbdt::{Gbdt, Objective as Loss};
use forecast::core::tenant::TenantId;
use forecast::core::{
    GuardedAction, ManualClock, MemoryAuditSink, ModelArtifact, ModelRef, ModelStore, NewModelVersion, Panel,
    ParamGuard, PermissionCheck,
};
use forecast::mlops::drift_source::HealthDriftSource;
use forecast::mlops::monitor::{DriftOptions, FeatureKind};
use forecast::mlops::{HealthCheck, Registry};
use forecast::retrain::{
    Config, DecayRecheck, DecayTest, DecayTrigger, Decision, DriftTrigger, HalvingSchedule, Job, Journal, MinResources,
    Objective, ParamSpace, ParamValue, Promoter, PromotionPolicy, RetrainError, RollbackGuard, Schedule, Scheduler,
    Search, Step, TriggerGate, compare, panel_as_of,
};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Parser)]
#[command(about = "A simulated year of scheduled and triggered retraining with a regime shift")]
struct Args {
    /// Stores of the panel.
    #[arg(long, default_value_t = 4)]
    stores: usize,
    /// Items of the panel.
    #[arg(long, default_value_t = 6)]
    items: usize,
    /// Seed of the generator and of the search.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Print one JSON object with the figures last on stdout.
    #[arg(long)]
    json: bool,
    /// Hold the decay test's window against the serving configuration's first
    /// REFERENCE_DAYS in service instead of the REFERENCE_DAYS of service just before it.
    #[arg(long)]
    first_days_reference: bool,
}

/// Multiplier of every item's price elasticity from the shift on.
const ELASTICITY_SCALE: f64 = 2.0;
/// The promotion calendar from the shift on.
const NEW_PROMOTIONS: PromoPattern = PromoPattern { every: 10, length: 4, discount: 0.35, participation: 0.9 };

/// The model registered and served.
const MODEL: &str = "demand";
/// Boosting rounds of the first halving rung and of the last (the factor is 3).
const MIN_ROUNDS: usize = 12;
/// Boosting rounds of the final models.
const MAX_ROUNDS: usize = 108;
/// Days a newly promoted configuration is on probation: watched for decay against its own
/// backtest level (and rolled back if it decays), and not refreshed.
const GUARD_DAYS: i64 = 14;
/// Minimum days between two searches started by signals.
const COOLDOWN_DAYS: i64 = 7;
/// Days of a configuration's first production losses that make its reference level (the
/// decay test's baseline, measured exactly as the live error is: the day-ahead WAPE of
/// production).
const REFERENCE_DAYS: usize = 28;
/// Daily drift reports in a row that must say drifted before the drift trigger fires.
const DRIFT_PERSISTENCE: usize = 3;
/// Family-wise false-alarm rate of one daily drift report (Bonferroni over its features).
const DRIFT_ALPHA: f64 = 0.01;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Trains on the last `periods` targets before each series' end only (older targets are hidden
/// from the fit; they stay readable as lags of the first rows).
#[derive(Debug)]
struct RecentHistory {
    inner: GlobalForecaster,
    periods: usize,
}

impl Forecaster for RecentHistory {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn fit(&self, panel: &Panel, end: &[usize]) -> forecast::core::Result<Box<dyn FittedForecaster>> {
        let mut recent = panel.clone();
        for (s, &e) in recent.series.iter_mut().zip(end) {
            let first = e.saturating_sub(self.periods).min(s.target.len());
            s.target[..first].fill(f64::NAN);
        }
        self.inner.fit(&recent, end)
    }
}

fn int(c: &Config, name: &str) -> usize {
    match c.get(name) {
        Some(ParamValue::Int(v)) => usize::try_from(*v).unwrap_or(1),
        _ => 1,
    }
}

fn float(c: &Config, name: &str) -> f64 {
    match c.get(name) {
        Some(ParamValue::Float(v)) => *v,
        _ => 0.1,
    }
}

/// The forecaster of a configuration with `rounds` boosting rounds (the halving resource).
fn build(c: &Config, rounds: usize) -> forecast::retrain::Result<Box<dyn Forecaster>> {
    let loss = match c.get("objective") {
        Some(ParamValue::Text(t)) if t == "l2" => Loss::L2,
        _ => Loss::Tweedie { variance_power: 1.2 },
    };
    let params = Gbdt::params()
        .objective(loss)
        .n_rounds(rounds)
        .learning_rate(float(c, "learning_rate"))
        .num_leaves(int(c, "leaves"))
        .seed(11)
        .check()?;
    let features = FeatureSpec::for_frequency(forecast::core::Frequency::Daily)
        .retain_available(&["price", "discount", "promo", "holiday"].map(String::from));
    let inner = GlobalForecaster::new("gbdt", params, features).horizon(1);
    Ok(Box::new(RecentHistory { inner, periods: int(c, "history") }))
}

fn space() -> forecast::retrain::Result<ParamSpace> {
    ParamSpace::new()
        .axis("history", [56, 119, 364].map(ParamValue::Int).to_vec())?
        .axis("leaves", [7, 31].map(ParamValue::Int).to_vec())?
        .axis("learning_rate", [0.05, 0.15].map(ParamValue::Float).to_vec())?
        .axis("objective", ["tweedie", "l2"].map(|s| ParamValue::Text(s.into())).to_vec())
}

fn describe(c: &Config) -> String {
    c.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
}

/// The rolling-origin backtest of production itself: `WEEKS` weekly origins before the as-of
/// day; at each, a fit on the history up to the origin (cut with [`panel_as_of`], so nothing
/// later is read), then a day-ahead forecast of each day of the week. Keeps each trial's daily
/// losses for the champion/challenger test.
struct DayAhead<'a> {
    full: &'a Panel,
    as_of: NaiveDate,
    losses: Mutex<TrialLosses>,
}

/// Per (configuration, rounds): the daily losses and the pooled WAPE.
type TrialLosses = BTreeMap<(String, usize), (Vec<f64>, f64)>;

/// Weeks of day-ahead forecasts in a backtest.
const WEEKS: usize = 4;

impl<'a> DayAhead<'a> {
    fn new(full: &'a Panel, as_of: NaiveDate) -> Self {
        Self { full, as_of, losses: Mutex::default() }
    }

    /// Total absolute error of each backtest day and the pooled WAPE of `c` with `rounds`.
    fn daily(&self, c: &Config, rounds: usize) -> forecast::retrain::Result<(Vec<f64>, f64)> {
        let key = (describe(c), rounds);
        if let Some(hit) = self.losses.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(hit);
        }
        let known = panel_as_of(self.full, self.as_of);
        let (mut losses, mut score) = (Vec::new(), Score::default());
        for w in 0..WEEKS {
            let origin = self.as_of - Duration::days(7 * (WEEKS - w) as i64 - 1);
            let train = panel_as_of(&known, origin - Duration::days(1));
            let fitted = build(c, rounds)?.fit(&train, &ends(&train))?;
            for k in 0..7 {
                let day = origin + Duration::days(k);
                let (a, f) = (actuals(&known, day), forecast_day(fitted.as_ref(), &known, day)?);
                score.add(&a, &f);
                losses.push(
                    a.iter().zip(&f).filter(|(a, f)| a.is_finite() && f.is_finite()).map(|(a, f)| (a - f).abs()).sum(),
                );
            }
        }
        let out = (losses, score.wape());
        if let Ok(mut m) = self.losses.lock() {
            m.insert(key, out.clone());
        }
        Ok(out)
    }
}

impl Objective for DayAhead<'_> {
    fn loss(&self, c: &Config, rounds: usize) -> forecast::retrain::Result<f64> {
        Ok(self.daily(c, rounds)?.1)
    }
}

/// The panel known on the morning of `day`: targets through the day before, planned prices,
/// discounts and promotions through `day`.
fn known_on(full: &Panel, day: NaiveDate) -> Panel {
    let mut p = panel_as_of(full, day);
    for s in &mut p.series {
        let n = s.target.len().saturating_sub(1);
        s.target.truncate(n);
    }
    p
}

/// Day-ahead forecasts of `day` for every series.
fn forecast_day(model: &dyn FittedForecaster, full: &Panel, day: NaiveDate) -> forecast::core::Result<Vec<f64>> {
    let known = known_on(full, day);
    let origins: Vec<Option<usize>> = known.series.iter().map(|s| Some(s.target.len())).collect();
    let f = model.forecast(&known, &origins, 1)?;
    Ok(f.series.iter().map(|s| s.point.first().copied().unwrap_or(f64::NAN)).collect())
}

/// Actuals of `day` for every series.
fn actuals(full: &Panel, day: NaiveDate) -> Vec<f64> {
    full.series
        .iter()
        .map(|s| {
            full.frequency
                .periods_between(s.start, day)
                .and_then(|t| usize::try_from(t).ok())
                .and_then(|t| s.target.get(t).copied())
                .unwrap_or(f64::NAN)
        })
        .collect()
}

/// The retrain service's own account (in production: forecast-security's session permissions).
#[derive(Debug)]
struct ServiceAccount;

impl PermissionCheck for ServiceAccount {
    fn actor(&self) -> String {
        "retrain-bot".into()
    }
    fn check(&self, _: GuardedAction, _: &str) -> forecast::core::Result<()> {
        Ok(())
    }
}

/// Pooled absolute error and actual of a model's day-ahead forecasts.
#[derive(Debug, Default, Clone, Copy)]
struct Score {
    err: f64,
    total: f64,
}

impl Score {
    fn add(&mut self, actual: &[f64], forecast: &[f64]) {
        for (a, f) in actual.iter().zip(forecast).filter(|(a, f)| a.is_finite() && f.is_finite()) {
            self.err += (a - f).abs();
            self.total += a.abs();
        }
    }
    fn wape(&self) -> f64 {
        self.err / self.total
    }
}

/// The serving model and what it was judged on.
struct Champion {
    version: u32,
    config: Config,
    model: Box<dyn FittedForecaster>,
    backtest_wape: f64,
    /// When this configuration was promoted.
    since: NaiveDate,
    /// The last day of the serving model's training data.
    trained_to: NaiveDate,
}

/// Everything a retraining job needs.
struct Services<'a> {
    full: &'a Panel,
    clock: &'a ManualClock,
    registry: &'a forecast::mlops::TenantRegistry,
    tracker: &'a forecast::mlops::Tracker,
    promoter: Promoter<'a>,
    journal: &'a mut Journal,
    seed: u64,
}

/// What a job did.
struct JobOutcome {
    trials: usize,
    best: Config,
    decision: Decision,
    reason: String,
    version: u32,
    backtest_wape: f64,
}

/// One retraining job as of `as_of` (the last day whose actuals are known): search, register
/// the challenger, compare it with the champion's configuration on the same backtest days,
/// promote on a significant win. Idempotent by job id through the journal.
fn retrain(svc: &mut Services<'_>, job_id: &str, as_of: NaiveDate, champion: &Config) -> Result<JobOutcome> {
    let objective = DayAhead::new(svc.full, as_of);
    let mut job = Job::new(job_id, svc.journal);
    let mut progress = |_| {};
    let searched = job.step(Step::Search, &mut progress, |_| {
        let candidates = space()?.random(9, svc.seed.wrapping_add(as_of.num_days_from_ce().unsigned_abs().into()));
        let schedule = HalvingSchedule::new(candidates.len(), MinResources::Fixed(MIN_ROUNDS), MAX_ROUNDS, 3, false)?;
        let r = Search::new(svc.clock).tracker(svc.tracker, MODEL, "retrain-bot").halving(
            &candidates,
            &schedule,
            &objective,
        )?;
        let best = r.best_trial().ok_or_else(|| RetrainError::Search("no best trial".into()))?;
        Ok(json!({"trials": r.trials.len(), "best": best.config, "rounds": best.resource}))
    })?;
    let best: Config = serde_json::from_value(searched["best"].clone())?;
    let rounds = searched["rounds"].as_u64().unwrap_or(MAX_ROUNDS as u64) as usize;
    let train = panel_as_of(svc.full, as_of);
    let registered = job.step(Step::Register, &mut progress, |_| {
        let fitted = build(&best, rounds)?.fit(&train, &ends(&train))?;
        let pipeline = fitted.pipeline().cloned().ok_or_else(|| RetrainError::Search("no pipeline".into()))?;
        let mut new = NewModelVersion::new(MODEL, ModelArtifact::Pipeline(Box::new(pipeline)), "retrain-bot");
        new.params = best.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
        new.params.insert("rounds".into(), rounds.to_string());
        new.tags.insert("job".into(), job_id.into());
        new.tags.insert("as_of".into(), as_of.to_string());
        Ok(json!({"version": ModelStore::register(svc.registry, new)?.version}))
    })?;
    let version = registered["version"].as_u64().unwrap_or(0) as u32;
    let compared = job.step(Step::Compare, &mut progress, |_| {
        let (chall, wape) = objective.daily(&best, rounds)?;
        if best == *champion && rounds == MAX_ROUNDS {
            let same = "the champion's own configuration: nothing to challenge";
            return Ok(json!({"comparison": {"decision": Decision::Keep, "reason": same}, "challenger_wape": wape}));
        }
        let (champ, _) = objective.daily(champion, MAX_ROUNDS)?;
        let c = compare(&champ, &chall, &PromotionPolicy::default(), 0)?;
        Ok(json!({"comparison": c, "challenger_wape": wape}))
    })?;
    let decision: Decision = serde_json::from_value(compared["comparison"]["decision"].clone())?;
    let reason = compared["comparison"]["reason"].as_str().unwrap_or("").to_string();
    if decision == Decision::Promote {
        let evidence = compared["comparison"].to_string();
        job.step(Step::Promote, &mut progress, |_| {
            let m = svc.promoter.promote(MODEL, "champion", version, &evidence)?;
            Ok(json!({"to": m.to}))
        })?;
    }
    Ok(JobOutcome {
        trials: searched["trials"].as_u64().unwrap_or(0) as usize,
        best,
        decision,
        reason,
        version,
        backtest_wape: compared["challenger_wape"].as_f64().unwrap_or(f64::NAN),
    })
}

/// A weekly refresh as of `as_of`: the serving configuration refitted on the newest data,
/// registered and moved to the alias (idempotent by job id). Returns the new version.
fn refresh(svc: &mut Services<'_>, job_id: &str, as_of: NaiveDate, config: &Config) -> Result<u32> {
    let mut job = Job::new(job_id, svc.journal);
    let mut progress = |_| {};
    let train = panel_as_of(svc.full, as_of);
    let registered = job.step(Step::Register, &mut progress, |_| {
        let fitted = build(config, MAX_ROUNDS)?.fit(&train, &ends(&train))?;
        let pipeline = fitted.pipeline().cloned().ok_or_else(|| RetrainError::Search("no pipeline".into()))?;
        let mut new = NewModelVersion::new(MODEL, ModelArtifact::Pipeline(Box::new(pipeline)), "retrain-bot");
        new.params = config.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
        new.tags.insert("job".into(), job_id.into());
        new.tags.insert("as_of".into(), as_of.to_string());
        Ok(json!({"version": ModelStore::register(svc.registry, new)?.version}))
    })?;
    let version = registered["version"].as_u64().unwrap_or(0) as u32;
    let evidence = format!("weekly refresh of the serving configuration on data to {as_of}");
    job.step(Step::Promote, &mut progress, |_| {
        let m = svc.promoter.promote(MODEL, "champion", version, &evidence)?;
        Ok(json!({"to": m.to}))
    })?;
    Ok(version)
}

/// The model the alias serves, loaded from the registry.
fn served(registry: &forecast::mlops::TenantRegistry) -> Result<Box<dyn FittedForecaster>> {
    let artifact = ModelStore::load(registry, &ModelRef::Alias { name: MODEL.into(), alias: "champion".into() })?;
    let ModelArtifact::Pipeline(pipeline) = artifact else { return Err("champion is not a pipeline".into()) };
    Ok(Box::new(*pipeline))
}

fn ends(p: &Panel) -> Vec<usize> {
    p.series.iter().map(|s| s.len()).collect()
}

/// The best configuration of a one-off search as of `as_of` (for the oracle).
fn best_config(full: &Panel, as_of: NaiveDate, clock: &ManualClock, seed: u64) -> Result<(Config, f64)> {
    let objective = DayAhead::new(full, as_of);
    let candidates = space()?.random(9, seed);
    let schedule = HalvingSchedule::new(candidates.len(), MinResources::Fixed(MIN_ROUNDS), MAX_ROUNDS, 3, false)?;
    let r = Search::new(clock).halving(&candidates, &schedule, &objective)?;
    let best = r.best_trial().ok_or("no trial succeeded")?;
    Ok((best.config.clone(), best.loss))
}

fn morning(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(NaiveTime::from_hms_opt(6, 0, 0).unwrap_or_default()))
}

/// Drift of the planned promotions: one row per day (the share of series on promotion and
/// the mean discount across series), the serving model's training year against the last 28
/// days. Pooling the series into one daily row matters: the series of a day share one
/// promotion calendar, so their rows are not independent draws and a test on them would
/// count one chain-wide promotion 24 times. With 364 and 28 rows the health check runs its
/// tests (KS or chi-square), each at [`DRIFT_ALPHA`] over the number of features, so one
/// report says drifted on noise at most [`DRIFT_ALPHA`] of the time (Bonferroni), and the
/// trigger asks for [`DRIFT_PERSISTENCE`] of them in a row.
fn drift_check(
    full: &Panel,
    trained_to: NaiveDate,
    today: NaiveDate,
    clock: &ManualClock,
) -> Result<forecast::mlops::HealthReport> {
    let daily_mean = |r: usize, from: NaiveDate, to: NaiveDate| -> Vec<f64> {
        let days = (to - from).num_days().max(0);
        (0..days)
            .map(|k| {
                let d = from + Duration::days(k);
                let values: Vec<f64> = full
                    .series
                    .iter()
                    .filter_map(|s| {
                        let t = full.frequency.periods_between(s.start, d).and_then(|t| usize::try_from(t).ok())?;
                        s.regressors[r].get(t).copied().filter(|v| v.is_finite())
                    })
                    .collect();
                values.iter().sum::<f64>() / values.len().max(1) as f64
            })
            .collect()
    };
    let names = ["promo", "discount"];
    let options = DriftOptions { p_value: DRIFT_ALPHA / names.len() as f64, ..DriftOptions::default() };
    let cols: Vec<(Vec<f64>, Vec<f64>)> = names
        .iter()
        .map(|n| {
            let r = full.regressor_index(n).unwrap_or(0);
            let reference_end = trained_to + Duration::days(1);
            (
                daily_mean(r, reference_end - Duration::days(364), reference_end),
                daily_mean(r, today - Duration::days(27), today + Duration::days(1)),
            )
        })
        .collect();
    let mut check = HealthCheck::new(format!("{MODEL}@champion")).options(options);
    for (n, (reference, current)) in names.iter().zip(&cols) {
        check = check.feature(*n, FeatureKind::Numerical, reference, current);
    }
    Ok(check.run(clock)?)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let started = std::time::Instant::now();
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("start date")?;
    let year = NaiveDate::from_ymd_opt(2025, 1, 1).ok_or("year")?;
    let shift_day = NaiveDate::from_ymd_opt(2025, 7, 1).ok_or("shift")?;
    let end = NaiveDate::from_ymd_opt(2025, 12, 31).ok_or("end")?;
    let shift = RegimeShift {
        at: (shift_day - start).num_days() as usize,
        elasticity_scale: ELASTICITY_SCALE,
        promotions: Some(NEW_PROMOTIONS),
    };
    let data = RetailGenerator::new(args.seed)
        .stores(args.stores)
        .items(args.items)
        .start(start)
        .days((end - start).num_days() as usize + 1)
        .future_days(1)
        .regime_shift(shift)
        .generate();
    let full = data.panel;
    let say = |line: String| {
        if !args.json {
            println!("{line}");
        }
    };
    say(format!(
        "panel: {} series, {start} .. {end}; regime shift on {shift_day}: elasticity x{ELASTICITY_SCALE}, a {}-day promotion at {:.0}% off every {} days",
        full.series.len(),
        NEW_PROMOTIONS.length,
        NEW_PROMOTIONS.discount * 100.0,
        NEW_PROMOTIONS.every
    ));

    let shared = Arc::new(ManualClock::new(morning(year)));
    let clock: &ManualClock = &shared;
    let audit = Arc::new(MemoryAuditSink::new());
    let dir = tempfile::tempdir()?;
    let registry =
        Registry::open(dir.path().join("mlops.db"), shared.clone(), audit.clone())?.tenant(&TenantId::new("demo")?);
    let tracker = registry.tracker();
    let mut journal = Journal::open(dir.path().join("jobs.jsonl"))?;
    let account = ServiceAccount;
    let promoter = Promoter { store: &registry, permission: &account, audit: audit.as_ref(), clock };

    // Day 0: the initial champion from a search on 2024.
    let as_of0 = year - Duration::days(1);
    let (first, wape0) = best_config(&full, as_of0, clock, args.seed)?;
    let train0 = panel_as_of(&full, as_of0);
    let model0 = build(&first, MAX_ROUNDS)?.fit(&train0, &ends(&train0))?;
    let pipeline0 = model0.pipeline().cloned().ok_or("no pipeline")?;
    let v0 =
        registry.register(NewModelVersion::new(MODEL, ModelArtifact::Pipeline(Box::new(pipeline0)), "retrain-bot"))?;
    promoter.promote(MODEL, "champion", v0.version, "initial model")?;
    let never = build(&first, MAX_ROUNDS)?.fit(&train0, &ends(&train0))?;
    say(format!("{year} champion v{} [{}], backtest WAPE {wape0:.4}", v0.version, describe(&first)));

    // The oracle: every day refitted with the best configuration of the regime it is in.
    let oracle_before = first.clone();
    let (oracle_after, _) = best_config(&full, end, clock, args.seed ^ 1)?;
    say(format!(
        "oracle configurations: before the shift [{}], after [{}]",
        describe(&oracle_before),
        describe(&oracle_after)
    ));

    let mut champion = Champion {
        version: v0.version,
        config: first,
        model: model0,
        backtest_wape: wape0,
        since: year,
        trained_to: as_of0,
    };
    let mut previous: Option<Champion> = None;
    let weekly = Schedule::weekly(Weekday::Mon, NaiveTime::from_hms_opt(5, 0, 0).unwrap_or_default()).in_zone("UTC")?;
    let mut scheduler = Scheduler::new(weekly, clock);
    let mut gate = TriggerGate::new(Duration::days(COOLDOWN_DAYS));
    let drift_source = HealthDriftSource::new();
    let mut drift = DriftTrigger::new(format!("{MODEL}@champion")).persistence(DRIFT_PERSISTENCE);
    let n = full.series.len();
    let decay_rule = |baseline: f64| DecayTrigger { window: 14 * n, min_points: 7 * n, ..DecayTrigger::wape(baseline) };
    // Decay: the last week of production's daily WAPE against the serving configuration's own
    // REFERENCE_DAYS in service just before that week (or, with --first-days-reference, its
    // first REFERENCE_DAYS in service; the yearly season then moves the level under it).
    // Refreshes keep the configuration, so they keep its losses; a promotion or a rollback
    // starts anew. A one-sided test with a Bartlett long-run variance (daily errors are
    // autocorrelated).
    let decay_test = DecayTest::default();
    let mut daily_losses: Vec<f64> = Vec::new();
    let (mut prod, mut stale, mut oracle) = (Score::default(), Score::default(), Score::default());
    // Production's scored points since the last promotion or rollback (the rollback guard's
    // input).
    let (mut since_actual, mut since_forecast) = (Vec::new(), Vec::new());
    let mut yesterday: Option<(Vec<f64>, Vec<f64>, Vec<f64>)> = None;
    let (mut promotions, mut refreshes, mut rollbacks, mut jobs) = (0usize, 0usize, 0usize, 0usize);
    let (mut first_decay, mut first_drift): (Option<NaiveDate>, Option<NaiveDate>) = (None, None);
    // Decay signals before the shift (false alarms): days that fired, and episodes (runs of
    // consecutive days that fired).
    let (mut decay_before, mut decay_episodes_before, mut drift_before) = (0usize, 0usize, 0usize);
    let mut last_decay: Option<NaiveDate> = None;
    // A decay-started search that keeps the champion was judged on backtest days mostly from
    // before the decay began: it runs once more when its backtest holds only days from the
    // tested week on (`DecayRecheck`; the trailing reference would absorb the decay and fall
    // silent).
    let backtest_days = Duration::days(7 * WEEKS as i64);
    let mut recheck = DecayRecheck::new(backtest_days, Duration::days(decay_test.window as i64))?;
    let mut monthly = Score::default();
    let mut services = Services {
        full: &full,
        clock,
        registry: &registry,
        tracker: &tracker,
        promoter,
        journal: &mut journal,
        seed: args.seed,
    };

    let mut day = year;
    while day <= end {
        clock.set(morning(day));
        let known = day - Duration::days(1);
        if let Some((p, s, o)) = yesterday.take() {
            let a = actuals(&full, known);
            prod.add(&a, &p);
            stale.add(&a, &s);
            oracle.add(&a, &o);
            monthly.add(&a, &p);
            since_actual.extend_from_slice(&a);
            since_forecast.extend_from_slice(&p);
            let mut today = Score::default();
            today.add(&a, &p);
            daily_losses.push(today.wape());
        }
        if day.day() == 1 && day != year {
            say(format!(
                "{known}  production WAPE of the month {:.4} (champion v{})",
                monthly.wape(),
                champion.version
            ));
            monthly = Score::default();
        }
        let on_probation = previous.is_some() && (day - champion.since).num_days() <= GUARD_DAYS;
        // Rollback guard: a new configuration promoted less than GUARD_DAYS ago whose production
        // error passes its own backtest level by the threshold goes back to the one before.
        if on_probation {
            let guard = RollbackGuard { version: champion.version, decay: decay_rule(champion.backtest_wape) };
            if let Some(why) = guard.check(&since_actual, &since_forecast, clock)? {
                services.promoter.rollback(MODEL, "champion", &why)?;
                let back = previous.take().ok_or("no previous champion")?;
                say(format!("{day}  ROLLBACK v{} -> v{}: {why}", champion.version, back.version));
                rollbacks += 1;
                champion = Champion { since: day, ..back };
                since_actual.clear();
                since_forecast.clear();
                daily_losses.clear();
            }
        }
        let scheduled = !scheduler.due(clock)?.is_empty();
        let (reference, live) = if args.first_days_reference {
            daily_losses.split_at(daily_losses.len().min(REFERENCE_DAYS))
        } else {
            let split = daily_losses.len().saturating_sub(decay_test.window);
            (&daily_losses[split.saturating_sub(REFERENCE_DAYS)..split], &daily_losses[split..])
        };
        let decay = decay_test.check(reference, live, clock)?;
        if let Some(e) = &decay {
            say(format!("{day}  trigger decay: {}", e.reason));
            if day < shift_day {
                decay_before += 1;
                if last_decay != Some(day - Duration::days(1)) {
                    decay_episodes_before += 1;
                }
            } else if first_decay.is_none() {
                first_decay = Some(day);
            }
        }
        if decay.is_some() {
            last_decay = Some(day);
        }
        gate.offer_opt(decay);
        drift_source.publish(&drift_check(&full, champion.trained_to, day, clock)?);
        let drifted = drift.check(&drift_source, clock)?;
        if let Some(e) = &drifted {
            say(format!("{day}  trigger drift: {}", e.reason));
            if day < shift_day {
                drift_before += 1;
            } else if first_drift.is_none() {
                first_drift = Some(day);
            }
        }
        gate.offer_opt(drifted);
        gate.offer_opt(recheck.signal(clock));
        let mut promoted_today = false;
        if let Some(request) = gate.decide(clock) {
            jobs += 1;
            let kinds: Vec<String> = request.triggers.iter().map(|t| format!("{:?}", t.kind).to_lowercase()).collect();
            let job_id = format!("search-{known}");
            let out = retrain(&mut services, &job_id, known, &champion.config)?;
            say(format!(
                "{day}  job {job_id} ({}): {} trials, best [{}] backtest WAPE {:.4}; {:?}: {}",
                kinds.join("+"),
                out.trials,
                describe(&out.best),
                out.backtest_wape,
                out.decision,
                out.reason
            ));
            promoted_today = out.decision == Decision::Promote;
            let backtest_start = morning(known) - backtest_days + Duration::days(1);
            if let Some(r) = recheck.settle(&request, out.decision, backtest_start, clock) {
                let due = r.due.date_naive();
                say(format!("{day}  decay not resolved by a Keep: the search runs again from {due}"));
            }
            if promoted_today {
                promotions += 1;
                since_actual.clear();
                since_forecast.clear();
                daily_losses.clear();
                let new = Champion {
                    version: out.version,
                    config: out.best,
                    model: served(services.registry)?,
                    backtest_wape: out.backtest_wape,
                    since: day,
                    trained_to: known,
                };
                say(format!("{day}  PROMOTED v{} (was v{})", new.version, champion.version));
                previous = Some(std::mem::replace(&mut champion, new));
            }
        }
        if scheduled && !promoted_today && !on_probation {
            // The weekly run refits the serving configuration on the newest data; a new
            // configuration comes only from a search (above) and its significance test.
            jobs += 1;
            let job_id = format!("refresh-{known}");
            let version = refresh(&mut services, &job_id, known, &champion.config)?;
            refreshes += 1;
            say(format!(
                "{day}  job {job_id} (schedule): v{version} [{}] on data to {known}",
                describe(&champion.config)
            ));
            champion.version = version;
            champion.model = served(services.registry)?;
            champion.trained_to = known;
            previous = None;
        }
        let oracle_config = if day >= shift_day { &oracle_after } else { &oracle_before };
        let train = panel_as_of(&full, known);
        let oracle_model = build(oracle_config, MAX_ROUNDS)?.fit(&train, &ends(&train))?;
        yesterday = Some((
            forecast_day(champion.model.as_ref(), &full, day)?,
            forecast_day(never.as_ref(), &full, day)?,
            forecast_day(oracle_model.as_ref(), &full, day)?,
        ));
        day += Duration::days(1);
    }
    if let Some((p, s, o)) = yesterday.take() {
        let a = actuals(&full, end);
        prod.add(&a, &p);
        stale.add(&a, &s);
        oracle.add(&a, &o);
    }
    let delay = first_decay.map(|d| (d - shift_day).num_days());
    say(format!(
        "\nyear {}: production WAPE {:.4}, never retrained {:.4}, oracle {:.4}; {jobs} jobs ({refreshes} weekly refreshes), {promotions} promotions, {rollbacks} rollbacks",
        year.format("%Y"),
        prod.wape(),
        stale.wape(),
        oracle.wape()
    ));
    say(format!(
        "decay detected {} days after the shift, drift {} days after; before the shift {decay_before} decay signals ({decay_episodes_before} episodes) and {drift_before} drift signals; {} trigger signals recorded, {} audit events; {:.0} s",
        delay.map_or_else(|| "never".into(), |d| d.to_string()),
        first_drift.map_or_else(|| "never".into(), |d| (d - shift_day).num_days().to_string()),
        gate.log().len(),
        audit.events().len(),
        started.elapsed().as_secs_f64()
    ));
    if args.json {
        println!(
            "{}",
            json!({
                "production_wape": prod.wape(),
                "never_retrained_wape": stale.wape(),
                "oracle_wape": oracle.wape(),
                "promotions": promotions,
                "rollbacks": rollbacks,
                "detection_delay_days": delay,
                "drift_delay_days": first_drift.map(|d| (d - shift_day).num_days()),
                "signals_before_shift": {"decay": decay_before, "decay_episodes": decay_episodes_before, "drift": drift_before},
                "jobs": jobs,
                "refreshes": refreshes,
                "seed": args.seed,
                "decay_reference": if args.first_days_reference { "first_days" } else { "trailing" },
                "seconds": started.elapsed().as_secs_f64(),
            })
        );
    }
    Ok(())
}
