//! [`SqliteAuditStore`]: the embedded SQLite implementation of [`AuditStore`].

use crate::AuditQuery;
use crate::db;
use crate::error::{Result, SecurityError};
use crate::store::{AuditColumns, AuditRecord, AuditRow, AuditStore, BuildRow, ChainHead, StoredAuditRow};
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The schema component of the audit log in `schema_versions`.
const COMPONENT: &str = "forecast-security.audit";

const SCHEMA_V1: &str = "
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    tenant TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL,
    event TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_by_actor ON audit_log(actor, time);
CREATE INDEX audit_by_action ON audit_log(action, time);
CREATE INDEX audit_by_target ON audit_log(target, time);
CREATE INDEX audit_by_tenant ON audit_log(tenant, seq);
CREATE INDEX audit_by_time ON audit_log(time);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
";

/// The audit chain in one SQLite file (or in memory), in WAL mode, append-only (triggers
/// refuse updates and deletes), the sequence number the primary key. The file may also hold
/// the security store and other crates' tables; a change made through a connection to the
/// same file appends its audit rows in its own transaction ([`AuditStore::append_in`]).
pub struct SqliteAuditStore {
    conn: Mutex<Connection>,
    /// The file, to recognise a caller's connection to it.
    path: Option<PathBuf>,
}

impl fmt::Debug for SqliteAuditStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteAuditStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SqliteAuditStore {
    /// Open (or create) the audit table in the file at `path` (which may hold other tables).
    ///
    /// # Errors
    /// SQLite errors, a schema newer than this build.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let conn = db::open(Some(path), COMPONENT, &[SCHEMA_V1])?;
        Ok(Self { conn: Mutex::new(conn), path: Some(path.to_path_buf()) })
    }

    /// A private in-memory audit table, lost when dropped.
    ///
    /// # Errors
    /// When SQLite cannot create the schema.
    pub fn open_in_memory() -> Result<Self> {
        Ok(Self { conn: Mutex::new(db::open(None, COMPONENT, &[SCHEMA_V1])?), path: None })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // Every write is one transaction, rolled back when its guard drops, so a panic while
        // holding the lock leaves nothing half done.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `conn` is a connection to this store's own file.
    fn shares(&self, conn: &Connection) -> bool {
        self.path.as_deref().is_some_and(|p| forecast_core::sqlite::same_file(conn, p))
    }
}

impl AuditStore for SqliteAuditStore {
    fn head(&self) -> Result<Option<ChainHead>> {
        read_head(&self.lock())
    }

    fn append(&self, row: &AuditRow) -> Result<()> {
        let mut conn = self.lock();
        // IMMEDIATE takes the write lock before the head is re-read, so the check below and
        // the insert see the same chain.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        insert(&tx, row)?;
        tx.commit()?;
        Ok(())
    }

    fn append_in(&self, conn: &Connection, build: BuildRow<'_>) -> Result<Option<AuditRow>> {
        if !self.shares(conn) {
            return Ok(None);
        }
        // The caller's open transaction holds the file's write lock.
        let row = build(read_head(conn)?.as_ref())?;
        insert(conn, &row)?;
        Ok(Some(row))
    }

    fn rows(&self, after: u64, limit: usize) -> Result<Vec<StoredAuditRow>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, time, actor, tenant, action, target, outcome, event, prev_hash, hash
             FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(rusqlite::params![to_db_seq(after), limit], |r| {
            Ok(StoredAuditRow {
                seq: r.get::<_, i64>(0)? as u64,
                columns: AuditColumns {
                    time: r.get(1)?,
                    actor: r.get(2)?,
                    tenant: r.get(3)?,
                    action: r.get(4)?,
                    target: r.get(5)?,
                    outcome: r.get(6)?,
                },
                canonical: r.get(7)?,
                prev_hash: r.get(8)?,
                hash: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn query(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let (sql, params) = query_sql(query);
        let conn = self.lock();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, event, hash) = row?;
            let event = serde_json::from_str(&event).map_err(|e| SecurityError::CorruptRow {
                table: "audit_log",
                row: seq.to_string(),
                message: e.to_string(),
            })?;
            out.push(AuditRecord { seq: seq as u64, event, hash });
        }
        Ok(out)
    }
}

/// Insert `row` through `conn` (inside a write transaction) if it extends the head as it
/// stands; otherwise, or when the key is taken, [`SecurityError::AuditOutOfSequence`].
fn insert(conn: &Connection, row: &AuditRow) -> Result<()> {
    let head = read_head(conn)?;
    let (next, head_hash) = match &head {
        Some(h) => (h.seq + 1, h.hash.as_str()),
        None => (1, GENESIS),
    };
    if row.seq != next || row.prev_hash != head_hash {
        return Err(SecurityError::AuditOutOfSequence { seq: row.seq, next });
    }
    let columns = AuditColumns::of(&row.event);
    let inserted = conn
        .prepare_cached(
            "INSERT INTO audit_log(seq, time, actor, tenant, action, target, outcome, event, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(rusqlite::params![
            to_db_seq(row.seq),
            columns.time,
            columns.actor,
            columns.tenant,
            columns.action,
            columns.target,
            columns.outcome,
            row.canonical,
            row.prev_hash,
            row.hash
        ]);
    match inserted {
        Ok(_) => Ok(()),
        // The unique key is the last word, whatever the check above saw.
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
            Err(SecurityError::AuditOutOfSequence { seq: row.seq, next: row.seq + 1 })
        }
        Err(e) => Err(e.into()),
    }
}

/// The `prev_hash` of the first row: 32 zero bytes, hex.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn read_head(conn: &Connection) -> Result<Option<ChainHead>> {
    Ok(conn
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok(ChainHead { seq: r.get::<_, i64>(0)? as u64, hash: r.get(1)? }))
        .optional()?)
}

/// Sequence numbers fit SQLite's signed 64-bit integers; saturate rather than wrap.
fn to_db_seq(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// The SELECT for `query` and its positional parameters.
fn query_sql(query: &AuditQuery) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut params = Vec::new();
    let mut eq = |column: &str, value: &Option<String>| {
        if let Some(v) = value {
            params.push(v.clone());
            clauses.push(format!("{column} = ?{}", params.len()));
        }
    };
    eq("actor", &query.actor);
    eq("target", &query.target);
    eq("tenant", &query.tenant);
    eq("outcome", &query.outcome.map(|o| o.as_str().to_string()));
    if let Some(action) = &query.action {
        if let Some(prefix) = action.strip_suffix(".*") {
            // substr, not LIKE: action names may contain `_`, LIKE's wildcard.
            params.push(format!("{prefix}."));
            clauses.push(format!("substr(action, 1, length(?{n})) = ?{n}", n = params.len()));
        } else {
            params.push(action.clone());
            clauses.push(format!("action = ?{}", params.len()));
        }
    }
    if let Some(from) = query.from {
        params.push(db::to_db_time(from));
        clauses.push(format!("time >= ?{}", params.len()));
    }
    if let Some(to) = query.to {
        params.push(db::to_db_time(to));
        clauses.push(format!("time < ?{}", params.len()));
    }
    let mut sql = String::from("SELECT seq, event, hash FROM audit_log");
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    sql.push_str(" ORDER BY seq");
    if let Some(n) = query.limit {
        sql.push_str(&format!(" LIMIT {n}"));
    }
    (sql, params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecast_core::{AuditEvent, AuditOutcome};

    fn row(seq: u64, prev_hash: &str) -> AuditRow {
        let event = AuditEvent::new("a", "x.y", "t", AuditOutcome::Success, chrono::DateTime::UNIX_EPOCH);
        AuditRow {
            seq,
            canonical: event.to_canonical_json(),
            event,
            prev_hash: prev_hash.into(),
            hash: "ab".repeat(32),
        }
    }

    /// The store, not only the log, refuses a second row for a sequence number, a gap, and a
    /// row built on a stale head, and writes nothing for any of them.
    #[test]
    fn only_the_heads_successor_is_appended() {
        let store = SqliteAuditStore::open_in_memory().unwrap();
        store.append(&row(1, GENESIS)).unwrap();
        let taken = store.append(&row(1, GENESIS)).unwrap_err();
        assert!(matches!(taken, SecurityError::AuditOutOfSequence { seq: 1, next: 2 }), "{taken}");
        let gap = store.append(&row(3, &"ab".repeat(32))).unwrap_err();
        assert!(matches!(gap, SecurityError::AuditOutOfSequence { seq: 3, next: 2 }), "{gap}");
        let stale = store.append(&row(2, GENESIS)).unwrap_err();
        assert!(matches!(stale, SecurityError::AuditOutOfSequence { seq: 2, next: 2 }), "{stale}");
        assert_eq!(store.rows(0, 10).unwrap().len(), 1);
        store.append(&row(2, &"ab".repeat(32))).unwrap();
        assert_eq!(store.head().unwrap(), Some(ChainHead { seq: 2, hash: "ab".repeat(32) }));
        assert_eq!(store.rows(1, 10).unwrap().iter().map(|r| r.seq).collect::<Vec<_>>(), [2]);
        assert_eq!(store.rows(0, 1).unwrap().len(), 1);
    }
}
