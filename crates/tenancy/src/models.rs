//! `MeteredModels`: forecast-core's `ModelStores` with the tenant's plan in front: a store is
//! handed out only for an active tenant, registering a model checks the plan's
//! `allowed_model_kinds` and consumes its `models` quota, and every call re-checks the tenant.

use crate::TenancyError;
use crate::plan::{limits, settings};
use crate::store::TenantStore;
use forecast_core::tenant::TenantId;
use forecast_core::{
    AliasMove, AuditEvent, AuditOutcome, ModelArtifact, ModelRef, ModelStore, ModelStores, ModelVersion,
    NewModelVersion,
};
use std::fmt;
use std::sync::Arc;

/// Model stores metered by the tenant's plan, wrapping any [`ModelStores`] (the registry):
///
/// - [`ModelStores::models`] refuses a tenant that is not active;
/// - `register` refuses an artifact kind the plan's `allowed_model_kinds` does not list, and
///   consumes one unit of the `models` limit per model name (the idempotency key is the name,
///   so further versions of a model, and retries, are free; concurrent first registrations of
///   one name count once);
/// - every other call re-checks that the tenant is still active.
///
/// Refusals are audited here and returned as [`forecast_core::Error::PermissionDenied`].
/// Compose it under forecast-security's guard: `security.model_store(&session, &tenant,
/// &MeteredModels::new(tenants, registry))`, so permissions are checked before quota is spent.
#[derive(Clone)]
pub struct MeteredModels {
    store: Arc<TenantStore>,
    inner: Arc<dyn ModelStores>,
}

impl fmt::Debug for MeteredModels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeteredModels").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl MeteredModels {
    /// Meter `inner`'s stores by the plans in `store`.
    pub fn new(store: Arc<TenantStore>, inner: Arc<dyn ModelStores>) -> Self {
        Self { store, inner }
    }
}

impl ModelStores for MeteredModels {
    fn models(&self, tenant: &TenantId) -> forecast_core::Result<Arc<dyn ModelStore>> {
        self.store.scope(tenant)?;
        let inner = self.inner.models(tenant)?;
        Ok(Arc::new(MeteredModelStore { store: self.store.clone(), tenant: tenant.clone(), inner }))
    }
}

/// One tenant's metered store.
struct MeteredModelStore {
    store: Arc<TenantStore>,
    tenant: TenantId,
    inner: Arc<dyn ModelStore>,
}

impl fmt::Debug for MeteredModelStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeteredModelStore").field("tenant", &self.tenant).finish_non_exhaustive()
    }
}

impl MeteredModelStore {
    fn active(&self) -> forecast_core::Result<()> {
        self.store.scope(&self.tenant)?;
        Ok(())
    }
}

impl ModelStore for MeteredModelStore {
    fn register(&self, version: NewModelVersion) -> forecast_core::Result<ModelVersion> {
        let scope = self.store.scope(&self.tenant)?.acting_as(version.created_by.clone());
        let entitlements = scope.entitlements()?;
        let kind = version.artifact.kind();
        if !entitlements.allows(settings::ALLOWED_MODEL_KINDS, kind) {
            let allowed = entitlements.setting(settings::ALLOWED_MODEL_KINDS).map(|k| k.join(", ")).unwrap_or_default();
            let reason = format!("plan `{}` allows model kinds [{allowed}], not `{kind}`", entitlements.plan().name);
            let event = AuditEvent::new(
                &version.created_by,
                "model.register",
                &version.name,
                AuditOutcome::Denied,
                self.store.clock().now(),
            )
            .tenant(self.tenant.as_str())
            .detail("reason", &reason);
            self.store.audit_refusal(event)?;
            return Err(forecast_core::Error::PermissionDenied {
                actor: version.created_by.clone(),
                action: "register_models".into(),
                target: format!("{}/{}", self.tenant, version.name),
                reason,
            });
        }
        match scope.consume(limits::MODELS, 1, &format!("model:{}", version.name)) {
            Ok(_) => {}
            Err(e @ TenancyError::QuotaExceeded { .. }) => {
                return Err(forecast_core::Error::PermissionDenied {
                    actor: version.created_by.clone(),
                    action: "register_models".into(),
                    target: format!("{}/{}", self.tenant, version.name),
                    reason: e.to_string(),
                });
            }
            Err(e) => return Err(e.into()),
        }
        self.inner.register(version)
    }

    fn resolve(&self, reference: &ModelRef) -> forecast_core::Result<ModelVersion> {
        self.active()?;
        self.inner.resolve(reference)
    }

    fn load(&self, reference: &ModelRef) -> forecast_core::Result<ModelArtifact> {
        self.active()?;
        self.inner.load(reference)
    }

    fn set_alias(
        &self,
        name: &str,
        alias: &str,
        version: u32,
        actor: &str,
        reason: &str,
    ) -> forecast_core::Result<AliasMove> {
        self.active()?;
        self.inner.set_alias(name, alias, version, actor, reason)
    }

    fn alias_history(&self, name: &str, alias: &str) -> forecast_core::Result<Vec<AliasMove>> {
        self.active()?;
        self.inner.alias_history(name, alias)
    }

    fn rollback(&self, name: &str, alias: &str, actor: &str, reason: &str) -> forecast_core::Result<AliasMove> {
        self.active()?;
        self.inner.rollback(name, alias, actor, reason)
    }

    fn alias_at(
        &self,
        name: &str,
        alias: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> forecast_core::Result<Option<u32>> {
        self.active()?;
        self.inner.alias_at(name, alias, at)
    }
}
