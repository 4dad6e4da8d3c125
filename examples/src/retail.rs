//! The models and progress bar shared by the forecasting examples.

use forecast::core::Frequency;
use forecast::core::adapters::linfa::Ols;
use forecast::core::adapters::smartcore::RandomForest;
use forecast::core::backtest::{Backtest, BacktestReport};
use forecast::core::baseline::{MovingAverage, Naive, SeasonalNaive};
use forecast::core::features::FeatureSpec;
use forecast::core::forecast::{Combine, Ensemble, Forecaster, TransformChoice};
use forecast::core::forecast::{GlobalForecaster, LocalForecaster, Strategy};
use forecast::core::gbdt::{Gbdt, Objective};
use forecast::core::stats::LocalModel;
use forecast::core::transform::TargetTransform;
use forecast::core::{Panel, ParamGuard, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;

/// GBDT settings of the examples (LightGBM's usual forecasting budget).
#[derive(Debug, Clone)]
pub struct GbdtSettings {
    /// Loss of the point model.
    pub objective: Objective,
    /// Boosting rounds.
    pub rounds: usize,
    /// Learning rate.
    pub learning_rate: f64,
    /// Leaves per tree.
    pub num_leaves: usize,
    /// Multi-step strategy.
    pub strategy: Strategy,
    /// Forecast horizon (the direct strategy's shift).
    pub horizon: usize,
    /// Boosting rounds of quantile-objective models at 0.1 and 0.9 (0 = none).
    pub quantile_rounds: usize,
    /// Seed of the row and feature sampling.
    pub seed: u64,
    /// Target transforms of the point model: fixed, or chosen on the training part.
    pub transforms: TransformChoice,
}

impl Default for GbdtSettings {
    fn default() -> Self {
        Self {
            objective: Objective::Tweedie { variance_power: 1.1 },
            rounds: 500,
            learning_rate: 0.05,
            num_leaves: 31,
            strategy: Strategy::Recursive,
            horizon: 28,
            quantile_rounds: 0,
            seed: 42,
            transforms: TransformChoice::Fixed(Vec::new()),
        }
    }
}

/// The global GBDT forecaster named `gbdt` over `features`.
///
/// # Errors
/// When a GBDT parameter is out of range.
pub fn gbdt(settings: &GbdtSettings, features: FeatureSpec) -> Result<GlobalForecaster> {
    let params = |objective, rounds| {
        Gbdt::params()
            .objective(objective)
            .n_rounds(rounds)
            .learning_rate(settings.learning_rate)
            .num_leaves(settings.num_leaves)
            .seed(settings.seed)
            .check()
    };
    let mut model = GlobalForecaster::new("gbdt", params(settings.objective, settings.rounds)?, features)
        .strategy(settings.strategy)
        .horizon(settings.horizon)
        .transform_choice(settings.transforms.clone());
    if settings.quantile_rounds > 0 {
        for alpha in [0.1, 0.9] {
            model = model.quantile(alpha, params(Objective::Quantile { alpha }, settings.quantile_rounds)?);
        }
    }
    Ok(model)
}

/// A global smartcore random forest (`rf`) on `features`, kept small enough for a backtest.
///
/// # Errors
/// When a forest parameter is out of range.
pub fn random_forest(settings: &GbdtSettings, features: FeatureSpec) -> Result<GlobalForecaster> {
    let params = RandomForest::params()
        .n_trees(50)
        .max_depth(12)
        .min_samples_leaf(20)
        .min_samples_split(40)
        .seed(settings.seed)
        .check()?;
    Ok(GlobalForecaster::new("rf", params, features).strategy(settings.strategy).horizon(settings.horizon))
}

/// A global linfa ordinary least squares model (`linear`) on `features`.
///
/// # Errors
/// When a parameter is out of range.
pub fn linear(settings: &GbdtSettings, features: FeatureSpec) -> Result<GlobalForecaster> {
    let params = Ols::params().check()?;
    Ok(GlobalForecaster::new("linear", params, features).strategy(settings.strategy).horizon(settings.horizon))
}

/// The feature spec of a panel's frequency, keeping only the regressor roles it has.
pub fn features(frequency: Frequency, regressor_names: &[String]) -> FeatureSpec {
    FeatureSpec::for_frequency(frequency).retain_available(regressor_names)
}

/// The last observation repeated.
pub fn naive() -> LocalForecaster {
    LocalForecaster::new(Naive).named("naive")
}

/// The value one `season` earlier.
pub fn seasonal_naive(season: usize) -> LocalForecaster {
    LocalForecaster::new(SeasonalNaive { season }).named("seasonal-naive")
}

/// Naive, seasonal naive (`season`) and a moving average over four seasons.
pub fn baselines(season: usize) -> Vec<LocalForecaster> {
    vec![
        naive(),
        seasonal_naive(season),
        LocalForecaster::new(MovingAverage { window: season.max(2) * 4 }).named("moving-average"),
    ]
}

/// AutoETS with this season (statsforecast's search).
pub fn ets(season: usize) -> LocalForecaster {
    LocalForecaster::new(LocalModel::ets(season)).named("ets")
}

/// AutoTheta with this season.
pub fn theta(season: usize) -> LocalForecaster {
    LocalForecaster::new(LocalModel::theta(season)).named("theta")
}

/// Croston's method (classic).
pub fn croston() -> LocalForecaster {
    LocalForecaster::new(LocalModel::Croston).named("croston")
}

/// TSB with statsforecast's usual smoothing (demand 0.2, probability 0.1).
pub fn tsb() -> LocalForecaster {
    LocalForecaster::new(LocalModel::tsb(0.2, 0.1)).named("tsb")
}

/// The default GBDT's transform candidates for a season: none, differences at the season,
/// a local standard scaler, log1p.
pub fn transform_candidates(season: usize) -> Vec<Vec<TargetTransform>> {
    match TransformChoice::default_candidates(season) {
        TransformChoice::Auto { candidates, .. } => candidates,
        TransformChoice::Fixed(chain) => vec![chain],
    }
}

/// The mean of the GBDT (its transform chosen on the training part), AutoETS and AutoTheta.
///
/// # Errors
/// When a GBDT parameter is out of range.
pub fn ensemble(settings: &GbdtSettings, features: FeatureSpec, season: usize) -> Result<Ensemble> {
    let members: Vec<Arc<dyn Forecaster>> =
        vec![Arc::new(gbdt(settings, features)?), Arc::new(ets(season)), Arc::new(theta(season))];
    Ok(Ensemble::new("ensemble", members, Combine::Mean).horizon(settings.horizon))
}

/// Every family (the GBDT with each candidate transform, AutoETS, AutoTheta, seasonal naive,
/// Croston, TSB) scored on the last `horizon` periods of the training part; the best three
/// combined with weights 1 / held-out WAPE.
///
/// # Errors
/// When a GBDT parameter is out of range.
pub fn auto(settings: &GbdtSettings, features: FeatureSpec, season: usize) -> Result<Ensemble> {
    let mut members: Vec<Arc<dyn Forecaster>> = Vec::new();
    for chain in transform_candidates(season) {
        let name = format!("gbdt[{}]", forecast::core::transform::chain_name(&chain));
        let fixed = GbdtSettings { transforms: TransformChoice::Fixed(chain), ..settings.clone() };
        members.push(Arc::new(gbdt(&fixed, features.clone())?.named(name)));
    }
    members.push(Arc::new(ets(season)));
    members.push(Arc::new(theta(season)));
    members.push(Arc::new(seasonal_naive(season)));
    members.push(Arc::new(croston()));
    members.push(Arc::new(tsb()));
    Ok(Ensemble::new("auto", members, Combine::Weighted).top(3).horizon(settings.horizon))
}

/// A progress bar of `len` steps, drawn only when stderr is a terminal.
pub fn progress_bar(len: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(len),
        if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() },
    );
    if let Ok(style) = ProgressStyle::with_template("{msg:>14} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// Run `backtest` on `models` with a progress bar (drawn only on a terminal).
///
/// # Errors
/// As [`Backtest::run`].
pub fn run_backtest(backtest: &Backtest, panel: &Panel, models: &[&dyn Forecaster]) -> Result<BacktestReport> {
    let bar = progress_bar((models.len() * backtest.windows) as u64, "backtest");
    let report = backtest.run_with_progress(panel, models, &mut |p| {
        bar.set_message(format!("{} w{}", p.model, p.window + 1));
        bar.inc(1);
    });
    bar.finish_and_clear();
    report
}
