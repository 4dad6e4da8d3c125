//! Login: constant-work password check, lockout with backoff, rehash on login, a new session.

use crate::Security;
use crate::db::{from_db_time, to_db_time};
use crate::error::{Result, SecurityError};
use crate::password::{hash_password, params_of, verify_password};
use crate::session::{Session, SessionToken};
use crate::users::store_hash;
use forecast_core::AuditOutcome;
use rusqlite::OptionalExtension;

/// Why a login failed; kept for the audit trail only, never shown to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    UnknownUser,
    WrongPassword,
    Locked,
    Disabled,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Self::UnknownUser => "unknown_user",
            Self::WrongPassword => "wrong_password",
            Self::Locked => "locked",
            Self::Disabled => "disabled",
        }
    }
}

struct Account {
    id: i64,
    phc: String,
    disabled: bool,
    failed: u32,
    locked_until: Option<String>,
}

impl Security {
    /// Log in with a password and get a new session and its token.
    ///
    /// Every path (unknown user, wrong password, disabled or locked account) runs one Argon2
    /// verification and fails with the same [`SecurityError::InvalidCredentials`]. A hash made
    /// with parameters weaker than the configured ones is replaced after a successful login.
    ///
    /// # Errors
    /// [`SecurityError::InvalidCredentials`], storage.
    pub fn login(&self, username: &str, password: &str) -> Result<(Session, SessionToken)> {
        let now = self.clock.now();
        let account = {
            let conn = self.lock();
            conn.query_row(
                "SELECT id, password_hash, disabled, failed_logins, locked_until FROM users WHERE username = ?1",
                [username],
                |r| {
                    Ok(Account {
                        id: r.get(0)?,
                        phc: r.get(1)?,
                        disabled: r.get(2)?,
                        failed: r.get(3)?,
                        locked_until: r.get(4)?,
                    })
                },
            )
            .optional()?
        };
        // Argon2 runs outside the database lock and on every path.
        let matches = verify_password(password, account.as_ref().map_or(self.dummy_hash.as_str(), |a| a.phc.as_str()))?;
        let Some(account) = account else {
            return self.refuse(username, Refusal::UnknownUser);
        };
        let locked = match &account.locked_until {
            Some(t) => from_db_time("users", username, t)? > now,
            None => false,
        };
        let refusal = if account.disabled {
            Some(Refusal::Disabled)
        } else if locked {
            Some(Refusal::Locked)
        } else if !matches {
            Some(Refusal::WrongPassword)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            if refusal == Refusal::WrongPassword {
                let failed = account.failed.saturating_add(1);
                let until = self.config.lockout.lock_for(failed).map(|d| to_db_time(now + d));
                let mut conn = self.lock();
                let tx = conn.transaction()?;
                tx.execute(
                    "UPDATE users SET failed_logins = ?2, locked_until = ?3 WHERE id = ?1",
                    (account.id, failed, until),
                )?;
                tx.commit()?;
            }
            return self.refuse(username, refusal);
        }
        let rehash = if params_of(&account.phc)?.is_weaker_than(&self.config.password) {
            Some(hash_password(password, self.config.password)?)
        } else {
            None
        };
        let out = {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            tx.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1", [account.id])?;
            if let Some(hash) = &rehash {
                store_hash(&tx, username, hash, &to_db_time(now))?;
            }
            let out = self.insert_session(&tx, account.id, username, now, now + self.config.sessions.absolute)?;
            tx.commit()?;
            out
        };
        let rehashed = if rehash.is_some() { "true" } else { "false" };
        self.emit(username, "auth.login", &out.0.id, AuditOutcome::Success, &[("rehashed", rehashed)])?;
        Ok(out)
    }

    fn refuse<T>(&self, username: &str, refusal: Refusal) -> Result<T> {
        self.emit(username, "auth.login", username, AuditOutcome::Denied, &[("reason", refusal.as_str())])?;
        Err(SecurityError::InvalidCredentials)
    }
}
