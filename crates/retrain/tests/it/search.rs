use chrono::NaiveDate;
use forecast_core::backtest::Backtest;
use forecast_core::baseline::BaselineModel;
use forecast_core::forecast::{FittedForecaster, Forecaster, Forecasts, LocalForecaster};
use forecast_core::{Frequency, ManualClock, Panel, Series, SeriesKey};
use forecast_retrain::search::BacktestObjective;
use forecast_retrain::{Config, HalvingSchedule, MinResources, Objective, ParamSpace, ParamValue, Search, panel_as_of};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

fn panel(len: usize, poison_after: Option<usize>) -> Panel {
    let series = (0..3)
        .map(|s| {
            let target = (0..len)
                .map(|t| {
                    if poison_after.is_some_and(|p| t > p) {
                        1e9
                    } else {
                        10.0 + s as f64 + [0.0, 3.0, 5.0, 2.0, 1.0, 7.0, 4.0][t % 7] + (t % 5) as f64
                    }
                })
                .collect();
            Series {
                key: SeriesKey(vec![format!("s{s}")]),
                start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                target,
                regressors: vec![],
                statics: vec![],
            }
        })
        .collect();
    Panel::new(Frequency::Daily, vec!["id".into()], "sales", vec![], vec![], vec![], series).unwrap()
}

type BuildFn = fn(&Config, usize) -> forecast_retrain::Result<Box<dyn Forecaster>>;

fn clock() -> ManualClock {
    ManualClock::new(chrono::DateTime::UNIX_EPOCH)
}

fn space() -> ParamSpace {
    ParamSpace::new()
        .axis(
            "model",
            vec![ParamValue::Text("naive".into()), ParamValue::Text("seasonal".into()), ParamValue::Text("ma".into())],
        )
        .unwrap()
        .axis("window", vec![ParamValue::Int(3), ParamValue::Int(7), ParamValue::Int(14)])
        .unwrap()
}

fn build(c: &Config, _resource: usize) -> forecast_retrain::Result<Box<dyn Forecaster>> {
    let w = match c["window"] {
        ParamValue::Int(w) => w as usize,
        _ => 7,
    };
    let m = match &c["model"] {
        ParamValue::Text(t) if t == "naive" => BaselineModel::naive(),
        ParamValue::Text(t) if t == "seasonal" => BaselineModel::seasonal_naive(w),
        _ => BaselineModel::moving_average(w),
    };
    Ok(Box::new(LocalForecaster::new(m)))
}

#[test]
fn grid_and_seeded_random_spaces() {
    let s = space();
    let g = s.grid();
    assert_eq!((g.len(), s.grid_size()), (9, 9));
    assert_eq!(g[1]["window"], ParamValue::Int(7));
    assert_eq!(s.random(20, 7), s.random(20, 7));
    assert_ne!(s.random(20, 7), s.random(20, 8));
    assert!(ParamSpace::new().axis("x", vec![]).is_err());
}

#[test]
fn the_objective_never_reads_after_as_of() {
    let as_of = NaiveDate::from_ymd_opt(2026, 4, 9).unwrap(); // index 98
    fn objective(p: &Panel, as_of: NaiveDate) -> BacktestObjective<'_, BuildFn> {
        BacktestObjective { panel: p, as_of, backtest: Backtest::new(3, 7), build }
    }
    let clean = panel(99, None);
    // The same history with absurd values after as-of, and 60 more days of them.
    let poisoned = panel(160, Some(98));
    let c = &space().grid()[4];
    let a = objective(&clean, as_of).loss(c, 1).unwrap();
    let b = objective(&poisoned, as_of).loss(c, 1).unwrap();
    assert!(a.is_finite() && a < 1.0);
    assert_eq!(a, b);
    let cut = panel_as_of(&poisoned, as_of);
    assert!(cut.series.iter().all(|s| s.len() == 99 && s.target.iter().all(|v| *v < 1e6)));
}

#[test]
fn grid_search_finds_the_seasonal_model_and_budget_stops_it() {
    let p = panel(120, None);
    let as_of = NaiveDate::from_ymd_opt(2026, 4, 30).unwrap();
    let objective = BacktestObjective { panel: &p, as_of, backtest: Backtest::new(2, 7), build };
    let clock = clock();
    let r = Search::new(&clock).run(&space().grid(), 1, &objective).unwrap();
    assert_eq!(r.trials.len(), 9);
    let best = r.best_trial().unwrap();
    assert!(best.trials_ok());
    let limited = Search::new(&clock)
        .budget(forecast_retrain::Budget { max_trials: Some(4), max_time: None })
        .run(&space().grid(), 1, &objective)
        .unwrap();
    assert!(limited.budget_exhausted && limited.trials.len() == 4);
}

trait Ok_ {
    fn trials_ok(&self) -> bool;
}
impl Ok_ for forecast_retrain::Trial {
    fn trials_ok(&self) -> bool {
        // A weekly pattern plus a 5-day cycle: a moving average cannot win; seasonal (7) can.
        self.config["model"] != ParamValue::Text("ma".into()) && self.error.is_none()
    }
}

/// Loss = candidate index / resource: rung by rung, halving keeps the lowest indices.
#[derive(Debug)]
struct Counting(AtomicUsize);
impl Objective for Counting {
    fn loss(&self, c: &Config, resource: usize) -> forecast_retrain::Result<f64> {
        self.0.fetch_add(1, Ordering::Relaxed);
        match c["i"] {
            ParamValue::Int(i) => Ok((27 - i) as f64 / resource as f64),
            _ => Ok(f64::NAN),
        }
    }
}

#[test]
fn successive_halving_follows_its_schedule() {
    let candidates: Vec<Config> = (0..27).map(|i| Config::from([("i".to_string(), ParamValue::Int(i))])).collect();
    let schedule = HalvingSchedule::new(27, MinResources::Fixed(10), 1000, 3, false).unwrap();
    let objective = Counting(AtomicUsize::new(0));
    let clock = clock();
    let r = Search::new(&clock).halving(&candidates, &schedule, &objective).unwrap();
    assert_eq!(objective.0.load(Ordering::Relaxed), 27 + 9 + 3 + 1);
    for (rung, n) in [27, 9, 3, 1].iter().enumerate() {
        let in_rung: Vec<_> = r.trials.iter().filter(|t| t.rung == rung).collect();
        assert_eq!(in_rung.len(), *n);
        assert!(in_rung.iter().all(|t| t.resource == schedule.n_resources[rung]));
    }
    assert_eq!(r.best_trial().unwrap().config["i"], ParamValue::Int(26));
    assert!(Search::new(&clock).halving(&candidates[..5], &schedule, &objective).is_err());
}

/// Records the last date of any value (target or regressor) in every panel it is fitted on or
/// forecasts from.
#[derive(Debug, Clone)]
struct Spy {
    seen: Arc<Mutex<Vec<NaiveDate>>>,
}

impl Spy {
    fn record(&self, p: &Panel) {
        for s in &p.series {
            let n = s.regressors.iter().map(Vec::len).chain([s.target.len()]).max().unwrap_or(0);
            if let Some(d) = n.checked_sub(1).and_then(|t| p.date(s, t)) {
                self.seen.lock().unwrap().push(d);
            }
        }
    }
    fn latest(&self) -> NaiveDate {
        *self.seen.lock().unwrap().iter().max().unwrap()
    }
}

#[derive(Debug)]
struct SpyFitted(Spy, Box<dyn FittedForecaster>);

impl FittedForecaster for SpyFitted {
    fn forecast(&self, p: &Panel, origins: &[Option<usize>], horizon: usize) -> forecast_core::Result<Forecasts> {
        self.0.record(p);
        self.1.forecast(p, origins, horizon)
    }
}

impl Forecaster for Spy {
    fn name(&self) -> &str {
        "spy"
    }
    fn fit(&self, p: &Panel, end: &[usize]) -> forecast_core::Result<Box<dyn FittedForecaster>> {
        self.record(p);
        let inner = LocalForecaster::new(BaselineModel::seasonal_naive(7)).fit(p, end)?;
        Ok(Box::new(SpyFitted(self.clone(), inner)))
    }
}

#[test]
fn no_trial_of_any_search_reads_a_target_or_regressor_after_as_of() {
    // 160 days of targets and 30 more of planned prices; training may read up to index 98.
    let mut p = panel(160, None);
    for s in &mut p.series {
        s.regressors = vec![(0..190).map(|t| 1.0 + (t % 3) as f64).collect()];
    }
    p.regressor_names = vec!["price".into()];
    p.validate().unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 4, 9).unwrap();
    let spy = Spy { seen: Arc::default() };
    let build_spy =
        |_: &Config, _: usize| -> forecast_retrain::Result<Box<dyn Forecaster>> { Ok(Box::new(spy.clone())) };
    let objective = BacktestObjective { panel: &p, as_of, backtest: Backtest::new(3, 7), build: build_spy };
    let clock = clock();
    let candidates = space().grid();
    Search::new(&clock).run(&candidates, 1, &objective).unwrap();
    let schedule = HalvingSchedule::new(9, MinResources::Fixed(1), 9, 3, false).unwrap();
    Search::new(&clock).halving(&candidates, &schedule, &objective).unwrap();
    assert!(spy.seen.lock().unwrap().len() >= 2 * 9 * 3, "every trial fitted and forecast");
    assert_eq!(spy.latest(), as_of, "a trial read past its as-of date");
    // The spy does see the future when handed the uncut panel: the check above can fail.
    Backtest::new(3, 7).run(&p, &[&spy]).unwrap();
    assert_eq!(spy.latest(), NaiveDate::from_ymd_opt(2026, 7, 9).unwrap());
}

/// A separable bowl over four axes of eight values, optimum at (5, 2, 6, 1).
#[derive(Debug)]
struct Bowl;
impl Objective for Bowl {
    fn loss(&self, c: &Config, _: usize) -> forecast_retrain::Result<f64> {
        let at = |k: &str| match c[k] {
            ParamValue::Int(i) => i as f64,
            _ => f64::NAN,
        };
        Ok((at("a") - 5.0).powi(2) + (at("b") - 2.0).powi(2) + (at("c") - 6.0).powi(2) + (at("d") - 1.0).powi(2))
    }
}

#[test]
fn tpe_is_seeded_and_beats_random_search_on_average_on_the_same_budget() {
    let values: Vec<ParamValue> = (0..8).map(ParamValue::Int).collect();
    let mut s = ParamSpace::new();
    for k in ["a", "b", "c", "d"] {
        s = s.axis(k, values.clone()).unwrap();
    }
    let clock = clock();
    let search = Search::new(&clock);
    let settings = |seed| forecast_retrain::Tpe { n_trials: 40, seed, ..Default::default() };
    let a = search.tpe(&s, &settings(3), 1, &Bowl).unwrap();
    assert_eq!(a, search.tpe(&s, &settings(3), 1, &Bowl).unwrap());
    assert_eq!(a.trials.len(), 40);
    assert_ne!(a.trials, search.tpe(&s, &settings(4), 1, &Bowl).unwrap().trials);
    let (mut tpe, mut random) = (0.0, 0.0);
    for seed in 0..20 {
        tpe += search.tpe(&s, &settings(seed), 1, &Bowl).unwrap().best_trial().unwrap().loss;
        random += search.run(&s.random(40, seed), 1, &Bowl).unwrap().best_trial().unwrap().loss;
    }
    assert!(tpe < random, "mean best loss: tpe {} vs random {}", tpe / 20.0, random / 20.0);
    assert!(search.tpe(&s, &forecast_retrain::Tpe { gamma: 1.0, ..Default::default() }, 1, &Bowl).is_err());
}
