//! Login: the same work and writes on every failing path, lockout counted by atomic
//! conditional updates, rehash on login, a new session.

use crate::Security;
use crate::error::{Result, SecurityError};
use crate::name::QualifiedName;
use crate::password::{hash_password, params_of, verify_password};
use crate::session::{Session, SessionToken};
use crate::store::FailedLogin;
use chrono::{DateTime, Utc};
use forecast_core::AuditOutcome;

/// Why a login failed; kept for the audit trail only, never shown to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    UnknownUser,
    WrongPassword,
    PasswordTooLong,
    Locked,
    Disabled,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Self::UnknownUser => "unknown_user",
            Self::WrongPassword => "wrong_password",
            Self::PasswordTooLong => "password_too_long",
            Self::Locked => "locked",
            Self::Disabled => "disabled",
        }
    }
}

impl Security {
    /// Log in with a qualified user name (`ana@acme`, or `ops` on the platform) and a
    /// password; get a new session and its token.
    ///
    /// Every failing path (unknown user, wrong password, disabled or locked account) runs one
    /// Argon2 verification, changes one counter row and one audit row in one transaction, and
    /// fails with the same [`SecurityError::InvalidCredentials`]. A password longer than the
    /// policy's maximum is refused the same way without hashing it (it could never be right),
    /// so its cost is bounded. Failures are counted with a conditional
    /// `failed_logins = failed_logins + 1`, so concurrent attempts lose none. A hash made with
    /// parameters weaker than the configured ones is replaced after a successful login.
    ///
    /// # Errors
    /// [`SecurityError::InvalidCredentials`]; [`SecurityError::TenantInactive`] for the right
    /// password of a user whose tenant is not active; storage.
    pub fn login(&self, username: &str, password: &str) -> Result<(Session, SessionToken)> {
        let name = QualifiedName::parse("username", username).ok();
        let account = match &name {
            Some(name) => self.store.credentials(&name.to_string())?,
            None => None,
        };
        let max = self.config.policy.max_chars;
        let too_long = password.len() > max.saturating_mul(4) || password.chars().count() > max;
        // Argon2 runs outside the database lock, on every path but an over-long password.
        let matches = !too_long && self.verify(password, account.as_ref().map(|a| a.phc.as_str()))?;
        let now = self.clock.now();
        let (Some(account), Some(name), true) = (account, name, matches) else {
            let refusal = if too_long { Refusal::PasswordTooLong } else { Refusal::WrongPassword };
            return self.fail(username, refusal, now);
        };
        let rehash = if params_of(&account.phc)?.is_weaker_than(&self.config.password) {
            Some(hash_password(password, self.config.password)?)
        } else {
            None
        };
        if let Some(t) = name.realm.tenant()
            && let Err(e) = self.require_active(t)
        {
            let event = self
                .event(username, Some(t), "auth.login", username, AuditOutcome::Denied)
                .detail("reason", "tenant_not_active");
            self.audit_refusal(event)?;
            return Err(e);
        }
        let (session, token) = self.new_session(account.user_id, &name, now, now + self.config.sessions.absolute)?;
        // Conditional on the account being usable now: a lock or disable that landed while
        // Argon2 ran wins over this success.
        let started = self.store.start_session(account.user_id, now, rehash.as_ref(), &session.to_new(), &|_| {
            let rehashed = if rehash.is_some() { "true" } else { "false" };
            let event = self
                .event(username, name.realm.tenant(), "auth.login", session.id(), AuditOutcome::Success)
                .detail("rehashed", rehashed);
            Ok(vec![event])
        })?;
        if started { Ok((session, token)) } else { self.fail(username, Refusal::WrongPassword, now) }
    }

    /// One Argon2 verification against the account's hash, or the dummy hash for an unknown user.
    fn verify(&self, password: &str, phc: Option<&str>) -> Result<bool> {
        #[cfg(test)]
        tests::VERIFICATIONS.with(|n| n.set(n.get() + 1));
        let matches = verify_password(password, phc.unwrap_or(&self.dummy_hash))?;
        Ok(matches && phc.is_some())
    }

    /// Record a failed attempt and refuse. `refusal` is the caller's guess (wrong password or
    /// over-long); the store's transaction finds out whether the user is unknown, locked or
    /// disabled, and counts the failure on exactly one row.
    fn fail<T>(&self, username: &str, refusal: Refusal, now: DateTime<Utc>) -> Result<T> {
        let name = QualifiedName::parse("username", username).ok();
        let login = name.as_ref().map(ToString::to_string).unwrap_or_default();
        let lock_for = |failed| self.config.lockout.lock_for(failed);
        self.store.count_failed_login(&login, now, &lock_for, &|found| {
            let refusal = match found {
                FailedLogin::UnknownUser => Refusal::UnknownUser,
                FailedLogin::Disabled => Refusal::Disabled,
                FailedLogin::Locked => Refusal::Locked,
                FailedLogin::Counted { .. } => refusal,
            };
            let tenant = name.as_ref().and_then(|n| n.realm.tenant());
            let target: String = username.chars().take(128).collect();
            let event = self
                .event(&target, tenant, "auth.login", &target, AuditOutcome::Denied)
                .detail("reason", refusal.as_str());
            Ok(vec![event])
        })?;
        Err(SecurityError::InvalidCredentials)
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{admin_session, fast_security};
    use std::cell::Cell;

    thread_local! {
        pub(super) static VERIFICATIONS: Cell<u32> = const { Cell::new(0) };
    }

    /// (Argon2 verifications, rows changed in the security database) of one failed login.
    fn cost(s: &crate::Security, user: &str, password: &str) -> (u32, u64) {
        let before = (VERIFICATIONS.with(Cell::get), s.lock().total_changes());
        assert!(s.login(user, password).is_err());
        (VERIFICATIONS.with(Cell::get) - before.0, s.lock().total_changes() - before.1)
    }

    #[test]
    fn unknown_user_and_wrong_password_cost_the_same() {
        let (s, _) = fast_security();
        let ops = admin_session(&s);
        s.create_user(&ops, "ana", crate::test_support::PASSWORD).unwrap();
        let wrong = cost(&s, "ana", "not the password at all");
        let unknown = cost(&s, "nobody", "not the password at all");
        let malformed = cost(&s, "no body@@", "not the password at all");
        assert_eq!(wrong, (1, 1), "one Argon2 verification and one counter row");
        assert_eq!(unknown, wrong);
        assert_eq!(malformed, wrong);
        // An over-long password is never hashed, for a known or an unknown user alike.
        let long = "x".repeat(1 << 20);
        assert_eq!(cost(&s, "ana", &long), (0, 1));
        assert_eq!(cost(&s, "nobody", &long), (0, 1));
    }
}
