//! The SQLite connection behind [`super::SqliteSecurityStore`]: schema, built-in roles, one
//! transaction per operation with its audit rows, and the session re-check of admin changes.

use crate::db;
use crate::error::{Result, SecurityError};
use crate::permission::BuiltinRole;
use crate::store::{Audit, Outcome};
use forecast_core::AuditSink;
use rusqlite::{Connection, Transaction, TransactionBehavior};
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

/// One SQLite connection behind a mutex, and the sink that records each change's audit rows.
#[derive(Debug)]
pub(crate) struct Db {
    conn: Mutex<Connection>,
    audit: Arc<dyn AuditSink>,
}

impl Db {
    /// Open the file at `path` (or a private in-memory database), migrate it and seed the
    /// built-in roles.
    pub(crate) fn open(path: Option<&Path>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        let mut conn = db::open(path, COMPONENT, &[SCHEMA_V1])?;
        seed_builtin_roles(&mut conn)?;
        Ok(Self { conn: Mutex::new(conn), audit })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done change: every change is one
        // transaction, rolled back when its guard drops.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` in one read transaction (a consistent snapshot).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        f(&tx)
    }

    /// Run `f` in one `BEGIN IMMEDIATE` transaction, after re-checking `actor`'s session when
    /// given; record the events `audit` builds from the outcome, then commit. A refusal by
    /// `f` rolls back without calling `audit`; any error rolls back.
    pub(crate) fn write<T>(
        &self,
        actor: Option<&[u8; 32]>,
        audit: Audit<'_, T>,
        f: impl FnOnce(&Transaction<'_>) -> Result<Outcome<T>>,
    ) -> Result<Outcome<T>> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(hash) = actor {
            require_live(&tx, hash)?;
        }
        let value = match f(&tx)? {
            Outcome::Done(value) => value,
            refused @ Outcome::Refused(_) => return Ok(refused),
        };
        // Same transaction as the change when the sink shares this database; otherwise
        // recorded first, so a refused audit rolls the change back (see forecast_core::audit).
        for event in audit(&value)? {
            self.audit.record_in(&tx, event)?;
        }
        tx.commit()?;
        Ok(Outcome::Done(value))
    }

    /// [`Db::write`] for a change no check can refuse.
    pub(crate) fn change<T>(
        &self,
        actor: Option<&[u8; 32]>,
        audit: Audit<'_, T>,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        match self.write(actor, audit, |tx| f(tx).map(Outcome::Done))? {
            Outcome::Done(value) => Ok(value),
            Outcome::Refused(reason) => Err(SecurityError::backend("forecast-security store", reason)),
        }
    }
}

/// Re-check that the session `hash` is not revoked, by a no-op conditional update that takes
/// its row lock (see the concurrency contract in [`crate::store`]).
fn require_live(tx: &Transaction<'_>, hash: &[u8; 32]) -> Result<()> {
    let live = tx
        .prepare_cached("UPDATE sessions SET last_seen = last_seen WHERE token_hash = ?1 AND revoked_at IS NULL")?
        .execute([&hash[..]])?;
    if live == 0 {
        return Err(SecurityError::SessionInvalid);
    }
    Ok(())
}

fn seed_builtin_roles(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // The row whose conditional update serialises every change to the role graph.
    tx.execute("INSERT INTO security_meta (key, value) VALUES ('role_graph', '') ON CONFLICT DO NOTHING", [])?;
    for role in BuiltinRole::ALL {
        tx.execute(
            "INSERT INTO roles(name, realm, builtin, description) VALUES (?1, '', 1, ?2) ON CONFLICT DO NOTHING",
            (role.as_str(), role.description()),
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
