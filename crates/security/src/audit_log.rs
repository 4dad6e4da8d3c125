//! `AuditLog`: forecast-core's `AuditSink` as an append-only SHA-256 hash chain in SQLite.
//!
//! Row `seq` stores the event's canonical JSON, `prev_hash` (the previous row's hash, 32 zero
//! bytes for the first) and `hash = SHA-256(prev_hash || seq as 8 big-endian bytes || canonical JSON)`.

use crate::crypto::sha256;
use crate::db::{self, to_db_time};
use crate::error::{Result, SecurityError};
use forecast_core::{AuditEvent, AuditSink};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

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
CREATE INDEX audit_by_time ON audit_log(time);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
";

/// The newest row of the chain: export it to anchor the log elsewhere (another system, a
/// signed note, a ticket) and check later with [`AuditLog::verify_against`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuditHead {
    /// Sequence number of the newest row (from 1).
    pub seq: u64,
    /// Its hash, hex.
    pub hash: String,
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
    /// The row's hash does not match its contents (edited).
    HashMismatch,
    /// The searchable columns disagree with the hashed event JSON (edited column).
    ColumnMismatch {
        /// The column that differs.
        column: &'static str,
    },
    /// The chain ends before an anchored row (tail truncated).
    Truncated {
        /// Number of rows present.
        rows: u64,
    },
    /// The anchored row has another hash (tail replaced, or the chain rewritten from an earlier row).
    AnchorMismatch,
}

/// The result of [`AuditLog::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every row checks out.
    Intact {
        /// Number of rows.
        rows: u64,
        /// The newest row, if any.
        head: Option<AuditHead>,
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
#[derive(Debug)]
pub struct AuditLog {
    conn: Mutex<Connection>,
    /// The newest head this process has seen (at open or written): a local anchor that lets
    /// [`AuditLog::verify`] catch truncation and head replacement while the process runs.
    anchor: Mutex<Option<AuditHead>>,
}

/// SHA-256(prev || seq as 8 big-endian bytes || canonical).
pub(crate) fn chain_hash(prev: &[u8; 32], seq: u64, canonical: &str) -> [u8; 32] {
    sha256(&[prev, &seq.to_be_bytes(), canonical.as_bytes()])
}

impl AuditLog {
    /// Open (or create) the log at `path`.
    ///
    /// # Errors
    /// SQLite, a newer schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_connection(db::open(Some(path.as_ref()), &[SCHEMA_V1])?)
    }

    /// A fresh in-memory log.
    ///
    /// # Errors
    /// SQLite.
    pub fn in_memory() -> Result<Self> {
        Self::from_connection(db::open(None, &[SCHEMA_V1])?)
    }

    fn from_connection(conn: Connection) -> Result<Self> {
        let head = read_head(&conn)?;
        Ok(Self { conn: Mutex::new(conn), anchor: Mutex::new(head) })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Append one event; returns its head.
    ///
    /// # Errors
    /// SQLite, a corrupt previous hash.
    pub fn append(&self, event: &AuditEvent) -> Result<AuditHead> {
        let canonical = event.to_canonical_json();
        let mut conn = self.lock();
        // IMMEDIATE takes the write lock before reading the head, so two writers cannot fork the chain.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (seq, prev) = match read_head(&tx)? {
            Some(h) => (h.seq + 1, decode_hash(h.seq, &h.hash)?),
            None => (1, [0u8; 32]),
        };
        let hash = hex::encode(chain_hash(&prev, seq, &canonical));
        tx.execute(
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
        tx.commit()?;
        let head = AuditHead { seq, hash };
        *self.anchor.lock().unwrap_or_else(|e| e.into_inner()) = Some(head.clone());
        Ok(head)
    }

    /// The newest row as stored now.
    ///
    /// # Errors
    /// SQLite.
    pub fn head(&self) -> Result<Option<AuditHead>> {
        read_head(&self.lock())
    }

    /// Check the whole chain, and that the newest head this process saw is still in it.
    ///
    /// # Errors
    /// SQLite (a tampered chain is `Ok(Verification::Tampered)`).
    pub fn verify(&self) -> Result<Verification> {
        let anchor = self.anchor.lock().unwrap_or_else(|e| e.into_inner()).clone();
        self.verify_chain(anchor.as_ref())
    }

    /// Check the whole chain and that it still holds `anchor` (a head exported earlier).
    ///
    /// # Errors
    /// SQLite.
    pub fn verify_against(&self, anchor: &AuditHead) -> Result<Verification> {
        self.verify_chain(Some(anchor))
    }

    fn verify_chain(&self, anchor: Option<&AuditHead>) -> Result<Verification> {
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
            let computed = chain_hash(&prev, seq, &canonical);
            if hash != hex::encode(computed) {
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
            if anchor.is_some_and(|a| a.seq == seq) {
                anchored_hash = Some(hash.clone());
            }
            prev = computed;
            expected += 1;
        }
        let rows = expected - 1;
        if let Some(a) = anchor {
            if a.seq > rows {
                return Ok(Verification::Tampered { seq: rows + 1, problem: Tamper::Truncated { rows } });
            }
            if anchored_hash.as_deref() != Some(a.hash.as_str()) {
                return Ok(Verification::Tampered { seq: a.seq, problem: Tamper::AnchorMismatch });
            }
        }
        let head = (rows > 0).then(|| AuditHead { seq: rows, hash: hex::encode(prev) });
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
}

impl AuditSink for AuditLog {
    fn record(&self, event: AuditEvent) -> forecast_core::Result<()> {
        self.append(&event)?;
        Ok(())
    }
}

fn read_head(conn: &Connection) -> Result<Option<AuditHead>> {
    Ok(conn
        .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok(AuditHead { seq: r.get::<_, i64>(0)? as u64, hash: r.get(1)? })
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
