//! Guarded model operations over an in-memory ModelStore: checks, denials, audit records.

use crate::common::{MemStore, PASSWORD, artifact, clock, security};
use forecast_core::{AuditOutcome, ModelRef, ModelStore, NewModelVersion};
use forecast_security::{Assignment, AuditLog, AuditQuery, Domain, GuardedModelStore, Resource, Scope, Security};
use std::sync::Arc;

struct Fixture {
    security: Arc<Security>,
    audit: Arc<AuditLog>,
    store: Arc<MemStore>,
}

impl Fixture {
    fn new() -> Self {
        let audit = Arc::new(AuditLog::in_memory().unwrap());
        let security = Arc::new(security(&clock()).with_audit(audit.clone()));
        Self { security, audit, store: Arc::new(MemStore::default()) }
    }

    fn guard(&self, user: &str, role: &str, scope: Scope, models_in: Resource) -> GuardedModelStore<MemStore> {
        self.security.create_user(user, PASSWORD).unwrap();
        self.security.assign_role(user, &Assignment::new(role, Domain::tenant("acme"), scope)).unwrap();
        let (session, _) = self.security.login(user, PASSWORD).unwrap();
        GuardedModelStore::new(self.store.clone(), self.security.clone(), self.audit.clone(), session, models_in)
    }

    fn outcomes(&self, action: &str) -> Vec<(String, AuditOutcome)> {
        let rows = self.audit.query(&AuditQuery::new().action(action)).unwrap();
        rows.into_iter().map(|r| (r.event.actor, r.event.outcome)).collect()
    }
}

#[test]
fn analyst_registers_but_cannot_promote_or_roll_back() {
    let f = Fixture::new();
    let acme = Resource::tenant("acme");
    let analyst = f.guard("ana", "analyst", Scope::all(), acme.clone());
    let v1 = analyst.register(NewModelVersion::new("demand", artifact(), "someone-else")).unwrap();
    assert_eq!(v1.created_by, "ana", "the session's user, not the caller's claim");
    analyst.register(NewModelVersion::new("demand", artifact(), "ana")).unwrap();
    let err = analyst.set_alias("demand", "champion", 1, "ana", "first").unwrap_err();
    assert!(matches!(err, forecast_core::Error::PermissionDenied { .. }), "{err}");
    let err = analyst.rollback("demand", "champion", "ana", "oops").unwrap_err();
    assert!(err.to_string().contains("rollback_models"), "{err}");
    assert!(analyst.alias_history("demand", "champion").unwrap().is_empty());
    assert_eq!(analyst.resolve(&"demand@2".parse::<ModelRef>().unwrap()).unwrap().version, 2);
    assert_eq!(
        f.outcomes("model.register"),
        [("ana".into(), AuditOutcome::Success), ("ana".into(), AuditOutcome::Success)]
    );
    assert_eq!(f.outcomes("model.promote"), [("ana".into(), AuditOutcome::Denied)]);
    assert_eq!(f.outcomes("model.rollback"), [("ana".into(), AuditOutcome::Denied)]);
    let denied = &f.audit.query(&AuditQuery::new().action("model.rollback")).unwrap()[0].event;
    assert!(denied.details["reason"].contains("none of the roles"), "{:?}", denied.details);
    assert_eq!(denied.tenant.as_deref(), Some("acme"));
}

#[test]
fn manager_promotes_and_rolls_back_with_every_attempt_recorded() {
    let f = Fixture::new();
    let acme = Resource::tenant("acme");
    let analyst = f.guard("ana", "analyst", Scope::all(), acme.clone());
    analyst.register(NewModelVersion::new("demand", artifact(), "ana")).unwrap();
    analyst.register(NewModelVersion::new("demand", artifact(), "ana")).unwrap();
    let manager = f.guard("max", "manager", Scope::all(), acme);
    manager.set_alias("demand", "champion", 1, "max", "first").unwrap();
    manager.set_alias("demand", "champion", 2, "max", "better WAPE").unwrap();
    assert!(manager.set_alias("demand", "champion", 9, "max", "no such version").is_err());
    let back = manager.rollback("demand", "champion", "mallory", "v2 drifts").unwrap();
    assert_eq!((back.from, back.to, back.actor.as_str()), (Some(2), Some(1), "max"));
    assert_eq!(manager.resolve(&"demand@champion".parse().unwrap()).unwrap().version, 1);
    assert_eq!(
        f.outcomes("model.promote"),
        [
            ("max".into(), AuditOutcome::Success),
            ("max".into(), AuditOutcome::Success),
            ("max".into(), AuditOutcome::Failure)
        ]
    );
    let rollback = &f.audit.query(&AuditQuery::new().action("model.rollback")).unwrap()[0].event;
    assert_eq!(rollback.outcome, AuditOutcome::Success);
    assert_eq!((rollback.details["from"].as_str(), rollback.details["to"].as_str()), ("2", "1"));
    assert!(rollback.details["grant"].contains("manager"));
    assert!(f.audit.verify().unwrap().is_intact());
}

#[test]
fn scope_and_tenant_bound_the_guard() {
    let f = Fixture::new();
    let south = Resource::tenant("acme").region("South");
    let north_manager = f.guard("nina", "manager", Scope::regions(["North"]), south);
    let err = north_manager.rollback("demand", "champion", "nina", "x").unwrap_err();
    assert!(err.to_string().contains("outside the scope"), "{err}");
    let viewer = f.guard("vic", "viewer", Scope::all(), Resource::tenant("globex"));
    assert!(viewer.resolve(&"demand@1".parse().unwrap()).is_err(), "no role in globex");
    assert!(viewer.register(NewModelVersion::new("demand", artifact(), "vic")).is_err());
    assert_eq!(f.outcomes("model.resolve"), [("vic".into(), AuditOutcome::Denied)]);
}
