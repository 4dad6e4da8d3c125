//! Guarded model operations and runs: checks at every call, tenant binding by construction,
//! denials and failures audited, the session's user recorded as the actor.

use crate::common::{Env, MemStores, artifact, env, id};
use forecast_core::tenant::TenantStatus;
use forecast_core::tracking::{Experiment, MetricPoint, Run, RunStatus, RunTracker, RunTrackers};
use forecast_core::{AuditOutcome, Error, ModelRef, ModelStore, ModelStores, NewModelVersion};
use forecast_security::{Assignment, AuditQuery, Domain, Scope};
use std::sync::{Arc, Mutex};

fn outcomes(e: &Env, action: &str) -> Vec<(String, AuditOutcome)> {
    let rows = e.audit.query(&AuditQuery::new().action(action)).unwrap();
    rows.into_iter().map(|r| (r.event.actor, r.event.outcome)).collect()
}

#[test]
fn analyst_registers_but_cannot_promote_or_roll_back() {
    let e = env();
    let stores = MemStores::default();
    let analyst = e.user("ana@acme", "analyst");
    let store = e.security.model_store(&analyst, &id("acme"), &stores).unwrap();
    let v1 = store.register(NewModelVersion::new("demand", artifact(), "someone-else")).unwrap();
    assert_eq!(v1.created_by, "ana@acme", "the session's user, not the caller's claim");
    store.register(NewModelVersion::new("demand", artifact(), "ana")).unwrap();
    let err = store.set_alias("demand", "champion", 1, "ana", "first").unwrap_err();
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err}");
    let err = store.rollback("demand", "champion", "ana", "oops").unwrap_err();
    assert!(err.to_string().contains("rollback_models"), "{err}");
    assert!(store.alias_history("demand", "champion").unwrap().is_empty());
    assert_eq!(store.resolve(&"demand@2".parse::<ModelRef>().unwrap()).unwrap().version, 2);
    assert_eq!(outcomes(&e, "model.promote"), [("ana@acme".into(), AuditOutcome::Denied)]);
    assert_eq!(outcomes(&e, "model.rollback"), [("ana@acme".into(), AuditOutcome::Denied)]);
    let denied = &e.audit.query(&AuditQuery::new().action("model.rollback")).unwrap()[0].event;
    assert!(denied.details["reason"].contains("none of the roles"), "{:?}", denied.details);
    assert_eq!(denied.tenant.as_deref(), Some("acme"));
    assert!(outcomes(&e, "model.register").is_empty(), "successes are recorded by the store, not twice by the guard");
}

#[test]
fn manager_promotes_and_rolls_back_and_failures_are_recorded() {
    let e = env();
    let stores = MemStores::default();
    let manager = e.user("max@acme", "manager");
    let store = e.security.model_store(&manager, &id("acme"), &stores).unwrap();
    store.register(NewModelVersion::new("demand", artifact(), "max")).unwrap();
    store.register(NewModelVersion::new("demand", artifact(), "max")).unwrap();
    store.set_alias("demand", "champion", 1, "max", "first").unwrap();
    store.set_alias("demand", "champion", 2, "max", "better WAPE").unwrap();
    assert!(store.set_alias("demand", "champion", 9, "max", "no such version").is_err());
    let back = store.rollback("demand", "champion", "mallory", "v2 drifts").unwrap();
    assert_eq!((back.from, back.to, back.actor.as_str()), (Some(2), Some(1), "max@acme"));
    assert_eq!(store.resolve(&"demand@champion".parse().unwrap()).unwrap().version, 1);
    assert_eq!(outcomes(&e, "model.promote"), [("max@acme".into(), AuditOutcome::Failure)]);
    assert!(e.audit.verify().unwrap().is_intact());
}

/// Hole 1 at the guard: a manager of one tenant obtains a guard for another tenant's models
/// (on main the guard checked the tenant it was told and served whatever store it was given).
/// Now the guard fetches the store of the tenant it checks, and refuses every call.
#[test]
fn a_guard_serves_only_the_tenant_it_checks() {
    let e = env();
    let stores = MemStores::default();
    let globex = stores.models(&id("globex")).unwrap();
    globex.register(NewModelVersion::new("demand", artifact(), "gus")).unwrap();
    globex.set_alias("demand", "champion", 1, "gus", "live").unwrap();
    let acme_manager = e.user("max@acme", "manager");
    let refused = e.security.model_store(&acme_manager, &id("globex"), &stores).unwrap_err();
    assert!(refused.to_string().contains("no role in tenant globex"), "{refused}");
    let own = e.security.model_store(&acme_manager, &id("acme"), &stores).unwrap();
    assert!(own.resolve(&"demand@champion".parse().unwrap()).is_err(), "acme's store has no globex models");
    assert!(own.rollback("demand", "champion", "max", "x").is_err());
    assert_eq!(globex.alias_history("demand", "champion").unwrap().len(), 1, "globex untouched");
    assert_eq!(e.denials("model.open").len(), 1);
}

#[test]
fn every_call_rechecks_roles_tenants_and_the_session() {
    let e = env();
    let stores = MemStores::default();
    let manager = e.user("max@acme", "manager");
    let store = e.security.model_store(&manager, &id("acme"), &stores).unwrap();
    store.register(NewModelVersion::new("demand", artifact(), "max")).unwrap();
    e.tenants.set(&id("acme"), TenantStatus::Suspended);
    let err = store.resolve(&"demand@1".parse().unwrap()).unwrap_err();
    assert!(err.to_string().contains("suspended"), "{err}");
    e.tenants.set(&id("acme"), TenantStatus::Active);
    store.resolve(&"demand@1".parse().unwrap()).unwrap();
    // Demoting the user revokes its sessions: the guard built on the old session stops.
    let demote = Assignment::new("manager", Domain::tenant(&id("acme")), Scope::all());
    e.security.revoke_role(&e.ops, "max@acme", &demote).unwrap();
    assert!(store.resolve(&"demand@1".parse().unwrap()).is_err());
    // Region-scoped roles do not reach tenant-wide models.
    let north =
        e.user_with("nina@acme", Assignment::new("manager", Domain::tenant(&id("acme")), Scope::regions(["North"])));
    assert!(e.security.model_store(&north, &id("acme"), &stores).is_err());
}

#[test]
fn guarded_runs_need_training_rights_and_record_the_session_user() {
    let e = env();
    let trackers = Runs::default();
    let viewer = e.user("vic@acme", "viewer");
    let analyst = e.user("ana@acme", "analyst");
    let as_ana = e.security.run_tracker(&analyst, &id("acme"), &trackers).unwrap();
    let run = as_ana.start_run("demand", "trial", None, "mallory").unwrap();
    as_ana.log_metric(run, "wape", 0.2, 0, "mallory").unwrap();
    as_ana.end_run(run, RunStatus::Finished, "mallory").unwrap();
    assert_eq!(trackers.actors(), ["ana@acme"; 3]);
    let as_vic = e.security.run_tracker(&viewer, &id("acme"), &trackers).unwrap();
    assert_eq!(as_vic.run(run).unwrap().id, run);
    assert!(matches!(as_vic.start_run("demand", "x", None, "vic"), Err(Error::PermissionDenied { .. })));
    assert!(e.security.run_tracker(&analyst, &id("globex"), &trackers).is_err());
    assert_eq!(e.denials("run.start").len(), 1);
    assert_eq!(e.denials("run.open").len(), 1);
}

/// A tracker of one tenant's runs that records the actor of every write.
#[derive(Debug, Default)]
struct Runs {
    actors: Arc<Mutex<Vec<String>>>,
    runs: Arc<Mutex<Vec<Run>>>,
}

impl Runs {
    fn actors(&self) -> Vec<String> {
        self.actors.lock().unwrap().clone()
    }
}

#[derive(Debug)]
struct RecordingTracker {
    actors: Arc<Mutex<Vec<String>>>,
    runs: Arc<Mutex<Vec<Run>>>,
}

impl RunTrackers for Runs {
    fn runs(&self, _tenant: &forecast_core::tenant::TenantId) -> forecast_core::Result<Arc<dyn RunTracker>> {
        Ok(Arc::new(RecordingTracker { actors: self.actors.clone(), runs: self.runs.clone() }))
    }
}

impl RecordingTracker {
    fn note(&self, actor: &str) {
        self.actors.lock().unwrap().push(actor.to_string());
    }

    fn missing(run: i64) -> Error {
        Error::NotFound { what: "run", id: run.to_string() }
    }
}

impl RunTracker for RecordingTracker {
    fn experiments(&self) -> forecast_core::Result<Vec<Experiment>> {
        Ok(Vec::new())
    }
    fn start_run(&self, experiment: &str, name: &str, parent: Option<i64>, actor: &str) -> forecast_core::Result<i64> {
        self.note(actor);
        let mut runs = self.runs.lock().unwrap();
        let id = runs.len() as i64 + 1;
        runs.push(Run {
            id,
            experiment: experiment.into(),
            name: name.into(),
            parent,
            status: RunStatus::Running,
            created_by: actor.into(),
            start_time: crate::common::t0(),
            end_time: None,
            params: Default::default(),
            metrics: Default::default(),
            tags: Default::default(),
            artifacts: Default::default(),
        });
        Ok(id)
    }
    fn log_param(&self, run: i64, _: &str, _: &str, actor: &str) -> forecast_core::Result<()> {
        self.note(actor);
        self.run(run).map(drop)
    }
    fn log_metric(&self, run: i64, key: &str, value: f64, _: i64, actor: &str) -> forecast_core::Result<()> {
        self.note(actor);
        let mut runs = self.runs.lock().unwrap();
        let r = runs.iter_mut().find(|r| r.id == run).ok_or_else(|| Self::missing(run))?;
        r.metrics.insert(key.into(), value);
        Ok(())
    }
    fn set_tag(&self, run: i64, _: &str, _: &str, actor: &str) -> forecast_core::Result<()> {
        self.note(actor);
        self.run(run).map(drop)
    }
    fn log_artifact(&self, run: i64, _: &str, _: &[u8], actor: &str) -> forecast_core::Result<String> {
        self.note(actor);
        self.run(run).map(|_| String::new())
    }
    fn end_run(&self, run: i64, status: RunStatus, actor: &str) -> forecast_core::Result<()> {
        self.note(actor);
        let mut runs = self.runs.lock().unwrap();
        runs.iter_mut().find(|r| r.id == run).ok_or_else(|| Self::missing(run))?.status = status;
        Ok(())
    }
    fn run(&self, run: i64) -> forecast_core::Result<Run> {
        self.runs.lock().unwrap().iter().find(|r| r.id == run).cloned().ok_or_else(|| Self::missing(run))
    }
    fn metric_history(&self, run: i64, _: &str) -> forecast_core::Result<Vec<MetricPoint>> {
        self.run(run).map(|_| Vec::new())
    }
    fn artifact(&self, run: i64, _: &str) -> forecast_core::Result<Vec<u8>> {
        self.run(run).map(|_| Vec::new())
    }
    fn search(&self, _: &str, _: &str) -> forecast_core::Result<Vec<Run>> {
        Ok(self.runs.lock().unwrap().clone())
    }
}
