//! Quickstart: train a global GBDT and the baselines on the built-in retail panel, backtest
//! them on 3 rolling windows, print the accuracy table, forecast the next 28 days with 80%
//! intervals, and write the forecasts (CSV) and a chart (SVG) under `--out`.
//!
//! `cargo run --release --example quickstart [-- --out out/quickstart]`

use clap::Parser;
use forecast::core::backtest::{Backtest, BacktestReport};
use forecast::core::data::{RECORD_COLUMNS, default_data, default_panel};
use forecast::core::forecast::{Forecaster, Forecasts, SeriesForecast};
use forecast::core::{Error, Panel};
use forecast_examples::retail::{self, GbdtSettings};
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(about = "Backtest and forecast the built-in retail panel")]
struct Args {
    /// Output folder for forecasts.csv and forecast.svg.
    #[arg(long, default_value = "out/quickstart")]
    out: PathBuf,
    /// Backtest windows.
    #[arg(long, default_value_t = 3)]
    windows: usize,
    /// Forecast horizon in days.
    #[arg(long, default_value_t = 28)]
    horizon: usize,
    /// GBDT boosting rounds.
    #[arg(long, default_value_t = 300)]
    rounds: usize,
    /// Boosting rounds of extra 0.1 and 0.9 quantile-objective GBDTs, whose own coverage the
    /// backtest then reports as `qcov80` (0 = conformal intervals only, the fast default).
    #[arg(long, default_value_t = 0)]
    quantile_rounds: usize,
    /// Series drawn in the chart.
    #[arg(long, default_value_t = 4)]
    chart_series: usize,
    /// Only write the built-in panel as CSV to this file (for `forecast_csv`), then exit.
    #[arg(long)]
    write_data: Option<PathBuf>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let started = Instant::now();
    if let Some(path) = &args.write_data {
        default_data().write_csv(path)?;
        println!("built-in panel -> {} (columns: {})", path.display(), RECORD_COLUMNS.join(","));
        return Ok(());
    }
    let panel = default_panel();
    println!(
        "panel: {} series x {} days ({} .. {}), regressors: {}",
        panel.series.len(),
        panel.series.first().map_or(0, |s| s.len()),
        panel.series.first().map_or_else(String::new, |s| s.start.to_string()),
        panel
            .series
            .first()
            .and_then(|s| panel.date(s, s.len().saturating_sub(1)))
            .map_or_else(String::new, |d| d.to_string()),
        panel.regressor_names.join(", ")
    );

    let season = panel.frequency.default_season();
    let settings = GbdtSettings {
        rounds: args.rounds,
        quantile_rounds: args.quantile_rounds,
        horizon: args.horizon,
        ..GbdtSettings::default()
    };
    let gbdt = retail::gbdt(&settings, retail::features(panel.frequency, &panel.regressor_names))?;
    let baselines = retail::baselines(season);
    let mut models: Vec<&dyn Forecaster> = vec![&gbdt];
    models.extend(baselines.iter().map(|b| b as &dyn Forecaster));

    let backtest = Backtest::new(args.windows, args.horizon);
    let report = retail::run_backtest(&backtest, &panel, &models)?;
    println!(
        "\nbacktest: {} windows x {} days, one cutoff date per window for every series\n",
        args.windows, args.horizon
    );
    print!("{report}");
    print_acceptance(&report);

    let bar = retail::progress_bar(1, "training");
    let mut forecasts = forecast_next(&gbdt, &panel, &report, args.horizon)?;
    bar.finish_and_clear();
    forecasts.model = "gbdt".into();
    std::fs::create_dir_all(&args.out).map_err(|source| Error::Io { path: args.out.clone(), source })?;
    let csv_path = args.out.join("forecasts.csv");
    let file = std::fs::File::create(&csv_path).map_err(|source| Error::Io { path: csv_path.clone(), source })?;
    forecasts.write_csv(std::io::BufWriter::new(file))?;
    let chart_path = args.out.join("forecast.svg");
    draw_chart(&chart_path, &panel, &forecasts, args.chart_series)?;
    println!(
        "\nforecast: next {} days for {} series -> {}\nchart: {} series -> {}\ndone in {:.1} s",
        args.horizon,
        forecasts.series.len(),
        csv_path.display(),
        args.chart_series.min(forecasts.series.len()),
        chart_path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Fit on all history, forecast, and add the backtest-calibrated conformal 80% interval.
fn forecast_next(
    model: &dyn Forecaster,
    panel: &Panel,
    report: &BacktestReport,
    horizon: usize,
) -> forecast::core::Result<Forecasts> {
    let mut forecasts = forecast::core::forecast::forecast_ahead(model, panel, horizon)?;
    if let Some(conformal) = report.model(model.name()).and_then(|m| m.conformal.as_ref()) {
        conformal.apply(panel, &mut forecasts, true);
    }
    Ok(forecasts)
}

fn print_acceptance(report: &BacktestReport) {
    let wape = |name| report.model(name).and_then(|m| m.metrics).map(|m| m.wape);
    if let (Some(g), Some(s)) = (wape("gbdt"), wape("seasonal-naive")) {
        println!("\ngbdt WAPE {g:.4} vs seasonal naive {s:.4}: {:.1}% lower", 100.0 * (1.0 - g / s));
    }
}

fn draw_chart(path: &Path, panel: &Panel, forecasts: &Forecasts, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let shown: Vec<&SeriesForecast> = forecasts.series.iter().take(n.max(1)).collect();
    let root = SVGBackend::new(path, (960, 260 * shown.len() as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let history_days = 120_i32;
    for (area, f) in root.split_evenly((shown.len(), 1)).iter().zip(&shown) {
        let target = &panel.series[f.series].target[..f.origin];
        let history: Vec<(i32, f64)> = target
            .iter()
            .enumerate()
            .skip(f.origin.saturating_sub(history_days as usize))
            .filter(|(_, v)| !v.is_nan())
            .map(|(t, v)| (t as i32 - f.origin as i32, *v))
            .collect();
        let (lower, upper) = (f.quantiles.first(), f.quantiles.last());
        let top = history
            .iter()
            .map(|p| p.1)
            .chain(f.point.iter().copied())
            .chain(upper.map(|q| q.values.clone()).unwrap_or_default())
            .fold(1.0_f64, f64::max);
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{} (units per day)", f.key), ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d(-history_days..f.point.len() as i32, 0.0..top * 1.05)?;
        chart.configure_mesh().x_desc("days from forecast origin").light_line_style(WHITE).draw()?;
        if let (Some(lo), Some(hi)) = (lower, upper) {
            let band: Vec<(i32, f64)> = hi
                .values
                .iter()
                .enumerate()
                .map(|(k, v)| (k as i32, *v))
                .chain(lo.values.iter().enumerate().rev().map(|(k, v)| (k as i32, *v)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.18))))?
                .label(format!("{:.0}% interval", 100.0 * (hi.alpha - lo.alpha)))
                .legend(|(x, y)| Rectangle::new([(x, y - 4), (x + 16, y + 4)], BLUE.mix(0.18).filled()));
        }
        chart
            .draw_series(LineSeries::new(history, &BLACK))?
            .label("history")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK));
        let point = f.point.iter().enumerate().map(|(k, v)| (k as i32, *v));
        chart
            .draw_series(LineSeries::new(point, &BLUE))?
            .label("gbdt forecast")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLUE));
        chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    }
    root.present()?;
    Ok(())
}
