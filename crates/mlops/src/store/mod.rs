//! The storage port of the registry and the tracker: [`MlopsStore`], one atomic operation a
//! method, and [`SqliteMlopsStore`], the embedded implementation behind it.
//!
//! The services above the trait ([`crate::TenantRegistry`], [`crate::Tracker`]) keep the
//! rules: name and value validation, the parent-version and write-once-param checks, artifact
//! hash checks on read, and which audit events a change produces. A store keeps what only a
//! transaction can: unique keys, conditional updates, and recording a change's audit events
//! in the same transaction as the change.
//!
//! # Concurrency contract
//! Every method is one transaction. No method may rely on a single writer: version numbers
//! come from a conditional upsert of a per-name counter, alias moves are compare-and-set on
//! the holder read before, run writes hold the run's row lock, so a store whose transactions
//! interleave (PostgreSQL under READ COMMITTED) keeps the same guarantees.
//!
//! # Audit
//! Every writing method takes an [`Audit`] callback. The store calls it inside the transaction,
//! after the change and before commit, with the change's outcome and the transaction's clock
//! reading; it records the events returned in that same transaction when its audit sink shares
//! the database (otherwise before commit, so a refused audit rolls the change back). When the
//! callback returns an error the store rolls the change back and returns that error: that is
//! how a service's rule refuses an outcome it can only judge once the store has made it.

mod sqlite;

pub use sqlite::SqliteMlopsStore;

use crate::error::Result;
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::tracking::{Experiment, MetricPoint, Run, RunStatus};
use forecast_core::{AliasMove, AuditEvent, ModelRef, ModelVersion, NewModelVersion};
use std::collections::BTreeMap;
use std::fmt::Debug;

/// Builds the audit events of a change from its outcome and the transaction's clock reading,
/// inside the change's transaction; an error rolls the change back (see the module docs).
pub type Audit<'a, T> = &'a dyn Fn(&T, DateTime<Utc>) -> Result<Vec<AuditEvent>>;

/// Where an alias move takes the alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasTarget {
    /// Point the alias at this version.
    Version(u32),
    /// Remove the alias.
    Remove,
    /// Back to the holder it had before its latest move (a rollback).
    Previous,
}

/// One alias move asked of the store.
#[derive(Debug, Clone, Copy)]
pub struct AliasChange<'a> {
    /// The model name.
    pub name: &'a str,
    /// The alias moved.
    pub alias: &'a str,
    /// Where it goes.
    pub target: AliasTarget,
    /// Who moves it.
    pub actor: &'a str,
    /// Why.
    pub reason: &'a str,
}

/// An experiment, and whether the operation created it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentUpsert {
    /// The experiment.
    pub experiment: Experiment,
    /// True when this operation inserted it.
    pub created: bool,
}

/// A run just started.
#[derive(Debug, Clone, PartialEq)]
pub struct StartedRun {
    /// The new run's id (unique across the database).
    pub id: i64,
    /// Its experiment, created by the same transaction when new.
    pub experiment: ExperimentUpsert,
}

/// A run to start.
#[derive(Debug, Clone, Copy)]
pub struct NewRun<'a> {
    /// The experiment's name (created when missing).
    pub experiment: &'a str,
    /// The run's name.
    pub name: &'a str,
    /// A parent run of the same tenant.
    pub parent: Option<i64>,
    /// Who starts it.
    pub actor: &'a str,
}

/// One write to an active run.
#[derive(Debug, Clone, Copy)]
pub enum RunEntry<'a> {
    /// A hyper-parameter, inserted only when the run has none under `key`.
    Param {
        /// The key.
        key: &'a str,
        /// The value offered.
        value: &'a str,
    },
    /// One value of a metric at a step, appended to its history.
    Metric {
        /// The key.
        key: &'a str,
        /// A finite value.
        value: f64,
        /// The step.
        step: i64,
    },
    /// A tag, inserted or overwritten.
    Tag {
        /// The key.
        key: &'a str,
        /// The value.
        value: &'a str,
    },
    /// A file stored by content under `path` (overwriting the path's previous file).
    Artifact {
        /// The run-relative path.
        path: &'a str,
        /// The bytes.
        bytes: &'a [u8],
    },
}

/// What a [`RunEntry`] left in the store.
#[derive(Debug, Clone, PartialEq)]
pub enum Logged {
    /// The param's value now stored: the one offered, or the earlier value that kept its place.
    Param {
        /// The stored value.
        stored: String,
    },
    /// A metric point or a tag was written.
    Written,
    /// The artifact's SHA-256 address.
    Artifact {
        /// Hex SHA-256 of the bytes.
        sha256: String,
    },
}

/// The storage of model versions, aliases, experiments and runs, every row keyed by tenant.
///
/// Each method is one transaction, reads one consistent snapshot, and touches only
/// `tenant`'s rows (a row of another tenant is not found). Unknown rows are
/// [`forecast_core::Error::NotFound`] inside [`crate::MlopsError::Core`]; backend failures are
/// [`crate::MlopsError::Storage`] (SQLite) or [`crate::MlopsError::Backend`] (any other store).
pub trait MlopsStore: Send + Sync + Debug {
    /// Insert version `n + 1` of `new.name`, where `n` is the newest number the name has had in
    /// this tenant, with `artifact` stored under its SHA-256 (once per tenant).
    ///
    /// Concurrency: the number comes from a conditional upsert of the name's counter
    /// (`INSERT ... ON CONFLICT DO UPDATE SET latest = latest + 1 RETURNING latest`), so two
    /// concurrent registrations get distinct numbers and neither fails; a number is never reused
    /// (a rolled-back registration leaves no gap visible to others). The row is immutable.
    fn register(
        &self,
        tenant: &TenantId,
        new: &NewModelVersion,
        artifact: &[u8],
        audit: Audit<'_, ModelVersion>,
    ) -> Result<ModelVersion>;

    /// The version a reference names, with the alias (if any) read in the same snapshot.
    fn resolve(&self, tenant: &TenantId, reference: &ModelRef) -> Result<ModelVersion>;

    /// The version a reference names and its artifact's bytes as stored (the caller checks them
    /// against `artifact_sha256`), in one snapshot.
    fn load(&self, tenant: &TenantId, reference: &ModelRef) -> Result<(ModelVersion, Vec<u8>)>;

    /// Every version of `name`, oldest first.
    fn versions(&self, tenant: &TenantId, name: &str) -> Result<Vec<ModelVersion>>;

    /// The tenant's model names, sorted.
    fn models(&self, tenant: &TenantId) -> Result<Vec<String>>;

    /// The current aliases of `name` and the versions they point at.
    fn aliases(&self, tenant: &TenantId, name: &str) -> Result<BTreeMap<String, u32>>;

    /// Move an alias and append the move to its append-only history.
    ///
    /// Concurrency: compare-and-set on the holder read in the same transaction
    /// (`UPDATE ... WHERE version = <read>`, an insert `ON CONFLICT DO NOTHING` when unset, a
    /// delete conditional on the holder), re-read and retried when another writer moved it first,
    /// so no two moves start from the same holder and the history chains. The target version's
    /// row is locked before the move, as [`MlopsStore::archive`] locks it, so an archived
    /// version never takes an alias.
    ///
    /// # Errors
    /// Unknown version, or [`forecast_core::Error::NotFound`] for removing an unset alias or
    /// rolling back one with no previous holder; [`crate::MlopsError::Archived`] when the target
    /// is archived; [`crate::MlopsError::InvalidInput`] when the alias kept moving under every retry.
    fn move_alias(&self, tenant: &TenantId, change: AliasChange<'_>, audit: Audit<'_, AliasMove>) -> Result<AliasMove>;

    /// The alias moves of `name` (of one alias, or all), in commit order.
    fn history(&self, tenant: &TenantId, name: &str, alias: Option<&str>) -> Result<Vec<AliasMove>>;

    /// The holder of an alias at `at`: the target of the last committed move stamped at or before it.
    fn alias_at(&self, tenant: &TenantId, name: &str, alias: &str, at: DateTime<Utc>) -> Result<Option<u32>>;

    /// Mark a version archived.
    ///
    /// Concurrency: locks the version's row, then updates it on the condition that no alias
    /// holds it, so it cannot interleave with an alias move onto the same version.
    ///
    /// # Errors
    /// Unknown version; [`crate::MlopsError::AliasHeld`] naming an alias that holds it.
    fn archive(
        &self,
        tenant: &TenantId,
        name: &str,
        version: u32,
        audit: Audit<'_, ModelVersion>,
    ) -> Result<ModelVersion>;

    /// Check the whole store (every tenant): artifacts hash to their addresses, aliases point at
    /// existing unarchived versions, histories chain to the current holders. Returns the problems.
    fn verify(&self) -> Result<Vec<String>>;

    /// Insert the experiment `name` unless the tenant has it (unique key (tenant, name): of two
    /// concurrent creations one inserts, the other reads it; neither fails).
    fn create_experiment(
        &self,
        tenant: &TenantId,
        name: &str,
        actor: &str,
        audit: Audit<'_, ExperimentUpsert>,
    ) -> Result<ExperimentUpsert>;

    /// Every experiment of the tenant, oldest first.
    fn experiments(&self, tenant: &TenantId) -> Result<Vec<Experiment>>;

    /// Start a run, creating its experiment as [`MlopsStore::create_experiment`] does, in one
    /// transaction. Run ids are unique across the store.
    ///
    /// # Errors
    /// A parent that is not a run of this tenant is not found.
    fn start_run(&self, tenant: &TenantId, run: NewRun<'_>, audit: Audit<'_, StartedRun>) -> Result<StartedRun>;

    /// Write one entry to a running run.
    ///
    /// Concurrency: holds the run's row lock (a conditional no-op update on `status = running`)
    /// for the transaction, so nothing is written after a concurrent [`MlopsStore::end_run`]
    /// commits. A param is inserted `ON CONFLICT (run, key) DO NOTHING` and the stored value is
    /// returned, so of two concurrent first values exactly one is stored.
    ///
    /// # Errors
    /// Unknown run; [`crate::MlopsError::RunEnded`] when it is no longer running.
    fn log_to_run(
        &self,
        tenant: &TenantId,
        run_id: i64,
        entry: RunEntry<'_>,
        audit: Audit<'_, Logged>,
    ) -> Result<Logged>;

    /// End a running run with `status`.
    ///
    /// Concurrency: conditional on `status = running`, so of two concurrent ends one wins and
    /// the other gets [`crate::MlopsError::RunEnded`].
    ///
    /// # Errors
    /// Unknown run; [`crate::MlopsError::RunEnded`].
    fn end_run(&self, tenant: &TenantId, run_id: i64, status: RunStatus, audit: Audit<'_, ()>) -> Result<()>;

    /// One run with its params, latest metrics, tags and artifact paths.
    fn run(&self, tenant: &TenantId, run_id: i64) -> Result<Run>;

    /// Several runs, in the order asked, from one snapshot.
    fn runs(&self, tenant: &TenantId, run_ids: &[i64]) -> Result<Vec<Run>>;

    /// Every run of an experiment, by id, from one snapshot.
    fn experiment_runs(&self, tenant: &TenantId, experiment: &str) -> Result<Vec<Run>>;

    /// Every value logged for `key` in a run, by step then logging order.
    fn metric_history(&self, tenant: &TenantId, run_id: i64, key: &str) -> Result<Vec<MetricPoint>>;

    /// A run artifact's SHA-256 address and its bytes as stored (the caller checks them).
    fn run_artifact(&self, tenant: &TenantId, run_id: i64, path: &str) -> Result<(String, Vec<u8>)>;
}
