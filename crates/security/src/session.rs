//! Sessions: random tokens stored only as SHA-256 hashes, idle and absolute timeouts, rotation,
//! revocation, and the tenant check on every use.

use crate::Security;
use crate::crypto::{random_bytes, sha256};
use crate::error::{Result, SecurityError};
use crate::name::QualifiedName;
use crate::store::{NewSession, SessionRecord};
use chrono::{DateTime, TimeDelta, Utc};
use forecast_core::AuditOutcome;
use forecast_core::tenant::TenantId;
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

    /// Wrap a token received from a client (checked only by [`Security::authenticate`]).
    pub fn from_client(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    fn generate() -> Result<Self> {
        Ok(Self(hex::encode(random_bytes::<32>()?)))
    }

    pub(crate) fn hash(&self) -> [u8; 32] {
        sha256(&[self.0.as_bytes()])
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// An authenticated session, as returned by [`Security::login`] and [`Security::authenticate`].
///
/// It cannot be built or edited outside this crate (no public fields or constructor, no
/// `Deserialize`), and it is not proof by itself: every check re-reads the user, its tenant
/// and the session's liveness from the store through the token hash it carries, so a session
/// whose user was disabled, whose tenant was suspended or that was revoked stops working at once.
///
/// Neither forging one nor editing one compiles:
///
/// ```compile_fail
/// # fn forge() -> forecast_security::Session {
/// forecast_security::Session { id: String::new(), user_id: 1, username: "ops".into() }
/// # }
/// ```
///
/// ```compile_fail
/// # fn edit(mut session: forecast_security::Session) {
/// session.username = "ops".to_string();
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    id: String,
    user_id: i64,
    username: String,
    tenant: Option<TenantId>,
    created_at: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    absolute_expiry: DateTime<Utc>,
    token_hash: [u8; 32],
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("tenant", &self.tenant)
            .field("absolute_expiry", &self.absolute_expiry)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Short public identifier: the first 16 hex digits of the token hash (for logs and audit).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The user's qualified name (`ana@acme`, or `ops` for a platform user).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The user's tenant (`None` for a platform user).
    pub fn tenant(&self) -> Option<&TenantId> {
        self.tenant.as_ref()
    }

    /// Login time (rotation keeps it, so rotation does not extend the absolute timeout).
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// Last use.
    pub fn last_seen(&self) -> DateTime<Utc> {
        self.last_seen
    }

    /// When the session ends regardless of use.
    pub fn absolute_expiry(&self) -> DateTime<Utc> {
        self.absolute_expiry
    }

    pub(crate) fn token_hash(&self) -> &[u8; 32] {
        &self.token_hash
    }

    pub(crate) fn user_id(&self) -> i64 {
        self.user_id
    }

    /// The row a store inserts for this session.
    pub(crate) fn to_new(&self) -> NewSession {
        NewSession {
            token_hash: self.token_hash,
            user_id: self.user_id,
            created_at: self.created_at,
            last_seen: self.last_seen,
            absolute_expiry: self.absolute_expiry,
        }
    }
}

impl Security {
    /// A new session for `user_id` with a fresh token, not stored yet (the caller stores
    /// [`Session::to_new`] in its transaction).
    pub(crate) fn new_session(
        &self,
        user_id: i64,
        name: &QualifiedName,
        created_at: DateTime<Utc>,
        absolute_expiry: DateTime<Utc>,
    ) -> Result<(Session, SessionToken)> {
        let token = SessionToken::generate()?;
        let hash = token.hash();
        let session = Session {
            id: id_of(&hash),
            user_id,
            username: name.to_string(),
            tenant: name.realm.tenant().cloned(),
            created_at,
            last_seen: self.clock.now(),
            absolute_expiry,
            token_hash: hash,
        };
        Ok((session, token))
    }

    /// Validate a token, check its user's tenant is active, and mark the session used.
    ///
    /// # Errors
    /// [`SecurityError::SessionInvalid`] (unknown, revoked, user disabled),
    /// [`SecurityError::SessionExpired`] (idle or absolute timeout),
    /// [`SecurityError::TenantInactive`] (the user's tenant is suspended or deleted), storage.
    /// Each refusal is audited.
    pub fn authenticate(&self, token: &SessionToken) -> Result<Session> {
        let now = self.clock.now();
        let hash = token.hash();
        let checked = self.live_session(&hash).and_then(|s| {
            if let Some(t) = &s.tenant {
                self.require_active(t)?;
            }
            Ok(s)
        });
        let session = match checked {
            Ok(s) => s,
            Err(e) => {
                let event = self
                    .event("anonymous", None, "session.authenticate", &id_of(&hash), AuditOutcome::Denied)
                    .detail("reason", e.to_string());
                self.audit_refusal(event)?;
                return Err(e);
            }
        };
        // Conditional on the session still being live, so a logout, revocation or timeout that
        // landed after the read above wins over this use.
        let idle_cutoff = now - self.config.sessions.idle;
        if !self.store.touch_session(&hash, now, idle_cutoff)? {
            let event = self
                .event("anonymous", None, "session.authenticate", &id_of(&hash), AuditOutcome::Denied)
                .detail("reason", SecurityError::SessionInvalid.to_string());
            self.audit_refusal(event)?;
            return Err(SecurityError::SessionInvalid);
        }
        Ok(Session { last_seen: now, ..session })
    }

    /// The session with token hash `hash` as stored now, checked live at the clock's time. The
    /// user (name, tenant, disabled flag) is read through the token hash in the same query.
    pub(crate) fn live_session(&self, hash: &[u8; 32]) -> Result<Session> {
        let record = self.store.session(hash)?.ok_or(SecurityError::SessionInvalid)?;
        live_session(record, hash, self.clock.now(), self.config.sessions.idle)
    }

    /// Replace a session with a new token (same user and login time), revoking the old token.
    ///
    /// # Errors
    /// As [`Security::authenticate`].
    pub fn rotate(&self, token: &SessionToken) -> Result<(Session, SessionToken)> {
        let now = self.clock.now();
        let old = self.authenticate(token)?;
        let name = QualifiedName::parse("username", &old.username)?;
        let (session, token) = self.new_session(old.user_id, &name, old.created_at, old.absolute_expiry)?;
        self.store.rotate_session(&old.token_hash, &session.to_new(), now, &|_| {
            let event = self
                .event(&old.username, old.tenant.as_ref(), "session.rotate", &session.id, AuditOutcome::Success)
                .detail("previous", &old.id);
            Ok(vec![event])
        })?;
        Ok((session, token))
    }

    /// End a session. Logging out an unknown or already ended session is not an error.
    ///
    /// # Errors
    /// Storage.
    pub fn logout(&self, token: &SessionToken) -> Result<()> {
        let now = self.clock.now();
        let hash = token.hash();
        let owner = self.live_session(&hash).ok();
        self.store.end_session(&hash, now, &|ended| {
            Ok(match (ended, &owner) {
                (true, Some(s)) => {
                    vec![self.event(&s.username, s.tenant.as_ref(), "session.logout", &s.id, AuditOutcome::Success)]
                }
                _ => Vec::new(),
            })
        })?;
        Ok(())
    }
}

/// Check the stored session `record` is live at `now`.
fn live_session(record: SessionRecord, hash: &[u8; 32], now: DateTime<Utc>, idle: TimeDelta) -> Result<Session> {
    if record.revoked_at.is_some() || record.user_disabled {
        return Err(SecurityError::SessionInvalid);
    }
    if now >= record.absolute_expiry {
        return Err(SecurityError::SessionExpired { kind: "absolute" });
    }
    if now - record.last_seen >= idle {
        return Err(SecurityError::SessionExpired { kind: "idle" });
    }
    let login = record.login;
    let name = QualifiedName::parse("username", &login).map_err(|e| SecurityError::CorruptRow {
        table: "users",
        row: login.clone(),
        message: e.to_string(),
    })?;
    Ok(Session {
        id: id_of(hash),
        user_id: record.user_id,
        tenant: name.realm.tenant().cloned(),
        username: login,
        created_at: record.created_at,
        last_seen: record.last_seen,
        absolute_expiry: record.absolute_expiry,
        token_hash: *hash,
    })
}

pub(crate) fn id_of(hash: &[u8; 32]) -> String {
    hex::encode(&hash[..8])
}
