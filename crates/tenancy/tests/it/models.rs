//! The tenant-aware model store: the plan's allowed kinds, its `models` quota, the tenant's status.

use crate::common::{Ops, fixture};
use forecast_core::model::{LinearModel, Link};
use forecast_core::tenant::TenantId;
use forecast_core::{
    AliasMove, Error, ModelArtifact, ModelRef, ModelStore, ModelStores, ModelVersion, NewModelVersion,
};
use forecast_tenancy::{MeteredModels, TenantStore, limits};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Counts registrations per (tenant, name); enough of a registry for the metering wrapper.
#[derive(Debug, Default, Clone)]
struct Counting(Arc<Mutex<BTreeMap<(TenantId, String), u32>>>);

#[derive(Debug)]
struct One(Counting, TenantId);

impl ModelStores for Counting {
    fn models(&self, tenant: &TenantId) -> forecast_core::Result<Arc<dyn ModelStore>> {
        Ok(Arc::new(One(self.clone(), tenant.clone())))
    }
}

impl ModelStore for One {
    fn register(&self, v: NewModelVersion) -> forecast_core::Result<ModelVersion> {
        let mut map = self.0.0.lock().unwrap();
        let n = map.entry((self.1.clone(), v.name.clone())).or_default();
        *n += 1;
        Ok(ModelVersion::from_new(v, *n, String::new(), chrono::DateTime::UNIX_EPOCH))
    }
    fn resolve(&self, r: &ModelRef) -> forecast_core::Result<ModelVersion> {
        Err(Error::NotFound { what: "model", id: r.to_string() })
    }
    fn load(&self, r: &ModelRef) -> forecast_core::Result<ModelArtifact> {
        Err(Error::NotFound { what: "model", id: r.to_string() })
    }
    fn set_alias(&self, name: &str, _: &str, _: u32, _: &str, _: &str) -> forecast_core::Result<AliasMove> {
        Err(Error::NotFound { what: "model", id: name.into() })
    }
    fn alias_history(&self, _: &str, _: &str) -> forecast_core::Result<Vec<AliasMove>> {
        Ok(Vec::new())
    }
    fn rollback(&self, name: &str, _: &str, _: &str, _: &str) -> forecast_core::Result<AliasMove> {
        Err(Error::NotFound { what: "model", id: name.into() })
    }
}

fn linear() -> ModelArtifact {
    ModelArtifact::Linear(LinearModel {
        coefficients: vec![1.0],
        intercept: 0.0,
        impute: vec![0.0],
        link: Link::Identity,
    })
}

fn tree() -> ModelArtifact {
    ModelArtifact::TreeEnsemble(forecast_core::TreeEnsemble {
        n_features: 1,
        feature_names: vec![],
        trees: vec![],
        base_score: 0.0,
        average: false,
        transform: Default::default(),
    })
}

#[test]
fn kinds_and_the_models_quota_are_enforced_per_model_name() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("shop", "free", "UTC", "USD");
    let registry = Counting::default();
    let store = Arc::new(f.store);
    let metered = MeteredModels::new(store.clone(), Arc::new(registry.clone()));
    let models = metered.models(&t.id).unwrap();
    // Free allows baseline and linear models, one model name.
    models.register(NewModelVersion::new("demand", linear(), "ana@shop")).unwrap();
    models.register(NewModelVersion::new("demand", linear(), "ana@shop")).unwrap();
    let second = models.register(NewModelVersion::new("returns", linear(), "ana@shop")).unwrap_err();
    assert!(matches!(&second, Error::PermissionDenied { reason, .. } if reason.contains("quota exceeded")), "{second}");
    let kind = models.register(NewModelVersion::new("demand", tree(), "ana@shop")).unwrap_err();
    assert!(matches!(&kind, Error::PermissionDenied { reason, .. } if reason.contains("tree_ensemble")), "{kind}");
    assert_eq!(store.scope(&t.id).unwrap().quota(limits::MODELS).unwrap().used, 1, "versions of one model count once");
    assert_eq!(registry.0.lock().unwrap().len(), 1, "refused registrations never reached the registry");
    // Suspended: no store, and a held one stops.
    store.suspend_tenant(&t.id, "unpaid", &Ops).unwrap();
    assert!(metered.models(&t.id).is_err());
    assert!(models.register(NewModelVersion::new("demand", linear(), "ana@shop")).is_err());
    let unknown = TenantId::new("ghost").unwrap();
    assert!(metered.models(&unknown).is_err());
    let _: &TenantStore = &store;
}

/// A learner whose fitted model is a tree ensemble, as an imported LightGBM or XGBoost model
/// is (`forecast_core::import` yields `ModelArtifact::TreeEnsemble`): a constant at the mean.
#[derive(Debug)]
struct ImportedEnsemble;

impl forecast_core::forecast::Learner for ImportedEnsemble {
    fn fit_model(&self, set: &forecast_core::forecast::TrainingSet<'_>) -> forecast_core::Result<ModelArtifact> {
        Ok(ModelArtifact::TreeEnsemble(forecast_core::TreeEnsemble {
            n_features: set.x.ncols(),
            base_score: set.y.mean().unwrap_or(0.0),
            ..Default::default()
        }))
    }
}

/// Fit a direct pipeline of 2 steps on a small generated panel, with `point` as the point
/// learner and, when given, `quantile` as the model of the 0.9 quantile.
fn pipeline(
    point: impl forecast_core::forecast::Learner + 'static,
    quantile: Option<ImportedEnsemble>,
) -> ModelArtifact {
    use forecast_core::data::RetailGenerator;
    use forecast_core::features::FeatureSpec;
    use forecast_core::forecast::{GlobalForecaster, Strategy};
    let data = RetailGenerator::new(3).stores(1).items(2).days(80).generate();
    let features = FeatureSpec::for_frequency(data.panel.frequency).retain_available(&data.panel.regressor_names);
    let mut model = GlobalForecaster::new("m", point, features).strategy(Strategy::Direct).horizon(2);
    if let Some(q) = quantile {
        model = model.quantile(0.9, q);
    }
    ModelArtifact::from(model.fit_pipeline(&data.panel).unwrap())
}

fn gbdt() -> forecast_core::gbdt::GbdtValidParams {
    use forecast_core::ParamGuard;
    forecast_core::gbdt::Gbdt::params().n_rounds(3).check().unwrap()
}

#[test]
fn a_forbidden_model_kind_wrapped_in_a_pipeline_is_refused() {
    use forecast_tenancy::model_kinds;
    let f = fixture("2026-03-10T12:00:00Z");
    // Pro allows baseline, linear and gbdt models, not tree ensembles (imported LightGBM).
    let t = f.tenant("shop", "pro", "UTC", "USD");
    let big = f.tenant("big", "enterprise", "UTC", "USD");
    let registry = Counting::default();
    let store = Arc::new(f.store);
    let models = MeteredModels::new(store.clone(), Arc::new(registry.clone())).models(&t.id).unwrap();

    let gbdt_pipeline = pipeline(gbdt(), None);
    assert_eq!(model_kinds(&gbdt_pipeline).into_iter().collect::<Vec<_>>(), ["gbdt"]);
    models.register(NewModelVersion::new("demand", gbdt_pipeline, "ana@shop")).unwrap();

    let imported = pipeline(ImportedEnsemble, None);
    assert_eq!(model_kinds(&imported).into_iter().collect::<Vec<_>>(), ["tree_ensemble"]);
    let err = models.register(NewModelVersion::new("demand", imported, "ana@shop")).unwrap_err();
    assert!(
        matches!(&err, Error::PermissionDenied { reason, .. } if reason.contains("`tree_ensemble` (inside the pipeline)")),
        "{err}"
    );

    // A gbdt point model with an imported ensemble as its 0.9 quantile model: still refused.
    let quantile = pipeline(gbdt(), Some(ImportedEnsemble));
    assert_eq!(model_kinds(&quantile).into_iter().collect::<Vec<_>>(), ["gbdt", "tree_ensemble"]);
    let err = models.register(NewModelVersion::new("demand", quantile, "ana@shop")).unwrap_err();
    assert!(matches!(&err, Error::PermissionDenied { reason, .. } if reason.contains("tree_ensemble")), "{err}");

    // A local pipeline forecasts with a baseline, which pro allows.
    let data = forecast_core::data::RetailGenerator::new(3).stores(1).items(2).days(30).generate();
    let local = forecast_core::forecast::LocalForecaster::new(forecast_core::baseline::BaselineModel::naive())
        .fit_pipeline(&data.panel)
        .unwrap();
    let local = ModelArtifact::from(local);
    assert_eq!(model_kinds(&local).into_iter().collect::<Vec<_>>(), ["baseline"]);
    models.register(NewModelVersion::new("demand", local, "ana@shop")).unwrap();

    // Refusals never reached the registry and were audited with the reason.
    assert_eq!(registry.0.lock().unwrap().get(&(t.id.clone(), "demand".to_string())), Some(&2));
    let denied = f
        .audit
        .events()
        .into_iter()
        .filter(|e| e.action == "model.register" && e.outcome == forecast_core::AuditOutcome::Denied)
        .count();
    assert_eq!(denied, 2);

    // Enterprise allows tree ensembles: the same pipeline registers there.
    let models = MeteredModels::new(store, Arc::new(registry)).models(&big.id).unwrap();
    models.register(NewModelVersion::new("demand", pipeline(ImportedEnsemble, None), "bo@big")).unwrap();
}

#[test]
fn a_later_version_registered_at_a_later_instant_uses_no_more_quota() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("shop", "free", "UTC", "USD");
    let store = Arc::new(f.store);
    let metered = MeteredModels::new(store.clone(), Arc::new(Counting::default()));
    let models = metered.models(&t.id).unwrap();
    models.register(NewModelVersion::new("demand", linear(), "ana@shop")).unwrap();
    // A real clock moves between two registrations of the same name: the second is a new
    // version of a counted name, not a conflicting replay of the first.
    f.clock.advance(chrono::TimeDelta::hours(26));
    let v2 = models.register(NewModelVersion::new("demand", linear(), "ana@shop")).unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(store.scope(&t.id).unwrap().quota(limits::MODELS).unwrap().used, 1);
    let other = models.register(NewModelVersion::new("returns", linear(), "ana@shop")).unwrap_err();
    assert!(matches!(&other, Error::PermissionDenied { reason, .. } if reason.contains("quota exceeded")), "{other}");
}
