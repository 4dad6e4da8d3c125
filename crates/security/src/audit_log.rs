//! `AuditLog`: forecast-core's `AuditSink` as an append-only, keyed hash chain over an
//! [`AuditStore`] (SQLite by default).
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
use crate::error::{Result, SecurityError};
use crate::store::{AuditColumns, AuditRow, AuditStore, ChainHead, SqliteAuditStore};
use forecast_core::{AuditEvent, AuditSink};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

pub use crate::store::AuditRecord;

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

/// The tamper-evident audit trail: the rules (key, chain, checkpoints, verification) over an
/// [`AuditStore`] that keeps the rows.
pub struct AuditLog {
    store: Arc<dyn AuditStore>,
    key: AuditKey,
    /// The newest head this process has seen (at open or appended through [`AuditLog::append`]):
    /// a local anchor that lets [`AuditLog::verify`] catch truncation while the process runs.
    anchor: Mutex<Option<ChainHead>>,
}

impl fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditLog").field("store", &self.store).finish_non_exhaustive()
    }
}

/// HMAC(key, prev || seq as 8 big-endian bytes || canonical).
fn chain_hash(key: &AuditKey, prev: &[u8; 32], seq: u64, canonical: &str) -> [u8; 32] {
    hmac_sha256(&key.0, &[prev, &seq.to_be_bytes(), canonical.as_bytes()])
}

fn checkpoint_signature(key: &AuditKey, seq: u64, hash: &str) -> String {
    hex::encode(hmac_sha256(&key.0, &[CHECKPOINT_LABEL, &seq.to_be_bytes(), hash.as_bytes()]))
}

/// How often an append re-reads the head after losing its sequence number to another writer.
/// Each loss means another append won, so only a log this contended gives up.
const MAX_APPEND_ATTEMPTS: usize = 64;

/// Rows read per page while verifying.
const VERIFY_PAGE: usize = 1024;

impl AuditLog {
    /// Open (or create) the log at `path` in a [`SqliteAuditStore`], keyed with `key` (the
    /// file may be shared with the security store and other crates: see
    /// [`forecast_core::AuditSink::record_in`]).
    ///
    /// # Errors
    /// SQLite, a newer schema.
    pub fn open(path: impl AsRef<Path>, key: AuditKey) -> Result<Self> {
        Self::with_store(Arc::new(SqliteAuditStore::open(path)?), key)
    }

    /// A fresh in-memory log.
    ///
    /// # Errors
    /// SQLite.
    pub fn in_memory(key: AuditKey) -> Result<Self> {
        Self::with_store(Arc::new(SqliteAuditStore::open_in_memory()?), key)
    }

    /// The log over any [`AuditStore`], keyed with `key`; the store's head is this process's
    /// first anchor.
    ///
    /// # Errors
    /// The store's, reading the head.
    pub fn with_store(store: Arc<dyn AuditStore>, key: AuditKey) -> Result<Self> {
        let head = store.head()?;
        Ok(Self { store, key, anchor: Mutex::new(head) })
    }

    /// Append one event; returns the new head, signed. The row is chained on the head the
    /// store reports; when another writer appended first, the store refuses it and the event
    /// is chained again on the new head.
    ///
    /// # Errors
    /// The store's; a corrupt head hash; [`SecurityError::AuditOutOfSequence`] when every one
    /// of 64 attempts lost its sequence number to another writer.
    pub fn append(&self, event: &AuditEvent) -> Result<AuditCheckpoint> {
        let canonical = event.to_canonical_json();
        let mut lost = None;
        for _ in 0..MAX_APPEND_ATTEMPTS {
            let row = self.chain(event, &canonical, self.store.head()?.as_ref())?;
            match self.store.append(&row) {
                Ok(()) => {
                    self.advance_anchor(&row);
                    return Ok(self.sign(row.seq, row.hash));
                }
                Err(e @ SecurityError::AuditOutOfSequence { .. }) => {
                    lost = Some(e);
                    std::thread::yield_now();
                }
                Err(e) => return Err(e),
            }
        }
        Err(lost.unwrap_or(SecurityError::AuditOutOfSequence { seq: 0, next: 0 }))
    }

    /// The row of `event` on top of `head`, keyed.
    fn chain(&self, event: &AuditEvent, canonical: &str, head: Option<&ChainHead>) -> Result<AuditRow> {
        let (seq, prev) = match head {
            Some(h) => (h.seq + 1, decode_hash(h.seq, &h.hash)?),
            None => (1, [0u8; 32]),
        };
        Ok(AuditRow {
            seq,
            event: event.clone(),
            canonical: canonical.to_string(),
            prev_hash: hex::encode(prev),
            hash: hex::encode(chain_hash(&self.key, &prev, seq, canonical)),
        })
    }

    /// Move the local anchor to `row` unless a racing append already moved it further.
    fn advance_anchor(&self, row: &AuditRow) {
        let mut anchor = self.anchor.lock().unwrap_or_else(|e| e.into_inner());
        if anchor.as_ref().is_none_or(|a| a.seq < row.seq) {
            *anchor = Some(ChainHead { seq: row.seq, hash: row.hash.clone() });
        }
    }

    fn sign(&self, seq: u64, hash: String) -> AuditCheckpoint {
        let signature = checkpoint_signature(&self.key, seq, &hash);
        AuditCheckpoint { seq, hash, signature }
    }

    /// The newest row as stored now, signed: export it to check the log against later.
    ///
    /// # Errors
    /// The store's.
    pub fn checkpoint(&self) -> Result<Option<AuditCheckpoint>> {
        Ok(self.store.head()?.map(|h| self.sign(h.seq, h.hash)))
    }

    /// Check the whole chain under the key, and that the newest head this process saw is still in it.
    ///
    /// # Errors
    /// The store's (a tampered chain is `Ok(Verification::Tampered)`).
    pub fn verify(&self) -> Result<Verification> {
        let anchor = self.anchor.lock().unwrap_or_else(|e| e.into_inner()).clone();
        self.verify_chain(anchor.as_ref().map(|h| (h.seq, h.hash.as_str())))
    }

    /// Check the whole chain and that it still holds `checkpoint` (exported earlier); a
    /// checkpoint whose signature is not valid under the key is reported as forged.
    ///
    /// # Errors
    /// The store's.
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
        let mut expected = 1u64;
        let mut prev = [0u8; 32];
        let mut anchored_hash = None;
        loop {
            let page = self.store.rows(expected - 1, VERIFY_PAGE)?;
            let full = page.len() == VERIFY_PAGE;
            for row in page {
                let tampered = |problem| Ok(Verification::Tampered { seq: expected, problem });
                if row.seq != expected {
                    return tampered(Tamper::Missing { found: row.seq });
                }
                if row.prev_hash != hex::encode(prev) {
                    return tampered(Tamper::BrokenLink);
                }
                let computed = chain_hash(&self.key, &prev, row.seq, &row.canonical);
                if !constant_time_eq(row.hash.as_bytes(), hex::encode(computed).as_bytes()) {
                    return tampered(Tamper::HashMismatch);
                }
                let event: AuditEvent = serde_json::from_str(&row.canonical).map_err(|e| {
                    SecurityError::CorruptRow { table: "audit_log", row: row.seq.to_string(), message: e.to_string() }
                })?;
                if let Some(column) = row.columns.first_difference(&AuditColumns::of(&event)) {
                    return tampered(Tamper::ColumnMismatch { column });
                }
                if anchor.is_some_and(|(a, _)| a == row.seq) {
                    anchored_hash = Some(row.hash);
                }
                prev = computed;
                expected += 1;
            }
            if !full {
                break;
            }
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
    /// The store's, a corrupt row.
    pub fn query(&self, query: &crate::AuditQuery) -> Result<Vec<AuditRecord>> {
        self.store.query(query)
    }
}

impl AuditSink for AuditLog {
    fn record(&self, event: AuditEvent) -> forecast_core::Result<()> {
        self.append(&event)?;
        Ok(())
    }

    fn record_in(&self, conn: &Connection, event: AuditEvent) -> forecast_core::Result<()> {
        let canonical = event.to_canonical_json();
        // When the store shares the caller's database, the row commits or rolls back with its
        // change. The local anchor is not moved, since that change may still roll back.
        match self.store.append_in(conn, &|head| self.chain(&event, &canonical, head))? {
            Some(_) => Ok(()),
            None => self.record(event),
        }
    }
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
