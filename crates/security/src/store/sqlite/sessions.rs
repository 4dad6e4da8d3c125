//! Session rows and the login counters: every write conditional on the row still being in the
//! state the service judged, so a revocation, lock or disable that commits first wins.

use super::users::store_hash;
use crate::db::{from_db_time, to_db_time};
use crate::error::Result;
use crate::password::StoredHash;
use crate::session::id_of;
use crate::store::{FailedLogin, NewSession, SessionRecord};
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// The session with token hash `hash` and its user, in one query.
pub(super) fn session(conn: &Connection, hash: &[u8; 32]) -> Result<Option<SessionRecord>> {
    let row = conn
        .prepare_cached(
            "SELECT s.user_id, u.login, s.created_at, s.last_seen, s.absolute_expiry, s.revoked_at, u.disabled
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1",
        )?
        .query_row([&hash[..]], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })
        .optional()?;
    let Some((user_id, login, created, seen, expiry, revoked, user_disabled)) = row else { return Ok(None) };
    let id = id_of(hash);
    Ok(Some(SessionRecord {
        user_id,
        login,
        user_disabled,
        created_at: from_db_time("sessions", &id, &created)?,
        last_seen: from_db_time("sessions", &id, &seen)?,
        absolute_expiry: from_db_time("sessions", &id, &expiry)?,
        revoked_at: revoked.map(|t| from_db_time("sessions", &id, &t)).transpose()?,
    }))
}

pub(super) fn insert_session(tx: &Transaction<'_>, s: &NewSession) -> Result<()> {
    tx.execute(
        "INSERT INTO sessions(token_hash, user_id, created_at, last_seen, absolute_expiry) VALUES (?1, ?2, ?3, ?4, ?5)",
        (
            &s.token_hash[..],
            s.user_id,
            to_db_time(s.created_at),
            to_db_time(s.last_seen),
            to_db_time(s.absolute_expiry),
        ),
    )?;
    Ok(())
}

/// A successful login, conditional on the account being usable now.
pub(super) fn start_session(
    tx: &Transaction<'_>,
    user_id: i64,
    at: DateTime<Utc>,
    rehash: Option<&StoredHash>,
    session: &NewSession,
) -> Result<bool> {
    // A lock or disable that landed while Argon2 ran wins over this success.
    let usable = tx.execute(
        "UPDATE users SET failed_logins = 0, locked_until = NULL
         WHERE id = ?1 AND disabled = 0 AND (locked_until IS NULL OR locked_until <= ?2)",
        params![user_id, to_db_time(at)],
    )?;
    if usable == 0 {
        return Ok(false);
    }
    if let Some(hash) = rehash {
        store_hash(tx, user_id, hash, at)?;
    }
    insert_session(tx, session)?;
    Ok(true)
}

/// Count one failure: on the account when it exists and is usable, else on the decoy row.
pub(super) fn count_failed_login(
    tx: &Transaction<'_>,
    login: &str,
    at: DateTime<Utc>,
    lock_for: &dyn Fn(u32) -> Option<TimeDelta>,
) -> Result<FailedLogin> {
    let state: Option<(i64, bool, Option<String>)> = tx
        .prepare_cached("SELECT id, disabled, locked_until FROM users WHERE login = ?1")?
        .query_row([login], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let now = to_db_time(at);
    let found = match &state {
        None => FailedLogin::UnknownUser,
        Some((_, true, _)) => FailedLogin::Disabled,
        Some((_, false, Some(until))) if *until > now => FailedLogin::Locked,
        Some((id, ..)) => {
            // The atomic increment: concurrent failures each add one, none is lost.
            let counted = tx
                .prepare_cached(
                    "UPDATE users SET failed_logins = failed_logins + 1
                     WHERE id = ?1 AND disabled = 0 AND (locked_until IS NULL OR locked_until <= ?2)
                     RETURNING failed_logins",
                )?
                .query_row(params![id, now], |r| r.get::<_, u32>(0))
                .optional()?;
            match counted {
                Some(failures) => {
                    if let Some(d) = lock_for(failures) {
                        // Only the attempt that reached this count sets its lock; a later, longer lock wins.
                        tx.execute(
                            "UPDATE users SET locked_until = ?3 WHERE id = ?1 AND failed_logins = ?2",
                            params![id, failures, to_db_time(at + d)],
                        )?;
                    }
                    return Ok(FailedLogin::Counted { failures });
                }
                // Locked or disabled by a writer that committed after the read above.
                None => FailedLogin::Locked,
            }
        }
    };
    tx.prepare_cached("UPDATE login_decoy SET failed_logins = failed_logins + 1 WHERE id = 1")?.execute([])?;
    Ok(found)
}

/// Mark a session used if still live.
pub(super) fn touch_session(
    tx: &Transaction<'_>,
    hash: &[u8; 32],
    at: DateTime<Utc>,
    idle_cutoff: DateTime<Utc>,
) -> Result<bool> {
    let touched = tx
        .prepare_cached(
            "UPDATE sessions SET last_seen = ?2
             WHERE token_hash = ?1 AND revoked_at IS NULL AND absolute_expiry > ?2 AND last_seen > ?3",
        )?
        .execute((&hash[..], to_db_time(at), to_db_time(idle_cutoff)))?;
    Ok(touched == 1)
}

/// Revoke a session if it is not revoked yet; returns whether this call revoked it.
pub(super) fn end_session(tx: &Transaction<'_>, hash: &[u8; 32], at: DateTime<Utc>) -> Result<bool> {
    let n = tx.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
        (&hash[..], to_db_time(at)),
    )?;
    Ok(n == 1)
}
