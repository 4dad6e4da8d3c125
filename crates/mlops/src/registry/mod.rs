//! The model registry: immutable versions numbered per tenant and name, content-addressed
//! artifacts, aliases moved atomically with an append-only history, rollback and archiving.
//!
//! Every row carries its tenant and every query binds it: [`Registry`] is the database, and
//! all model operations go through a [`TenantRegistry`] bound to one tenant
//! ([`Registry::tenant`], or [`forecast_core::ModelStores::models`]).
//!
//! The registry keeps the rules (names, finite metrics, a parent that is an earlier version,
//! artifact hashes on read, what is audited); the storage behind it is a
//! [`MlopsStore`] ([`SqliteMlopsStore`] unless [`Registry::with_store`] is given another), whose
//! methods are one transaction each and rely on no single writer (see [`crate::store`]).

mod store;

use crate::error::{MlopsError, Result};
use crate::store::{AliasChange, AliasTarget, MlopsStore, SqliteMlopsStore};
use crate::tracking::Tracker;
use crate::validate::{check_alias, check_content, check_name, sha256_hex};
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::{
    AliasMove, AuditEvent, AuditOutcome, AuditSink, Clock, ModelArtifact, ModelRef, ModelVersion, NewModelVersion,
    Predict,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// A model registry over a [`MlopsStore`] (SQLite by default). Cheap to clone; clones share
/// one store.
///
/// Several `Registry` values (in one process or many) may open the same SQLite file: every
/// write is one `BEGIN IMMEDIATE` transaction and waits for the others.
#[derive(Debug, Clone)]
pub struct Registry {
    store: Arc<dyn MlopsStore>,
}

impl Registry {
    /// Open (or create) the registry file at `path` (it may be shared with other crates).
    ///
    /// # Errors
    /// When the file cannot be opened, is not a registry, or has a newer schema.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self::with_store(Arc::new(SqliteMlopsStore::open(path, clock, audit)?)))
    }

    /// A registry held in memory, lost when the last clone drops.
    ///
    /// # Errors
    /// When SQLite cannot create the schema.
    pub fn open_in_memory(clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self::with_store(Arc::new(SqliteMlopsStore::open_in_memory(clock, audit)?)))
    }

    /// A registry over any store (the store brings its own clock and audit sink).
    pub fn with_store(store: Arc<dyn MlopsStore>) -> Self {
        Self { store }
    }

    /// The registry of `tenant`'s models and runs. Nothing it does reads or writes another
    /// tenant's rows.
    pub fn tenant(&self, tenant: &TenantId) -> TenantRegistry {
        TenantRegistry { store: self.store.clone(), tenant: tenant.clone() }
    }

    /// Check the whole database: every artifact hashes to its address, every alias points at
    /// an existing, unarchived version of its own tenant, and each alias's history chains from
    /// nothing to its current holder. Returns the problems found (empty when sound).
    ///
    /// # Errors
    /// Storage failure.
    pub fn verify(&self) -> Result<Vec<String>> {
        self.store.verify()
    }
}

/// The registry of one tenant: the [`forecast_core::ModelStore`] implementation, plus
/// listing, archiving and the tenant's [`Tracker`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct TenantRegistry {
    store: Arc<dyn MlopsStore>,
    tenant: TenantId,
}

impl TenantRegistry {
    /// The tenant served.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The experiment tracker of this tenant, sharing the registry's store.
    pub fn tracker(&self) -> Tracker {
        Tracker::from_store(self.store.clone(), self.tenant.clone())
    }

    fn event(&self, now: DateTime<Utc>, actor: &str, action: &str, target: String) -> AuditEvent {
        AuditEvent::new(actor, action, target, AuditOutcome::Success, now).tenant(self.tenant.as_str())
    }

    /// Register a new immutable version; its number is one more than the newest of `name` in
    /// this tenant.
    ///
    /// # Errors
    /// Invalid name, a non-finite metric, an unknown parent, or a storage failure.
    pub fn register(&self, new: NewModelVersion) -> Result<ModelVersion> {
        check_name("model name", &new.name)?;
        if let Some((k, v)) = new.metrics.iter().find(|(_, v)| !v.is_finite()) {
            return Err(MlopsError::InvalidInput(format!(
                "metric `{k}` of {} is {v}; metrics must be finite",
                new.name
            )));
        }
        let bytes = new.artifact.to_bytes()?;
        let audit = |v: &ModelVersion, now| {
            // Judged on the number the store gave: a parent must be an earlier version.
            if let Some(parent) = new.parent.filter(|p| *p >= v.version || *p == 0) {
                return Err(MlopsError::not_found("parent version", format!("{}@{parent}", new.name)));
            }
            let event = self
                .event(now, &new.created_by, "model.register", format!("{}@{}", v.name, v.version))
                .detail("artifact_sha256", &v.artifact_sha256)
                .detail("kind", &v.kind);
            Ok(vec![event])
        };
        self.store.register(&self.tenant, &new, &bytes, &audit)
    }

    /// Resolve `name@3` or `name@alias`.
    ///
    /// # Errors
    /// [`forecast_core::Error::NotFound`] (inside [`MlopsError::Core`]) for an unknown reference.
    pub fn resolve(&self, reference: &ModelRef) -> Result<ModelVersion> {
        self.store.resolve(&self.tenant, reference)
    }

    /// Load the artifact of a reference, checking its hash.
    ///
    /// # Errors
    /// Unknown reference, corrupt bytes, or an artifact format this build cannot read.
    pub fn load(&self, reference: &ModelRef) -> Result<ModelArtifact> {
        let (version, bytes) = self.store.load(&self.tenant, reference)?;
        check_content(&version.artifact_sha256, &bytes)?;
        Ok(ModelArtifact::from_bytes(&bytes)?)
    }

    /// Load a reference as a ready predictor.
    ///
    /// # Errors
    /// As [`TenantRegistry::load`], plus [`forecast_core::Error::Unsupported`] for an artifact
    /// that does not score design-matrix rows (a per-series baseline).
    pub fn load_predictor(&self, reference: &ModelRef) -> Result<Box<dyn Predict>> {
        Ok(self.load(reference)?.into_predictor()?)
    }

    /// Every version of `name`, oldest first.
    ///
    /// # Errors
    /// Storage failure.
    pub fn versions(&self, name: &str) -> Result<Vec<ModelVersion>> {
        self.store.versions(&self.tenant, name)
    }

    /// The tenant's model names, sorted.
    ///
    /// # Errors
    /// Storage failure.
    pub fn models(&self) -> Result<Vec<String>> {
        self.store.models(&self.tenant)
    }

    /// The current aliases of `name` and the versions they point at.
    ///
    /// # Errors
    /// Storage failure.
    pub fn aliases(&self, name: &str) -> Result<BTreeMap<String, u32>> {
        self.store.aliases(&self.tenant, name)
    }

    /// Point `alias` of `name` at `version` in one transaction, appending the move to the history.
    ///
    /// # Errors
    /// Unknown or archived version, invalid alias name, storage failure.
    pub fn set_alias(&self, name: &str, alias: &str, version: u32, actor: &str, reason: &str) -> Result<AliasMove> {
        check_alias(alias)?;
        self.move_alias(name, alias, AliasTarget::Version(version), actor, reason, "model.alias.set")
    }

    /// Remove `alias` of `name`, recording the move to nothing.
    ///
    /// # Errors
    /// [`forecast_core::Error::NotFound`] when the alias is not set.
    pub fn remove_alias(&self, name: &str, alias: &str, actor: &str, reason: &str) -> Result<AliasMove> {
        self.move_alias(name, alias, AliasTarget::Remove, actor, reason, "model.alias.remove")
    }

    /// Every move of `alias` of `name`, oldest first.
    ///
    /// # Errors
    /// Storage failure.
    pub fn alias_history(&self, name: &str, alias: &str) -> Result<Vec<AliasMove>> {
        self.store.history(&self.tenant, name, Some(alias))
    }

    /// Every alias move of `name` (all aliases), oldest first.
    ///
    /// # Errors
    /// Storage failure.
    pub fn model_history(&self, name: &str) -> Result<Vec<AliasMove>> {
        self.store.history(&self.tenant, name, None)
    }

    /// The version `alias` of `name` pointed at the instant `at` (None when unset then).
    ///
    /// Moves are ordered by when they were committed; if the clock was set back, the last
    /// committed move stamped at or before `at` wins.
    ///
    /// # Errors
    /// Storage failure.
    pub fn alias_at(&self, name: &str, alias: &str, at: DateTime<Utc>) -> Result<Option<u32>> {
        self.store.alias_at(&self.tenant, name, alias, at)
    }

    /// Move `alias` back to the holder it had before its latest move.
    ///
    /// # Errors
    /// [`forecast_core::Error::NotFound`] when the alias has no previous holder;
    /// [`MlopsError::Archived`] when that holder has since been archived.
    pub fn rollback(&self, name: &str, alias: &str, actor: &str, reason: &str) -> Result<AliasMove> {
        self.move_alias(name, alias, AliasTarget::Previous, actor, reason, "model.alias.rollback")
    }

    /// Archive a version: it stays resolvable by number but can no longer take an alias.
    ///
    /// # Errors
    /// Unknown version; [`MlopsError::AliasHeld`] while an alias points at it.
    pub fn archive(&self, name: &str, version: u32, actor: &str, reason: &str) -> Result<ModelVersion> {
        let audit = |_: &ModelVersion, now| {
            Ok(vec![self.event(now, actor, "model.archive", format!("{name}@{version}")).detail("reason", reason)])
        };
        self.store.archive(&self.tenant, name, version, &audit)
    }

    fn move_alias(
        &self,
        name: &str,
        alias: &str,
        target: AliasTarget,
        actor: &str,
        reason: &str,
        action: &str,
    ) -> Result<AliasMove> {
        let show = |v: Option<u32>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
        let audit = |m: &AliasMove, now| {
            let event = self
                .event(now, &m.actor, action, format!("{}@{}", m.name, m.alias))
                .detail("from", show(m.from))
                .detail("to", show(m.to))
                .detail("reason", &m.reason);
            Ok(vec![event])
        };
        self.store.move_alias(&self.tenant, AliasChange { name, alias, target, actor, reason }, &audit)
    }
}

/// The SHA-256 address an artifact is stored under in the registry.
///
/// # Errors
/// When the artifact cannot be serialised.
pub fn artifact_sha256(artifact: &ModelArtifact) -> Result<String> {
    Ok(sha256_hex(&artifact.to_bytes()?))
}
