//! Our local statistical models against statsforecast on generated panels.
//!
//! ```text
//! cargo run --release --example stats_vs_statsforecast -- panels DIR
//! python3 benches/scripts/stats_vs_statsforecast.py DIR        # statsforecast 2.1.1
//! cargo run --release --example stats_vs_statsforecast -- compare DIR
//! ```
//!
//! `panels` writes four generated panels (daily, weekly, monthly, intermittent daily) as
//! `DIR/<panel>.csv` (`unique_id,ds,y`) and `DIR/manifest.csv` (season length and horizon of
//! each). The script forecasts the last `horizon` periods of every series from the rest
//! with statsforecast and writes `DIR/statsforecast.csv` and `DIR/statsforecast_ets.csv`
//! (the chosen ETS model of each series). `compare` fits our models on the same training
//! parts and prints, per panel and model, both WAPEs against the actuals, their relative
//! difference, the WAPE between the two forecasts, our fit CPU seconds, and how often both chose
//! the same ETS model.
//!
//! `speed N` fits each model to the first N series (default 1000) of larger versions of
//! the panels, on one thread, and prints the wall-clock and CPU seconds (the CPU time
//! from Linux's `/proc/thread-self/schedstat`: on a shared machine it is the figure to read).

use forecast::core::Frequency;
use forecast::core::baseline::SeriesForecaster;
use forecast::core::data::RetailGenerator;
use forecast::core::stats::{AutoEts, LocalModel};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// One comparison panel: name, generator, season length, horizon.
struct PanelSpec {
    name: &'static str,
    generator: RetailGenerator,
    season: usize,
    horizon: usize,
}

fn panels() -> Vec<PanelSpec> {
    let g = |seed| RetailGenerator::new(seed).future_periods(0);
    vec![
        PanelSpec {
            name: "daily",
            generator: g(1).stores(10).items(20).days(365 + 14).min_length(200),
            season: 7,
            horizon: 14,
        },
        PanelSpec {
            name: "weekly",
            generator: g(2).stores(10).items(20).frequency(Frequency::Weekly).periods(156 + 13).min_length(120),
            season: 52,
            horizon: 13,
        },
        PanelSpec {
            name: "monthly",
            generator: g(3)
                .stores(10)
                .items(15)
                .frequency(Frequency::Monthly)
                .periods(84)
                .min_length(48)
                .trend_strength(2.0),
            season: 12,
            horizon: 12,
        },
        PanelSpec {
            name: "intermittent",
            generator: g(4).stores(10).items(20).days(365 + 28).intermittent(1.0).min_length(200),
            season: 7,
            horizon: 28,
        },
    ]
}

/// The models compared on a panel, by statsforecast's alias.
fn models(panel: &str, season: usize) -> Vec<(&'static str, LocalModel)> {
    let mut list = vec![("AutoETS", LocalModel::ets(season)), ("AutoTheta", LocalModel::theta(season))];
    if panel == "intermittent" {
        list.extend([
            ("CrostonClassic", LocalModel::Croston),
            ("CrostonSBA", LocalModel::Sba),
            ("TSB", LocalModel::tsb(0.2, 0.1)),
        ]);
    }
    list
}

fn write_panels(dir: &Path) -> Res<()> {
    std::fs::create_dir_all(dir)?;
    let mut manifest = csv::Writer::from_path(dir.join("manifest.csv"))?;
    manifest.write_record(["panel", "season", "horizon"])?;
    for spec in panels() {
        let panel = spec.generator.generate().panel;
        let mut w = csv::Writer::from_path(dir.join(format!("{}.csv", spec.name)))?;
        w.write_record(["unique_id", "ds", "y"])?;
        for s in &panel.series {
            for (t, y) in s.target.iter().enumerate() {
                let date = panel.date(s, t).ok_or("date out of range")?;
                w.write_record([s.key.to_string(), date.to_string(), y.to_string()])?;
            }
        }
        w.flush()?;
        manifest.write_record([spec.name.to_string(), spec.season.to_string(), spec.horizon.to_string()])?;
        println!("wrote {}: {} series", dir.join(format!("{}.csv", spec.name)).display(), panel.series.len());
    }
    manifest.flush()?;
    Ok(())
}

/// Series of a panel CSV, in file order.
fn read_panel(path: &Path) -> Res<Vec<(String, Vec<f64>)>> {
    let mut series: Vec<(String, Vec<f64>)> = Vec::new();
    for row in csv::Reader::from_path(path)?.records() {
        let row = row?;
        let (id, y) = (&row[0], row[2].parse::<f64>()?);
        match series.last_mut() {
            Some((last, values)) if last == id => values.push(y),
            _ => series.push((id.to_string(), vec![y])),
        }
    }
    Ok(series)
}

/// `wape(forecast, actual)`: Σ|f - a| / Σ|a|.
fn wape(pairs: impl Iterator<Item = (f64, f64)>) -> f64 {
    let (err, total) = pairs.fold((0.0, 0.0), |(e, t), (f, a)| (e + (f - a).abs(), t + a.abs()));
    err / total
}

fn compare(dir: &Path) -> Res<()> {
    let mut theirs: BTreeMap<(String, String, String), Vec<f64>> = BTreeMap::new();
    for row in csv::Reader::from_path(dir.join("statsforecast.csv"))?.records() {
        let row = row?;
        theirs.entry((row[0].into(), row[1].into(), row[2].into())).or_default().push(row[4].parse()?);
    }
    let mut their_ets: BTreeMap<(String, String), String> = BTreeMap::new();
    for row in csv::Reader::from_path(dir.join("statsforecast_ets.csv"))?.records() {
        let row = row?;
        their_ets.insert((row[0].into(), row[1].into()), row[2].into());
    }
    println!(
        "| panel | model | series | our WAPE | statsforecast WAPE | relative difference | WAPE ours vs theirs | our fit CPU s |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut ets_agreement = Vec::new();
    for spec in panels() {
        let series = read_panel(&dir.join(format!("{}.csv", spec.name)))?;
        let h = spec.horizon;
        for (alias, model) in models(spec.name, spec.season) {
            let cpu = cpu_seconds();
            let mut ours = Vec::with_capacity(series.len());
            for (_, y) in &series {
                ours.push(model.forecast(&y[..y.len() - h], h)?);
            }
            let seconds = cpu_seconds() - cpu;
            let (mut ours_vs_actual, mut theirs_vs_actual, mut ours_vs_theirs) = (Vec::new(), Vec::new(), Vec::new());
            for ((id, y), f) in series.iter().zip(&ours) {
                let key = (spec.name.to_string(), id.clone(), alias.to_string());
                let t = theirs.get(&key).ok_or_else(|| format!("no statsforecast forecast for {key:?}"))?;
                let actual = &y[y.len() - h..];
                for k in 0..h {
                    ours_vs_actual.push((f[k], actual[k]));
                    theirs_vs_actual.push((t[k], actual[k]));
                    ours_vs_theirs.push((f[k], t[k]));
                }
            }
            let (a, b) = (wape(ours_vs_actual.into_iter()), wape(theirs_vs_actual.into_iter()));
            let agreement = wape(ours_vs_theirs.into_iter());
            println!(
                "| {} | {alias} | {} | {a:.4} | {b:.4} | {:+.2}% | {agreement:.1e} | {seconds:.2} |",
                spec.name,
                series.len(),
                100.0 * (a / b - 1.0)
            );
        }
        let ets = AutoEts::new(spec.season);
        let mut same = 0;
        for (id, y) in &series {
            let ours = ets.fit(&y[..y.len() - h])?.model.to_string();
            same += usize::from(their_ets.get(&(spec.name.to_string(), id.clone())) == Some(&ours));
        }
        ets_agreement.push((spec.name, same, series.len()));
    }
    println!();
    println!("| panel | same ETS model as statsforecast |");
    println!("|---|---|");
    for (panel, same, n) in ets_agreement {
        println!("| {panel} | {same} of {n} ({:.0}%) |", 100.0 * same as f64 / n as f64);
    }
    Ok(())
}

/// CPU seconds this thread has run (Linux), or NaN elsewhere.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|ns| ns.parse::<f64>().ok()))
        .map_or(f64::NAN, |ns| ns * 1e-9)
}

fn speed(n: usize) -> Res<()> {
    for spec in panels() {
        let generator = spec.generator.clone().stores(n.div_ceil(20)).items(20);
        let series: Vec<Vec<f64>> = generator.generate().panel.series.into_iter().take(n).map(|s| s.target).collect();
        for (alias, model) in models(spec.name, spec.season) {
            let (started, cpu) = (Instant::now(), cpu_seconds());
            let mut failed = 0;
            for y in &series {
                failed += usize::from(model.forecast(&y[..y.len() - spec.horizon], spec.horizon).is_err());
            }
            let (s, c) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
            let each = 1e3 * c / series.len() as f64;
            println!(
                "{} {alias}: {} series in {s:.2} s wall, {c:.2} s CPU ({each:.2} ms CPU each, {failed} failed)",
                spec.name,
                series.len()
            );
        }
    }
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["panels", dir] => write_panels(Path::new(dir)),
        ["compare", dir] => compare(Path::new(dir)),
        ["speed"] => speed(1000),
        ["speed", n] => speed(n.parse()?),
        _ => Err("usage: stats_vs_statsforecast (panels DIR | compare DIR | speed [N])".into()),
    }
}
