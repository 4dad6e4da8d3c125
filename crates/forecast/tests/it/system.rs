//! The wired system, as a service would build it from the public API without glue code: one
//! SQLite file holding the audit log, the tenant store, the security store and the registry;
//! tenancy's store is security's tenant directory and meters the registry; security guards
//! the metered registry for each session.

use chrono::{DateTime, TimeZone, Utc};
use forecast::core::model::{LinearModel, Link};
use forecast::core::tenant::TenantId;
use forecast::core::{AuditOutcome, ManualClock, ModelArtifact};
use forecast::mlops::Registry;
use forecast::security::{
    Assignment, AuditKey, AuditLog, AuditQuery, Domain, GuardedModelStore, GuardedRunTracker, PasswordParams, Scope,
    Security, SecurityConfig, SecurityError, Session,
};
use forecast::tenancy::{MeteredModels, NewTenant, TenantStore};
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) const PASSWORD: &str = "orange kettle drifting north";

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

pub(crate) fn id(s: &str) -> TenantId {
    TenantId::new(s).unwrap()
}

pub(crate) fn linear(w: f64) -> ModelArtifact {
    ModelArtifact::Linear(LinearModel {
        coefficients: vec![w],
        intercept: 0.0,
        impute: vec![0.0],
        link: Link::Identity,
    })
}

pub(crate) struct System {
    pub(crate) _dir: tempfile::TempDir,
    /// The one file every store keeps its tables in.
    pub(crate) path: PathBuf,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) key: AuditKey,
    pub(crate) audit: Arc<AuditLog>,
    pub(crate) tenants: Arc<TenantStore>,
    pub(crate) security: Arc<Security>,
    pub(crate) registry: Registry,
    pub(crate) models: MeteredModels,
    /// The bootstrapped platform operator.
    pub(crate) ops: Session,
}

/// The wired system with tenants `acme` and `globex` on the `pro` plan.
pub(crate) fn system() -> System {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forecast.db");
    let clock = Arc::new(ManualClock::new(t0()));
    let key = AuditKey::from_bytes(*b"audit key kept in a secret store");
    let audit = Arc::new(AuditLog::open(&path, key.clone()).unwrap());
    let tenants = Arc::new(TenantStore::open(&path, clock.clone(), audit.clone()).unwrap());
    // Cheap Argon2 in tests only; the examples use the OWASP defaults.
    let config = SecurityConfig { password: PasswordParams::INSECURE_FAST, ..SecurityConfig::default() };
    let security = Arc::new(Security::open(&path, clock.clone(), tenants.clone(), audit.clone(), config).unwrap());
    let registry = Registry::open(&path, clock.clone(), audit.clone()).unwrap();
    let models = MeteredModels::new(tenants.clone(), Arc::new(registry.clone()));
    security.bootstrap_admin("ops", PASSWORD).unwrap();
    let ops = security.login("ops", PASSWORD).unwrap().0;
    let operator = security.operator(&ops);
    for t in ["acme", "globex"] {
        tenants.create_tenant(NewTenant::new(t, format!("{t} retail"), "pro").unwrap(), &operator).unwrap();
    }
    System { _dir: dir, path, clock, key, audit, tenants, security, registry, models, ops }
}

impl System {
    /// Create `name` (by ops) holding `role` over the whole of its tenant, and log it in.
    pub(crate) fn user(&self, name: &str, role: &str) -> Session {
        let tenant = name.split_once('@').map(|(_, t)| id(t)).unwrap();
        let ops = self.security.login("ops", PASSWORD).unwrap().0;
        self.security.create_user(&ops, name, PASSWORD).unwrap();
        self.security.assign_role(&ops, name, &Assignment::new(role, Domain::tenant(&tenant), Scope::all())).unwrap();
        self.security.login(name, PASSWORD).unwrap().0
    }

    /// `session`'s guarded, metered store of `tenant`'s models.
    pub(crate) fn models(&self, session: &Session, tenant: &str) -> Result<GuardedModelStore, SecurityError> {
        self.security.model_store(session, &id(tenant), &self.models)
    }

    /// `session`'s guarded tracker of `tenant`'s runs.
    pub(crate) fn runs(&self, session: &Session, tenant: &str) -> Result<GuardedRunTracker, SecurityError> {
        self.security.run_tracker(session, &id(tenant), &self.registry)
    }

    /// Denied audit rows of `actor`, as their actions.
    pub(crate) fn denials(&self, actor: &str) -> Vec<String> {
        let rows = self.audit.query(&AuditQuery::new().actor(actor).outcome(AuditOutcome::Denied)).unwrap();
        rows.into_iter().map(|r| r.event.action).collect()
    }
}
