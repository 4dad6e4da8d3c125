//! `Security`: the store of users, roles, assignments and sessions, and its configuration.

use crate::audit_log::AuditLog;
use crate::error::{Result, SecurityError};
use crate::lockout::LockoutPolicy;
use crate::password::{PasswordParams, hash_password};
use crate::password_policy::PasswordPolicy;
use crate::session::SessionPolicy;
use crate::store::{SecurityStore, SqliteSecurityStore};
use forecast_core::tenant::{TenantDirectory, TenantId, TenantStatus};
use forecast_core::{AuditEvent, AuditOutcome, AuditSink, Clock};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// The settings of a [`Security`] store.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `password` | [`PasswordParams::OWASP_MINIMUM`] | Argon2id cost for new hashes; older, cheaper hashes are upgraded on login |
/// | `policy` | 12 to 128 characters, common passwords refused | what a new password must meet (the maximum also bounds a login attempt) |
/// | `lockout` | 5 failures, then 1 min doubling to 1 h | brute-force brake |
/// | `sessions` | idle 30 min, absolute 12 h | session lifetime |
#[derive(Debug, Clone, Default)]
pub struct SecurityConfig {
    /// Argon2id parameters for new hashes.
    pub password: PasswordParams,
    /// Rules for new passwords.
    pub policy: PasswordPolicy,
    /// Lockout after repeated failures.
    pub lockout: LockoutPolicy,
    /// Session timeouts.
    pub sessions: SessionPolicy,
}

/// Users, roles, role assignments and sessions behind a [`SecurityStore`] (SQLite by default).
///
/// Every state change is one store transaction with its audit rows (see [`crate::store`] for
/// the concurrency contract and [`forecast_core::audit`] for the ordering rule). Time comes
/// only from the [`Clock`]; whether a tenant may act comes only from the [`TenantDirectory`]
/// (forecast-tenancy's store). Every administrative method takes the acting
/// [`crate::Session`] and is authorised, scoped to the actor's tenant unless the actor is a
/// platform operator, and audited under the actor.
pub struct Security {
    pub(crate) store: Arc<dyn SecurityStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) tenants: Arc<dyn TenantDirectory>,
    pub(crate) audit: Arc<AuditLog>,
    pub(crate) config: SecurityConfig,
    /// A hash of a random password, verified when the user is unknown so the work is the same.
    pub(crate) dummy_hash: String,
    /// The SQLite store when this service opened one, for tests that count changed rows.
    #[cfg(test)]
    sqlite: Option<Arc<SqliteSecurityStore>>,
}

impl fmt::Debug for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Security")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("tenants", &self.tenants)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Security {
    /// Open (or create) the SQLite store at `path` (it may also hold the audit log and other
    /// crates' tables). `tenants` says which tenants may act; `audit` records every change
    /// (in the change's transaction when it shares the file) and refusal.
    ///
    /// # Errors
    /// SQLite errors, a schema newer than this build, invalid password parameters.
    pub fn open(
        path: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
        tenants: Arc<dyn TenantDirectory>,
        audit: Arc<AuditLog>,
        config: SecurityConfig,
    ) -> Result<Self> {
        let store = Arc::new(SqliteSecurityStore::open(path, audit.clone())?);
        Self::with_sqlite(store, clock, tenants, audit, config)
    }

    /// A fresh in-memory SQLite store.
    ///
    /// # Errors
    /// As [`Security::open`].
    pub fn in_memory(
        clock: Arc<dyn Clock>,
        tenants: Arc<dyn TenantDirectory>,
        audit: Arc<AuditLog>,
        config: SecurityConfig,
    ) -> Result<Self> {
        let store = Arc::new(SqliteSecurityStore::open_in_memory(audit.clone())?);
        Self::with_sqlite(store, clock, tenants, audit, config)
    }

    fn with_sqlite(
        store: Arc<SqliteSecurityStore>,
        clock: Arc<dyn Clock>,
        tenants: Arc<dyn TenantDirectory>,
        audit: Arc<AuditLog>,
        config: SecurityConfig,
    ) -> Result<Self> {
        #[cfg(test)]
        let sqlite = Some(store.clone());
        let security = Self::with_store(store, clock, tenants, audit, config)?;
        #[cfg(test)]
        let security = Self { sqlite, ..security };
        Ok(security)
    }

    /// The services over any [`SecurityStore`]. The store records each change's audit rows
    /// (its own sink, in the change's transaction where it can); `audit` records refusals and
    /// answers [`Security::audit_trail`], so it should be the log the store writes to.
    ///
    /// # Errors
    /// Invalid password parameters, or the OS random source failing.
    pub fn with_store(
        store: Arc<dyn SecurityStore>,
        clock: Arc<dyn Clock>,
        tenants: Arc<dyn TenantDirectory>,
        audit: Arc<AuditLog>,
        config: SecurityConfig,
    ) -> Result<Self> {
        let random = hex::encode(crate::crypto::random_bytes::<16>()?);
        let dummy_hash = hash_password(&random, config.password)?.phc;
        Ok(Self {
            store,
            clock,
            tenants,
            audit,
            config,
            dummy_hash,
            #[cfg(test)]
            sqlite: None,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SecurityConfig {
        &self.config
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The SQLite connection of a store this service opened (tests only).
    #[cfg(test)]
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.sqlite.as_ref().expect("a SQLite-backed service").lock()
    }

    /// An audit event at the clock's time.
    pub(crate) fn event(
        &self,
        actor: &str,
        tenant: Option<&TenantId>,
        action: &str,
        target: &str,
        outcome: AuditOutcome,
    ) -> AuditEvent {
        let event = AuditEvent::new(actor, action, target, outcome, self.clock.now());
        match tenant {
            Some(t) => event.tenant(t.as_str()),
            None => event,
        }
    }

    /// Record a refusal (nothing changed, so there is no transaction to join).
    pub(crate) fn audit_refusal(&self, event: AuditEvent) -> Result<()> {
        self.audit.record(event)?;
        Ok(())
    }

    /// The status of `tenant` from the directory; an unreadable directory counts as unknown.
    pub(crate) fn tenant_status(&self, tenant: &TenantId) -> Option<TenantStatus> {
        self.tenants.status(tenant).ok().flatten()
    }

    /// `Ok` when `tenant` is active, else [`SecurityError::TenantInactive`].
    pub(crate) fn require_active(&self, tenant: &TenantId) -> Result<()> {
        match self.tenant_status(tenant) {
            Some(TenantStatus::Active) => Ok(()),
            other => Err(SecurityError::TenantInactive {
                tenant: tenant.to_string(),
                status: other.map_or("unknown", |s| s.as_str()).to_string(),
            }),
        }
    }
}
