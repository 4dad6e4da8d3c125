//! The storage port of the audit log: [`AuditStore`], and the rows that cross it.
//!
//! # What the store keeps, what the log keeps
//! [`crate::AuditLog`] keeps the rules: the key, the HMAC of every row, checkpoint signatures,
//! and verification (links, hashes, columns, truncation against an anchor). An `AuditStore`
//! keeps what a transaction must: the rows, append-only, and **one row per sequence number**.
//!
//! See [`AuditStore`] for the concurrency contract.

use crate::AuditQuery;
use crate::db::to_db_time;
use crate::error::Result;
use forecast_core::AuditEvent;
use rusqlite::Connection;
use std::fmt::Debug;

/// The newest row of the chain: its sequence number and hash (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// Sequence number, from 1.
    pub seq: u64,
    /// The row's hash, hex.
    pub hash: String,
}

/// A row to append, built and keyed by the log on the head it read.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    /// Its sequence number: the head's plus one (1 for the first row).
    pub seq: u64,
    /// The event, for the searchable columns.
    pub event: AuditEvent,
    /// The event's canonical JSON, the text the hash covers.
    pub canonical: String,
    /// The head's hash (64 zeros for the first row), hex.
    pub prev_hash: String,
    /// `HMAC-SHA-256(key, prev_hash || seq || canonical)`, hex.
    pub hash: String,
}

/// The searchable columns a store keeps beside the event JSON, in their stored text form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditColumns {
    /// The event time, fixed-width RFC 3339 with nanoseconds (text order is time order).
    pub time: String,
    /// The actor.
    pub actor: String,
    /// The tenant, if any.
    pub tenant: Option<String>,
    /// The action.
    pub action: String,
    /// The target.
    pub target: String,
    /// The outcome's name (`success`, `denied`, `failure`).
    pub outcome: String,
}

impl AuditColumns {
    /// The columns a store writes for `event`.
    pub fn of(event: &AuditEvent) -> Self {
        Self {
            time: to_db_time(event.time),
            actor: event.actor.clone(),
            tenant: event.tenant.clone(),
            action: event.action.clone(),
            target: event.target.clone(),
            outcome: event.outcome.as_str().to_string(),
        }
    }

    /// The first column (in declaration order) whose value differs from `other`'s.
    pub fn first_difference(&self, other: &Self) -> Option<&'static str> {
        [
            ("time", self.time == other.time),
            ("actor", self.actor == other.actor),
            ("tenant", self.tenant == other.tenant),
            ("action", self.action == other.action),
            ("target", self.target == other.target),
            ("outcome", self.outcome == other.outcome),
        ]
        .into_iter()
        .find_map(|(column, same)| (!same).then_some(column))
    }
}

/// A row as stored, read back for verification: nothing in it is trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditRow {
    /// Sequence number.
    pub seq: u64,
    /// The stored event JSON.
    pub canonical: String,
    /// The stored link to the previous row, hex.
    pub prev_hash: String,
    /// The stored hash, hex.
    pub hash: String,
    /// The stored searchable columns.
    pub columns: AuditColumns,
}

/// One row returned by a query.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// Sequence number.
    pub seq: u64,
    /// The event.
    pub event: AuditEvent,
    /// The row's hash, hex.
    pub hash: String,
}

/// Builds the row to append on the head read inside the caller's transaction.
pub type BuildRow<'a> = &'a dyn Fn(Option<&ChainHead>) -> Result<AuditRow>;

/// The storage of the audit chain: append-only rows, one per sequence number.
///
/// Each method is one transaction (or joins the caller's, for [`AuditStore::append_in`]).
///
/// # Concurrency contract
/// The log builds a row on the head it read ([`AuditStore::head`]), then appends it. A store
/// whose transactions interleave (PostgreSQL under READ COMMITTED, or two SQLite connections)
/// may let two writers read the same head; the store must then accept only the first row for
/// that sequence number (a unique key on it, and a row that does not extend the head as it
/// stands in the appending transaction refused) and refuse the other with
/// [`crate::SecurityError::AuditOutOfSequence`], writing nothing. The log re-reads the head,
/// re-chains the event and appends again, so interleaved writers can never fork the chain.
///
/// # Errors
/// Backend failures are [`crate::SecurityError::Backend`]; an undecodable row is
/// [`crate::SecurityError::CorruptRow`].
pub trait AuditStore: Send + Sync + Debug {
    /// The newest row, if any (the log chains on it and signs it as a checkpoint).
    fn head(&self) -> Result<Option<ChainHead>>;

    /// Append `row` in one transaction.
    ///
    /// # Errors
    /// [`crate::SecurityError::AuditOutOfSequence`], writing nothing, when `row.seq` is not
    /// the head's successor or `row.prev_hash` is not the head's hash as they stand in this
    /// transaction (another writer appended first), or when another row holds `row.seq`.
    fn append(&self, row: &AuditRow) -> Result<()>;

    /// Append inside the caller's open write transaction on `conn` when this store keeps its
    /// rows in `conn`'s database: read the head through `conn`, build the row with `build`,
    /// insert it through `conn` (so it commits or rolls back with the caller's change) and
    /// return it. `Ok(None)`, touching nothing, when the store keeps its rows elsewhere (the
    /// default); the log then appends on its own.
    ///
    /// # Errors
    /// `build`'s errors; [`crate::SecurityError::AuditOutOfSequence`] as for
    /// [`AuditStore::append`]. The caller rolls its change back on any error.
    fn append_in(&self, conn: &Connection, build: BuildRow<'_>) -> Result<Option<AuditRow>> {
        let _ = (conn, build);
        Ok(None)
    }

    /// Up to `limit` rows with a sequence number above `after`, in sequence order (the range a
    /// verification walks, page by page).
    fn rows(&self, after: u64, limit: usize) -> Result<Vec<StoredAuditRow>>;

    /// The rows matching `query` (every set field), oldest first, at most `query.limit`.
    fn query(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>>;
}
