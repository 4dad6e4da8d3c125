//! `GuardedModelStore`: forecast-core's `ModelStore` of one tenant with a permission check in
//! front of every operation, for one session.

use crate::Security;
use crate::error::Result;
use crate::permission::Permission;
use crate::scope::Resource;
use crate::session::Session;
use forecast_core::tenant::TenantId;
use forecast_core::{
    AliasMove, AuditOutcome, ModelArtifact, ModelRef, ModelStore, ModelStores, ModelVersion, NewModelVersion,
};
use std::sync::Arc;

/// A [`ModelStore`] of one tenant acting for one session: register needs
/// [`Permission::RegisterModels`], `set_alias` (promotion) [`Permission::PromoteModels`],
/// rollback [`Permission::RollbackModels`] and reads [`Permission::ViewModels`], each on the
/// model in the tenant, checked at every call (so a revoked session, a suspended tenant or a
/// removed role stops it at once).
///
/// Only [`Security::model_store`] builds one, and it obtains the inner store itself from a
/// [`ModelStores`] for the same tenant it checks, so the tenant authorised and the tenant
/// served cannot differ; the inner store is never handed out:
///
/// ```compile_fail
/// # fn bypass(guard: &forecast_security::GuardedModelStore) {
/// let unguarded = guard.inner();
/// # }
/// ```
///
/// The `actor` a caller passes is replaced by the session's user. Models are tenant-wide: a
/// role scoped to regions or stores does not cover them.
///
/// Audit: every refusal is recorded (`denied`, with the reason), and so is every allowed
/// operation that fails (`failure`, with the error); a successful change is recorded once, by
/// the inner store that made it (see [`forecast_core::audit`]).
#[derive(Debug)]
pub struct GuardedModelStore {
    inner: Arc<dyn ModelStore>,
    security: Arc<Security>,
    session: Session,
    tenant: TenantId,
}

impl Security {
    /// The models of `tenant`, from `stores`, guarded for `session`.
    ///
    /// # Errors
    /// [`crate::SecurityError::PermissionDenied`] (audited) when the session may not even view
    /// the tenant's models; the store's own errors.
    pub fn model_store(
        self: &Arc<Self>,
        session: &Session,
        tenant: &TenantId,
        stores: &dyn ModelStores,
    ) -> Result<GuardedModelStore> {
        self.require_for(session, Permission::ViewModels, &Resource::tenant(tenant).named("models"), "model.open")?;
        let inner = stores.models(tenant)?;
        Ok(GuardedModelStore { inner, security: self.clone(), session: session.clone(), tenant: tenant.clone() })
    }

    /// [`Security::require`] with the refusal audited under `action`.
    pub(crate) fn require_for(
        &self,
        session: &Session,
        permission: Permission,
        resource: &Resource,
        action: &str,
    ) -> Result<()> {
        let decision = self.authorize(session, permission, resource)?;
        if decision.allowed {
            return Ok(());
        }
        Err(self.refuse(session, permission, resource, action, &decision.reason)?)
    }

    /// Record an allowed operation that failed (`result` is returned unchanged). A refusal
    /// from an inner layer was audited by that layer and is not recorded again.
    pub(crate) fn record_failure<T>(
        &self,
        session: &Session,
        tenant: &TenantId,
        action: &str,
        target: &str,
        result: forecast_core::Result<T>,
    ) -> forecast_core::Result<T> {
        if let Err(e) = &result
            && !matches!(e, forecast_core::Error::PermissionDenied { .. })
        {
            let event = self
                .event(session.username(), Some(tenant), action, target, AuditOutcome::Failure)
                .detail("error", e.to_string())
                .detail("session", session.id());
            self.audit_refusal(event)?;
        }
        result
    }
}

impl GuardedModelStore {
    /// The session acted for.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The tenant served.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    fn check(&self, permission: Permission, action: &str, model: &str) -> forecast_core::Result<()> {
        let resource = Resource::tenant(&self.tenant).named(model);
        Ok(self.security.require_for(&self.session, permission, &resource, action)?)
    }

    fn finish<T>(&self, action: &str, target: &str, result: forecast_core::Result<T>) -> forecast_core::Result<T> {
        self.security.record_failure(&self.session, &self.tenant, action, target, result)
    }
}

impl ModelStore for GuardedModelStore {
    fn register(&self, mut version: NewModelVersion) -> forecast_core::Result<ModelVersion> {
        let name = version.name.clone();
        self.check(Permission::RegisterModels, "model.register", &name)?;
        version.created_by = self.session.username().to_string();
        let result = self.inner.register(version);
        self.finish("model.register", &name, result)
    }

    fn resolve(&self, reference: &ModelRef) -> forecast_core::Result<ModelVersion> {
        self.check(Permission::ViewModels, "model.resolve", reference.name())?;
        self.inner.resolve(reference)
    }

    fn load(&self, reference: &ModelRef) -> forecast_core::Result<ModelArtifact> {
        self.check(Permission::ViewModels, "model.load", reference.name())?;
        self.inner.load(reference)
    }

    fn set_alias(
        &self,
        name: &str,
        alias: &str,
        version: u32,
        _actor: &str,
        reason: &str,
    ) -> forecast_core::Result<AliasMove> {
        self.check(Permission::PromoteModels, "model.promote", name)?;
        let result = self.inner.set_alias(name, alias, version, self.session.username(), reason);
        self.finish("model.promote", &format!("{name}@{alias}"), result)
    }

    fn alias_history(&self, name: &str, alias: &str) -> forecast_core::Result<Vec<AliasMove>> {
        self.check(Permission::ViewModels, "model.alias_history", name)?;
        self.inner.alias_history(name, alias)
    }

    fn rollback(&self, name: &str, alias: &str, _actor: &str, reason: &str) -> forecast_core::Result<AliasMove> {
        self.check(Permission::RollbackModels, "model.rollback", name)?;
        let result = self.inner.rollback(name, alias, self.session.username(), reason);
        self.finish("model.rollback", &format!("{name}@{alias}"), result)
    }

    fn alias_at(
        &self,
        name: &str,
        alias: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> forecast_core::Result<Option<u32>> {
        self.check(Permission::ViewModels, "model.alias_at", name)?;
        self.inner.alias_at(name, alias, at)
    }
}
