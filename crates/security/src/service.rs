//! `Security`: the store of users, roles, assignments and sessions, and its configuration.

use crate::audit_log::AuditLog;
use crate::db;
use crate::error::{Result, SecurityError};
use crate::lockout::LockoutPolicy;
use crate::password::{PasswordParams, hash_password};
use crate::password_policy::PasswordPolicy;
use crate::permission::BuiltinRole;
use crate::session::{Session, SessionPolicy};
use forecast_core::tenant::{TenantDirectory, TenantId, TenantStatus};
use forecast_core::{AuditEvent, AuditOutcome, AuditSink, Clock};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// The schema component of the security store in `schema_versions`.
const COMPONENT: &str = "forecast-security";

const SCHEMA_V1: &str = "
CREATE TABLE security_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL UNIQUE,
    tenant TEXT,
    password_hash TEXT NOT NULL,
    m_cost INTEGER NOT NULL,
    t_cost INTEGER NOT NULL,
    p_cost INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);
CREATE INDEX users_by_tenant ON users(tenant, login);
CREATE TABLE login_decoy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    failed_logins INTEGER NOT NULL
);
INSERT INTO login_decoy (id, failed_logins) VALUES (1, 0);
CREATE TABLE roles (
    name TEXT PRIMARY KEY,
    realm TEXT NOT NULL,
    builtin INTEGER NOT NULL,
    description TEXT NOT NULL
);
CREATE TABLE role_permissions (
    role TEXT NOT NULL REFERENCES roles(name) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role, permission)
);
CREATE TABLE role_parents (
    role TEXT NOT NULL REFERENCES roles(name) ON DELETE CASCADE,
    parent TEXT NOT NULL REFERENCES roles(name),
    PRIMARY KEY (role, parent)
);
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL REFERENCES roles(name),
    domain TEXT NOT NULL,
    scope TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    UNIQUE (user_id, role, domain, scope)
);
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    absolute_expiry TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_by_user ON sessions(user_id);
";

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

/// Users, roles, role assignments and sessions in one SQLite database.
///
/// Every state change runs in one `BEGIN IMMEDIATE` transaction with its audit row (see
/// [`forecast_core::audit`] for the ordering rule). Time comes only from the [`Clock`]; whether
/// a tenant may act comes only from the [`TenantDirectory`] (forecast-tenancy's store). Every
/// administrative method takes the acting [`crate::Session`] and is authorised, scoped to the
/// actor's tenant unless the actor is a platform operator, and audited under the actor.
pub struct Security {
    pub(crate) conn: Mutex<Connection>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) tenants: Arc<dyn TenantDirectory>,
    pub(crate) audit: Arc<AuditLog>,
    pub(crate) config: SecurityConfig,
    /// A hash of a random password, verified when the user is unknown so the work is the same.
    pub(crate) dummy_hash: String,
}

impl fmt::Debug for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Security")
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("tenants", &self.tenants)
            .finish_non_exhaustive()
    }
}

impl Security {
    /// Open (or create) the database at `path` (it may also hold the audit log and other crates'
    /// tables). `tenants` says which tenants may act; `audit` records every change and refusal.
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
        let conn = db::open(Some(path.as_ref()), COMPONENT, &[SCHEMA_V1])?;
        Self::from_connection(conn, clock, tenants, audit, config)
    }

    /// A fresh in-memory store.
    ///
    /// # Errors
    /// As [`Security::open`].
    pub fn in_memory(
        clock: Arc<dyn Clock>,
        tenants: Arc<dyn TenantDirectory>,
        audit: Arc<AuditLog>,
        config: SecurityConfig,
    ) -> Result<Self> {
        Self::from_connection(db::open(None, COMPONENT, &[SCHEMA_V1])?, clock, tenants, audit, config)
    }

    fn from_connection(
        mut conn: Connection,
        clock: Arc<dyn Clock>,
        tenants: Arc<dyn TenantDirectory>,
        audit: Arc<AuditLog>,
        config: SecurityConfig,
    ) -> Result<Self> {
        seed_builtin_roles(&mut conn)?;
        let random = hex::encode(crate::crypto::random_bytes::<16>()?);
        let dummy_hash = hash_password(&random, config.password)?.phc;
        Ok(Self { conn: Mutex::new(conn), clock, tenants, audit, config, dummy_hash })
    }

    /// The configuration.
    pub fn config(&self) -> &SecurityConfig {
        &self.config
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done change: every change is one transaction.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` in one write transaction (`BEGIN IMMEDIATE`) and commit; `f` records its audit
    /// rows through [`Security::audit_in`] before it returns.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// [`Security::write`] for an administrative change by `actor`, authorised before the
    /// transaction: the transaction first re-checks, by a conditional update on the actor's
    /// session row, that the session was not revoked since. Every privilege reduction of a user
    /// (role revoked, account disabled or deleted, password reset) revokes its sessions in its
    /// own transaction, so an actor demoted between its check and its change cannot complete
    /// the change; the row lock the update takes orders the two under any store, not only
    /// under SQLite's single writer.
    ///
    /// # Errors
    /// [`SecurityError::SessionInvalid`] when the session was revoked or deleted meanwhile;
    /// `f`'s errors; storage.
    pub(crate) fn write_as<T>(&self, actor: &Session, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.write(|tx| {
            let live = tx
                .prepare_cached(
                    "UPDATE sessions SET last_seen = last_seen WHERE token_hash = ?1 AND revoked_at IS NULL",
                )?
                .execute([&actor.token_hash()[..]])?;
            if live == 0 {
                return Err(SecurityError::SessionInvalid);
            }
            f(tx)
        })
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

    /// Record `event` as part of the open transaction `tx` (same transaction when the log shares
    /// the file; otherwise first, so a refused audit rolls the change back).
    pub(crate) fn audit_in(&self, tx: &Transaction<'_>, event: AuditEvent) -> Result<()> {
        self.audit.record_in(tx, event)?;
        Ok(())
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

fn seed_builtin_roles(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // The row whose conditional update serialises every change to the role graph.
    tx.execute("INSERT INTO security_meta (key, value) VALUES ('role_graph', '') ON CONFLICT DO NOTHING", [])?;
    for role in BuiltinRole::ALL {
        let description = match role {
            BuiltinRole::Viewer => "reads forecasts and models",
            BuiltinRole::Analyst => "viewer + data, forecasting, training, registering models",
            BuiltinRole::Manager => "analyst + promotion, rollback, audit trail",
            BuiltinRole::Admin => "manager + users, roles, tenants, billing",
        };
        tx.execute(
            "INSERT INTO roles(name, realm, builtin, description) VALUES (?1, '', 1, ?2) ON CONFLICT DO NOTHING",
            (role.as_str(), description),
        )?;
        for p in role.own_permissions() {
            tx.execute(
                "INSERT INTO role_permissions(role, permission) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                (role.as_str(), p.as_str()),
            )?;
        }
        if let Some(parent) = role.parent() {
            tx.execute(
                "INSERT INTO role_parents(role, parent) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                (role.as_str(), parent.as_str()),
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod write_as_tests {
    use crate::SecurityError;
    use crate::test_support::{PASSWORD, admin_session, fast_security};
    use std::cell::Cell;

    /// An administrative change authorised before its transaction does not run once the actor's
    /// session was revoked in between (as a demotion of the actor revokes it).
    #[test]
    fn an_admin_change_rechecks_the_actor_session_inside_its_transaction() {
        let (s, _) = fast_security();
        let ops = admin_session(&s);
        let (other, token) = s.login("ops", PASSWORD).unwrap();
        let ran = Cell::new(false);
        s.write_as(&other, |_| {
            ran.set(true);
            Ok(())
        })
        .unwrap();
        assert!(ran.replace(false));
        s.logout(&token).unwrap();
        let err = s
            .write_as(&other, |_| {
                ran.set(true);
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(err, SecurityError::SessionInvalid), "{err}");
        assert!(!ran.get(), "the change did not run");
        s.write_as(&ops, |_| Ok(())).unwrap();
    }
}
