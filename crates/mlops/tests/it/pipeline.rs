//! A fitted forecasting pipeline through the registry: registered, promoted, resolved by
//! alias and loaded by another handle, it forecasts exactly what it forecast before.

use super::memory_registry;
use forecast_core::data::RetailGenerator;
use forecast_core::features::FeatureSpec;
use forecast_core::forecast::{GlobalForecaster, Strategy};
use forecast_core::gbdt::Gbdt;
use forecast_core::{ModelStore, NewModelVersion, ParamGuard};

#[test]
fn a_pipeline_from_the_registry_forecasts_bit_identically() {
    let panel = RetailGenerator::new(8).stores(1).items(3).days(150).future_days(7).generate().panel;
    let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
    let gbdt = Gbdt::params().n_rounds(10).min_data_in_leaf(5).check().unwrap();
    let pipeline = GlobalForecaster::new("demand", gbdt, features)
        .strategy(Strategy::Direct)
        .horizon(7)
        .fit_pipeline(&panel)
        .unwrap();
    let expected = pipeline.forecast(&panel, 7).unwrap();
    let (reg, _, _) = memory_registry();
    let store: &dyn ModelStore = &reg;
    let v = store.register(NewModelVersion::new("demand", pipeline.into(), "ana")).unwrap();
    store.set_alias("demand", "champion", v.version, "ana", "first").unwrap();
    let loaded = store.load(&"demand@champion".parse().unwrap()).unwrap();
    assert_eq!(loaded.kind(), "pipeline");
    let got = loaded.into_pipeline().unwrap().forecast(&panel, 7).unwrap();
    for (a, b) in got.series.iter().zip(&expected.series) {
        assert_eq!(
            a.point.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            b.point.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }
}
