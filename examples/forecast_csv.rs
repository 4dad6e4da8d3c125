//! Backtest and forecast any sales CSV from the command line.
//!
//! ```text
//! cargo run --release --example forecast_csv -- --csv sales.csv --date date --keys store,item \
//!     --target units --regressors price,promo --static store,item --freq daily \
//!     --horizon 28 --windows 3 --model all --json
//! ```
//!
//! With `--json` the last line on stdout is one JSON object:
//! `{"series": S, "windows": N, "horizon": H, "cutoffs": "aligned", "left_out": {"no_history": a, "no_actuals": b},
//! "models": {"gbdt": {"wape": .., "mase": .., "rmse": .., "mae": .., "coverage_80": ..}}}`.
//! `--cutoffs per-series` counts origins back from each series' own end (mlforecast's
//! protocol) instead of one cutoff date per window.
//! `--export-features DIR` writes the direct strategy's training and test design matrices of
//! each window and step as `DIR/window_<w>_step_<h>/{train,test}.csv`, plus `DIR/meta.json`
//! (`--export-steps 1,7,28` limits the steps).
//!
//! `--save-pipeline FILE` fits the first model on all history after the backtest and saves
//! its pipeline (with the backtest's conformal calibration): JSON when FILE ends in `.json`,
//! binary otherwise. `--pipeline FILE` skips training: it loads such a file and writes the
//! forecasts of the next `--horizon` periods of the CSV's series to `--out DIR/forecasts.csv`,
//! bit-identical to what the training run wrote there.

use clap::{Parser, ValueEnum};
use forecast::core::backtest::{Backtest, BacktestReport, Cutoffs, LeftOut};
use forecast::core::data::{CsvSpec, DuplicatePolicy, GapPolicy, IngestOptions, NegativePolicy, read_csv};
use forecast::core::features::{DateFeature, DesignMatrix, FeatureBuilder, FeatureSpec, LagTransform, StaticEncoding};
use forecast::core::forecast::{Forecaster, Forecasts, Strategy, TransformChoice, direct_step_rows};
use forecast::core::gbdt::Objective;
use forecast::core::transform::TargetTransform;
use forecast::core::{Error, ForecastPipeline, Frequency, ModelArtifact, Panel};
use forecast_examples::retail::{self, GbdtSettings};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModelChoice {
    Gbdt,
    Rf,
    Linear,
    SeasonalNaive,
    Naive,
    Ets,
    Theta,
    Croston,
    Tsb,
    Ensemble,
    Auto,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ObjectiveChoice {
    L2,
    Poisson,
    Tweedie,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StrategyChoice {
    Recursive,
    Direct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CutoffChoice {
    Aligned,
    PerSeries,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GapChoice {
    Zero,
    Masked,
    ForwardFill,
}

#[derive(Debug, Parser)]
#[command(about = "Backtest and forecast a sales CSV with a global GBDT and baselines")]
struct Args {
    /// The CSV file.
    #[arg(long)]
    csv: PathBuf,
    /// Date column.
    #[arg(long)]
    date: String,
    /// Series key columns, comma separated.
    #[arg(long, value_delimiter = ',', required = true)]
    keys: Vec<String>,
    /// Target column.
    #[arg(long)]
    target: String,
    /// Known-future regressor columns, comma separated.
    #[arg(long, value_delimiter = ',')]
    regressors: Vec<String>,
    /// Static categorical columns, comma separated.
    #[arg(long = "static", value_delimiter = ',')]
    statics: Vec<String>,
    /// strftime format of the dates (default ISO YYYY-MM-DD).
    #[arg(long)]
    date_format: Option<String>,
    /// daily, weekly or monthly.
    #[arg(long)]
    freq: Frequency,
    /// Forecast horizon (periods).
    #[arg(long)]
    horizon: usize,
    /// Backtest windows (required unless --pipeline).
    #[arg(long, required_unless_present = "pipeline")]
    windows: Option<usize>,
    /// Backtest cutoffs: one date per window for all series, or counted back from each series' end.
    #[arg(long, value_enum, default_value = "aligned")]
    cutoffs: CutoffChoice,
    /// Periods between backtest origins (default: the horizon).
    #[arg(long)]
    step: Option<usize>,
    /// Models to run.
    #[arg(long, value_enum, default_value = "all")]
    model: Vec<ModelChoice>,
    /// GBDT loss.
    #[arg(long, value_enum, default_value = "tweedie")]
    objective: ObjectiveChoice,
    /// Seasonal period of the seasonal naive model and MASE (default: 7 daily, 52 weekly, 12 monthly).
    #[arg(long)]
    season: Option<usize>,
    /// Multi-step strategy of the global models.
    #[arg(long, value_enum, default_value = "recursive")]
    strategy: StrategyChoice,
    /// GBDT target transform: `auto` (chosen on each training part from none, differences at
    /// the season, a local standard scaler and log1p), `none`, or a chain such as
    /// `diff:12`, `diff:1,12+standard`, `minmax`, `log1p`, `boxcox:12`.
    #[arg(long)]
    transform: Option<String>,
    /// Lag transforms added to the default features, comma-separated `stat[:args]@lag`:
    /// rolling_mean:W, rolling_std:W, rolling_min:W, rolling_max:W, seasonal_rolling_mean:S:W,
    /// seasonal_rolling_std:S:W, expanding_mean, expanding_std, expanding_min, expanding_max,
    /// ewm:ALPHA (e.g. `rolling_mean:7@7,expanding_mean@1`).
    #[arg(long, value_delimiter = ',')]
    lag_transforms: Vec<LagTransform>,
    /// Date features added after the default calendar, comma-separated: year, quarter, month,
    /// week_of_year, week_of_month, day_of_week, day_of_month, day_of_year, month_end, month_start.
    #[arg(long, value_delimiter = ',')]
    date_features: Vec<DateFeature>,
    /// GBDT boosting rounds.
    #[arg(long, default_value_t = 500)]
    rounds: usize,
    /// Boosting rounds of extra 0.1 and 0.9 quantile-objective GBDTs (0 = conformal intervals only).
    #[arg(long, default_value_t = 0)]
    quantile_rounds: usize,
    /// Split the static columns by thresholds on their codes instead of as categories.
    #[arg(long)]
    ordinal_statics: bool,
    /// How missing periods are filled.
    #[arg(long, value_enum, default_value = "masked")]
    gaps: GapChoice,
    /// Skip and count bad rows instead of stopping at the first.
    #[arg(long)]
    lenient: bool,
    /// A second row for a series and date: error, or sum the targets.
    #[arg(long, default_value = "error")]
    duplicates: DuplicatePolicy,
    /// A negative target (returns): error, clip (to zero) or keep.
    #[arg(long, default_value = "error")]
    negatives: NegativePolicy,
    /// Write forecasts of the next `horizon` periods and the backtest forecasts here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write each window's direct-strategy design matrices here.
    #[arg(long)]
    export_features: Option<PathBuf>,
    /// Steps whose design matrices --export-features writes (default: every step).
    #[arg(long, value_delimiter = ',')]
    export_steps: Vec<usize>,
    /// After the backtest, fit the first model on all history and save its pipeline here
    /// (JSON for a `.json` name, binary otherwise).
    #[arg(long)]
    save_pipeline: Option<PathBuf>,
    /// Forecast with a saved pipeline instead of training: writes --out DIR/forecasts.csv.
    #[arg(long, conflicts_with_all = ["save_pipeline", "export_features"])]
    pipeline: Option<PathBuf>,
    /// Print the metrics as one JSON object, last on stdout.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut spec = CsvSpec::new(&args.date, &args.target)
        .keys(args.keys.iter().cloned())
        .regressors(args.regressors.iter().cloned())
        .statics(args.statics.iter().cloned())
        .frequency(args.freq);
    if let Some(f) = &args.date_format {
        spec = spec.date_format(f);
    }
    let gaps = match args.gaps {
        GapChoice::Zero => GapPolicy::Zero,
        GapChoice::Masked => GapPolicy::Masked,
        GapChoice::ForwardFill => GapPolicy::ForwardFill,
    };
    let options = if args.lenient { IngestOptions::lenient(gaps) } else { IngestOptions::strict(gaps) }
        .duplicates(args.duplicates)
        .negatives(args.negatives);
    let (panel, report) = read_csv(&args.csv, &spec, &options)?;
    eprintln!("{report}");

    if let Some(path) = &args.pipeline {
        let pipeline = load_pipeline(path)?;
        let forecasts = pipeline.forecast(&panel, args.horizon)?;
        let dir = args.out.as_deref().unwrap_or(Path::new("."));
        write_forecasts(dir, &[forecasts])?;
        eprintln!("{} forecasts of {} series -> {}", pipeline.name(), panel.series.len(), dir.display());
        return Ok(());
    }

    let season = args.season.unwrap_or_else(|| args.freq.default_season());
    let strategy = match args.strategy {
        StrategyChoice::Recursive => Strategy::Recursive,
        StrategyChoice::Direct => Strategy::Direct,
    };
    let objective = match args.objective {
        ObjectiveChoice::L2 => Objective::L2,
        ObjectiveChoice::Poisson => Objective::Poisson,
        ObjectiveChoice::Tweedie => Objective::Tweedie { variance_power: 1.1 },
    };
    let features = retail::features(panel.frequency, &panel.regressor_names)
        .lag_transforms(args.lag_transforms.clone())
        .date_features(args.date_features.clone());
    let features = if args.ordinal_statics { features.static_encoding(StaticEncoding::Ordinal) } else { features };
    let transforms = match &args.transform {
        Some(t) if t == "auto" => {
            TransformChoice::Auto { candidates: retail::transform_candidates(season), holdout: None }
        }
        Some(t) if t == "none" => TransformChoice::Fixed(Vec::new()),
        Some(t) => TransformChoice::Fixed(parse_transforms(t)?),
        None => TransformChoice::Auto { candidates: retail::transform_candidates(season), holdout: None },
    };
    let settings = GbdtSettings {
        objective,
        rounds: args.rounds,
        strategy,
        horizon: args.horizon,
        transforms,
        ..GbdtSettings::default()
    };
    let models = build_models(&args.model, &settings, &features, season)?;
    let cutoffs = match args.cutoffs {
        CutoffChoice::Aligned => Cutoffs::Aligned,
        CutoffChoice::PerSeries => Cutoffs::PerSeries,
    };
    let windows = args.windows.ok_or("--windows is required for a backtest")?;
    let backtest = Backtest { step: args.step, season: Some(season), cutoffs, ..Backtest::new(windows, args.horizon) };

    if let Some(dir) = &args.export_features {
        let steps = export_features(dir, &panel, &backtest, &features, &args.export_steps)?;
        eprintln!("design matrices of {windows} windows x {steps} steps -> {}", dir.display());
    }

    let refs: Vec<&dyn Forecaster> = models.iter().map(|m| m.as_ref()).collect();
    let report = retail::run_backtest(&backtest, &panel, &refs)?;
    let mut text = report.to_string();
    for m in &report.models {
        for w in &m.windows {
            for s in &w.selections {
                text.push_str(&format!("window {} {s}\n", w.window + 1));
            }
        }
    }
    if args.json {
        eprint!("{text}");
    } else {
        print!("{text}");
    }

    if args.out.is_some() || args.save_pipeline.is_some() {
        let pipelines = fit_pipelines(&panel, &report, &refs, args.save_pipeline.is_some() && args.out.is_none())?;
        if let Some(dir) = &args.out {
            let forecasts = pipelines
                .iter()
                .map(|p| p.forecast(&panel, args.horizon))
                .collect::<forecast::core::Result<Vec<_>>>()?;
            write_forecasts(dir, &forecasts)?;
            write_backtest(dir, &report)?;
            eprintln!("forecasts -> {}", dir.display());
        }
        if let (Some(path), Some(first)) = (&args.save_pipeline, pipelines.into_iter().next()) {
            let name = first.name().to_owned();
            save_pipeline(path, first)?;
            eprintln!("pipeline `{name}` -> {}", path.display());
        }
    }
    if args.json {
        println!("{}", metrics_json(&report, &panel));
    }
    Ok(())
}

/// Fit each model (only the first when `first_only`) on all history and attach its
/// backtest's conformal calibration.
fn fit_pipelines(
    panel: &Panel,
    report: &BacktestReport,
    models: &[&dyn Forecaster],
    first_only: bool,
) -> Result<Vec<ForecastPipeline>, Box<dyn std::error::Error>> {
    let end: Vec<usize> = panel.series.iter().map(|s| s.len()).collect();
    let take = if first_only { 1 } else { models.len() };
    let mut out = Vec::with_capacity(take);
    for model in models.iter().take(take) {
        let fitted = model.fit(panel, &end)?;
        let mut pipeline =
            fitted.pipeline().cloned().ok_or_else(|| format!("model `{}` has no saveable pipeline", model.name()))?;
        pipeline.set_conformal(report.model(model.name()).and_then(|m| m.conformal.clone()));
        out.push(pipeline);
    }
    Ok(out)
}

fn save_pipeline(path: &Path, pipeline: ForecastPipeline) -> Result<(), Box<dyn std::error::Error>> {
    let artifact = ModelArtifact::from(pipeline);
    if path.extension().is_some_and(|e| e == "json") {
        artifact.save_json(path)?;
    } else {
        std::fs::write(path, artifact.to_bytes()?).map_err(io_err(path))?;
    }
    Ok(())
}

fn load_pipeline(path: &Path) -> Result<ForecastPipeline, Box<dyn std::error::Error>> {
    let artifact = if path.extension().is_some_and(|e| e == "json") {
        ModelArtifact::load_json(path)?
    } else {
        ModelArtifact::from_bytes(&std::fs::read(path).map_err(io_err(path))?)?
    };
    Ok(artifact.into_pipeline()?)
}

/// Parse `diff:1,12+standard` into a transform chain.
fn parse_transforms(text: &str) -> Result<Vec<TargetTransform>, Box<dyn std::error::Error>> {
    text.split('+')
        .map(|part| {
            let (name, arg) = part.split_once(':').unwrap_or((part, ""));
            let numbers = || -> Result<Vec<usize>, Box<dyn std::error::Error>> {
                arg.split(',')
                    .map(|n| n.trim().parse::<usize>().map_err(|_| format!("--transform `{part}`: `{n}` is not a lag").into()))
                    .collect()
            };
            Ok(match name {
                "diff" => TargetTransform::Differences(numbers()?),
                "standard" => TargetTransform::LocalStandardScaler,
                "minmax" => TargetTransform::LocalMinMaxScaler,
                "log1p" => TargetTransform::Log1p,
                "boxcox" => TargetTransform::BoxCox { season: numbers()?.first().copied().unwrap_or(1) },
                other => {
                    return Err(format!(
                        "--transform: unknown `{other}`; accepted: auto, none, or a chain of diff:LAGS, standard, minmax, log1p, boxcox:SEASON joined by +"
                    )
                    .into());
                }
            })
        })
        .collect()
}

fn build_models(
    choices: &[ModelChoice],
    settings: &GbdtSettings,
    features: &FeatureSpec,
    season: usize,
) -> Result<Vec<Box<dyn Forecaster>>, Box<dyn std::error::Error>> {
    let mut names: Vec<ModelChoice> = Vec::new();
    for c in choices {
        let add: &[ModelChoice] = match c {
            ModelChoice::All => &[ModelChoice::Gbdt, ModelChoice::Rf, ModelChoice::Linear, ModelChoice::SeasonalNaive],
            other => std::slice::from_ref(other),
        };
        for a in add {
            if !names.contains(a) {
                names.push(*a);
            }
        }
    }
    let mut models: Vec<Box<dyn Forecaster>> = Vec::new();
    for name in names {
        match name {
            ModelChoice::Gbdt => models.push(Box::new(retail::gbdt(settings, features.clone())?)),
            ModelChoice::Rf => models.push(Box::new(retail::random_forest(settings, features.clone())?)),
            ModelChoice::Linear => models.push(Box::new(retail::linear(settings, features.clone())?)),
            ModelChoice::SeasonalNaive => models.push(Box::new(retail::seasonal_naive(season))),
            ModelChoice::Naive => models.push(Box::new(retail::naive())),
            ModelChoice::Ets => models.push(Box::new(retail::ets(season))),
            ModelChoice::Theta => models.push(Box::new(retail::theta(season))),
            ModelChoice::Croston => models.push(Box::new(retail::croston())),
            ModelChoice::Tsb => models.push(Box::new(retail::tsb())),
            ModelChoice::Ensemble => models.push(Box::new(retail::ensemble(settings, features.clone(), season)?)),
            ModelChoice::Auto => models.push(Box::new(retail::auto(settings, features.clone(), season)?)),
            ModelChoice::All => {}
        }
    }
    Ok(models)
}

fn metrics_json(report: &BacktestReport, panel: &Panel) -> serde_json::Value {
    let num = |v: f64| if v.is_finite() { serde_json::json!(v) } else { serde_json::Value::Null };
    let mut models = serde_json::Map::new();
    for m in &report.models {
        let value = match m.metrics {
            Some(x) => serde_json::json!({
                "wape": num(x.wape),
                "mase": num(x.mase),
                "rmse": num(x.rmse),
                "mae": num(x.mae),
                "bias": num(x.bias),
                "coverage_80": x.coverage.map_or(serde_json::Value::Null, num),
                "quantile_coverage_80": x.quantile_coverage.map_or(serde_json::Value::Null, num),
                "points": x.n,
            }),
            None => serde_json::Value::Null,
        };
        let mut value = value;
        let chosen: Vec<serde_json::Value> = m
            .windows
            .iter()
            .flat_map(|w| {
                w.selections.iter().map(move |s| {
                    let picks: serde_json::Map<String, serde_json::Value> =
                        s.chosen().map(|c| (c.name.clone(), serde_json::json!(c.weight))).collect();
                    serde_json::json!({"window": w.window + 1, "what": s.what, "chosen": picks})
                })
            })
            .collect();
        if let (Some(obj), false) = (value.as_object_mut(), chosen.is_empty()) {
            obj.insert("chosen".into(), serde_json::Value::Array(chosen));
        }
        models.insert(m.model.clone(), value);
    }
    serde_json::json!({
        "series": panel.series.len(),
        "windows": report.backtest.windows,
        "horizon": report.backtest.horizon,
        "cutoffs": match report.backtest.cutoffs { Cutoffs::Aligned => "aligned", Cutoffs::PerSeries => "per-series" },
        "left_out": {
            "no_history": report.left_out(LeftOut::NoHistory),
            "no_actuals": report.left_out(LeftOut::NoActuals),
        },
        "models": models,
    })
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

fn create(path: &Path) -> Result<std::io::BufWriter<std::fs::File>, Error> {
    Ok(std::io::BufWriter::new(std::fs::File::create(path).map_err(io_err(path))?))
}

/// Write `DIR/forecasts.csv`: every model's forecasts under one header.
fn write_forecasts(dir: &Path, all: &[Forecasts]) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let path = dir.join("forecasts.csv");
    let mut out = create(&path)?;
    for (i, f) in all.iter().enumerate() {
        let mut buf = Vec::new();
        f.write_csv(&mut buf)?;
        let text = String::from_utf8_lossy(&buf);
        let body = if i == 0 { text.as_ref() } else { text.split_once('\n').map_or("", |(_, b)| b) };
        out.write_all(body.as_bytes()).map_err(io_err(&path))?;
    }
    out.flush().map_err(io_err(&path))?;
    Ok(())
}

/// Write `DIR/backtest.csv`: every window's forecasts beside the actuals.
fn write_backtest(dir: &Path, report: &BacktestReport) -> Result<(), Box<dyn std::error::Error>> {
    let path = dir.join("backtest.csv");
    let mut out = create(&path)?;
    writeln!(out, "model,window,series,date,step,actual,point").map_err(io_err(&path))?;
    for m in &report.models {
        for w in &m.windows {
            for (f, actual) in w.forecasts.series.iter().zip(&w.actuals) {
                for (k, ((d, p), a)) in f.dates.iter().zip(&f.point).zip(actual).enumerate() {
                    let a = if a.is_nan() { String::new() } else { a.to_string() };
                    writeln!(out, "{},{},\"{}\",{d},{},{a},{p}", m.model, w.window + 1, f.key, k + 1)
                        .map_err(io_err(&path))?;
                }
            }
        }
    }
    out.flush().map_err(io_err(&path))?;
    Ok(())
}

/// Write `DIR/window_<w>_step_<h>/{train,test}.csv` and `DIR/meta.json`: the rows of the
/// direct strategy's model of step `h` in window `w` (test rows only for the series the
/// window includes). Returns the number of steps written.
fn export_features(
    dir: &Path,
    panel: &Panel,
    backtest: &Backtest,
    spec: &FeatureSpec,
    steps: &[usize],
) -> Result<usize, Box<dyn std::error::Error>> {
    let builder = FeatureBuilder::new(panel, spec.clone())?;
    let steps: Vec<usize> = if steps.is_empty() { (1..=backtest.horizon).collect() } else { steps.to_vec() };
    if let Some(bad) = steps.iter().find(|&&h| h == 0 || h > backtest.horizon) {
        return Err(format!("--export-steps: step {bad} is outside 1..={}", backtest.horizon).into());
    }
    for plan in backtest.plan(panel)? {
        for &h in &steps {
            let sub = dir.join(format!("window_{}_step_{h:02}", plan.window + 1));
            std::fs::create_dir_all(&sub).map_err(io_err(&sub))?;
            write_matrix(&sub.join("train.csv"), &builder.training_matrix(&plan.origin, h)?)?;
            write_matrix(&sub.join("test.csv"), &direct_step_rows(&builder, panel, &plan.origins(), h)?)?;
        }
    }
    let names = builder.names_for_shift(1);
    let categorical: Vec<&String> = builder.categorical().iter().filter_map(|&i| names.get(i)).collect();
    let meta = dir.join("meta.json");
    std::fs::write(&meta, serde_json::json!({ "categorical": categorical, "steps": steps }).to_string())
        .map_err(io_err(&meta))?;
    Ok(steps.len())
}

fn write_matrix(path: &Path, m: &DesignMatrix) -> Result<(), Box<dyn std::error::Error>> {
    let mut w = csv::Writer::from_writer(create(path)?);
    w.write_record(std::iter::once("target").chain(m.names.iter().map(String::as_str)))?;
    let cell = |v: f64| if v.is_nan() { String::new() } else { v.to_string() };
    for (row, y) in m.x.rows().into_iter().zip(&m.y) {
        w.write_record(std::iter::once(cell(*y)).chain(row.iter().map(|v| cell(*v))))?;
    }
    w.flush().map_err(io_err(path))?;
    Ok(())
}
