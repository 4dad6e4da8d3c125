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
