//! The fitted pipeline end to end: a CSV, a backtest, the pipeline fitted on all history with
//! the backtest's calibration, saved as JSON and binary, reloaded and asked again: the same
//! forecasts to the bit (what `forecast_csv --save-pipeline` then `--pipeline` does).

use forecast_core::backtest::Backtest;
use forecast_core::baseline::SeasonalNaive;
use forecast_core::data::{CsvSpec, GapPolicy, IngestOptions, RetailGenerator, read_csv};
use forecast_core::features::{FeatureSpec, StaticEncoding};
use forecast_core::forecast::{Forecaster, Forecasts, GlobalForecaster, LocalForecaster, Strategy};
use forecast_core::gbdt::{Gbdt, Objective};
use forecast_core::tree::{Node, SplitRule};
use forecast_core::{ForecastPipeline, ModelArtifact, ParamGuard};

fn bits(f: &Forecasts) -> Vec<Vec<u64>> {
    f.series
        .iter()
        .flat_map(|s| std::iter::once(&s.point).chain(s.quantiles.iter().map(|q| &q.values)))
        .map(|v| v.iter().map(|x| x.to_bits()).collect())
        .collect()
}

#[test]
fn saved_and_reloaded_pipelines_forecast_bit_identically() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("sales.csv");
    RetailGenerator::new(21).stores(2).items(3).days(200).future_days(14).generate().write_csv(&csv).unwrap();
    let spec = CsvSpec::new("date", "units")
        .keys(["store", "item"])
        .regressors(["price", "discount", "promo", "holiday"])
        .statics(["store", "item"]);
    let (panel, _) = read_csv(&csv, &spec, &IngestOptions::strict(GapPolicy::Masked)).unwrap();
    let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
    let gbdt = Gbdt::params().objective(Objective::Tweedie { variance_power: 1.1 }).n_rounds(25).check().unwrap();
    let models: Vec<Box<dyn Forecaster>> = vec![
        Box::new(GlobalForecaster::new("recursive", gbdt.clone(), features.clone()).horizon(14)),
        Box::new(GlobalForecaster::new("direct", gbdt, features).strategy(Strategy::Direct).horizon(14)),
        Box::new(LocalForecaster::new(SeasonalNaive { season: 7 })),
    ];
    let refs: Vec<&dyn Forecaster> = models.iter().map(|m| m.as_ref()).collect();
    let report = Backtest::new(2, 14).run(&panel, &refs).unwrap();
    let end: Vec<usize> = panel.series.iter().map(|s| s.len()).collect();
    for (model, backtest) in refs.iter().zip(&report.models) {
        let mut pipeline: ForecastPipeline = model.fit(&panel, &end).unwrap().pipeline().unwrap().clone();
        pipeline.set_conformal(backtest.conformal.clone());
        let expected = pipeline.forecast(&panel, 14).unwrap();
        assert!(expected.series.iter().all(|s| s.quantiles.len() == 2), "{}: conformal band", model.name());
        let artifact = ModelArtifact::from(pipeline);
        let json = dir.path().join("p.json");
        artifact.save_json(&json).unwrap();
        let binary = dir.path().join("p.bin");
        std::fs::write(&binary, artifact.to_bytes().unwrap()).unwrap();
        for loaded in [
            ModelArtifact::load_json(&json).unwrap(),
            ModelArtifact::from_bytes(&std::fs::read(&binary).unwrap()).unwrap(),
        ] {
            assert_eq!(loaded, artifact);
            // A fresh read of the CSV, as a second process would do.
            let (again, _) = read_csv(&csv, &spec, &IngestOptions::strict(GapPolicy::Masked)).unwrap();
            let got = loaded.into_pipeline().unwrap().forecast(&again, 14).unwrap();
            assert_eq!(bits(&got), bits(&expected), "{}", model.name());
        }
    }
}

/// Every category bitset of the pipeline's step models.
fn category_splits(pipeline: &ForecastPipeline) -> usize {
    pipeline
        .step_models()
        .iter()
        .filter_map(|s| match s.point.artifact() {
            ModelArtifact::Gbdt(m) => Some(m.ensemble()),
            _ => None,
        })
        .flat_map(|e| e.trees.iter().flat_map(|t| &t.nodes))
        .filter(|n| matches!(n, Node::Split(s) if matches!(s.rule, SplitRule::Category(_))))
        .count()
}

#[test]
fn categorical_statics_split_as_category_sets_and_survive_a_reload() {
    // 6 stores x 2 items: the store statics take the sorted (many-category) path, the items the
    // one-against-the-rest path.
    let data = RetailGenerator::new(5).stores(6).items(2).days(150).future_days(7).generate();
    let panel = data.panel;
    let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
    let gbdt = Gbdt::params().n_rounds(30).min_data_per_group(20).check().unwrap();
    let fit = |features: FeatureSpec| {
        let model = GlobalForecaster::new("gbdt", gbdt.clone(), features).horizon(7);
        model.fit_pipeline(&panel).unwrap()
    };
    let categorical = fit(features.clone());
    assert!(!categorical.step_models()[0].categorical.is_empty());
    assert!(category_splits(&categorical) > 0, "the statics split as categories");
    let ordinal = fit(features.static_encoding(StaticEncoding::Ordinal));
    assert!(ordinal.step_models()[0].categorical.is_empty());
    assert_eq!(category_splits(&ordinal), 0);
    let expected = categorical.forecast(&panel, 7).unwrap();
    let artifact = ModelArtifact::from(categorical);
    for loaded in [
        ModelArtifact::from_json(&artifact.to_json().unwrap()).unwrap(),
        ModelArtifact::from_bytes(&artifact.to_bytes().unwrap()).unwrap(),
    ] {
        assert_eq!(loaded, artifact);
        let got = loaded.into_pipeline().unwrap().forecast(&panel, 7).unwrap();
        assert_eq!(bits(&got), bits(&expected));
    }
}
