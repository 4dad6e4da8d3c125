//! The storage ports of the security services: [`SecurityStore`] (users, roles, assignments,
//! sessions, login counters), one atomic operation a method, and [`SqliteSecurityStore`], the
//! embedded implementation behind it; and its sibling [`AuditStore`] (the audit chain, with
//! [`SqliteAuditStore`]), a separate trait for the reasons below.
//!
//! # Why the audit log has a sibling trait, not methods on [`SecurityStore`]
//! The audit log is forecast-core's `AuditSink` for every crate, not only for security: the
//! tenancy and mlops stores record through it, it may live in a file (or a database) of its
//! own, and it is opened alone by `AuditLog::open(path, key)`. A security store is itself a
//! client of the log (it records each change's rows through the sink), so putting the rows
//! behind `SecurityStore` would make every audit log carry the users' schema and make the
//! store and its sink hold each other. A separate trait keeps one trait per concern; both
//! SQLite implementations may still share one file, and then a change and its audit row
//! commit in one transaction ([`AuditStore::append_in`]).
//!
//! # What a security store keeps
//! The services above the trait ([`crate::Security`]) keep the rules: who may act
//! (authorisation, tenant scoping, never granting more than the grantor holds), the password
//! policy and hashing, lockout lengths, session timeouts, and what each audit row says. A store
//! keeps what only a transaction can: unique keys, conditional updates, row locks, and
//! recording a change's audit rows in the change's own transaction.
//!
//! # Concurrency contract
//! Every method is one transaction, and no method relies on a single writer, so a store whose
//! transactions interleave (PostgreSQL under READ COMMITTED) keeps the same guarantees:
//! - **Actor re-check**: every administrative change takes the acting session's token hash and
//!   first re-checks, by a no-op conditional update of that session row
//!   (`... WHERE token_hash = ? AND revoked_at IS NULL`), that it was not revoked since the
//!   service authorised it. Every privilege reduction revokes the user's sessions in its own
//!   transaction, so the row lock orders the two.
//! - **Grant checks**: a change to an existing user, and every grant or revocation, first locks
//!   the user's row (a no-op conditional update); the [`Check`] of a change to a user then reads
//!   what the user holds after that lock, so a promotion committed meanwhile is seen. Role
//!   definitions and deletions first lock the role graph's row, so parent, cycle and
//!   permission checks see every definition committed before them.
//! - **Lockout**: failures are counted with an atomic increment
//!   (`failed_logins = failed_logins + 1 ... RETURNING`), conditional on the account being
//!   usable, and only the attempt that reached a count sets that count's lock; a success resets
//!   the counter only while the account is usable, so a lock that landed meanwhile wins.
//! - **Sessions**: use (`touch`), rotation and logout are updates conditional on the session
//!   still being live, so a revocation that commits first always wins.
//! - **Bootstrap and names**: the one-time bootstrap is a conditional insert of a marker row,
//!   user names a conditional insert on a unique key, never a check before an insert.
//!
//! # Audit
//! Every writing method takes an [`Audit`] callback. The store calls it inside the
//! transaction, after the change and before commit, with the change's outcome; it records the
//! events returned in that same transaction when its audit sink shares the database (otherwise
//! before commit, so a refused audit rolls the change back; see [`forecast_core::audit`]). When
//! the callback or the sink fails, the store rolls the change back and returns the error, so no
//! audit row ever describes a change that did not happen and no change commits unaudited. A
//! change refused by a [`Check`] writes nothing and calls no callback: the service audits the
//! refusal itself, outside the (rolled back) transaction.

mod audit;
mod records;
mod sqlite;

pub use audit::{AuditColumns, AuditRecord, AuditRow, AuditStore, BuildRow, ChainHead, StoredAuditRow};
pub use records::{
    AssignmentChange, Credentials, FailedLogin, Held, Holdings, NewSession, NewUser, RoleGraph, SessionRecord,
    UserChange, UserRecord, UserUpdate, UserUpdated,
};
pub use sqlite::{SqliteAuditStore, SqliteSecurityStore};

use crate::error::Result;
use crate::name::Realm;
use crate::password::StoredHash;
use crate::roles::{Assignment, RoleDef};
use chrono::{DateTime, TimeDelta, Utc};
use forecast_core::AuditEvent;
use std::fmt::Debug;

/// Builds the audit events of a change from its outcome, inside the change's transaction; an
/// error rolls the change back (see the module docs).
pub type Audit<'a, T> = &'a dyn Fn(&T) -> Result<Vec<AuditEvent>>;

/// A service's rule judged inside a change's transaction, on rows read after the change's
/// locks were taken: `Ok(Ok(()))` lets the change go ahead, `Ok(Err(reason))` refuses it
/// (nothing is written, [`Outcome::Refused`] is returned), `Err` rolls back and is returned.
pub type Check<'a, V> = &'a dyn Fn(&V) -> Result<std::result::Result<(), String>>;

/// What a change guarded by a [`Check`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// The check passed and the change committed.
    Done(T),
    /// The check refused, for this reason; nothing was written.
    Refused(String),
}

/// The storage of users, roles, role assignments, sessions and login counters.
///
/// Each method is one transaction and reads one consistent snapshot. A store holds the
/// built-in roles ([`crate::BuiltinRole::ALL`], with their own permissions and parents) from
/// the moment it is opened. Unknown rows are [`forecast_core::Error::NotFound`] inside
/// [`crate::SecurityError::Core`]; backend failures are [`crate::SecurityError::Backend`].
/// Token hashes are the SHA-256 of a session token; times are the service's clock readings.
pub trait SecurityStore: Send + Sync + Debug {
    /// The user with this qualified login, if any.
    fn user(&self, login: &str) -> Result<Option<UserRecord>>;

    /// Every user of `realm`, by login.
    fn users(&self, realm: &Realm) -> Result<Vec<UserRecord>>;

    /// The id and password hash of the user with this login, if any.
    fn credentials(&self, login: &str) -> Result<Option<Credentials>>;

    /// The password hash of user `user_id`, if the user exists.
    fn password_hash(&self, user_id: i64) -> Result<Option<String>>;

    /// The session with this token hash and its user's login and disabled flag, read in one
    /// query (the user is resolved through the token hash, never from the caller), if any.
    fn session(&self, token_hash: &[u8; 32]) -> Result<Option<SessionRecord>>;

    /// Every role, by name.
    fn roles(&self) -> Result<RoleGraph>;

    /// Every role and the assignments of user `user_id`, from one snapshot.
    fn holdings(&self, user_id: i64) -> Result<Holdings>;

    /// The assignments of user `user_id`, in grant order.
    fn assignments(&self, user_id: i64) -> Result<Vec<Assignment>>;

    /// Create the first platform administrator with `grant`, once per store.
    ///
    /// Concurrency: a conditional insert of the store's bootstrap marker; of two concurrent
    /// bootstraps exactly one succeeds. Returns the new user's id.
    ///
    /// # Errors
    /// [`crate::SecurityError::AlreadyBootstrapped`]; [`crate::SecurityError::AlreadyExists`].
    fn bootstrap(&self, admin: &NewUser<'_>, grant: &Assignment, audit: Audit<'_, i64>) -> Result<i64>;

    /// Create a user on behalf of the session `actor` (re-checked live). Returns its id.
    ///
    /// Concurrency: a conditional insert on the unique login.
    ///
    /// # Errors
    /// [`crate::SecurityError::SessionInvalid`] for a revoked actor;
    /// [`crate::SecurityError::AlreadyExists`] when the login is taken.
    fn create_user(&self, actor: &[u8; 32], user: &NewUser<'_>, audit: Audit<'_, i64>) -> Result<i64>;

    /// Change an existing user on behalf of `actor` (re-checked live): lock the user's row,
    /// run `check` on what it holds then, and apply `update` only if the check passes.
    ///
    /// # Errors
    /// [`crate::SecurityError::SessionInvalid`]; an unknown user; `check`'s errors.
    fn update_user(
        &self,
        actor: &[u8; 32],
        update: &UserUpdate<'_>,
        check: Check<'_, Held>,
        audit: Audit<'_, UserUpdated>,
    ) -> Result<Outcome<UserUpdated>>;

    /// Grant or revoke a role assignment on behalf of `actor` (re-checked live), after locking
    /// the user's row. Granting a held assignment again, or revoking one not held, changes
    /// nothing but the optional session revocation.
    ///
    /// # Errors
    /// [`crate::SecurityError::SessionInvalid`]; an unknown user; an unknown role (on grant).
    fn change_assignment(
        &self,
        actor: &[u8; 32],
        change: &AssignmentChange<'_>,
        audit: Audit<'_, UserUpdated>,
    ) -> Result<UserUpdated>;

    /// Create or replace the custom role `role` of `realm` on behalf of `actor` (re-checked
    /// live): lock the role graph, run `check` on the graph as it stands, then store the role's
    /// own permissions and parents. `audit` sees the graph with the new definition in it.
    ///
    /// # Errors
    /// [`crate::SecurityError::SessionInvalid`]; `check`'s errors.
    fn define_role(
        &self,
        actor: &[u8; 32],
        role: &RoleDef,
        realm: &Realm,
        check: Check<'_, RoleGraph>,
        audit: Audit<'_, RoleGraph>,
    ) -> Result<Outcome<()>>;

    /// Delete the custom role `name` on behalf of `actor` (re-checked live), after locking the
    /// role graph, unless a user holds it or a role inherits it.
    ///
    /// # Errors
    /// [`crate::SecurityError::SessionInvalid`]; an unknown role; a role still in use.
    fn delete_role(&self, actor: &[u8; 32], name: &str, audit: Audit<'_, ()>) -> Result<()>;

    /// A successful login: reset the failure count of user `user_id` only while the account is
    /// usable at `at` (not disabled, not locked), store `rehash` when given, and insert
    /// `session`. Returns false, writing nothing, when the account was not usable.
    fn start_session(
        &self,
        user_id: i64,
        at: DateTime<Utc>,
        rehash: Option<&StoredHash>,
        session: &NewSession,
        audit: Audit<'_, ()>,
    ) -> Result<bool>;

    /// A failed login for `login`: count it on the account when it exists and is usable at
    /// `at`, setting the lock `lock_for(count)` gives; otherwise count it on a shared decoy
    /// row, so every path changes exactly one counter row.
    fn count_failed_login(
        &self,
        login: &str,
        at: DateTime<Utc>,
        lock_for: &dyn Fn(u32) -> Option<TimeDelta>,
        audit: Audit<'_, FailedLogin>,
    ) -> Result<FailedLogin>;

    /// Mark a session used at `at` if it is still live (not revoked, `absolute_expiry > at`,
    /// `last_seen > idle_cutoff`); returns whether it was. Nothing is audited.
    fn touch_session(&self, token_hash: &[u8; 32], at: DateTime<Utc>, idle_cutoff: DateTime<Utc>) -> Result<bool>;

    /// Revoke the live session `old` and insert `new` in its place.
    ///
    /// # Errors
    /// [`crate::SecurityError::SessionInvalid`] when `old` was no longer live.
    fn rotate_session(&self, old: &[u8; 32], new: &NewSession, at: DateTime<Utc>, audit: Audit<'_, ()>) -> Result<()>;

    /// Revoke a session if it is live; returns whether this call revoked it.
    fn end_session(&self, token_hash: &[u8; 32], at: DateTime<Utc>, audit: Audit<'_, bool>) -> Result<bool>;
}
