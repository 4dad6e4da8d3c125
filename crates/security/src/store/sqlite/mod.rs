//! [`SqliteSecurityStore`]: the embedded SQLite implementation of [`SecurityStore`].

mod audit;
mod db;
mod roles;
mod sessions;
mod users;

use super::{
    AssignmentChange, Audit, Check, Credentials, FailedLogin, Held, Holdings, NewSession, NewUser, Outcome, RoleGraph,
    SecurityStore, SessionRecord, UserRecord, UserUpdate, UserUpdated,
};
use crate::error::{Result, SecurityError};
use crate::name::Realm;
use crate::password::StoredHash;
use crate::roles::{Assignment, RoleDef};
pub use audit::SqliteAuditStore;
use chrono::{DateTime, TimeDelta, Utc};
use db::Db;
use forecast_core::AuditSink;
use std::path::Path;
use std::sync::Arc;

/// Users, roles, assignments and sessions in one SQLite file (or in memory), in WAL mode,
/// every write one `BEGIN IMMEDIATE` transaction. The file may also hold the audit log and
/// other crates' tables (schema versions live in `schema_versions`); when the audit sink
/// keeps its rows in the same file, each change's audit rows commit in its transaction.
#[derive(Debug)]
pub struct SqliteSecurityStore {
    db: Db,
}

impl SqliteSecurityStore {
    /// Open (or create) the file at `path`; `audit` records the audit events of each change
    /// (in the change's transaction when it shares the file).
    ///
    /// # Errors
    /// SQLite errors, a schema newer than this build.
    pub fn open(path: impl AsRef<Path>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self { db: Db::open(Some(path.as_ref()), audit)? })
    }

    /// A private in-memory store, lost when dropped.
    ///
    /// # Errors
    /// When SQLite cannot create the schema.
    pub fn open_in_memory(audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self { db: Db::open(None, audit)? })
    }

    /// The connection, for tests that count the rows a call changes.
    #[cfg(test)]
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.db.lock()
    }
}

impl SecurityStore for SqliteSecurityStore {
    fn user(&self, login: &str) -> Result<Option<UserRecord>> {
        self.db.read(|tx| users::user(tx, login))
    }

    fn users(&self, realm: &Realm) -> Result<Vec<UserRecord>> {
        self.db.read(|tx| users::users(tx, realm))
    }

    fn credentials(&self, login: &str) -> Result<Option<Credentials>> {
        self.db.read(|tx| users::credentials(tx, login))
    }

    fn password_hash(&self, user_id: i64) -> Result<Option<String>> {
        self.db.read(|tx| users::password_hash(tx, user_id))
    }

    fn session(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRecord>> {
        self.db.read(|tx| sessions::session(tx, token_hash))
    }

    fn roles(&self) -> Result<RoleGraph> {
        self.db.read(|tx| roles::load_roles(tx))
    }

    fn holdings(&self, user_id: i64) -> Result<Holdings> {
        self.db
            .read(|tx| Ok(Holdings { roles: roles::load_roles(tx)?, assignments: roles::assignments_of(tx, user_id)? }))
    }

    fn assignments(&self, user_id: i64) -> Result<Vec<Assignment>> {
        self.db.read(|tx| roles::assignments_of(tx, user_id))
    }

    fn bootstrap(&self, admin: &NewUser<'_>, grant: &Assignment, audit: Audit<'_, i64>) -> Result<i64> {
        self.db.change(None, audit, |tx| users::bootstrap(tx, admin, grant))
    }

    fn create_user(&self, actor: &[u8; 32], user: &NewUser<'_>, audit: Audit<'_, i64>) -> Result<i64> {
        self.db.change(Some(actor), audit, |tx| users::create_user(tx, user))
    }

    fn update_user(
        &self,
        actor: &[u8; 32],
        update: &UserUpdate<'_>,
        check: Check<'_, Held>,
        audit: Audit<'_, UserUpdated>,
    ) -> Result<Outcome<UserUpdated>> {
        self.db.write(Some(actor), audit, |tx| users::update_user(tx, update, check))
    }

    fn change_assignment(
        &self,
        actor: &[u8; 32],
        change: &AssignmentChange<'_>,
        audit: Audit<'_, UserUpdated>,
    ) -> Result<UserUpdated> {
        self.db.change(Some(actor), audit, |tx| roles::change_assignment(tx, change))
    }

    fn define_role(
        &self,
        actor: &[u8; 32],
        role: &RoleDef,
        realm: &Realm,
        check: Check<'_, RoleGraph>,
        audit: Audit<'_, RoleGraph>,
    ) -> Result<Outcome<()>> {
        let out = self.db.write(Some(actor), audit, |tx| roles::define_role(tx, role, realm, check))?;
        Ok(match out {
            Outcome::Done(_) => Outcome::Done(()),
            Outcome::Refused(reason) => Outcome::Refused(reason),
        })
    }

    fn delete_role(&self, actor: &[u8; 32], name: &str, audit: Audit<'_, ()>) -> Result<()> {
        self.db.change(Some(actor), audit, |tx| roles::delete_role(tx, name))
    }

    fn start_session(
        &self,
        user_id: i64,
        at: DateTime<Utc>,
        rehash: Option<&StoredHash>,
        session: &NewSession,
        audit: Audit<'_, ()>,
    ) -> Result<bool> {
        // Not usable: nothing was written, so there is nothing to audit or commit.
        let out = self.db.write(None, audit, |tx| {
            Ok(if sessions::start_session(tx, user_id, at, rehash, session)? {
                Outcome::Done(())
            } else {
                Outcome::Refused("the account is disabled or locked".into())
            })
        })?;
        Ok(matches!(out, Outcome::Done(())))
    }

    fn count_failed_login(
        &self,
        login: &str,
        at: DateTime<Utc>,
        lock_for: &dyn Fn(u32) -> Option<TimeDelta>,
        audit: Audit<'_, FailedLogin>,
    ) -> Result<FailedLogin> {
        self.db.change(None, audit, |tx| sessions::count_failed_login(tx, login, at, lock_for))
    }

    fn touch_session(&self, token_hash: &[u8; 32], at: DateTime<Utc>, idle_cutoff: DateTime<Utc>) -> Result<bool> {
        self.db.change(None, &|_| Ok(Vec::new()), |tx| sessions::touch_session(tx, token_hash, at, idle_cutoff))
    }

    fn rotate_session(&self, old: &[u8; 32], new: &NewSession, at: DateTime<Utc>, audit: Audit<'_, ()>) -> Result<()> {
        self.db.change(None, audit, |tx| {
            if !sessions::end_session(tx, old, at)? {
                return Err(SecurityError::SessionInvalid);
            }
            sessions::insert_session(tx, new)
        })
    }

    fn end_session(&self, token_hash: &[u8; 32], at: DateTime<Utc>, audit: Audit<'_, bool>) -> Result<bool> {
        self.db.change(None, audit, |tx| sessions::end_session(tx, token_hash, at))
    }
}

#[cfg(test)]
mod tests {
    use crate::SecurityError;
    use crate::password::{PasswordParams, hash_password};
    use crate::store::{NewUser, Outcome, UserChange, UserUpdate};
    use crate::test_support::{PASSWORD, admin_session, fast_security};
    use std::cell::Cell;

    /// An administrative change authorised before its transaction does not run once the
    /// actor's session was revoked in between (as a demotion of the actor revokes it).
    #[test]
    fn an_admin_change_rechecks_the_actor_session_inside_its_transaction() {
        let (s, _) = fast_security();
        let _ops = admin_session(&s);
        let (other, token) = s.login("ops", PASSWORD).unwrap();
        let hash = hash_password(PASSWORD, PasswordParams::INSECURE_FAST).unwrap();
        let user = |login| NewUser { login, tenant: None, hash: &hash, at: s.clock.now() };
        let audited = Cell::new(0);
        let audit = |_: &i64| {
            audited.set(audited.get() + 1);
            Ok(Vec::new())
        };
        s.store.create_user(other.token_hash(), &user("eve"), &audit).unwrap();
        assert_eq!(audited.get(), 1);
        s.logout(&token).unwrap();
        let err = s.store.create_user(other.token_hash(), &user("mallory"), &audit).unwrap_err();
        assert!(matches!(err, SecurityError::SessionInvalid), "{err}");
        assert!(s.store.user("mallory").unwrap().is_none(), "the change did not run");
        assert_eq!(audited.get(), 1, "nor was it audited");
    }

    /// A check's refusal writes nothing and calls no audit callback; its error rolls back.
    #[test]
    fn a_refused_check_writes_nothing() {
        let (s, _) = fast_security();
        let ops = admin_session(&s);
        s.create_user(&ops, "ana@acme", PASSWORD).unwrap();
        let update = UserUpdate {
            login: "ana@acme",
            change: UserChange::Disabled(true),
            revoke_sessions: true,
            at: s.clock.now(),
        };
        let audited = Cell::new(false);
        let audit = |_: &_| {
            audited.set(true);
            Ok(Vec::new())
        };
        let out = s.store.update_user(ops.token_hash(), &update, &|_| Ok(Err("no".into())), &audit).unwrap();
        assert_eq!(out, Outcome::Refused("no".into()));
        let err = s.store.update_user(ops.token_hash(), &update, &|_| Err(SecurityError::SessionInvalid), &audit);
        assert!(err.is_err());
        assert!(!audited.get());
        assert!(!s.store.user("ana@acme").unwrap().unwrap().disabled);
        s.store.update_user(ops.token_hash(), &update, &|_| Ok(Ok(())), &audit).unwrap();
        assert!(audited.get());
        assert!(s.store.user("ana@acme").unwrap().unwrap().disabled);
    }
}
