//! Shared fixtures: a manual clock, a cheap-hash configuration, two active tenants, a
//! bootstrapped platform operator, and an in-memory per-tenant `ModelStore`.

use chrono::{DateTime, TimeZone, Utc};
use forecast_core::model::{LinearModel, Link};
use forecast_core::tenant::{FixedTenants, TenantId};
use forecast_core::{
    AliasMove, Error, ManualClock, ModelArtifact, ModelRef, ModelStore, ModelStores, ModelVersion, NewModelVersion,
};
use forecast_security::{
    Assignment, AuditKey, AuditLog, Domain, PasswordParams, Scope, Security, SecurityConfig, Session,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub(crate) const PASSWORD: &str = "orange kettle drifting north";

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

pub(crate) fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(t0()))
}

pub(crate) fn id(s: &str) -> TenantId {
    TenantId::new(s).unwrap()
}

pub(crate) fn key() -> AuditKey {
    AuditKey::from_bytes(*b"test audit key, 32 bytes long!!!")
}

/// Bulk tests use cheap Argon2 parameters; `users::owasp_default_parameters_end_to_end` keeps the real ones.
pub(crate) fn fast_config() -> SecurityConfig {
    SecurityConfig { password: PasswordParams::INSECURE_FAST, ..SecurityConfig::default() }
}

/// A security store with tenants `acme` and `globex` active and `ops` bootstrapped as the
/// platform administrator.
pub(crate) struct Env {
    pub(crate) security: Arc<Security>,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) tenants: Arc<FixedTenants>,
    pub(crate) audit: Arc<AuditLog>,
    pub(crate) ops: Session,
}

pub(crate) fn env() -> Env {
    env_with(fast_config())
}

pub(crate) fn env_with(config: SecurityConfig) -> Env {
    let clock = clock();
    let tenants = Arc::new(FixedTenants::active([&id("acme"), &id("globex")]));
    let audit = Arc::new(AuditLog::in_memory(key()).unwrap());
    let security = Arc::new(Security::in_memory(clock.clone(), tenants.clone(), audit.clone(), config).unwrap());
    security.bootstrap_admin("ops", PASSWORD).unwrap();
    let ops = security.login("ops", PASSWORD).unwrap().0;
    Env { security, clock, tenants, audit, ops }
}

impl Env {
    /// Create `name` (by `ops`), grant it `role` over the whole of its own tenant, log it in.
    pub(crate) fn user(&self, name: &str, role: &str) -> Session {
        let tenant = name.split_once('@').map(|(_, t)| id(t));
        let domain = tenant.as_ref().map_or(Domain::AnyTenant, Domain::tenant);
        self.user_with(name, Assignment::new(role, domain, Scope::all()))
    }

    /// Create `name` (by `ops`) with one assignment and log it in.
    pub(crate) fn user_with(&self, name: &str, assignment: Assignment) -> Session {
        self.security.create_user(&self.ops_session(), name, PASSWORD).unwrap();
        self.security.assign_role(&self.ops_session(), name, &assignment).unwrap();
        self.login(name)
    }

    pub(crate) fn login(&self, name: &str) -> Session {
        self.security.login(name, PASSWORD).unwrap().0
    }

    /// A live `ops` session (logging in again after the clock moved past the idle timeout).
    pub(crate) fn ops_session(&self) -> Session {
        self.login("ops")
    }

    /// Denied rows of the audit log for `action`, as (actor, reason).
    pub(crate) fn denials(&self, action: &str) -> Vec<(String, String)> {
        let rows = self
            .audit
            .query(&forecast_security::AuditQuery::new().action(action).outcome(forecast_core::AuditOutcome::Denied))
            .unwrap();
        rows.into_iter().map(|r| (r.event.actor, r.event.details.get("reason").cloned().unwrap_or_default())).collect()
    }
}

pub(crate) fn artifact() -> ModelArtifact {
    ModelArtifact::Linear(LinearModel {
        coefficients: vec![1.0],
        intercept: 0.0,
        impute: vec![0.0],
        link: Link::Identity,
    })
}

/// A small in-memory registry implementing the port for one tenant, for the guard tests.
#[derive(Debug, Default)]
pub(crate) struct MemStore {
    versions: Mutex<BTreeMap<String, Vec<ModelVersion>>>,
    moves: Mutex<Vec<AliasMove>>,
}

/// One [`MemStore`] per tenant.
#[derive(Debug, Default)]
pub(crate) struct MemStores(Mutex<BTreeMap<TenantId, Arc<MemStore>>>);

impl ModelStores for MemStores {
    fn models(&self, tenant: &TenantId) -> forecast_core::Result<Arc<dyn ModelStore>> {
        Ok(self.0.lock().unwrap().entry(tenant.clone()).or_default().clone())
    }
}

impl MemStore {
    fn holder(&self, name: &str, alias: &str) -> Option<u32> {
        self.moves.lock().unwrap().iter().rev().find(|m| m.name == name && m.alias == alias).and_then(|m| m.to)
    }

    fn push_move(&self, name: &str, alias: &str, to: Option<u32>, actor: &str, reason: &str) -> AliasMove {
        let m = AliasMove {
            name: name.into(),
            alias: alias.into(),
            from: self.holder(name, alias),
            to,
            actor: actor.into(),
            at: t0(),
            reason: reason.into(),
        };
        self.moves.lock().unwrap().push(m.clone());
        m
    }
}

impl ModelStore for MemStore {
    fn register(&self, v: NewModelVersion) -> forecast_core::Result<ModelVersion> {
        let mut versions = self.versions.lock().unwrap();
        let list = versions.entry(v.name.clone()).or_default();
        let mv = ModelVersion::from_new(v, list.len() as u32 + 1, "00".repeat(32), t0());
        list.push(mv.clone());
        Ok(mv)
    }

    fn resolve(&self, reference: &ModelRef) -> forecast_core::Result<ModelVersion> {
        let not_found = || Error::NotFound { what: "model", id: reference.to_string() };
        let version = match reference {
            ModelRef::Version { version, .. } => *version,
            ModelRef::Alias { name, alias } => self.holder(name, alias).ok_or_else(not_found)?,
        };
        let versions = self.versions.lock().unwrap();
        versions.get(reference.name()).and_then(|l| l.get(version as usize - 1)).cloned().ok_or_else(not_found)
    }

    fn load(&self, reference: &ModelRef) -> forecast_core::Result<ModelArtifact> {
        self.resolve(reference).map(|_| artifact())
    }

    fn set_alias(
        &self,
        name: &str,
        alias: &str,
        version: u32,
        actor: &str,
        reason: &str,
    ) -> forecast_core::Result<AliasMove> {
        self.resolve(&ModelRef::Version { name: name.into(), version })?;
        Ok(self.push_move(name, alias, Some(version), actor, reason))
    }

    fn alias_history(&self, name: &str, alias: &str) -> forecast_core::Result<Vec<AliasMove>> {
        Ok(self.moves.lock().unwrap().iter().filter(|m| m.name == name && m.alias == alias).cloned().collect())
    }

    fn rollback(&self, name: &str, alias: &str, actor: &str, reason: &str) -> forecast_core::Result<AliasMove> {
        let previous = self.alias_history(name, alias)?.last().and_then(|m| m.from);
        let previous =
            previous.ok_or_else(|| Error::NotFound { what: "previous alias holder", id: format!("{name}@{alias}") })?;
        Ok(self.push_move(name, alias, Some(previous), actor, reason))
    }
}
