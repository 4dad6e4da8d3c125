//! `GuardedModelStore`: forecast-core's `ModelStore` with a permission check and an audit record
//! around every registry change.

use crate::Security;
use crate::permission::Permission;
use crate::scope::Resource;
use crate::session::Session;
use forecast_core::{
    AliasMove, AuditEvent, AuditOutcome, AuditSink, ModelArtifact, ModelRef, ModelStore, ModelVersion, NewModelVersion,
};
use std::sync::Arc;

/// A [`ModelStore`] acting for one session: register needs [`Permission::RegisterModels`],
/// `set_alias` (promotion) [`Permission::PromoteModels`], rollback [`Permission::RollbackModels`]
/// and reads [`Permission::ViewModels`], each on the configured resource (tenant, region, store)
/// named after the model.
///
/// Every register, promote and rollback attempt is recorded through the audit sink with its
/// outcome (`success`, `denied` with the reason, or `failure` with the error); refused reads are
/// recorded too. The `actor` the caller passes is replaced by the session's user, so a caller
/// cannot act under another name. If the audit sink fails, the operation's result is replaced
/// by that error.
#[derive(Debug)]
pub struct GuardedModelStore<S: ?Sized> {
    inner: Arc<S>,
    security: Arc<Security>,
    audit: Arc<dyn AuditSink>,
    session: Session,
    resource: Resource,
}

impl<S: ModelStore + ?Sized> GuardedModelStore<S> {
    /// Guard `inner` (shared by any number of guards, `Arc<dyn ModelStore>` included) for
    /// `session`; models live in `resource` (at least a tenant).
    pub fn new(
        inner: Arc<S>,
        security: Arc<Security>,
        audit: Arc<dyn AuditSink>,
        session: Session,
        resource: Resource,
    ) -> Self {
        Self { inner, security, audit, session, resource }
    }

    /// The wrapped store.
    pub fn inner(&self) -> &Arc<S> {
        &self.inner
    }

    /// The session acted for.
    pub fn session(&self) -> &Session {
        &self.session
    }

    fn event(&self, action: &str, target: &str, outcome: AuditOutcome) -> AuditEvent {
        AuditEvent::new(&self.session.username, action, target, outcome, self.security.clock().now())
            .tenant(&self.resource.tenant)
            .detail("session", &self.session.id)
    }

    /// Authorise; on refusal record a `denied` event and return the error.
    fn check(&self, permission: Permission, action: &str, model: &str, target: &str) -> forecast_core::Result<String> {
        let resource = self.resource.clone().named(model);
        let decision = self.security.authorize(&self.session, permission, &resource)?;
        let reason = decision.reason.to_string();
        if decision.allowed {
            return Ok(reason);
        }
        let event = self
            .event(action, target, AuditOutcome::Denied)
            .detail("permission", permission.as_str())
            .detail("reason", &reason);
        self.audit.record(event)?;
        Err(forecast_core::Error::PermissionDenied {
            actor: self.session.username.clone(),
            action: permission.to_string(),
            target: resource.to_string(),
            reason,
        })
    }

    /// Record the outcome of an allowed change.
    fn finish<T>(
        &self,
        action: &str,
        target: &str,
        grant: String,
        details: &[(&str, String)],
        result: forecast_core::Result<T>,
    ) -> forecast_core::Result<T> {
        let outcome = if result.is_ok() { AuditOutcome::Success } else { AuditOutcome::Failure };
        let mut event = self.event(action, target, outcome).detail("grant", grant);
        for (k, v) in details {
            event = event.detail(*k, v);
        }
        if let Err(e) = &result {
            event = event.detail("error", e.to_string());
        }
        self.audit.record(event)?;
        result
    }
}

impl<S: ModelStore + ?Sized> ModelStore for GuardedModelStore<S> {
    fn register(&self, mut version: NewModelVersion) -> forecast_core::Result<ModelVersion> {
        let name = version.name.clone();
        let grant = self.check(Permission::RegisterModels, "model.register", &name, &name)?;
        version.created_by = self.session.username.clone();
        let result = self.inner.register(version);
        let details: Vec<(&str, String)> = result
            .as_ref()
            .map(|v| vec![("version", v.version.to_string()), ("sha256", v.artifact_sha256.clone())])
            .unwrap_or_default();
        self.finish("model.register", &name, grant, &details, result)
    }

    fn resolve(&self, reference: &ModelRef) -> forecast_core::Result<ModelVersion> {
        self.check(Permission::ViewModels, "model.resolve", reference.name(), &reference.to_string())?;
        self.inner.resolve(reference)
    }

    fn load(&self, reference: &ModelRef) -> forecast_core::Result<ModelArtifact> {
        self.check(Permission::ViewModels, "model.load", reference.name(), &reference.to_string())?;
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
        let target = format!("{name}@{alias}");
        let grant = self.check(Permission::PromoteModels, "model.promote", name, &target)?;
        let result = self.inner.set_alias(name, alias, version, &self.session.username, reason);
        let details = [("version", version.to_string()), ("why", reason.to_string())];
        self.finish("model.promote", &target, grant, &details, result)
    }

    fn alias_history(&self, name: &str, alias: &str) -> forecast_core::Result<Vec<AliasMove>> {
        self.check(Permission::ViewModels, "model.alias_history", name, &format!("{name}@{alias}"))?;
        self.inner.alias_history(name, alias)
    }

    fn rollback(&self, name: &str, alias: &str, _actor: &str, reason: &str) -> forecast_core::Result<AliasMove> {
        let target = format!("{name}@{alias}");
        let grant = self.check(Permission::RollbackModels, "model.rollback", name, &target)?;
        let result = self.inner.rollback(name, alias, &self.session.username, reason);
        let mut details = vec![("why", reason.to_string())];
        if let Ok(m) = &result {
            details.push(("from", m.from.map_or_else(|| "none".into(), |v| v.to_string())));
            details.push(("to", m.to.map_or_else(|| "none".into(), |v| v.to_string())));
        }
        self.finish("model.rollback", &target, grant, &details, result)
    }
}
