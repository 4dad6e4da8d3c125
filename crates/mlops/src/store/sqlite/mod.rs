//! [`SqliteMlopsStore`]: the embedded SQLite implementation of [`MlopsStore`].

mod db;
mod registry;
mod rows;
mod run;
mod tracking;
mod verify;

use super::{AliasChange, Audit, ExperimentUpsert, Logged, MlopsStore, NewRun, RunEntry, StartedRun};
use crate::error::Result;
use chrono::{DateTime, Utc};
use db::Db;
use forecast_core::tenant::TenantId;
use forecast_core::tracking::{Experiment, MetricPoint, Run, RunStatus};
use forecast_core::{AliasMove, AuditSink, Clock, ModelRef, ModelVersion, NewModelVersion};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The registry and tracker tables in one SQLite file (or in memory), in WAL mode, every
/// write one `BEGIN IMMEDIATE` transaction. Several stores (in one process or many) may open
/// the same file, which other crates may share (schema versions live in `schema_versions`).
#[derive(Debug)]
pub struct SqliteMlopsStore {
    db: Db,
}

impl SqliteMlopsStore {
    /// Open (or create) the file at `path`; `clock` stamps every write and `audit` records the
    /// audit events of each change (in the change's transaction when it shares the file).
    ///
    /// # Errors
    /// When the file cannot be opened, is not in WAL mode, or has a newer schema.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self { db: Db::open(path.as_ref(), clock, audit)? })
    }

    /// A private in-memory store, lost when dropped.
    ///
    /// # Errors
    /// When SQLite cannot create the schema.
    pub fn open_in_memory(clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self { db: Db::open_in_memory(clock, audit)? })
    }
}

impl MlopsStore for SqliteMlopsStore {
    fn register(
        &self,
        tenant: &TenantId,
        new: &NewModelVersion,
        artifact: &[u8],
        audit: Audit<'_, ModelVersion>,
    ) -> Result<ModelVersion> {
        self.db.write("register", audit, |tx, ctx| registry::register(tx, ctx, tenant, new, artifact))
    }

    fn resolve(&self, tenant: &TenantId, reference: &ModelRef) -> Result<ModelVersion> {
        self.db.read("resolve", |tx| registry::resolve(tx, tenant, reference))
    }

    fn load(&self, tenant: &TenantId, reference: &ModelRef) -> Result<(ModelVersion, Vec<u8>)> {
        self.db.read("load", |tx| {
            let v = registry::resolve(tx, tenant, reference)?;
            let bytes = db::get_blob(tx, tenant, &v.artifact_sha256)?;
            Ok((v, bytes))
        })
    }

    fn versions(&self, tenant: &TenantId, name: &str) -> Result<Vec<ModelVersion>> {
        self.db.read("versions", |tx| registry::versions(tx, tenant, name))
    }

    fn models(&self, tenant: &TenantId) -> Result<Vec<String>> {
        self.db.read("models", |tx| registry::models(tx, tenant))
    }

    fn aliases(&self, tenant: &TenantId, name: &str) -> Result<BTreeMap<String, u32>> {
        self.db.read("aliases", |tx| registry::aliases(tx, tenant, name))
    }

    fn move_alias(&self, tenant: &TenantId, change: AliasChange<'_>, audit: Audit<'_, AliasMove>) -> Result<AliasMove> {
        self.db.write("move alias", audit, |tx, ctx| registry::move_alias(tx, ctx, tenant, change))
    }

    fn history(&self, tenant: &TenantId, name: &str, alias: Option<&str>) -> Result<Vec<AliasMove>> {
        self.db.read("alias history", |tx| registry::history(tx, tenant, name, alias))
    }

    fn alias_at(&self, tenant: &TenantId, name: &str, alias: &str, at: DateTime<Utc>) -> Result<Option<u32>> {
        self.db.read("alias_at", |tx| registry::alias_at(tx, tenant, name, alias, at))
    }

    fn archive(
        &self,
        tenant: &TenantId,
        name: &str,
        version: u32,
        audit: Audit<'_, ModelVersion>,
    ) -> Result<ModelVersion> {
        self.db.write("archive", audit, |tx, _| registry::archive(tx, tenant, name, version))
    }

    fn verify(&self) -> Result<Vec<String>> {
        self.db.read("verify", verify::verify)
    }

    fn create_experiment(
        &self,
        tenant: &TenantId,
        name: &str,
        actor: &str,
        audit: Audit<'_, ExperimentUpsert>,
    ) -> Result<ExperimentUpsert> {
        self.db.write("create experiment", audit, |tx, ctx| tracking::upsert_experiment(tx, ctx, tenant, name, actor))
    }

    fn experiments(&self, tenant: &TenantId) -> Result<Vec<Experiment>> {
        self.db.read("experiments", |tx| tracking::experiments(tx, tenant))
    }

    fn start_run(&self, tenant: &TenantId, run: NewRun<'_>, audit: Audit<'_, StartedRun>) -> Result<StartedRun> {
        self.db.write("start run", audit, |tx, ctx| tracking::start_run(tx, ctx, tenant, run))
    }

    fn log_to_run(
        &self,
        tenant: &TenantId,
        run_id: i64,
        entry: RunEntry<'_>,
        audit: Audit<'_, Logged>,
    ) -> Result<Logged> {
        self.db.write("log to run", audit, |tx, ctx| tracking::log_to_run(tx, ctx, tenant, run_id, entry))
    }

    fn end_run(&self, tenant: &TenantId, run_id: i64, status: RunStatus, audit: Audit<'_, ()>) -> Result<()> {
        self.db.write("end run", audit, |tx, ctx| tracking::end_run(tx, ctx, tenant, run_id, status))
    }

    fn run(&self, tenant: &TenantId, run_id: i64) -> Result<Run> {
        self.db.read("run", |tx| run::read_run(tx, tenant, run_id))
    }

    fn runs(&self, tenant: &TenantId, run_ids: &[i64]) -> Result<Vec<Run>> {
        self.db.read("runs", |tx| run_ids.iter().map(|id| run::read_run(tx, tenant, *id)).collect())
    }

    fn experiment_runs(&self, tenant: &TenantId, experiment: &str) -> Result<Vec<Run>> {
        self.db.read("search", |tx| tracking::experiment_runs(tx, tenant, experiment))
    }

    fn metric_history(&self, tenant: &TenantId, run_id: i64, key: &str) -> Result<Vec<MetricPoint>> {
        self.db.read("metric history", |tx| tracking::metric_history(tx, tenant, run_id, key))
    }

    fn run_artifact(&self, tenant: &TenantId, run_id: i64, path: &str) -> Result<(String, Vec<u8>)> {
        self.db.read("artifact", |tx| tracking::run_artifact(tx, tenant, run_id, path))
    }
}
