//! The services over a store that is not `SqliteSecurityStore` itself: a wrapper delegating to
//! it that fails one chosen method inside its transaction. A failed write leaves no partial
//! state and no audit row for a change that did not happen.

use crate::common::{PASSWORD, clock, fast_config, id, key};
use chrono::{DateTime, TimeDelta, Utc};
use forecast_core::tenant::FixedTenants;
use forecast_core::{AuditEvent, AuditOutcome, AuditSink, ManualClock};
use forecast_security::store::{
    AssignmentChange, Audit, Check, Credentials, FailedLogin, Held, Holdings, NewSession, NewUser, Outcome, RoleGraph,
    SessionRecord, UserRecord, UserUpdate, UserUpdated,
};
use forecast_security::{
    Assignment, AuditLog, AuditQuery, Domain, Permission, Realm, Resource, RoleDef, Scope, Security, SecurityError,
    SecurityStore, SqliteSecurityStore, StoredHash,
};
use std::sync::{Arc, Mutex};

/// An owned audit callback.
type BoxedAudit<'a, T> = Box<dyn Fn(&T) -> forecast_security::Result<Vec<AuditEvent>> + 'a>;

fn injected() -> SecurityError {
    SecurityError::Backend { backend: "faulty store", source: "injected failure".into() }
}

/// Delegates to a SQLite store; the method named in `fail` builds its audit events as usual
/// (so the change's rows are written) and then fails, inside the transaction.
#[derive(Debug)]
struct FaultyStore {
    inner: SqliteSecurityStore,
    fail: Mutex<Option<&'static str>>,
}

impl FaultyStore {
    fn new(inner: SqliteSecurityStore) -> Self {
        Self { inner, fail: Mutex::new(None) }
    }

    fn fail(&self, method: Option<&'static str>) {
        *self.fail.lock().unwrap() = method;
    }

    /// `audit`, or `audit` followed by a failure when `method` is the one to fail.
    fn audit<'a, T>(&self, method: &str, audit: Audit<'a, T>) -> BoxedAudit<'a, T> {
        if *self.fail.lock().unwrap() == Some(method) {
            Box::new(move |v| {
                audit(v)?;
                Err(injected())
            })
        } else {
            Box::new(audit)
        }
    }
}

impl SecurityStore for FaultyStore {
    fn user(&self, login: &str) -> forecast_security::Result<Option<UserRecord>> {
        self.inner.user(login)
    }
    fn users(&self, realm: &Realm) -> forecast_security::Result<Vec<UserRecord>> {
        self.inner.users(realm)
    }
    fn credentials(&self, login: &str) -> forecast_security::Result<Option<Credentials>> {
        self.inner.credentials(login)
    }
    fn password_hash(&self, user_id: i64) -> forecast_security::Result<Option<String>> {
        self.inner.password_hash(user_id)
    }
    fn session(&self, token_hash: &[u8; 32]) -> forecast_security::Result<Option<SessionRecord>> {
        self.inner.session(token_hash)
    }
    fn roles(&self) -> forecast_security::Result<RoleGraph> {
        self.inner.roles()
    }
    fn holdings(&self, user_id: i64) -> forecast_security::Result<Holdings> {
        self.inner.holdings(user_id)
    }
    fn assignments(&self, user_id: i64) -> forecast_security::Result<Vec<Assignment>> {
        self.inner.assignments(user_id)
    }
    fn bootstrap(
        &self,
        admin: &NewUser<'_>,
        grant: &Assignment,
        audit: Audit<'_, i64>,
    ) -> forecast_security::Result<i64> {
        self.inner.bootstrap(admin, grant, &*self.audit("bootstrap", audit))
    }
    fn create_user(
        &self,
        actor: &[u8; 32],
        user: &NewUser<'_>,
        audit: Audit<'_, i64>,
    ) -> forecast_security::Result<i64> {
        self.inner.create_user(actor, user, &*self.audit("create_user", audit))
    }
    fn update_user(
        &self,
        actor: &[u8; 32],
        update: &UserUpdate<'_>,
        check: Check<'_, Held>,
        audit: Audit<'_, UserUpdated>,
    ) -> forecast_security::Result<Outcome<UserUpdated>> {
        self.inner.update_user(actor, update, check, &*self.audit("update_user", audit))
    }
    fn change_assignment(
        &self,
        actor: &[u8; 32],
        change: &AssignmentChange<'_>,
        audit: Audit<'_, UserUpdated>,
    ) -> forecast_security::Result<UserUpdated> {
        self.inner.change_assignment(actor, change, &*self.audit("change_assignment", audit))
    }
    fn define_role(
        &self,
        actor: &[u8; 32],
        role: &RoleDef,
        realm: &Realm,
        check: Check<'_, RoleGraph>,
        audit: Audit<'_, RoleGraph>,
    ) -> forecast_security::Result<Outcome<()>> {
        self.inner.define_role(actor, role, realm, check, &*self.audit("define_role", audit))
    }
    fn delete_role(&self, actor: &[u8; 32], name: &str, audit: Audit<'_, ()>) -> forecast_security::Result<()> {
        self.inner.delete_role(actor, name, &*self.audit("delete_role", audit))
    }
    fn start_session(
        &self,
        user_id: i64,
        at: DateTime<Utc>,
        rehash: Option<&StoredHash>,
        session: &NewSession,
        audit: Audit<'_, ()>,
    ) -> forecast_security::Result<bool> {
        self.inner.start_session(user_id, at, rehash, session, &*self.audit("start_session", audit))
    }
    fn count_failed_login(
        &self,
        login: &str,
        at: DateTime<Utc>,
        lock_for: &dyn Fn(u32) -> Option<TimeDelta>,
        audit: Audit<'_, FailedLogin>,
    ) -> forecast_security::Result<FailedLogin> {
        self.inner.count_failed_login(login, at, lock_for, &*self.audit("count_failed_login", audit))
    }
    fn touch_session(
        &self,
        token_hash: &[u8; 32],
        at: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> forecast_security::Result<bool> {
        if *self.fail.lock().unwrap() == Some("touch_session") {
            return Err(injected());
        }
        self.inner.touch_session(token_hash, at, idle_cutoff)
    }
    fn rotate_session(
        &self,
        old: &[u8; 32],
        new: &NewSession,
        at: DateTime<Utc>,
        audit: Audit<'_, ()>,
    ) -> forecast_security::Result<()> {
        self.inner.rotate_session(old, new, at, &*self.audit("rotate_session", audit))
    }
    fn end_session(
        &self,
        token_hash: &[u8; 32],
        at: DateTime<Utc>,
        audit: Audit<'_, bool>,
    ) -> forecast_security::Result<bool> {
        self.inner.end_session(token_hash, at, &*self.audit("end_session", audit))
    }
}

struct Faulty {
    security: Security,
    store: Arc<FaultyStore>,
    audit: Arc<AuditLog>,
    clock: Arc<ManualClock>,
}

fn faulty() -> Faulty {
    let audit = Arc::new(AuditLog::in_memory(key()).unwrap());
    let store = Arc::new(FaultyStore::new(SqliteSecurityStore::open_in_memory(audit.clone()).unwrap()));
    let tenants = Arc::new(FixedTenants::active([&id("acme")]));
    let clock = clock();
    let security = Security::with_store(store.clone(), clock.clone(), tenants, audit.clone(), fast_config()).unwrap();
    security.bootstrap_admin("ops", PASSWORD).unwrap();
    Faulty { security, store, audit, clock }
}

impl Faulty {
    fn rows(&self, action: &str) -> usize {
        self.audit.query(&AuditQuery::new().action(action)).unwrap().len()
    }
}

fn is_injected(e: &SecurityError) -> bool {
    e.to_string().contains("injected failure")
}

#[test]
fn a_failed_grant_leaves_no_assignment_no_revocation_and_no_audit_row() {
    let f = faulty();
    let s = &f.security;
    let (ops, _) = s.login("ops", PASSWORD).unwrap();
    s.create_user(&ops, "ana@acme", PASSWORD).unwrap();
    let (ana, ana_token) = s.login("ana@acme", PASSWORD).unwrap();
    let grant = Assignment::new("analyst", Domain::tenant(&id("acme")), Scope::all());

    f.store.fail(Some("change_assignment"));
    let err = s.assign_role(&ops, "ana@acme", &grant).unwrap_err();
    assert!(is_injected(&err), "{err}");
    assert!(s.assignments(&ops, "ana@acme").unwrap().is_empty(), "the assignment was rolled back");
    assert!(s.authenticate(&ana_token).is_ok(), "the session revocation was rolled back");
    assert_eq!(f.rows("role.assign"), 0, "no audit row for a grant that did not happen");

    // The same call without the fault changes all three: the checks above could fail.
    f.store.fail(None);
    s.assign_role(&ops, "ana@acme", &grant).unwrap();
    assert_eq!(s.assignments(&ops, "ana@acme").unwrap(), vec![grant]);
    assert!(s.authenticate(&ana_token).is_err());
    assert!(!s.authorize(&ana, Permission::ViewData, &Resource::tenant(&id("acme"))).unwrap().allowed);
    let (ana, _) = s.login("ana@acme", PASSWORD).unwrap();
    assert!(s.authorize(&ana, Permission::ViewData, &Resource::tenant(&id("acme"))).unwrap().allowed);
    assert_eq!(f.rows("role.assign"), 1);
    assert!(f.audit.verify().unwrap().is_intact());
}

#[test]
fn failed_user_writes_leave_the_user_as_it_was() {
    let f = faulty();
    let s = &f.security;
    let (ops, _) = s.login("ops", PASSWORD).unwrap();

    f.store.fail(Some("create_user"));
    assert!(is_injected(&s.create_user(&ops, "ana@acme", PASSWORD).unwrap_err()));
    assert!(s.user(&ops, "ana@acme").is_err(), "no user was created");
    assert_eq!(f.rows("user.create"), 0);
    f.store.fail(None);
    s.create_user(&ops, "ana@acme", PASSWORD).unwrap();
    let (_, ana_token) = s.login("ana@acme", PASSWORD).unwrap();

    f.store.fail(Some("update_user"));
    assert!(is_injected(&s.disable_user(&ops, "ana@acme").unwrap_err()));
    assert!(!s.user(&ops, "ana@acme").unwrap().disabled());
    assert!(s.authenticate(&ana_token).is_ok(), "sessions kept");
    let before = s.user(&ops, "ana@acme").unwrap().password_changed_at();
    f.clock.advance(TimeDelta::seconds(5));
    assert!(is_injected(&s.set_password(&ops, "ana@acme", "a different long passphrase").unwrap_err()));
    assert_eq!(s.user(&ops, "ana@acme").unwrap().password_changed_at(), before);
    assert!(s.login("ana@acme", PASSWORD).is_ok(), "the old password still works");
    assert!(is_injected(&s.delete_user(&ops, "ana@acme").unwrap_err()));
    assert!(s.user(&ops, "ana@acme").is_ok());
    for action in ["user.disable", "user.password.set", "user.delete"] {
        assert_eq!(f.rows(action), 0, "{action}");
    }
    f.store.fail(None);
    s.disable_user(&ops, "ana@acme").unwrap();
    assert!(s.user(&ops, "ana@acme").unwrap().disabled());
    assert!(s.authenticate(&ana_token).is_err());
    assert_eq!(f.rows("user.disable"), 1);
}

#[test]
fn a_failed_failure_count_and_a_failed_role_definition_change_nothing() {
    let f = faulty();
    let s = &f.security;
    let (ops, _) = s.login("ops", PASSWORD).unwrap();
    s.create_user(&ops, "ana@acme", PASSWORD).unwrap();

    f.store.fail(Some("count_failed_login"));
    let err = s.login("ana@acme", "not the password at all").unwrap_err();
    assert!(is_injected(&err), "a storage failure is not reported as a counted failure: {err}");
    assert_eq!(s.user(&ops, "ana@acme").unwrap().failed_logins(), 0);
    assert_eq!(f.audit.query(&AuditQuery::new().action("auth.login").outcome(AuditOutcome::Denied)).unwrap().len(), 0);
    f.store.fail(None);
    assert!(matches!(s.login("ana@acme", "not the password at all"), Err(SecurityError::InvalidCredentials)));
    assert_eq!(s.user(&ops, "ana@acme").unwrap().failed_logins(), 1);

    let lead = RoleDef::new("lead@acme", "team lead").inherit("analyst").allow([Permission::PromoteModels]);
    f.store.fail(Some("define_role"));
    assert!(is_injected(&s.define_role(&ops, &lead).unwrap_err()));
    assert!(s.roles(&ops).unwrap().iter().all(|r| r.name != "lead@acme"));
    assert_eq!(f.rows("role.define"), 0);
    f.store.fail(None);
    s.define_role(&ops, &lead).unwrap();
    assert!(s.roles(&ops).unwrap().iter().any(|r| r.name == "lead@acme"));
}

#[test]
fn a_failed_login_success_or_logout_leaves_no_session_change() {
    let f = faulty();
    let s = &f.security;
    let (ops, ops_token) = s.login("ops", PASSWORD).unwrap();
    let logins = f.rows("auth.login");

    f.store.fail(Some("start_session"));
    assert!(is_injected(&s.login("ops", PASSWORD).unwrap_err()));
    assert_eq!(f.rows("auth.login"), logins, "no audit row for a login that did not happen");
    f.store.fail(Some("end_session"));
    assert!(is_injected(&s.logout(&ops_token).unwrap_err()));
    assert!(s.authenticate(&ops_token).is_ok(), "the session was not ended");
    assert_eq!(f.rows("session.logout"), 0);
    f.store.fail(Some("rotate_session"));
    assert!(is_injected(&s.rotate(&ops_token).unwrap_err()));
    assert!(s.authenticate(&ops_token).is_ok(), "the old token was not revoked");
    assert_eq!(f.rows("session.rotate"), 0);
    f.store.fail(None);
    s.logout(&ops_token).unwrap();
    assert!(s.authenticate(&ops_token).is_err());
    assert_eq!(f.rows("session.logout"), 1);
    drop(ops);
}

/// A sink that writes the row through the change's transaction and then fails: the row must
/// vanish with the rolled-back change (the audit row joins the change's transaction).
#[derive(Debug)]
struct FailAfterWrite {
    log: Arc<AuditLog>,
    fail: Mutex<bool>,
}

impl AuditSink for FailAfterWrite {
    fn record(&self, event: AuditEvent) -> forecast_core::Result<()> {
        self.log.record(event)
    }

    fn record_in(&self, conn: &rusqlite::Connection, event: AuditEvent) -> forecast_core::Result<()> {
        self.log.record_in(conn, event)?;
        if *self.fail.lock().unwrap() {
            return Err(forecast_core::Error::InvalidData("sink failed after writing".into()));
        }
        Ok(())
    }
}

#[test]
fn an_audit_row_written_in_the_transaction_rolls_back_with_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let log = Arc::new(AuditLog::open(&path, key()).unwrap());
    let sink = Arc::new(FailAfterWrite { log: log.clone(), fail: Mutex::new(false) });
    let store = Arc::new(SqliteSecurityStore::open(&path, sink.clone()).unwrap());
    let tenants = Arc::new(FixedTenants::active([&id("acme")]));
    let s = Security::with_store(store, clock(), tenants, log.clone(), fast_config()).unwrap();
    s.bootstrap_admin("ops", PASSWORD).unwrap();
    let (ops, _) = s.login("ops", PASSWORD).unwrap();
    s.create_user(&ops, "ana@acme", PASSWORD).unwrap();
    let rows = log.query(&AuditQuery::new()).unwrap().len();

    *sink.fail.lock().unwrap() = true;
    let err = s.disable_user(&ops, "ana@acme").unwrap_err();
    assert!(err.to_string().contains("sink failed after writing"), "{err}");
    assert!(!s.user(&ops, "ana@acme").unwrap().disabled(), "the change rolled back");
    assert_eq!(log.query(&AuditQuery::new()).unwrap().len(), rows, "and its audit row with it");
    assert!(log.verify().unwrap().is_intact());

    *sink.fail.lock().unwrap() = false;
    s.disable_user(&ops, "ana@acme").unwrap();
    assert_eq!(log.query(&AuditQuery::new().action("user.disable")).unwrap().len(), 1);
    assert!(log.verify().unwrap().is_intact());
}
