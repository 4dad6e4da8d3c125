//! One GBDT pipeline per generator panel, fitted once for every test that needs it.

use forecast_core::data::{GeneratedData, RetailGenerator};
use forecast_core::features::{FeatureSpec, StaticEncoding};
use forecast_core::forecast::GlobalForecaster;
use forecast_core::gbdt::{Gbdt, Objective};
use forecast_core::{ForecastPipeline, Panel, ParamGuard};
use forecast_decisions::lost_sales::Censoring;
use std::sync::OnceLock;

/// The default panel (seed 42: 5 stores x 10 items x 730 days), its stockout censoring from the
/// records' `on_hand`, and a Poisson GBDT with the default daily features fitted on the
/// uncensored days (300 rounds, at least 100 rows a leaf, L2 10: regularised so that item-level
/// price responses rest on many rows).
pub(crate) struct Fitted {
    pub(crate) data: GeneratedData,
    pub(crate) censoring: Censoring,
    pub(crate) pipeline: ForecastPipeline,
    /// The recipe the pipeline was fitted with, for refits (cross-fitting).
    pub(crate) forecaster: GlobalForecaster,
    /// The panel the pipeline was fitted on: censored targets masked.
    pub(crate) masked: Panel,
}

pub(crate) fn default_fit() -> &'static Fitted {
    static FIT: OnceLock<Fitted> = OnceLock::new();
    FIT.get_or_init(|| fit(RetailGenerator::default().generate()))
}

/// Seed 7 (other items, prices and promotions) at the default size.
pub(crate) fn seed7_fit() -> &'static Fitted {
    static FIT: OnceLock<Fitted> = OnceLock::new();
    FIT.get_or_init(|| fit(RetailGenerator::new(7).generate()))
}

/// The default seed with 20 stores: four times the history per item.
pub(crate) fn stores20_fit() -> &'static Fitted {
    static FIT: OnceLock<Fitted> = OnceLock::new();
    FIT.get_or_init(|| fit(RetailGenerator::default().stores(20).generate()))
}

/// Seed 101 at the default size: measured only after the estimators were chosen.
pub(crate) fn seed101_fit() -> &'static Fitted {
    static FIT: OnceLock<Fitted> = OnceLock::new();
    FIT.get_or_init(|| fit(RetailGenerator::new(101).generate()))
}

/// Seed 202 at the default size: measured only after the estimators were chosen.
pub(crate) fn seed202_fit() -> &'static Fitted {
    static FIT: OnceLock<Fitted> = OnceLock::new();
    FIT.get_or_init(|| fit(RetailGenerator::new(202).generate()))
}

fn fit(data: GeneratedData) -> Fitted {
    let censoring = Censoring::from_records(&data.panel, &data.records).unwrap();
    // Statics as ordinal codes, the configuration these tests were written for: with the
    // statics split as category sets the GBDT's price response recovers the generator's
    // elasticity less well on the default panel (7 of 10 items within 20% instead of 9; profits
    // of the chosen discounts stay within 4% of the optimum either way).
    let features = FeatureSpec::for_frequency(data.panel.frequency)
        .retain_available(&data.panel.regressor_names)
        .static_encoding(StaticEncoding::Ordinal);
    let gbdt = Gbdt::params()
        .objective(Objective::Poisson)
        .n_rounds(300)
        .min_data_in_leaf(100)
        .lambda_l2(10.0)
        .check()
        .unwrap();
    let masked = censoring.mask(&data.panel).unwrap();
    let forecaster = GlobalForecaster::new("gbdt", gbdt, features);
    let pipeline = forecaster.fit_pipeline(&masked).unwrap();
    Fitted { data, censoring, pipeline, forecaster, masked }
}
