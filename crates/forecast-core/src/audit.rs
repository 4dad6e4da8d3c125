//! The `AuditSink` port and the `AuditEvent` every crate emits through it.
//!
//! # One rule for ordering a change and its audit row
//! A crate records the audit event of a state change *inside the change's transaction,
//! before it commits*, through [`AuditSink::record_in`]:
//! - when the sink keeps its rows in the same database as the change (one SQLite file shared
//!   by the crates), the row is written through the caller's transaction, so the change and its
//!   row commit together or not at all;
//! - otherwise the sink records the row at once, and a sink failure rolls the change back: the
//!   caller gets the error and nothing changed. A failed audit therefore never reports a
//!   committed change as failed. (The one remaining gap, a commit that fails after a separate
//!   sink accepted the row, returns the commit error; the row then describes an attempt.)
//!
//! Each operation is audited once, by the layer that carries it out: a store records its
//! successful changes; a permission guard around it records only the refusals and failures
//! it saw, never a second row for a change the store already recorded.

use crate::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Mutex;

/// How an audited attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// The action was permitted and carried out.
    Success,
    /// The action was refused by a policy (permission, quota, ...).
    Denied,
    /// The action was permitted but failed.
    Failure,
}

impl AuditOutcome {
    /// The lower-case name used in storage and JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Denied => "denied",
            Self::Failure => "failure",
        }
    }
}

/// One audited action: who did what to which target, when, and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// The user, service or API key that acted.
    pub actor: String,
    /// The tenant the action ran under, if any.
    pub tenant: Option<String>,
    /// A dotted action name, e.g. `model.alias.move`.
    pub action: String,
    /// What was acted on, e.g. `demand@champion`.
    pub target: String,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// When it happened (from the caller's `Clock`).
    pub time: DateTime<Utc>,
    /// Further key/value details, kept sorted so the event has one canonical form.
    pub details: BTreeMap<String, String>,
}

impl AuditEvent {
    /// A new event with no tenant and no details.
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        target: impl Into<String>,
        outcome: AuditOutcome,
        time: DateTime<Utc>,
    ) -> Self {
        Self {
            actor: actor.into(),
            tenant: None,
            action: action.into(),
            target: target.into(),
            outcome,
            time,
            details: BTreeMap::new(),
        }
    }

    /// Set the tenant.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Add one detail.
    pub fn detail(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.details.insert(key.into(), value.into());
        self
    }

    /// The canonical JSON form (fields and details in a fixed order), used for hashing.
    pub fn to_canonical_json(&self) -> String {
        // Struct fields serialise in declaration order and details is a BTreeMap,
        // so this string is the same for equal events.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Where audited actions are recorded.
///
/// forecast-security implements the tamper-evident hash chain; other crates emit through
/// this trait without depending on it.
pub trait AuditSink: Send + Sync + Debug {
    /// Record one event durably.
    ///
    /// # Errors
    /// When the event cannot be stored.
    fn record(&self, event: AuditEvent) -> Result<()>;

    /// Record `event` as part of the caller's open transaction on `conn`: a sink that keeps its
    /// rows in the same database writes through `conn`, so the row commits or rolls back with
    /// the caller's change; any other sink records it as [`AuditSink::record`] does (the
    /// default). See the module docs for the rule.
    ///
    /// # Errors
    /// When the event cannot be stored; the caller then rolls its change back.
    #[cfg(feature = "sqlite")]
    fn record_in(&self, conn: &rusqlite::Connection, event: AuditEvent) -> Result<()> {
        let _ = conn;
        self.record(event)
    }
}

/// An in-memory sink, for tests and for callers that forward events elsewhere.
#[derive(Debug, Default)]
pub struct MemoryAuditSink {
    events: Mutex<Vec<AuditEvent>>,
}

impl MemoryAuditSink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every event recorded so far, in order.
    pub fn events(&self) -> Vec<AuditEvent> {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl AuditSink for MemoryAuditSink {
    fn record(&self, event: AuditEvent) -> Result<()> {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).push(event);
        Ok(())
    }
}

/// A sink that drops every event, for callers that do not audit.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoAudit;

impl AuditSink for NoAudit {
    fn record(&self, _event: AuditEvent) -> Result<()> {
        Ok(())
    }
}

impl<S: AuditSink + ?Sized> AuditSink for std::sync::Arc<S> {
    fn record(&self, event: AuditEvent) -> Result<()> {
        (**self).record(event)
    }

    #[cfg(feature = "sqlite")]
    fn record_in(&self, conn: &rusqlite::Connection, event: AuditEvent) -> Result<()> {
        (**self).record_in(conn, event)
    }
}
