//! Sessions: random tokens stored only as SHA-256 hashes, idle and absolute timeouts, rotation, revocation.

use crate::Security;
use crate::crypto::{random_bytes, sha256};
use crate::db::{from_db_time, to_db_time};
use crate::error::{Result, SecurityError};
use crate::users::revoke_sessions_of;
use chrono::{DateTime, TimeDelta, Utc};
use forecast_core::AuditOutcome;
use rusqlite::{OptionalExtension, Transaction};
use std::fmt;

/// Session lifetimes (OWASP ASVS 5.0 V7.3).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `idle` | 30 min | a session unused this long expires | > 0 |
/// | `absolute` | 12 h | a session expires this long after login, used or not | >= `idle` |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Idle timeout.
    pub idle: TimeDelta,
    /// Absolute timeout.
    pub absolute: TimeDelta,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle: TimeDelta::minutes(30), absolute: TimeDelta::hours(12) }
    }
}

/// A session secret: 256 bits from the OS CSPRNG, hex-encoded. Only its SHA-256 is stored;
/// `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// The token text, to hand to the client once (cookie, header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Wrap a token received from a client.
    pub fn from_client(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    fn generate() -> Result<Self> {
        Ok(Self(hex::encode(random_bytes::<32>()?)))
    }

    fn hash(&self) -> [u8; 32] {
        sha256(&[self.0.as_bytes()])
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// An authenticated session. Holds no secret: `id` is the first 16 hex digits of the token hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Short public identifier (for logs and audit).
    pub id: String,
    /// The user's id.
    pub user_id: i64,
    /// The user's name.
    pub username: String,
    /// Login time (rotation keeps it, so rotation does not extend the absolute timeout).
    pub created_at: DateTime<Utc>,
    /// Last use.
    pub last_seen: DateTime<Utc>,
    /// When the session ends regardless of use.
    pub absolute_expiry: DateTime<Utc>,
    pub(crate) token_hash: [u8; 32],
}

impl Security {
    /// Insert a new session for `user_id` inside `tx`.
    pub(crate) fn insert_session(
        &self,
        tx: &Transaction<'_>,
        user_id: i64,
        username: &str,
        created_at: DateTime<Utc>,
        absolute_expiry: DateTime<Utc>,
    ) -> Result<(Session, SessionToken)> {
        let token = SessionToken::generate()?;
        let hash = token.hash();
        let now = self.clock.now();
        tx.execute(
            "INSERT INTO sessions(token_hash, user_id, created_at, last_seen, absolute_expiry) VALUES (?1, ?2, ?3, ?4, ?5)",
            (&hash[..], user_id, to_db_time(created_at), to_db_time(now), to_db_time(absolute_expiry)),
        )?;
        let session = Session {
            id: id_of(&hash),
            user_id,
            username: username.into(),
            created_at,
            last_seen: now,
            absolute_expiry,
            token_hash: hash,
        };
        Ok((session, token))
    }

    /// Validate a token and mark the session used.
    ///
    /// # Errors
    /// [`SecurityError::SessionInvalid`] (unknown, revoked, user disabled),
    /// [`SecurityError::SessionExpired`] (idle or absolute timeout), storage.
    pub fn authenticate(&self, token: &SessionToken) -> Result<Session> {
        let now = self.clock.now();
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let session = live_session(&tx, &token.hash(), now, self.config.sessions.idle)?;
        tx.execute(
            "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1",
            (&session.token_hash[..], to_db_time(now)),
        )?;
        tx.commit()?;
        Ok(Session { last_seen: now, ..session })
    }

    /// Whether `session` is still live (not revoked, expired or disabled), without marking it used.
    pub(crate) fn session_is_live(&self, session: &Session) -> Result<bool> {
        let now = self.clock.now();
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        match live_session(&tx, &session.token_hash, now, self.config.sessions.idle) {
            Ok(_) => Ok(true),
            Err(SecurityError::SessionInvalid | SecurityError::SessionExpired { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Replace a session with a new token (same user and login time), revoking the old token.
    ///
    /// # Errors
    /// As [`Security::authenticate`].
    pub fn rotate(&self, token: &SessionToken) -> Result<(Session, SessionToken)> {
        let now = self.clock.now();
        let out = {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            let old = live_session(&tx, &token.hash(), now, self.config.sessions.idle)?;
            tx.execute(
                "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1",
                (&old.token_hash[..], to_db_time(now)),
            )?;
            let out = self.insert_session(&tx, old.user_id, &old.username, old.created_at, old.absolute_expiry)?;
            tx.commit()?;
            out
        };
        self.emit(&out.0.username, "session.rotate", &out.0.id, AuditOutcome::Success, &[])?;
        Ok(out)
    }

    /// End a session. Logging out an unknown or already ended session is not an error.
    ///
    /// # Errors
    /// Storage.
    pub fn logout(&self, token: &SessionToken) -> Result<()> {
        let now = to_db_time(self.clock.now());
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE sessions SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
            (&token.hash()[..], now),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Revoke every live session of `username`; returns how many were revoked.
    ///
    /// # Errors
    /// Storage.
    pub fn revoke_all_sessions(&self, username: &str) -> Result<usize> {
        let now = to_db_time(self.clock.now());
        let n = {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            let n = revoke_sessions_of(&tx, username, &now)?;
            tx.commit()?;
            n
        };
        self.emit("system", "session.revoke_all", username, AuditOutcome::Success, &[("count", &n.to_string())])?;
        Ok(n)
    }
}

/// Load the session with `hash` and check it is live at `now`.
fn live_session(tx: &Transaction<'_>, hash: &[u8; 32], now: DateTime<Utc>, idle: TimeDelta) -> Result<Session> {
    let row = tx
        .query_row(
            "SELECT s.user_id, u.username, s.created_at, s.last_seen, s.absolute_expiry, s.revoked_at, u.disabled
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1",
            [&hash[..]],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, bool>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((user_id, username, created, seen, expiry, revoked, disabled)) = row else {
        return Err(SecurityError::SessionInvalid);
    };
    if revoked.is_some() || disabled {
        return Err(SecurityError::SessionInvalid);
    }
    let id = id_of(hash);
    let absolute_expiry = from_db_time("sessions", &id, &expiry)?;
    let last_seen = from_db_time("sessions", &id, &seen)?;
    let created_at = from_db_time("sessions", &id, &created)?;
    if now >= absolute_expiry {
        return Err(SecurityError::SessionExpired { kind: "absolute" });
    }
    if now - last_seen >= idle {
        return Err(SecurityError::SessionExpired { kind: "idle" });
    }
    Ok(Session { id, user_id, username, created_at, last_seen, absolute_expiry, token_hash: *hash })
}

fn id_of(hash: &[u8; 32]) -> String {
    hex::encode(&hash[..8])
}
