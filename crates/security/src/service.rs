//! `Security`: the store of users, roles, assignments and sessions, and its configuration.

use crate::db;
use crate::error::Result;
use crate::lockout::LockoutPolicy;
use crate::password::{PasswordParams, hash_password};
use crate::password_policy::PasswordPolicy;
use crate::permission::BuiltinRole;
use crate::session::SessionPolicy;
use forecast_core::{AuditEvent, AuditOutcome, AuditSink, Clock, NoAudit};
use rusqlite::Connection;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

const SCHEMA_V1: &str = "
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
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
CREATE TABLE roles (
    name TEXT PRIMARY KEY,
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
/// | `policy` | 12 to 128 characters, common passwords refused | what a new password must meet |
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
/// Every state change runs in one transaction. Time comes only from the [`Clock`].
/// Administrative methods (`create_user`, `assign_role`, ...) do not check permissions
/// themselves: call [`Security::require`] with the acting session first.
pub struct Security {
    pub(crate) conn: Mutex<Connection>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: SecurityConfig,
    /// A hash of a random password, verified when the user is unknown so the work is the same.
    pub(crate) dummy_hash: String,
    pub(crate) audit: Arc<dyn AuditSink>,
}

impl fmt::Debug for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Security").field("config", &self.config).field("clock", &self.clock).finish_non_exhaustive()
    }
}

impl Security {
    /// Open (or create) the database at `path`.
    ///
    /// # Errors
    /// SQLite errors, a schema newer than this build, invalid password parameters.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>, config: SecurityConfig) -> Result<Self> {
        Self::from_connection(db::open(Some(path.as_ref()), &[SCHEMA_V1])?, clock, config)
    }

    /// A fresh in-memory store.
    ///
    /// # Errors
    /// As [`Security::open`].
    pub fn in_memory(clock: Arc<dyn Clock>, config: SecurityConfig) -> Result<Self> {
        Self::from_connection(db::open(None, &[SCHEMA_V1])?, clock, config)
    }

    fn from_connection(mut conn: Connection, clock: Arc<dyn Clock>, config: SecurityConfig) -> Result<Self> {
        seed_builtin_roles(&mut conn)?;
        let random = hex::encode(crate::crypto::random_bytes::<16>()?);
        let dummy_hash = hash_password(&random, config.password)?.phc;
        Ok(Self { conn: Mutex::new(conn), clock, config, dummy_hash, audit: Arc::new(NoAudit) })
    }

    /// Record logins, user, role and session changes through `sink` (e.g. an [`crate::AuditLog`]).
    pub fn with_audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = sink;
        self
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

    /// Record an event of the security store's own (login, grant, ...).
    pub(crate) fn emit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        outcome: AuditOutcome,
        details: &[(&str, &str)],
    ) -> Result<()> {
        let mut event = AuditEvent::new(actor, action, target, outcome, self.clock.now());
        for (k, v) in details {
            event = event.detail(*k, *v);
        }
        self.audit.record(event)?;
        Ok(())
    }
}

fn seed_builtin_roles(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    for role in BuiltinRole::ALL {
        let description = match role {
            BuiltinRole::Viewer => "reads forecasts and models",
            BuiltinRole::Analyst => "viewer + data, forecasting, training, registering models",
            BuiltinRole::Manager => "analyst + promotion, rollback, audit trail",
            BuiltinRole::Admin => "manager + users, roles, tenants, billing",
        };
        tx.execute(
            "INSERT OR IGNORE INTO roles(name, builtin, description) VALUES (?1, 1, ?2)",
            (role.as_str(), description),
        )?;
        for p in role.own_permissions() {
            tx.execute(
                "INSERT OR IGNORE INTO role_permissions(role, permission) VALUES (?1, ?2)",
                (role.as_str(), p.as_str()),
            )?;
        }
        if let Some(parent) = role.parent() {
            tx.execute(
                "INSERT OR IGNORE INTO role_parents(role, parent) VALUES (?1, ?2)",
                (role.as_str(), parent.as_str()),
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}
