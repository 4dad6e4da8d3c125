//! User accounts: bootstrap, create, read, disable, enable, delete, passwords, sessions. Every
//! call but the one-time bootstrap takes the acting session and needs `manage_users` over the
//! user's realm (and everything the user holds), except a user reading or changing itself.

use crate::Security;
use crate::admin::realm_resource;
use crate::authorize::Principal;
use crate::db::{from_db_time, to_db_time};
use crate::error::{Result, SecurityError};
use crate::name::{QualifiedName, Realm};
use crate::password::{PasswordParams, StoredHash, hash_password, verify_password};
use crate::permission::Permission;
use crate::scope::{Domain, Scope};
use crate::session::Session;
use chrono::{DateTime, Utc};
use forecast_core::AuditOutcome;
use forecast_core::tenant::TenantId;
use rusqlite::{OptionalExtension, Row, params};

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

const USER_COLUMNS: &str =
    "id, login, tenant, disabled, failed_logins, locked_until, m_cost, t_cost, p_cost, created_at, password_changed_at";

fn user_from_row(row: &Row<'_>) -> Result<User> {
    let username: String = row.get(1)?;
    let tenant: Option<String> = row.get(2)?;
    let locked: Option<String> = row.get(5)?;
    let created: String = row.get(9)?;
    let changed: String = row.get(10)?;
    let corrupt = |e: forecast_core::Error| SecurityError::CorruptRow {
        table: "users",
        row: username.clone(),
        message: e.to_string(),
    };
    Ok(User {
        id: row.get(0)?,
        tenant: tenant.map(TenantId::new).transpose().map_err(corrupt)?,
        disabled: row.get(3)?,
        failed_logins: row.get(4)?,
        locked_until: locked.map(|t| from_db_time("users", &username, &t)).transpose()?,
        password_params: PasswordParams { memory_kib: row.get(6)?, iterations: row.get(7)?, parallelism: row.get(8)? },
        created_at: from_db_time("users", &username, &created)?,
        password_changed_at: from_db_time("users", &username, &changed)?,
        username,
    })
}

fn not_found(username: &str) -> SecurityError {
    forecast_core::Error::NotFound { what: "user", id: username.into() }.into()
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
        let now = to_db_time(self.clock.now());
        self.write(|tx| {
            let first = tx.execute(
                "INSERT INTO security_meta (key, value) VALUES ('bootstrapped', ?1) ON CONFLICT DO NOTHING",
                [username],
            )?;
            if first == 0 {
                return Err(SecurityError::AlreadyBootstrapped);
            }
            let id = insert_user(tx, &name, &hash, &now)?.ok_or_else(|| SecurityError::AlreadyExists {
                what: "user",
                id: username.into(),
            })?;
            tx.execute(
                "INSERT INTO assignments (user_id, role, domain, scope, granted_by, granted_at) VALUES (?1, 'admin', ?2, ?3, 'bootstrap', ?4)",
                params![id, Domain::AnyTenant.to_db(), scope_json(&Scope::all())?, now],
            )?;
            let event = self.event("bootstrap", None, "user.bootstrap", username, AuditOutcome::Success);
            self.audit_in(tx, event)
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
        let now = to_db_time(self.clock.now());
        self.write_as(actor, |tx| {
            if insert_user(tx, &name, &hash, &now)?.is_none() {
                return Err(SecurityError::AlreadyExists { what: "user", id: username.into() });
            }
            self.audit_in(
                tx,
                self.event(actor.username(), tenant.as_ref(), "user.create", username, AuditOutcome::Success),
            )
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
        let conn = self.lock();
        let mut stmt =
            conn.prepare(&format!("SELECT {USER_COLUMNS} FROM users WHERE COALESCE(tenant, '') = ?1 ORDER BY login"))?;
        let rows = stmt.query_map([realm.to_db()], |r| Ok(user_from_row(r)))?;
        rows.map(|r| r?).collect()
    }

    fn read_user(&self, username: &str) -> Result<User> {
        let conn = self.lock();
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE login = ?1");
        conn.query_row(&sql, [username], |r| Ok(user_from_row(r)))
            .optional()?
            .transpose()?
            .ok_or_else(|| not_found(username))
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
        let now = to_db_time(self.clock.now());
        self.write_managed(&principal, &name, action, |tx, id| {
            tx.execute(
                "UPDATE users SET disabled = ?2, failed_logins = 0, locked_until = NULL WHERE id = ?1",
                params![id, disabled],
            )?;
            if disabled {
                revoke_sessions_of(tx, id, &now)?;
            }
            self.audit_in(
                tx,
                self.event(actor.username(), name.realm.tenant(), action, username, AuditOutcome::Success),
            )
        })
    }

    /// Delete a user with their sessions and role assignments.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), unknown user, storage.
    pub fn delete_user(&self, actor: &Session, username: &str) -> Result<()> {
        let (principal, name) = self.manage(actor, username, "user.delete")?;
        self.write_managed(&principal, &name, "user.delete", |tx, id| {
            if tx.execute("DELETE FROM users WHERE id = ?1", [id])? == 0 {
                return Err(not_found(username));
            }
            let event =
                self.event(actor.username(), name.realm.tenant(), "user.delete", username, AuditOutcome::Success);
            self.audit_in(tx, event)
        })
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
        self.write_managed(&principal, &name, "user.password.set", |tx, id| {
            self.replace_password(tx, actor.username(), &name, id, &hash, "user.password.set")
        })
    }

    /// Change the password of the session's own user, given the current one.
    ///
    /// # Errors
    /// [`SecurityError::InvalidCredentials`] for a wrong current password,
    /// [`SecurityError::WeakPassword`], [`SecurityError::SessionInvalid`], storage.
    pub fn change_password(&self, session: &Session, current: &str, new: &str) -> Result<()> {
        let stored = self.live_session(session.token_hash())?;
        let name = QualifiedName::parse("username", stored.username())?;
        let phc: String =
            self.lock().query_row("SELECT password_hash FROM users WHERE id = ?1", [stored.user_id()], |r| r.get(0))?;
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
        self.write_as(session, |tx| {
            self.replace_password(tx, stored.username(), &name, stored.user_id(), &hash, "user.password.change")
        })
    }

    /// Store `hash` as user `id`'s password inside `tx`, clear any lock, revoke its sessions.
    fn replace_password(
        &self,
        tx: &rusqlite::Transaction<'_>,
        actor: &str,
        name: &QualifiedName,
        id: i64,
        hash: &StoredHash,
        action: &str,
    ) -> Result<()> {
        let now = to_db_time(self.clock.now());
        if store_hash(tx, id, hash, &now)? == 0 {
            return Err(not_found(&name.to_string()));
        }
        tx.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1", [id])?;
        revoke_sessions_of(tx, id, &now)?;
        self.audit_in(tx, self.event(actor, name.realm.tenant(), action, &name.to_string(), AuditOutcome::Success))
    }

    /// Revoke every live session of `username` (itself, or a user the actor manages);
    /// returns how many were revoked.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), unknown user, storage.
    pub fn revoke_all_sessions(&self, actor: &Session, username: &str) -> Result<usize> {
        let now = to_db_time(self.clock.now());
        let revoke = |tx: &rusqlite::Transaction<'_>, name: &QualifiedName, id: i64| {
            let n = revoke_sessions_of(tx, id, &now)?;
            let event = self
                .event(actor.username(), name.realm.tenant(), "session.revoke_all", username, AuditOutcome::Success)
                .detail("count", n.to_string());
            self.audit_in(tx, event)?;
            Ok(n)
        };
        if actor.username() == username && self.principal(actor)?.is_ok() {
            let name = QualifiedName::parse("username", username)?;
            self.write_as(actor, |tx| revoke(tx, &name, actor.user_id()))
        } else {
            let (principal, name) = self.manage(actor, username, "session.revoke_all")?;
            self.write_managed(&principal, &name, "session.revoke_all", |tx, id| revoke(tx, &name, id))
        }
    }
}

fn scope_json(scope: &Scope) -> Result<String> {
    serde_json::to_string(scope)
        .map_err(|e| forecast_core::Error::Serde { format: "json", message: e.to_string() }.into())
}

/// Insert a user; `None` when the name is taken (a conditional insert, not a prior check).
fn insert_user(
    tx: &rusqlite::Transaction<'_>,
    name: &QualifiedName,
    hash: &StoredHash,
    now: &str,
) -> Result<Option<i64>> {
    let inserted = tx.execute(
        "INSERT INTO users(login, tenant, password_hash, m_cost, t_cost, p_cost, created_at, password_changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (login) DO NOTHING",
        params![
            name.to_string(),
            name.realm.tenant().map(TenantId::as_str),
            hash.phc,
            hash.params.memory_kib,
            hash.params.iterations,
            hash.params.parallelism,
            now
        ],
    )?;
    Ok((inserted == 1).then(|| tx.last_insert_rowid()))
}

pub(crate) fn scope_to_db(scope: &Scope) -> Result<String> {
    scope_json(scope)
}

/// Replace a user's hash and its parameter columns; returns rows changed.
pub(crate) fn store_hash(tx: &rusqlite::Transaction<'_>, id: i64, hash: &StoredHash, now: &str) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE users SET password_hash = ?2, m_cost = ?3, t_cost = ?4, p_cost = ?5, password_changed_at = ?6
         WHERE id = ?1",
        params![id, hash.phc, hash.params.memory_kib, hash.params.iterations, hash.params.parallelism, now],
    )?)
}

/// Revoke every live session of a user; returns how many.
pub(crate) fn revoke_sessions_of(tx: &rusqlite::Transaction<'_>, user_id: i64, now: &str) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE revoked_at IS NULL AND user_id = ?1",
        params![user_id, now],
    )?)
}
