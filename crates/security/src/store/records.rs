//! The rows and requests that cross [`super::SecurityStore`]: plain data, no rules.

use crate::password::{PasswordParams, StoredHash};
use crate::roles::{Assignment, RoleDef};
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use std::collections::BTreeMap;

/// Every role by name: the graph the inheritance rules walk.
pub type RoleGraph = BTreeMap<String, RoleDef>;

/// A stored user, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The store's id of the user.
    pub id: i64,
    /// Qualified login (`ana@acme`, or `ops` on the platform).
    pub login: String,
    /// The user's tenant (`None` for a platform user).
    pub tenant: Option<TenantId>,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Consecutive failed logins.
    pub failed_logins: u32,
    /// End of the current lock, if any.
    pub locked_until: Option<DateTime<Utc>>,
    /// Argon2id parameters of the stored hash.
    pub password_params: PasswordParams,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last password change.
    pub password_changed_at: DateTime<Utc>,
}

/// What a login checks a password against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user's id.
    pub user_id: i64,
    /// The PHC string of its Argon2id hash.
    pub phc: String,
}

/// A stored session and the user it belongs to, read through the token hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The user's id.
    pub user_id: i64,
    /// The user's qualified login.
    pub login: String,
    /// Whether the user is disabled.
    pub user_disabled: bool,
    /// Login time.
    pub created_at: DateTime<Utc>,
    /// Last use.
    pub last_seen: DateTime<Utc>,
    /// End regardless of use.
    pub absolute_expiry: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A session to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 of the token.
    pub token_hash: [u8; 32],
    /// Its user.
    pub user_id: i64,
    /// Login time (kept by rotation).
    pub created_at: DateTime<Utc>,
    /// First use: now.
    pub last_seen: DateTime<Utc>,
    /// End regardless of use.
    pub absolute_expiry: DateTime<Utc>,
}

/// A user to create.
#[derive(Debug, Clone, Copy)]
pub struct NewUser<'a> {
    /// Qualified login, unique in the store.
    pub login: &'a str,
    /// Its tenant (`None`: platform).
    pub tenant: Option<&'a TenantId>,
    /// The password hash.
    pub hash: &'a StoredHash,
    /// Creation time.
    pub at: DateTime<Utc>,
}

/// What the rows of a user hold, read after its row lock, for a [`super::Check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The user's id.
    pub user_id: i64,
    /// Its assignments.
    pub assignments: Vec<Assignment>,
}

/// Every role and one user's assignments, from one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holdings {
    /// Every role.
    pub roles: RoleGraph,
    /// The user's assignments, in grant order.
    pub assignments: Vec<Assignment>,
}

/// The change made by [`super::SecurityStore::update_user`].
#[derive(Debug, Clone, Copy)]
pub enum UserChange<'a> {
    /// Set the disabled flag and clear the failure count and lock.
    Disabled(bool),
    /// Replace the password hash (stamped with the update's time) and clear the failure count and lock.
    Password(&'a StoredHash),
    /// Delete the user with its sessions and assignments.
    Delete,
    /// Change nothing but what `revoke_sessions` asks.
    Nothing,
}

/// A change to an existing user.
#[derive(Debug, Clone, Copy)]
pub struct UserUpdate<'a> {
    /// The user's login.
    pub login: &'a str,
    /// What to change.
    pub change: UserChange<'a>,
    /// Also revoke every live session of the user.
    pub revoke_sessions: bool,
    /// The time of the change.
    pub at: DateTime<Utc>,
}

/// What a change to a user did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserUpdated {
    /// The user's id.
    pub user_id: i64,
    /// How many live sessions it revoked.
    pub sessions_revoked: usize,
}

/// A role assignment to grant or revoke.
#[derive(Debug, Clone, Copy)]
pub struct AssignmentChange<'a> {
    /// The user's login.
    pub login: &'a str,
    /// The assignment.
    pub assignment: &'a Assignment,
    /// Grant (true) or revoke (false).
    pub grant: bool,
    /// Who grants it (recorded with a new assignment).
    pub by: &'a str,
    /// Also revoke every live session of the user.
    pub revoke_sessions: bool,
    /// The time of the change.
    pub at: DateTime<Utc>,
}

/// Where [`super::SecurityStore::count_failed_login`] counted a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedLogin {
    /// No such user: counted on the decoy row.
    UnknownUser,
    /// The account is disabled: counted on the decoy row.
    Disabled,
    /// The account is locked: counted on the decoy row (a lock is not lengthened).
    Locked,
    /// Counted on the account, which now has this many consecutive failures.
    Counted {
        /// The account's failure count after this one.
        failures: u32,
    },
}
