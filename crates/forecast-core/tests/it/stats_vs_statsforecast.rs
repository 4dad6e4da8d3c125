//! Our local statistical models forecast what statsforecast 2.1.1 forecasts on the same
//! generated series (fixture written by `benches/scripts/stats_vs_statsforecast.py --fixture`;
//! the full comparison is `examples/stats_vs_statsforecast.rs`).

use forecast_core::baseline::SeriesForecaster;
use forecast_core::stats::{AutoEts, LocalModel};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Fixture {
    statsforecast_version: String,
    panels: Vec<FixturePanel>,
}

#[derive(Deserialize)]
struct FixturePanel {
    name: String,
    season: usize,
    horizon: usize,
    series: Vec<FixtureSeries>,
}

#[derive(Deserialize)]
struct FixtureSeries {
    id: String,
    y: Vec<f64>,
    forecasts: BTreeMap<String, Vec<f64>>,
    ets_model: String,
}

fn fixture() -> Fixture {
    let path = format!("{}/tests/fixtures/stats_statsforecast.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Ours for statsforecast's model alias.
fn model(alias: &str, season: usize) -> LocalModel {
    match alias {
        "AutoETS" => LocalModel::ets(season),
        "AutoTheta" => LocalModel::theta(season),
        "CrostonClassic" => LocalModel::Croston,
        "CrostonSBA" => LocalModel::Sba,
        "TSB" => LocalModel::tsb(0.2, 0.1),
        other => panic!("no model for {other}"),
    }
}

fn wape(pairs: &[(f64, f64)]) -> f64 {
    pairs.iter().map(|(f, a)| (f - a).abs()).sum::<f64>() / pairs.iter().map(|(_, a)| a.abs()).sum::<f64>()
}

#[test]
fn stats_models_match_statsforecast_within_two_percent_wape() {
    let fixture = fixture();
    assert_eq!(fixture.statsforecast_version, "2.1.1");
    let mut checked = 0;
    for panel in &fixture.panels {
        let h = panel.horizon;
        let aliases: Vec<&String> = panel.series[0].forecasts.keys().collect();
        for alias in aliases {
            let m = model(alias, panel.season);
            let (mut ours, mut theirs, mut between) = (Vec::new(), Vec::new(), Vec::new());
            for s in &panel.series {
                let (train, actual) = s.y.split_at(s.y.len() - h);
                let f = m.forecast(train, h).unwrap();
                let t = &s.forecasts[alias];
                for k in 0..h {
                    ours.push((f[k], actual[k]));
                    theirs.push((t[k], actual[k]));
                    between.push((f[k], t[k]));
                }
            }
            let (a, b) = (wape(&ours), wape(&theirs));
            assert!((a / b - 1.0).abs() < 0.02, "{} {alias}: our WAPE {a:.4}, statsforecast's {b:.4}", panel.name);
            // Stricter: the forecasts themselves agree to within 1% of their volume.
            assert!(wape(&between) < 0.01, "{} {alias}: forecasts differ by {:.4}", panel.name, wape(&between));
            checked += 1;
        }
    }
    assert_eq!(checked, 11);
}

#[test]
fn stats_ets_chooses_statsforecasts_model() {
    for panel in fixture().panels {
        let ets = AutoEts::new(panel.season);
        for s in &panel.series {
            let fit = ets.fit(&s.y[..s.y.len() - panel.horizon]).unwrap();
            assert_eq!(fit.model.to_string(), s.ets_model, "{} {}", panel.name, s.id);
        }
    }
}
