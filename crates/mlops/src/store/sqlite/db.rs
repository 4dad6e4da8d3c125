//! The SQLite connection behind [`super::SqliteMlopsStore`]: opening, pragmas, schema
//! migrations, one transaction per operation, content-addressed blobs and time encoding.

use crate::error::{MlopsError, Result};
use crate::store::Audit;
use crate::validate::sha256_hex;
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::{AuditSink, Clock};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a writer waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Schema migrations of the `forecast-mlops` component (its version is kept in
/// `schema_versions`, so the file may be shared with other crates). Every row carries its
/// tenant; every key starts with it.
const MIGRATIONS: &[&str] = &[r"
CREATE TABLE blobs (
    tenant TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (tenant, sha256)
);
CREATE TABLE model_names (
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    latest INTEGER NOT NULL,
    PRIMARY KEY (tenant, name)
);
CREATE TABLE versions (
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    artifact_sha256 TEXT NOT NULL,
    params TEXT NOT NULL,
    metrics TEXT NOT NULL,
    feature_names TEXT NOT NULL,
    data TEXT,
    parent INTEGER,
    tags TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    library_version TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, name, version),
    FOREIGN KEY (tenant, artifact_sha256) REFERENCES blobs(tenant, sha256)
);
CREATE TRIGGER versions_immutable BEFORE UPDATE OF tenant, name, version, kind, artifact_sha256, params, metrics,
    feature_names, data, parent, tags, created_by, created_at, library_version ON versions
BEGIN SELECT RAISE(ABORT, 'model versions are immutable'); END;
CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
BEGIN SELECT RAISE(ABORT, 'model versions are archived, never deleted'); END;
CREATE TABLE aliases (
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    alias TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (tenant, name, alias),
    FOREIGN KEY (tenant, name, version) REFERENCES versions(tenant, name, version)
);
CREATE TABLE alias_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    alias TEXT NOT NULL,
    from_version INTEGER,
    to_version INTEGER,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX alias_history_by_alias ON alias_history(tenant, name, alias, seq);
CREATE TRIGGER alias_history_no_update BEFORE UPDATE ON alias_history
BEGIN SELECT RAISE(ABORT, 'alias history is append-only'); END;
CREATE TRIGGER alias_history_no_delete BEFORE DELETE ON alias_history
BEGIN SELECT RAISE(ABORT, 'alias history is append-only'); END;
CREATE TABLE experiments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant, name)
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES runs(id),
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER
);
CREATE INDEX runs_by_experiment ON runs(tenant, experiment_id);
CREATE TABLE run_params (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE run_metrics (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    value REAL NOT NULL,
    step INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX run_metrics_by_run ON run_metrics(run_id, key, step, seq);
CREATE TABLE run_tags (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE run_artifacts (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    tenant TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (run_id, path),
    FOREIGN KEY (tenant, sha256) REFERENCES blobs(tenant, sha256)
);
"];

/// The name under which this crate's schema version is kept in `schema_versions`.
pub(crate) const COMPONENT: &str = "forecast-mlops";

/// The newest schema version this build writes.
#[cfg(test)]
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// One SQLite connection shared behind a mutex, plus the ports every operation uses.
#[derive(Debug)]
pub(crate) struct Db {
    conn: Mutex<Connection>,
    clock: Arc<dyn Clock>,
    audit: Arc<dyn AuditSink>,
}

impl Db {
    /// Open (creating if needed) the database file at `path` in WAL mode and migrate it.
    pub(crate) fn open(path: &Path, clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        let conn = Connection::open(path).map_err(MlopsError::storage("open"))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(MlopsError::storage("open"))?;
        // WAL lets readers run beside one writer across processes; NORMAL sync in WAL mode
        // never corrupts the file on a process crash (a power cut may lose the last commits).
        let mode = forecast_core::sqlite::enable_wal(&conn).map_err(MlopsError::storage("open"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(MlopsError::InvalidInput(format!(
                "{}: SQLite refused WAL mode (got `{mode}`); the registry needs a local file system",
                path.display()
            )));
        }
        Self::init(conn, clock, audit)
    }

    /// A private in-memory database (lost when dropped).
    pub(crate) fn open_in_memory(clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(MlopsError::storage("open"))?;
        Self::init(conn, clock, audit)
    }

    fn init(mut conn: Connection, clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(MlopsError::storage("open"))?;
        migrate(&mut conn)?;
        Ok(Self { conn: Mutex::new(conn), clock, audit })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent: an open transaction is
        // rolled back when its guard drops, so the connection is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` in one read transaction (a consistent snapshot).
    pub(crate) fn read<T>(&self, operation: &'static str, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(MlopsError::storage(operation))?;
        f(&tx)
    }

    /// Run `f` in one write transaction taken with `BEGIN IMMEDIATE`, then record the audit
    /// events `audit` builds from its outcome before committing: a change whose audit fails or
    /// cannot be recorded is rolled back.
    pub(crate) fn write<T>(
        &self,
        operation: &'static str,
        audit: Audit<'_, T>,
        f: impl FnOnce(&Transaction<'_>, &Ctx) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.lock();
        let tx =
            conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(MlopsError::storage(operation))?;
        let ctx = Ctx { now: self.clock.now() };
        let value = f(&tx, &ctx)?;
        let events = audit(&value, ctx.now)?;
        // Same transaction as the change when the sink shares this database; otherwise recorded
        // first, so a refused audit rolls the change back (see forecast_core::audit).
        for event in events {
            self.audit.record_in(&tx, event)?;
        }
        tx.commit().map_err(MlopsError::storage(operation))?;
        Ok(value)
    }
}

/// What a write operation may read besides the transaction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    /// The clock's reading when the transaction began.
    pub(crate) now: DateTime<Utc>,
}

fn migrate(conn: &mut Connection) -> Result<()> {
    use forecast_core::sqlite::Migration;
    match forecast_core::sqlite::migrate(conn, COMPONENT, MIGRATIONS).map_err(MlopsError::storage("migrate"))? {
        Migration::Current { .. } => Ok(()),
        Migration::TooNew { found, supported } => Err(MlopsError::SchemaTooNew { found, supported }),
        Migration::Legacy { user_version } => Err(MlopsError::InvalidInput(format!(
            "the database was written by an earlier build (PRAGMA user_version = {user_version}); this build keeps \
             schema versions in table schema_versions: open a new file"
        ))),
    }
}

/// Store `bytes` of `tenant` under their SHA-256 (once per tenant) and return the address.
/// Blobs are not shared across tenants, so nothing about one tenant's artifacts shows in another's.
pub(crate) fn put_blob(tx: &Transaction<'_>, tenant: &TenantId, bytes: &[u8]) -> Result<String> {
    let sha = sha256_hex(bytes);
    tx.execute(
        "INSERT INTO blobs (tenant, sha256, bytes, size) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        params![tenant.as_str(), sha, bytes, bytes.len() as i64],
    )
    .map_err(MlopsError::storage("store blob"))?;
    Ok(sha)
}

/// Read `tenant`'s blob at `sha` as stored (the service checks its hash).
pub(crate) fn get_blob(tx: &Transaction<'_>, tenant: &TenantId, sha: &str) -> Result<Vec<u8>> {
    tx.prepare_cached("SELECT bytes FROM blobs WHERE tenant = ?1 AND sha256 = ?2")
        .and_then(|mut stmt| stmt.query_row(params![tenant.as_str(), sha], |r| r.get(0)).optional())
        .map_err(MlopsError::storage("load blob"))?
        .ok_or_else(|| MlopsError::not_found("artifact", sha))
}

/// Instants are stored as microseconds since the Unix epoch, so SQL compares them as integers.
pub(crate) fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The inverse of [`to_micros`].
pub(crate) fn from_micros(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecast_core::{NoAudit, SystemClock};

    #[test]
    fn migrates_once_and_refuses_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let version = |db: &Db| -> i64 {
            db.read("t", |tx| {
                Ok(tx
                    .query_row("SELECT version FROM schema_versions WHERE component = ?1", [COMPONENT], |r| r.get(0))
                    .unwrap())
            })
            .unwrap()
        };
        let db = Db::open(&path, Arc::new(SystemClock), Arc::new(NoAudit)).unwrap();
        assert_eq!(version(&db), SCHEMA_VERSION);
        drop(db);
        Db::open(&path, Arc::new(SystemClock), Arc::new(NoAudit)).unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.execute("UPDATE schema_versions SET version = 99 WHERE component = ?1", [COMPONENT]).unwrap();
        drop(conn);
        let err = Db::open(&path, Arc::new(SystemClock), Arc::new(NoAudit)).unwrap_err();
        assert!(matches!(err, MlopsError::SchemaTooNew { found: 99, .. }), "{err}");
    }
}
