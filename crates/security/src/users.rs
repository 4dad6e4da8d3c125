//! User accounts: bootstrap, create, read, disable, enable, delete, passwords, sessions. Every
//! call but the one-time bootstrap takes the acting session and needs `manage_users` over the
//! user's realm (and everything the user holds), except a user reading or changing itself.

use crate::Security;
use crate::admin::realm_resource;
use crate::authorize::Principal;
use crate::error::{Result, SecurityError};
use crate::name::{QualifiedName, Realm};
use crate::password::{PasswordParams, hash_password, verify_password};
use crate::permission::Permission;
use crate::roles::Assignment;
use crate::scope::{Domain, Scope};
use crate::session::Session;
use crate::store::{Held, NewUser, Outcome, UserChange, UserRecord, UserUpdate, UserUpdated};
use chrono::{DateTime, Utc};
use forecast_core::AuditOutcome;
use forecast_core::tenant::TenantId;

/// A user account, without its password hash. Read-only: only the store makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    id: i64,
    username: String,
    tenant: Option<TenantId>,
    disabled: bool,
    failed_logins: u32,
    locked_until: Option<DateTime<Utc>>,
    password_params: PasswordParams,
    created_at: DateTime<Utc>,
    password_changed_at: DateTime<Utc>,
}

impl User {
    /// Internal id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Qualified login name (`ana@acme`, or `ops` on the platform).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The user's tenant (`None` for a platform user).
    pub fn tenant(&self) -> Option<&TenantId> {
        self.tenant.as_ref()
    }

    /// Disabled users cannot log in and their sessions are revoked.
    pub fn disabled(&self) -> bool {
        self.disabled
    }

    /// Consecutive failed logins.
    pub fn failed_logins(&self) -> u32 {
        self.failed_logins
    }

    /// End of the current lock, if locked.
    pub fn locked_until(&self) -> Option<DateTime<Utc>> {
        self.locked_until
    }

    /// Argon2id parameters of the stored hash.
    pub fn password_params(&self) -> PasswordParams {
        self.password_params
    }

    /// Creation time.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// Last password change.
    pub fn password_changed_at(&self) -> DateTime<Utc> {
        self.password_changed_at
    }
}

impl From<UserRecord> for User {
    fn from(r: UserRecord) -> Self {
        Self {
            id: r.id,
            username: r.login,
            tenant: r.tenant,
            disabled: r.disabled,
            failed_logins: r.failed_logins,
            locked_until: r.locked_until,
            password_params: r.password_params,
            created_at: r.created_at,
            password_changed_at: r.password_changed_at,
        }
    }
}

impl Security {
    /// Create the first platform administrator (`admin` in every tenant), without a session.
    /// Allowed once per database: the first caller wins, every later call is refused.
    ///
    /// # Errors
    /// [`SecurityError::AlreadyBootstrapped`]; a name with a tenant (`x@acme`); a weak password; storage.
    pub fn bootstrap_admin(&self, username: &str, password: &str) -> Result<User> {
        let name = QualifiedName::parse("username", username)?;
        if name.realm != Realm::Platform {
            return Err(SecurityError::InvalidName {
                what: "platform administrator",
                value: username.into(),
                expected: "a platform name without `@tenant`",
            });
        }
        self.config.policy.check(&name.local, password)?;
        let hash = hash_password(password, self.config.password)?;
        let admin = NewUser { login: username, tenant: None, hash: &hash, at: self.clock.now() };
        let grant = Assignment::new("admin", Domain::AnyTenant, Scope::all());
        self.store.bootstrap(&admin, &grant, &|_| {
            Ok(vec![self.event("bootstrap", None, "user.bootstrap", username, AuditOutcome::Success)])
        })?;
        self.read_user(username)
    }

    /// Create a user after checking the password policy. A tenant user (`ana@acme`) needs an
    /// actor holding `manage_users` in that tenant, a platform user one holding it on the
    /// platform.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), an invalid name,
    /// [`SecurityError::WeakPassword`], [`SecurityError::AlreadyExists`], storage.
    pub fn create_user(&self, actor: &Session, username: &str, password: &str) -> Result<User> {
        let name = QualifiedName::parse("username", username)?;
        let tenant = name.realm.tenant().cloned();
        self.admin_gate(actor, Permission::ManageUsers, &realm_resource(&name.realm), "user.create", username)?;
        self.config.policy.check(&name.local, password)?;
        let hash = hash_password(password, self.config.password)?;
        let user = NewUser { login: username, tenant: tenant.as_ref(), hash: &hash, at: self.clock.now() };
        self.store.create_user(actor.token_hash(), &user, &|_| {
            Ok(vec![self.event(actor.username(), tenant.as_ref(), "user.create", username, AuditOutcome::Success)])
        })?;
        self.read_user(username)
    }

    /// A user, read by itself or by an actor holding `manage_users` over its realm.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), [`forecast_core::Error::NotFound`], storage.
    pub fn user(&self, actor: &Session, username: &str) -> Result<User> {
        let name = QualifiedName::parse("username", username)?;
        if actor.username() != username || self.principal(actor)?.is_err() {
            self.admin_gate(actor, Permission::ManageUsers, &realm_resource(&name.realm), "user.read", username)?;
        }
        self.read_user(username)
    }

    /// Every user of `tenant` (`None`: of the platform), by name.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), storage.
    pub fn users(&self, actor: &Session, tenant: Option<&TenantId>) -> Result<Vec<User>> {
        let realm = tenant.map_or(Realm::Platform, |t| Realm::Tenant(t.clone()));
        self.admin_gate(actor, Permission::ManageUsers, &realm_resource(&realm), "user.list", &realm.to_string())?;
        Ok(self.store.users(&realm)?.into_iter().map(User::from).collect())
    }

    fn read_user(&self, username: &str) -> Result<User> {
        self.store.user(username)?.map(User::from).ok_or_else(|| not_found(username))
    }

    /// The gate of every change to an existing user: `manage_users` over its realm. What the
    /// user holds is checked inside the change's transaction by [`Security::write_managed`].
    fn manage(&self, actor: &Session, username: &str, action: &str) -> Result<(Principal, QualifiedName)> {
        let name = QualifiedName::parse("username", username)?;
        let principal =
            self.admin_gate(actor, Permission::ManageUsers, &realm_resource(&name.realm), action, username)?;
        Ok((principal, name))
    }

    /// Disable a user and revoke all their sessions, in one transaction.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), unknown user, storage.
    pub fn disable_user(&self, actor: &Session, username: &str) -> Result<()> {
        self.set_disabled(actor, username, true)
    }

    /// Enable a disabled user and clear any lock.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), unknown user, storage.
    pub fn enable_user(&self, actor: &Session, username: &str) -> Result<()> {
        self.set_disabled(actor, username, false)
    }

    fn set_disabled(&self, actor: &Session, username: &str, disabled: bool) -> Result<()> {
        let action = if disabled { "user.disable" } else { "user.enable" };
        let (principal, name) = self.manage(actor, username, action)?;
        let update = UserUpdate {
            login: username,
            change: UserChange::Disabled(disabled),
            revoke_sessions: disabled,
            at: self.clock.now(),
        };
        self.update_managed(&principal, &name, action, &update, &|_| {
            Ok(vec![self.event(actor.username(), name.realm.tenant(), action, username, AuditOutcome::Success)])
        })?;
        Ok(())
    }

    /// Delete a user with their sessions and role assignments.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), unknown user, storage.
    pub fn delete_user(&self, actor: &Session, username: &str) -> Result<()> {
        let (principal, name) = self.manage(actor, username, "user.delete")?;
        let update =
            UserUpdate { login: username, change: UserChange::Delete, revoke_sessions: false, at: self.clock.now() };
        self.update_managed(&principal, &name, "user.delete", &update, &|_| {
            Ok(vec![self.event(actor.username(), name.realm.tenant(), "user.delete", username, AuditOutcome::Success)])
        })?;
        Ok(())
    }

    /// Set a new password for another user (policy checked), clear any lock and revoke every
    /// session of the user. Users change their own with [`Security::change_password`].
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), [`SecurityError::WeakPassword`], unknown
    /// user, storage.
    pub fn set_password(&self, actor: &Session, username: &str, password: &str) -> Result<()> {
        let (principal, name) = self.manage(actor, username, "user.password.set")?;
        self.config.policy.check(&name.local, password)?;
        let hash = hash_password(password, self.config.password)?;
        let update = UserUpdate {
            login: username,
            change: UserChange::Password(&hash),
            revoke_sessions: true,
            at: self.clock.now(),
        };
        self.update_managed(&principal, &name, "user.password.set", &update, &|_| {
            Ok(vec![self.event(
                actor.username(),
                name.realm.tenant(),
                "user.password.set",
                username,
                AuditOutcome::Success,
            )])
        })?;
        Ok(())
    }

    /// Change the password of the session's own user, given the current one.
    ///
    /// # Errors
    /// [`SecurityError::InvalidCredentials`] for a wrong current password,
    /// [`SecurityError::WeakPassword`], [`SecurityError::SessionInvalid`], storage.
    pub fn change_password(&self, session: &Session, current: &str, new: &str) -> Result<()> {
        let stored = self.live_session(session.token_hash())?;
        let name = QualifiedName::parse("username", stored.username())?;
        let phc = self.store.password_hash(stored.user_id())?.ok_or(SecurityError::SessionInvalid)?;
        if current.chars().count() > self.config.policy.max_chars || !verify_password(current, &phc)? {
            let event = self
                .event(
                    stored.username(),
                    name.realm.tenant(),
                    "user.password.change",
                    stored.username(),
                    AuditOutcome::Denied,
                )
                .detail("reason", "wrong current password");
            self.audit_refusal(event)?;
            return Err(SecurityError::InvalidCredentials);
        }
        self.config.policy.check(&name.local, new)?;
        let hash = hash_password(new, self.config.password)?;
        let update = UserUpdate {
            login: stored.username(),
            change: UserChange::Password(&hash),
            revoke_sessions: true,
            at: self.clock.now(),
        };
        self.update_own(&stored, &update, &|_| {
            Ok(vec![self.event(
                stored.username(),
                name.realm.tenant(),
                "user.password.change",
                stored.username(),
                AuditOutcome::Success,
            )])
        })?;
        Ok(())
    }

    /// Revoke every live session of `username` (itself, or a user the actor manages);
    /// returns how many were revoked.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), unknown user, storage.
    pub fn revoke_all_sessions(&self, actor: &Session, username: &str) -> Result<usize> {
        let update =
            UserUpdate { login: username, change: UserChange::Nothing, revoke_sessions: true, at: self.clock.now() };
        let audit = |name: &QualifiedName, done: &UserUpdated| {
            let event = self
                .event(actor.username(), name.realm.tenant(), "session.revoke_all", username, AuditOutcome::Success)
                .detail("count", done.sessions_revoked.to_string());
            Ok(vec![event])
        };
        let done = if actor.username() == username && self.principal(actor)?.is_ok() {
            let name = QualifiedName::parse("username", username)?;
            self.update_own(actor, &update, &|done| audit(&name, done))?
        } else {
            let (principal, name) = self.manage(actor, username, "session.revoke_all")?;
            self.update_managed(&principal, &name, "session.revoke_all", &update, &|done| audit(&name, done))?
        };
        Ok(done.sessions_revoked)
    }

    /// A change of the session's own user: no check of what it holds, but the user the store
    /// locks must be the session's (its session is re-checked live in the same transaction).
    fn update_own(
        &self,
        session: &Session,
        update: &UserUpdate<'_>,
        audit: crate::store::Audit<'_, UserUpdated>,
    ) -> Result<UserUpdated> {
        let own = |held: &Held| {
            if held.user_id == session.user_id() { Ok(Ok(())) } else { Err(SecurityError::SessionInvalid) }
        };
        match self.store.update_user(session.token_hash(), update, &own, audit)? {
            Outcome::Done(done) => Ok(done),
            Outcome::Refused(_) => Err(SecurityError::SessionInvalid),
        }
    }
}

fn not_found(username: &str) -> SecurityError {
    forecast_core::Error::NotFound { what: "user", id: username.into() }.into()
}
