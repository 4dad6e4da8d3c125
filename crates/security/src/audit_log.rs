//! `AuditLog`: forecast-core's `AuditSink` as an append-only, keyed hash chain in SQLite.
//!
//! Row `seq` stores the event's canonical JSON, `prev_hash` (the previous row's hash, 32 zero
//! bytes for the first) and
//! `hash = HMAC-SHA-256(key, prev_hash || seq as 8 big-endian bytes || canonical JSON)`.
//! The key is the caller's ([`AuditKey`]): without it nobody can recompute a valid chain, so
//! an edited, inserted, reordered or rewritten row is caught even when the attacker re-chains
//! every row after it. Cutting rows off the end leaves a valid prefix, which no chain can
//! detect by itself: [`AuditLog::checkpoint`] gives a signed head to keep elsewhere, and
//! [`AuditLog::verify_against`] then reports the truncation.

use crate::crypto::{constant_time_eq, hmac_sha256, random_bytes};
use crate::db::{self, to_db_time};
use crate::error::{Result, SecurityError};
use forecast_core::{AuditEvent, AuditSink};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
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

/// Domain separation between row hashes and checkpoint signatures made with the same key.
const CHECKPOINT_LABEL: &[u8] = b"forecast-audit-checkpoint-v1";

/// The secret that keys the chain: 32 bytes the caller keeps outside the database (a secret
/// manager, an environment variable). `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; 32]);

impl AuditKey {
    /// A key from 32 secret bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A key from 64 hex digits.
    ///
    /// # Errors
    /// [`SecurityError::InvalidName`] unless `hex` is exactly 64 hex digits.
    pub fn from_hex(hex_key: &str) -> Result<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_key.trim(), &mut out).map_err(|_| SecurityError::InvalidName {
            what: "audit key",
            value: "<redacted>".into(),
            expected: "64 hex digits (32 bytes)",
        })?;
        Ok(Self(out))
    }

    /// A fresh random key from the OS CSPRNG (store it: the log verifies only with it).
    ///
    /// # Errors
    /// When the OS random source fails.
    pub fn generate() -> Result<Self> {
        Ok(Self(random_bytes::<32>()?))
    }

    /// The key as 64 hex digits, to store in a secret manager.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(<redacted>)")
    }
}

/// A signed head of the chain: keep it outside the database (another system, a ticket, object
/// storage with retention) and check the log later with [`AuditLog::verify_against`]. The
/// signature is an HMAC under the log's key, so a checkpoint cannot be forged or moved to
/// another row without the key, and may be stored where an attacker can read it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuditCheckpoint {
    /// Sequence number of the row (from 1).
    pub seq: u64,
    /// Its hash, hex.
    pub hash: String,
    /// HMAC-SHA-256 under the log's key of the label, `seq` and `hash`, hex.
    pub signature: String,
}

/// How a chain was found broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// The row at this sequence number is missing (deleted), the next present one is `found`.
    Missing {
        /// The next sequence number present.
        found: u64,
    },
    /// The row's `prev_hash` is not the previous row's hash (rows deleted, inserted or reordered).
    BrokenLink,
    /// The row's hash does not match its contents under the key (edited, forged, or re-chained
    /// without the key).
    HashMismatch,
    /// The searchable columns disagree with the hashed event JSON (edited column).
    ColumnMismatch {
        /// The column that differs.
        column: &'static str,
    },
    /// The chain ends before a checkpointed row (tail truncated).
    Truncated {
        /// Number of rows present.
        rows: u64,
    },
    /// The checkpointed row has another hash (tail replaced, or the chain rewritten from an
    /// earlier row).
    AnchorMismatch,
    /// The checkpoint's signature is not valid under the key (forged or altered checkpoint).
    ForgedCheckpoint,
}

/// The result of [`AuditLog::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every row checks out.
    Intact {
        /// Number of rows.
        rows: u64,
        /// The newest row, signed, if any.
        head: Option<AuditCheckpoint>,
    },
    /// The first bad sequence number and what is wrong with it.
    Tampered {
        /// The first sequence number found bad.
        seq: u64,
        /// What is wrong.
        problem: Tamper,
    },
}

impl Verification {
    /// Whether the chain is intact.
    pub fn is_intact(&self) -> bool {
        matches!(self, Self::Intact { .. })
    }
}

/// One stored row.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// Sequence number.
    pub seq: u64,
    /// The event.
    pub event: AuditEvent,
    /// The row's hash, hex.
    pub hash: String,
}

/// The tamper-evident audit trail.
pub struct AuditLog {
    conn: Mutex<Connection>,
    key: AuditKey,
    /// The file, so a caller's transaction on the same file can append through its own connection.
    path: Option<PathBuf>,
    /// The newest head this process has seen (at open or appended through its own connection):
    /// a local anchor that lets [`AuditLog::verify`] catch truncation while the process runs.
    anchor: Mutex<Option<(u64, String)>>,
}

impl fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditLog").field("path", &self.path).finish_non_exhaustive()
    }
}

/// HMAC(key, prev || seq as 8 big-endian bytes || canonical).
fn chain_hash(key: &AuditKey, prev: &[u8; 32], seq: u64, canonical: &str) -> [u8; 32] {
    hmac_sha256(&key.0, &[prev, &seq.to_be_bytes(), canonical.as_bytes()])
}

fn checkpoint_signature(key: &AuditKey, seq: u64, hash: &str) -> String {
    hex::encode(hmac_sha256(&key.0, &[CHECKPOINT_LABEL, &seq.to_be_bytes(), hash.as_bytes()]))
}

impl AuditLog {
    /// Open (or create) the log at `path`, keyed with `key` (the file may be shared with the
    /// security store and other crates: see [`forecast_core::AuditSink::record_in`]).
    ///
    /// # Errors
    /// SQLite, a newer schema.
    pub fn open(path: impl AsRef<Path>, key: AuditKey) -> Result<Self> {
        let path = path.as_ref();
        Self::from_connection(db::open(Some(path), COMPONENT, &[SCHEMA_V1])?, key, Some(path.to_path_buf()))
    }

    /// A fresh in-memory log.
    ///
    /// # Errors
    /// SQLite.
    pub fn in_memory(key: AuditKey) -> Result<Self> {
        Self::from_connection(db::open(None, COMPONENT, &[SCHEMA_V1])?, key, None)
    }

    fn from_connection(conn: Connection, key: AuditKey, path: Option<PathBuf>) -> Result<Self> {
        let head = read_head(&conn)?;
        Ok(Self { conn: Mutex::new(conn), key, path, anchor: Mutex::new(head) })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Append one event; returns the new head, signed.
    ///
    /// # Errors
    /// SQLite, a corrupt previous hash.
    pub fn append(&self, event: &AuditEvent) -> Result<AuditCheckpoint> {
        let mut conn = self.lock();
        // IMMEDIATE takes the write lock before reading the head, so two writers cannot fork the chain.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (seq, hash) = append_on(&tx, &self.key, event)?;
        tx.commit()?;
        *self.anchor.lock().unwrap_or_else(|e| e.into_inner()) = Some((seq, hash.clone()));
        Ok(self.sign(seq, hash))
    }

    fn sign(&self, seq: u64, hash: String) -> AuditCheckpoint {
        let signature = checkpoint_signature(&self.key, seq, &hash);
        AuditCheckpoint { seq, hash, signature }
    }

    /// The newest row as stored now, signed: export it to check the log against later.
    ///
    /// # Errors
    /// SQLite.
    pub fn checkpoint(&self) -> Result<Option<AuditCheckpoint>> {
        Ok(read_head(&self.lock())?.map(|(seq, hash)| self.sign(seq, hash)))
    }

    /// Check the whole chain under the key, and that the newest head this process saw is still in it.
    ///
    /// # Errors
    /// SQLite (a tampered chain is `Ok(Verification::Tampered)`).
    pub fn verify(&self) -> Result<Verification> {
        let anchor = self.anchor.lock().unwrap_or_else(|e| e.into_inner()).clone();
        self.verify_chain(anchor.as_ref().map(|(s, h)| (*s, h.as_str())))
    }

    /// Check the whole chain and that it still holds `checkpoint` (exported earlier); a
    /// checkpoint whose signature is not valid under the key is reported as forged.
    ///
    /// # Errors
    /// SQLite.
    pub fn verify_against(&self, checkpoint: &AuditCheckpoint) -> Result<Verification> {
        let expected = checkpoint_signature(&self.key, checkpoint.seq, &checkpoint.hash);
        if !constant_time_eq(expected.as_bytes(), checkpoint.signature.as_bytes()) {
            return Ok(Verification::Tampered { seq: checkpoint.seq, problem: Tamper::ForgedCheckpoint });
        }
        match self.verify_chain(Some((checkpoint.seq, &checkpoint.hash)))? {
            Verification::Intact { .. } => {}
            tampered => return Ok(tampered),
        }
        self.verify()
    }

    fn verify_chain(&self, anchor: Option<(u64, &str)>) -> Result<Verification> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT seq, time, actor, tenant, action, target, outcome, event, prev_hash, hash FROM audit_log ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut expected = 1u64;
        let mut prev = [0u8; 32];
        let mut anchored_hash = None;
        while let Some(row) = rows.next()? {
            let seq = row.get::<_, i64>(0)? as u64;
            let tampered = |problem| Ok(Verification::Tampered { seq: expected, problem });
            if seq != expected {
                return tampered(Tamper::Missing { found: seq });
            }
            let canonical: String = row.get(7)?;
            if row.get::<_, String>(8)? != hex::encode(prev) {
                return tampered(Tamper::BrokenLink);
            }
            let hash: String = row.get(9)?;
            let computed = chain_hash(&self.key, &prev, seq, &canonical);
            if !constant_time_eq(hash.as_bytes(), hex::encode(computed).as_bytes()) {
                return tampered(Tamper::HashMismatch);
            }
            let event: AuditEvent = serde_json::from_str(&canonical).map_err(|e| SecurityError::CorruptRow {
                table: "audit_log",
                row: seq.to_string(),
                message: e.to_string(),
            })?;
            let columns: [(&'static str, Option<String>, Option<String>); 6] = [
                ("time", row.get(1)?, Some(to_db_time(event.time))),
                ("actor", row.get(2)?, Some(event.actor)),
                ("tenant", row.get(3)?, event.tenant),
                ("action", row.get(4)?, Some(event.action)),
                ("target", row.get(5)?, Some(event.target)),
                ("outcome", row.get(6)?, Some(event.outcome.as_str().to_string())),
            ];
            if let Some((column, ..)) = columns.iter().find(|(_, stored, hashed)| stored != hashed) {
                return tampered(Tamper::ColumnMismatch { column });
            }
            if anchor.is_some_and(|(a, _)| a == seq) {
                anchored_hash = Some(hash.clone());
            }
            prev = computed;
            expected += 1;
        }
        let rows = expected - 1;
        if let Some((seq, hash)) = anchor {
            if seq > rows {
                return Ok(Verification::Tampered { seq: rows + 1, problem: Tamper::Truncated { rows } });
            }
            if anchored_hash.as_deref() != Some(hash) {
                return Ok(Verification::Tampered { seq, problem: Tamper::AnchorMismatch });
            }
        }
        let head = (rows > 0).then(|| self.sign(rows, hex::encode(prev)));
        Ok(Verification::Intact { rows, head })
    }

    /// Rows matching `query`, oldest first.
    ///
    /// # Errors
    /// SQLite, a corrupt row.
    pub fn query(&self, query: &crate::AuditQuery) -> Result<Vec<AuditRecord>> {
        let (sql, params) = query.to_sql();
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

    /// Whether `conn` is a connection to this log's own file.
    fn shares(&self, conn: &Connection) -> bool {
        self.path.as_deref().is_some_and(|p| forecast_core::sqlite::same_file(conn, p))
    }
}

impl AuditSink for AuditLog {
    fn record(&self, event: AuditEvent) -> forecast_core::Result<()> {
        self.append(&event)?;
        Ok(())
    }

    fn record_in(&self, conn: &Connection, event: AuditEvent) -> forecast_core::Result<()> {
        if self.shares(conn) {
            // The caller's open transaction holds the write lock: the row commits or rolls back
            // with its change. The local anchor is not moved, since that change may still roll back.
            append_on(conn, &self.key, &event)?;
            Ok(())
        } else {
            self.record(event)
        }
    }
}

/// Append `event` through `conn` (inside a write transaction); returns its sequence number and hash.
fn append_on(conn: &Connection, key: &AuditKey, event: &AuditEvent) -> Result<(u64, String)> {
    let canonical = event.to_canonical_json();
    let (seq, prev) = match read_head(conn)? {
        Some((seq, hash)) => (seq + 1, decode_hash(seq, &hash)?),
        None => (1, [0u8; 32]),
    };
    let hash = hex::encode(chain_hash(key, &prev, seq, &canonical));
    conn.execute(
        "INSERT INTO audit_log(seq, time, actor, tenant, action, target, outcome, event, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        rusqlite::params![
            seq as i64,
            to_db_time(event.time),
            event.actor,
            event.tenant,
            event.action,
            event.target,
            event.outcome.as_str(),
            canonical,
            hex::encode(prev),
            hash
        ],
    )?;
    Ok((seq, hash))
}

fn read_head(conn: &Connection) -> Result<Option<(u64, String)>> {
    Ok(conn
        .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
        })
        .optional()?)
}

fn decode_hash(seq: u64, hash: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hash, &mut out).map_err(|e| SecurityError::CorruptRow {
        table: "audit_log",
        row: seq.to_string(),
        message: format!("hash `{hash}`: {e}"),
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecast_core::AuditOutcome;

    #[test]
    fn keys_round_trip_and_stay_secret() {
        let key = AuditKey::generate().unwrap();
        assert_eq!(AuditKey::from_hex(&key.to_hex()).unwrap(), key);
        assert_eq!(format!("{key:?}"), "AuditKey(<redacted>)");
        assert!(AuditKey::from_hex("abc").is_err());
        assert_ne!(key, AuditKey::generate().unwrap());
    }

    #[test]
    fn a_different_key_sees_every_row_as_forged() {
        let log = AuditLog::in_memory(AuditKey::from_bytes([7; 32])).unwrap();
        let t = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        log.append(&AuditEvent::new("a", "x.y", "t", AuditOutcome::Success, t)).unwrap();
        assert!(log.verify().unwrap().is_intact());
        let other = AuditLog { key: AuditKey::from_bytes([8; 32]), ..log };
        assert_eq!(other.verify().unwrap(), Verification::Tampered { seq: 1, problem: Tamper::HashMismatch });
    }
}
