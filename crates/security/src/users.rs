//! User accounts: create, disable, enable, delete, change password.

use crate::Security;
use crate::db::{from_db_time, to_db_time};
use crate::error::{Result, SecurityError};
use crate::password::{PasswordParams, StoredHash, hash_password};
use crate::scope::check_name;
use chrono::{DateTime, Utc};
use forecast_core::AuditOutcome;
use rusqlite::{OptionalExtension, Row};

/// A user account, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Internal id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Disabled users cannot log in and their sessions are revoked.
    pub disabled: bool,
    /// Consecutive failed logins.
    pub failed_logins: u32,
    /// End of the current lock, if locked.
    pub locked_until: Option<DateTime<Utc>>,
    /// Argon2id parameters of the stored hash.
    pub password_params: PasswordParams,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last password change.
    pub password_changed_at: DateTime<Utc>,
}

pub(crate) const USER_COLUMNS: &str =
    "id, username, disabled, failed_logins, locked_until, m_cost, t_cost, p_cost, created_at, password_changed_at";

pub(crate) fn user_from_row(row: &Row<'_>) -> Result<User> {
    let username: String = row.get(1)?;
    let locked: Option<String> = row.get(4)?;
    let created: String = row.get(8)?;
    let changed: String = row.get(9)?;
    Ok(User {
        id: row.get(0)?,
        disabled: row.get(2)?,
        failed_logins: row.get(3)?,
        locked_until: locked.map(|t| from_db_time("users", &username, &t)).transpose()?,
        password_params: PasswordParams { memory_kib: row.get(5)?, iterations: row.get(6)?, parallelism: row.get(7)? },
        created_at: from_db_time("users", &username, &created)?,
        password_changed_at: from_db_time("users", &username, &changed)?,
        username,
    })
}

fn not_found(username: &str) -> SecurityError {
    forecast_core::Error::NotFound { what: "user", id: username.into() }.into()
}

impl Security {
    /// Create a user after checking the password policy.
    ///
    /// # Errors
    /// Invalid username, [`SecurityError::WeakPassword`], [`SecurityError::AlreadyExists`], storage.
    pub fn create_user(&self, username: &str, password: &str) -> Result<User> {
        check_name("username", username)?;
        self.config.policy.check(username, password)?;
        let hash = hash_password(password, self.config.password)?;
        let now = to_db_time(self.clock.now());
        {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            let taken: bool =
                tx.query_row("SELECT EXISTS(SELECT 1 FROM users WHERE username = ?1)", [username], |r| r.get(0))?;
            if taken {
                return Err(SecurityError::AlreadyExists { what: "user", id: username.into() });
            }
            tx.execute(
                "INSERT INTO users(username, password_hash, m_cost, t_cost, p_cost, created_at, password_changed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                (username, &hash.phc, hash.params.memory_kib, hash.params.iterations, hash.params.parallelism, &now),
            )?;
            tx.commit()?;
        }
        self.emit("system", "user.create", username, AuditOutcome::Success, &[])?;
        self.user(username)
    }

    /// Look a user up.
    ///
    /// # Errors
    /// [`forecast_core::Error::NotFound`] for an unknown name, storage.
    pub fn user(&self, username: &str) -> Result<User> {
        let conn = self.lock();
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1");
        conn.query_row(&sql, [username], |r| Ok(user_from_row(r)))
            .optional()?
            .transpose()?
            .ok_or_else(|| not_found(username))
    }

    /// Every user, by name.
    ///
    /// # Errors
    /// Storage.
    pub fn users(&self) -> Result<Vec<User>> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY username"))?;
        let rows = stmt.query_map([], |r| Ok(user_from_row(r)))?;
        rows.map(|r| r?).collect()
    }

    /// Disable a user and revoke all their sessions, in one transaction.
    ///
    /// # Errors
    /// Unknown user, storage.
    pub fn disable_user(&self, username: &str) -> Result<()> {
        self.set_disabled(username, true)
    }

    /// Enable a disabled user and clear any lock.
    ///
    /// # Errors
    /// Unknown user, storage.
    pub fn enable_user(&self, username: &str) -> Result<()> {
        self.set_disabled(username, false)
    }

    fn set_disabled(&self, username: &str, disabled: bool) -> Result<()> {
        let now = to_db_time(self.clock.now());
        {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            let n = tx.execute(
                "UPDATE users SET disabled = ?2, failed_logins = 0, locked_until = NULL WHERE username = ?1",
                (username, disabled),
            )?;
            if n == 0 {
                return Err(not_found(username));
            }
            if disabled {
                revoke_sessions_of(&tx, username, &now)?;
            }
            tx.commit()?;
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        self.emit("system", action, username, AuditOutcome::Success, &[])
    }

    /// Delete a user with their sessions and role assignments.
    ///
    /// # Errors
    /// Unknown user, storage.
    pub fn delete_user(&self, username: &str) -> Result<()> {
        {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            if tx.execute("DELETE FROM users WHERE username = ?1", [username])? == 0 {
                return Err(not_found(username));
            }
            tx.commit()?;
        }
        self.emit("system", "user.delete", username, AuditOutcome::Success, &[])
    }

    /// Set a new password (policy checked), clear any lock and revoke every session of the user.
    ///
    /// # Errors
    /// [`SecurityError::WeakPassword`], unknown user, storage.
    pub fn set_password(&self, username: &str, password: &str) -> Result<()> {
        self.config.policy.check(username, password)?;
        let hash = hash_password(password, self.config.password)?;
        {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            let now = to_db_time(self.clock.now());
            if store_hash(&tx, username, &hash, &now)? == 0 {
                return Err(not_found(username));
            }
            tx.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = ?1", [username])?;
            revoke_sessions_of(&tx, username, &now)?;
            tx.commit()?;
        }
        self.emit("system", "user.password.set", username, AuditOutcome::Success, &[])
    }
}

/// Replace a user's hash and its parameter columns; returns rows changed.
pub(crate) fn store_hash(
    tx: &rusqlite::Transaction<'_>,
    username: &str,
    hash: &StoredHash,
    now: &str,
) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE users SET password_hash = ?2, m_cost = ?3, t_cost = ?4, p_cost = ?5, password_changed_at = ?6
         WHERE username = ?1",
        (username, &hash.phc, hash.params.memory_kib, hash.params.iterations, hash.params.parallelism, now),
    )?)
}

/// Revoke every live session of a user; returns how many.
pub(crate) fn revoke_sessions_of(tx: &rusqlite::Transaction<'_>, username: &str, now: &str) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE sessions SET revoked_at = ?2
         WHERE revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE username = ?1)",
        (username, now),
    )?)
}
