//! `MeteredModels`: forecast-core's `ModelStores` with the tenant's plan in front: a store is
//! handed out only for an active tenant, registering a model checks the plan's
//! `allowed_model_kinds` and consumes its `models` quota, and every call re-checks the tenant.

use crate::TenancyError;
use crate::plan::{limits, settings};
use crate::store::TenantStore;
use forecast_core::forecast::LocalMethod;
use forecast_core::pipeline::PipelineModel;
use forecast_core::tenant::TenantId;
use forecast_core::{
    AliasMove, AuditEvent, AuditOutcome, ModelArtifact, ModelRef, ModelStore, ModelStores, ModelVersion,
    NewModelVersion,
};
use std::collections::BTreeSet;
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

/// The model kinds `artifact` scores with, as the plan's `allowed_model_kinds` names them:
/// the artifact's own kind, or for a pipeline the kind of every step and quantile model it
/// holds (a local pipeline forecasts with a baseline). A pipeline is a wrapper, not a kind of
/// its own: what a plan allows or forbids is what runs inside it, so a forbidden model cannot
/// be registered wrapped in a pipeline. A pipeline model this build does not know is reported
/// as `pipeline`, which no built-in plan allows (refused unless a plan lists it).
pub fn model_kinds(artifact: &ModelArtifact) -> BTreeSet<&'static str> {
    let mut kinds = BTreeSet::new();
    let ModelArtifact::Pipeline(pipeline) = artifact else {
        kinds.insert(artifact.kind());
        return kinds;
    };
    match pipeline.model() {
        PipelineModel::Global(global) => {
            for step in &global.steps {
                let models = std::iter::once(&step.point).chain(step.quantiles.iter().map(|(_, m)| m));
                // Step models are row models (never nested pipelines), but walking them keeps
                // the rule true whatever a future artifact kind holds.
                kinds.extend(models.flat_map(|m| model_kinds(m.artifact())));
            }
        }
        PipelineModel::Local(LocalMethod::Baseline(_)) => {
            kinds.insert("baseline");
        }
        // Both enums are non-exhaustive: a model kind added later is refused until named here.
        _ => {
            kinds.insert("pipeline");
        }
    }
    if kinds.is_empty() {
        // A global pipeline without a step model scores nothing; name it so it is not waved through.
        kinds.insert("pipeline");
    }
    kinds
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
        let kinds = model_kinds(&version.artifact);
        let refused: Vec<&str> =
            kinds.iter().copied().filter(|k| !entitlements.allows(settings::ALLOWED_MODEL_KINDS, k)).collect();
        if !refused.is_empty() {
            let allowed = entitlements.setting(settings::ALLOWED_MODEL_KINDS).map(|k| k.join(", ")).unwrap_or_default();
            let inside =
                if matches!(version.artifact, ModelArtifact::Pipeline(_)) { " (inside the pipeline)" } else { "" };
            let reason = format!(
                "plan `{}` allows model kinds [{allowed}], not `{}`{inside}",
                entitlements.plan().name,
                refused.join("`, `")
            );
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
        // The quota counts model names: a later version of a registered name uses none. The
        // name's key makes concurrent first registrations count once; one that lost the race
        // at another instant is told so by the ledger (a conflict on the same key), and the
        // name is counted all the same.
        let first = ModelRef::Version { name: version.name.clone(), version: 1 };
        let counted = if self.inner.resolve(&first).is_ok() {
            Ok(())
        } else {
            match scope.consume(limits::MODELS, 1, &format!("model:{}", version.name)) {
                Ok(_) | Err(TenancyError::IdempotencyConflict { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        };
        match counted {
            Ok(()) => {}
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
