//! User rows: reads, the one-time bootstrap, creation, and changes under the user's row lock.

use super::roles::assignments_of;
use crate::db::{from_db_time, to_db_time};
use crate::error::{Result, SecurityError};
use crate::name::Realm;
use crate::password::{PasswordParams, StoredHash};
use crate::roles::Assignment;
use crate::store::{Check, Credentials, Held, NewUser, Outcome, UserChange, UserRecord, UserUpdate, UserUpdated};
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

const USER_COLUMNS: &str =
    "id, login, tenant, disabled, failed_logins, locked_until, m_cost, t_cost, p_cost, created_at, password_changed_at";

fn user_from_row(row: &Row<'_>) -> Result<UserRecord> {
    let login: String = row.get(1)?;
    let tenant: Option<String> = row.get(2)?;
    let locked: Option<String> = row.get(5)?;
    let created: String = row.get(9)?;
    let changed: String = row.get(10)?;
    let corrupt = |e: forecast_core::Error| SecurityError::CorruptRow {
        table: "users",
        row: login.clone(),
        message: e.to_string(),
    };
    Ok(UserRecord {
        id: row.get(0)?,
        tenant: tenant.map(TenantId::new).transpose().map_err(corrupt)?,
        disabled: row.get(3)?,
        failed_logins: row.get(4)?,
        locked_until: locked.map(|t| from_db_time("users", &login, &t)).transpose()?,
        password_params: PasswordParams { memory_kib: row.get(6)?, iterations: row.get(7)?, parallelism: row.get(8)? },
        created_at: from_db_time("users", &login, &created)?,
        password_changed_at: from_db_time("users", &login, &changed)?,
        login,
    })
}

pub(super) fn not_found(login: &str) -> SecurityError {
    forecast_core::Error::NotFound { what: "user", id: login.into() }.into()
}

pub(super) fn user(conn: &Connection, login: &str) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE login = ?1");
    conn.query_row(&sql, [login], |r| Ok(user_from_row(r))).optional()?.transpose()
}

pub(super) fn users(conn: &Connection, realm: &Realm) -> Result<Vec<UserRecord>> {
    let mut stmt =
        conn.prepare(&format!("SELECT {USER_COLUMNS} FROM users WHERE COALESCE(tenant, '') = ?1 ORDER BY login"))?;
    let rows = stmt.query_map([realm.to_db()], |r| Ok(user_from_row(r)))?;
    rows.map(|r| r?).collect()
}

pub(super) fn credentials(conn: &Connection, login: &str) -> Result<Option<Credentials>> {
    Ok(conn
        .prepare_cached("SELECT id, password_hash FROM users WHERE login = ?1")?
        .query_row([login], |r| Ok(Credentials { user_id: r.get(0)?, phc: r.get(1)? }))
        .optional()?)
}

pub(super) fn password_hash(conn: &Connection, user_id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT password_hash FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?)
}

/// Insert a user; `None` when the login is taken (a conditional insert, not a prior check).
pub(super) fn insert_user(tx: &Transaction<'_>, user: &NewUser<'_>) -> Result<Option<i64>> {
    let inserted = tx.execute(
        "INSERT INTO users(login, tenant, password_hash, m_cost, t_cost, p_cost, created_at, password_changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (login) DO NOTHING",
        params![
            user.login,
            user.tenant.map(TenantId::as_str),
            user.hash.phc,
            user.hash.params.memory_kib,
            user.hash.params.iterations,
            user.hash.params.parallelism,
            to_db_time(user.at)
        ],
    )?;
    Ok((inserted == 1).then(|| tx.last_insert_rowid()))
}

/// Insert a user, or fail with [`SecurityError::AlreadyExists`].
pub(super) fn create_user(tx: &Transaction<'_>, user: &NewUser<'_>) -> Result<i64> {
    insert_user(tx, user)?.ok_or_else(|| SecurityError::AlreadyExists { what: "user", id: user.login.into() })
}

/// The one-time bootstrap: the marker row's conditional insert decides who is first.
pub(super) fn bootstrap(tx: &Transaction<'_>, admin: &NewUser<'_>, grant: &Assignment) -> Result<i64> {
    let first = tx.execute(
        "INSERT INTO security_meta (key, value) VALUES ('bootstrapped', ?1) ON CONFLICT DO NOTHING",
        [admin.login],
    )?;
    if first == 0 {
        return Err(SecurityError::AlreadyBootstrapped);
    }
    let id = create_user(tx, admin)?;
    super::roles::insert_assignment(tx, id, grant, "bootstrap", admin.at)?;
    Ok(id)
}

/// Lock the row of the user `login` (a no-op conditional update, which takes the row lock
/// under any store) and return its id, or `None` for an unknown user.
pub(super) fn lock_user(tx: &Transaction<'_>, login: &str) -> Result<Option<i64>> {
    Ok(tx
        .prepare_cached("UPDATE users SET disabled = disabled WHERE login = ?1 RETURNING id")?
        .query_row([login], |r| r.get(0))
        .optional()?)
}

/// [`lock_user`], or fail with not found.
pub(super) fn require_user(tx: &Transaction<'_>, login: &str) -> Result<i64> {
    lock_user(tx, login)?.ok_or_else(|| not_found(login))
}

/// Lock the user, run `check` on what it holds, then apply the update.
pub(super) fn update_user(
    tx: &Transaction<'_>,
    update: &UserUpdate<'_>,
    check: Check<'_, Held>,
) -> Result<Outcome<UserUpdated>> {
    let user_id = require_user(tx, update.login)?;
    let held = Held { user_id, assignments: assignments_of(tx, user_id)? };
    if let Err(reason) = check(&held)? {
        return Ok(Outcome::Refused(reason));
    }
    let changed = match update.change {
        UserChange::Disabled(disabled) => tx.execute(
            "UPDATE users SET disabled = ?2, failed_logins = 0, locked_until = NULL WHERE id = ?1",
            params![user_id, disabled],
        )?,
        UserChange::Password(hash) => {
            store_hash(tx, user_id, hash, update.at)?;
            tx.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1", [user_id])?
        }
        UserChange::Delete => tx.execute("DELETE FROM users WHERE id = ?1", [user_id])?,
        UserChange::Nothing => 1,
    };
    if changed == 0 {
        return Err(not_found(update.login));
    }
    // A deleted user's sessions went with it (ON DELETE CASCADE).
    let sessions_revoked = if update.revoke_sessions && !matches!(update.change, UserChange::Delete) {
        revoke_sessions_of(tx, user_id, update.at)?
    } else {
        0
    };
    Ok(Outcome::Done(UserUpdated { user_id, sessions_revoked }))
}

/// Replace a user's hash and its parameter columns; returns rows changed.
pub(super) fn store_hash(tx: &Transaction<'_>, id: i64, hash: &StoredHash, at: DateTime<Utc>) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE users SET password_hash = ?2, m_cost = ?3, t_cost = ?4, p_cost = ?5, password_changed_at = ?6
         WHERE id = ?1",
        params![id, hash.phc, hash.params.memory_kib, hash.params.iterations, hash.params.parallelism, to_db_time(at)],
    )?)
}

/// Revoke every live session of a user; returns how many.
pub(super) fn revoke_sessions_of(tx: &Transaction<'_>, user_id: i64, at: DateTime<Utc>) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE revoked_at IS NULL AND user_id = ?1",
        params![user_id, to_db_time(at)],
    )?)
}
