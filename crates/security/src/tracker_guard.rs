//! `GuardedRunTracker`: forecast-core's `RunTracker` of one tenant with a permission check in
//! front of every operation, for one session.

use crate::Security;
use crate::error::Result;
use crate::permission::Permission;
use crate::scope::Resource;
use crate::session::Session;
use forecast_core::tenant::TenantId;
use forecast_core::tracking::{Experiment, MetricPoint, Run, RunStatus, RunTracker, RunTrackers};
use std::sync::Arc;

/// A [`RunTracker`] of one tenant acting for one session: reads need
/// [`Permission::ViewModels`], writes (start, log, tag, end) [`Permission::TrainModels`], on the
/// tenant, checked at every call. Built only by [`Security::run_tracker`], which obtains the
/// inner tracker for the tenant it checks; every write is attributed to the session's user.
/// Refusals and failures are audited as by [`crate::GuardedModelStore`].
#[derive(Debug)]
pub struct GuardedRunTracker {
    inner: Arc<dyn RunTracker>,
    security: Arc<Security>,
    session: Session,
    tenant: TenantId,
}

impl Security {
    /// The runs of `tenant`, from `trackers`, guarded for `session`.
    ///
    /// # Errors
    /// [`crate::SecurityError::PermissionDenied`] (audited) when the session may not view the
    /// tenant's runs; the tracker's own errors.
    pub fn run_tracker(
        self: &Arc<Self>,
        session: &Session,
        tenant: &TenantId,
        trackers: &dyn RunTrackers,
    ) -> Result<GuardedRunTracker> {
        self.require_for(session, Permission::ViewModels, &Resource::tenant(tenant).named("runs"), "run.open")?;
        let inner = trackers.runs(tenant)?;
        Ok(GuardedRunTracker { inner, security: self.clone(), session: session.clone(), tenant: tenant.clone() })
    }
}

impl GuardedRunTracker {
    /// The session acted for.
    pub fn session(&self) -> &Session {
        &self.session
    }

    fn read(&self, action: &str, target: String) -> forecast_core::Result<()> {
        let resource = Resource::tenant(&self.tenant).named(target);
        Ok(self.security.require_for(&self.session, Permission::ViewModels, &resource, action)?)
    }

    fn write<T>(
        &self,
        action: &str,
        target: String,
        f: impl FnOnce(&dyn RunTracker, &str) -> forecast_core::Result<T>,
    ) -> forecast_core::Result<T> {
        let resource = Resource::tenant(&self.tenant).named(target.clone());
        self.security.require_for(&self.session, Permission::TrainModels, &resource, action)?;
        let result = f(self.inner.as_ref(), self.session.username());
        self.security.record_failure(&self.session, &self.tenant, action, &target, result)
    }
}

impl RunTracker for GuardedRunTracker {
    fn experiments(&self) -> forecast_core::Result<Vec<Experiment>> {
        self.read("run.experiments", "experiments".into())?;
        self.inner.experiments()
    }

    fn start_run(
        &self,
        experiment: &str,
        run_name: &str,
        parent: Option<i64>,
        _actor: &str,
    ) -> forecast_core::Result<i64> {
        self.write("run.start", format!("experiment {experiment}"), |t, actor| {
            t.start_run(experiment, run_name, parent, actor)
        })
    }

    fn log_param(&self, run_id: i64, key: &str, value: &str, _actor: &str) -> forecast_core::Result<()> {
        self.write("run.log_param", format!("run {run_id}"), |t, actor| t.log_param(run_id, key, value, actor))
    }

    fn log_metric(&self, run_id: i64, key: &str, value: f64, step: i64, _actor: &str) -> forecast_core::Result<()> {
        self.write("run.log_metric", format!("run {run_id}"), |t, actor| t.log_metric(run_id, key, value, step, actor))
    }

    fn set_tag(&self, run_id: i64, key: &str, value: &str, _actor: &str) -> forecast_core::Result<()> {
        self.write("run.set_tag", format!("run {run_id}"), |t, actor| t.set_tag(run_id, key, value, actor))
    }

    fn log_artifact(&self, run_id: i64, path: &str, bytes: &[u8], _actor: &str) -> forecast_core::Result<String> {
        self.write("run.log_artifact", format!("run {run_id}"), |t, actor| t.log_artifact(run_id, path, bytes, actor))
    }

    fn end_run(&self, run_id: i64, status: RunStatus, _actor: &str) -> forecast_core::Result<()> {
        self.write("run.end", format!("run {run_id}"), |t, actor| t.end_run(run_id, status, actor))
    }

    fn run(&self, run_id: i64) -> forecast_core::Result<Run> {
        self.read("run.read", format!("run {run_id}"))?;
        self.inner.run(run_id)
    }

    fn metric_history(&self, run_id: i64, key: &str) -> forecast_core::Result<Vec<MetricPoint>> {
        self.read("run.read", format!("run {run_id}"))?;
        self.inner.metric_history(run_id, key)
    }

    fn artifact(&self, run_id: i64, path: &str) -> forecast_core::Result<Vec<u8>> {
        self.read("run.read", format!("run {run_id}"))?;
        self.inner.artifact(run_id, path)
    }

    fn search(&self, experiment: &str, query: &str) -> forecast_core::Result<Vec<Run>> {
        self.read("run.search", format!("experiment {experiment}"))?;
        self.inner.search(experiment, query)
    }
}
