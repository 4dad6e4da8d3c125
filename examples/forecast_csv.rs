//! Backtest and forecast any sales CSV from the command line.
//!
//! ```text
//! cargo run --release --example forecast_csv -- --csv sales.csv --date date --keys store,item \
//!     --target units --regressors price,promo --static store,item --freq daily \
//!     --horizon 28 --windows 3 --model all --json
//! ```
//!
//! With `--json` the last line on stdout is one JSON object:
//! `{"series": S, "windows": N, "horizon": H, "models": {"gbdt": {"wape": .., "mase": .., "rmse": .., "mae": .., "coverage_80": ..}}}`.
//! `--export-features DIR` writes each window's direct-strategy training and test design
//! matrices as `DIR/<window>/train.csv` and `DIR/<window>/test.csv`, plus `DIR/meta.json`.

use clap::{Parser, ValueEnum};
use forecast::core::backtest::{Backtest, BacktestReport};
use forecast::core::data::{CsvSpec, GapPolicy, IngestOptions, read_csv};
use forecast::core::features::{FeatureBuilder, FeatureSpec};
use forecast::core::forecast::{Forecaster, Strategy, TrainingRows, direct_rows, forecast_ahead};
use forecast::core::gbdt::Objective;
use forecast::core::{Error, Frequency, Panel};
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
    /// Backtest windows.
    #[arg(long)]
    windows: usize,
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
    /// GBDT boosting rounds.
    #[arg(long, default_value_t = 500)]
    rounds: usize,
    /// Boosting rounds of extra 0.1 and 0.9 quantile-objective GBDTs (0 = conformal intervals only).
    #[arg(long, default_value_t = 0)]
    quantile_rounds: usize,
    /// How missing periods are filled.
    #[arg(long, value_enum, default_value = "masked")]
    gaps: GapChoice,
    /// Skip and count bad rows instead of stopping at the first.
    #[arg(long)]
    lenient: bool,
    /// Write forecasts of the next `horizon` periods and the backtest forecasts here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write each window's direct-strategy design matrices here.
    #[arg(long)]
    export_features: Option<PathBuf>,
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
    let options = if args.lenient { IngestOptions::lenient(gaps) } else { IngestOptions::strict(gaps) };
    let (panel, report) = read_csv(&args.csv, &spec, &options)?;
    eprintln!("{report}");

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
    let features = retail::features(panel.frequency, &panel.regressor_names);
    let settings =
        GbdtSettings { objective, rounds: args.rounds, strategy, horizon: args.horizon, ..GbdtSettings::default() };
    let models = build_models(&args.model, &settings, &features, season)?;
    let backtest = Backtest { step: args.step, season, ..Backtest::new(args.windows, args.horizon) };

    if let Some(dir) = &args.export_features {
        export_features(dir, &panel, &backtest, &features)?;
        eprintln!("design matrices of {} windows -> {}", args.windows, dir.display());
    }

    let refs: Vec<&dyn Forecaster> = models.iter().map(|m| m.as_ref()).collect();
    let report = retail::run_backtest(&backtest, &panel, &refs)?;
    if args.json {
        eprint!("{report}");
    } else {
        print!("{report}");
    }

    if let Some(dir) = &args.out {
        write_outputs(dir, &panel, &report, &refs, args.horizon)?;
        eprintln!("forecasts -> {}", dir.display());
    }
    if args.json {
        println!("{}", metrics_json(&report, &panel));
    }
    Ok(())
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
        models.insert(m.model.clone(), value);
    }
    serde_json::json!({
        "series": panel.series.len(),
        "windows": report.backtest.windows,
        "horizon": report.backtest.horizon,
        "models": models,
    })
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

fn create(path: &Path) -> Result<std::io::BufWriter<std::fs::File>, Error> {
    Ok(std::io::BufWriter::new(std::fs::File::create(path).map_err(io_err(path))?))
}

/// Fit every model on all history, forecast the next `horizon` periods with the conformal
/// interval of its backtest, and write those and the backtest forecasts.
fn write_outputs(
    dir: &Path,
    panel: &Panel,
    report: &BacktestReport,
    models: &[&dyn Forecaster],
    horizon: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let path = dir.join("forecasts.csv");
    let mut out = create(&path)?;
    for (i, model) in models.iter().enumerate() {
        let mut f = forecast_ahead(*model, panel, horizon)?;
        if let Some(c) = report.model(model.name()).and_then(|m| m.conformal.as_ref()) {
            c.apply(panel, &mut f, true);
        }
        let mut buf = Vec::new();
        f.write_csv(&mut buf)?;
        // one header for the whole file
        let text = String::from_utf8_lossy(&buf);
        let body = if i == 0 { text.as_ref() } else { text.split_once('\n').map_or("", |(_, b)| b) };
        out.write_all(body.as_bytes()).map_err(io_err(&path))?;
    }
    out.flush().map_err(io_err(&path))?;
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

/// Write `DIR/window_<w>/{train,test}.csv` and `DIR/meta.json`: the direct strategy's rows
/// (shift = horizon), test rows only for series the backtest scores in that window.
fn export_features(
    dir: &Path,
    panel: &Panel,
    backtest: &Backtest,
    spec: &FeatureSpec,
) -> Result<(), Box<dyn std::error::Error>> {
    let builder = FeatureBuilder::new(panel, spec.clone())?;
    let shift = backtest.horizon;
    let names = builder.names_for_shift(shift);
    for (w, (origin, scored)) in backtest.origins(panel).iter().enumerate() {
        let sub = dir.join(format!("window_{}", w + 1));
        std::fs::create_dir_all(&sub).map_err(io_err(&sub))?;
        let train = builder.training_matrix(origin, shift)?;
        let rows: Vec<(usize, usize)> = train.rows.iter().map(|r| (r.series, r.t)).collect();
        write_matrix(&sub.join("train.csv"), &names, &TrainingRows { x: train.x, y: train.y, rows }, |_| true)?;
        let test = direct_rows(panel, &builder, origin, backtest.horizon, shift)?;
        write_matrix(&sub.join("test.csv"), &names, &test, |s| scored[s])?;
    }
    let categorical: Vec<&String> = builder.categorical().iter().filter_map(|&i| names.get(i)).collect();
    let meta = dir.join("meta.json");
    std::fs::write(&meta, serde_json::json!({ "categorical": categorical, "shift": shift }).to_string())
        .map_err(io_err(&meta))?;
    Ok(())
}

fn write_matrix(
    path: &Path,
    names: &[String],
    m: &TrainingRows,
    keep: impl Fn(usize) -> bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut w = csv::Writer::from_writer(create(path)?);
    w.write_record(std::iter::once("target").chain(names.iter().map(String::as_str)))?;
    let cell = |v: f64| if v.is_nan() { String::new() } else { v.to_string() };
    for ((row, y), (s, _)) in m.x.rows().into_iter().zip(&m.y).zip(&m.rows) {
        if keep(*s) {
            w.write_record(std::iter::once(cell(*y)).chain(row.iter().map(|v| cell(*v))))?;
        }
    }
    w.flush().map_err(io_err(path))?;
    Ok(())
}
