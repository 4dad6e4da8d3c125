//! Users: creation, policy, login, lockout with backoff, no enumeration, rehash, real OWASP parameters.

use crate::common::{PASSWORD, clock, fast_config, security};
use chrono::TimeDelta;
use forecast_core::{AuditOutcome, MemoryAuditSink};
use forecast_security::{PasswordParams, Security, SecurityConfig, SecurityError};
use std::sync::Arc;

#[test]
fn create_rejects_duplicates_bad_names_and_weak_passwords() {
    let s = security(&clock());
    let u = s.create_user("alice", PASSWORD).unwrap();
    assert_eq!(u.username, "alice");
    assert_eq!(u.password_params, PasswordParams::INSECURE_FAST);
    assert!(matches!(s.create_user("alice", PASSWORD), Err(SecurityError::AlreadyExists { .. })));
    assert!(matches!(s.create_user("al ice", PASSWORD), Err(SecurityError::InvalidName { .. })));
    assert!(matches!(s.create_user("bob", "password1234"), Err(SecurityError::WeakPassword { .. })));
    assert!(matches!(s.create_user("bob", "short"), Err(SecurityError::WeakPassword { .. })));
    assert_eq!(s.users().unwrap().len(), 1);
}

#[test]
fn every_failure_looks_the_same() {
    let c = clock();
    let audit = Arc::new(MemoryAuditSink::new());
    let s = security(&c).with_audit(audit.clone());
    s.create_user("alice", PASSWORD).unwrap();
    s.create_user("dora", PASSWORD).unwrap();
    s.disable_user("dora").unwrap();
    let unknown = s.login("mallory", PASSWORD).unwrap_err();
    let wrong = s.login("alice", "not the right one").unwrap_err();
    let disabled = s.login("dora", PASSWORD).unwrap_err();
    for e in [&unknown, &wrong, &disabled] {
        assert!(matches!(e, SecurityError::InvalidCredentials), "{e}");
        assert_eq!(e.to_string(), "invalid username or password");
    }
    // The reason is kept for the audit trail only.
    let reasons: Vec<String> = audit
        .events()
        .iter()
        .filter(|e| e.action == "auth.login" && e.outcome == AuditOutcome::Denied)
        .map(|e| e.details["reason"].clone())
        .collect();
    assert_eq!(reasons, ["unknown_user", "wrong_password", "disabled"]);
    assert!(s.login("alice", PASSWORD).is_ok());
}

#[test]
fn lockout_backs_off_exponentially_and_resets_on_success() {
    let c = clock();
    let s = security(&c);
    s.create_user("alice", PASSWORD).unwrap();
    for _ in 0..4 {
        assert!(s.login("alice", "wrong password!").is_err());
    }
    assert_eq!(s.user("alice").unwrap().locked_until, None);
    assert!(s.login("alice", "wrong password!").is_err());
    assert_eq!(s.user("alice").unwrap().locked_until, Some(c.now_plus(TimeDelta::minutes(1))));
    // Locked: even the right password fails, with the same error, and the lock does not grow.
    assert!(matches!(s.login("alice", PASSWORD), Err(SecurityError::InvalidCredentials)));
    assert_eq!(s.user("alice").unwrap().failed_logins, 5);
    c.advance(TimeDelta::seconds(61));
    assert!(s.login("alice", "wrong password!").is_err());
    assert_eq!(s.user("alice").unwrap().locked_until, Some(c.now_plus(TimeDelta::minutes(2))));
    c.advance(TimeDelta::minutes(2));
    assert!(s.login("alice", "wrong password!").is_err());
    assert_eq!(s.user("alice").unwrap().locked_until, Some(c.now_plus(TimeDelta::minutes(4))));
    c.advance(TimeDelta::minutes(4));
    s.login("alice", PASSWORD).unwrap();
    let u = s.user("alice").unwrap();
    assert_eq!((u.failed_logins, u.locked_until), (0, None));
}

trait NowPlus {
    fn now_plus(&self, d: TimeDelta) -> chrono::DateTime<chrono::Utc>;
}

impl NowPlus for forecast_core::ManualClock {
    fn now_plus(&self, d: TimeDelta) -> chrono::DateTime<chrono::Utc> {
        forecast_core::Clock::now(self) + d
    }
}

#[test]
fn raised_parameters_rehash_on_login() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("security.db");
    let c = clock();
    let old = Security::open(&path, c.clone(), fast_config()).unwrap();
    old.create_user("alice", PASSWORD).unwrap();
    drop(old);
    let raised = PasswordParams { memory_kib: 256, iterations: 2, parallelism: 1 };
    let config = SecurityConfig { password: raised, ..fast_config() };
    let s = Security::open(&path, c.clone(), config).unwrap();
    assert!(s.login("alice", "wrong password!").is_err());
    assert_eq!(s.user("alice").unwrap().password_params, PasswordParams::INSECURE_FAST, "no rehash on failure");
    s.login("alice", PASSWORD).unwrap();
    assert_eq!(s.user("alice").unwrap().password_params, raised);
    s.login("alice", PASSWORD).unwrap();
}

#[test]
fn owasp_default_parameters_end_to_end() {
    let c = clock();
    let s = Security::in_memory(c, SecurityConfig::default()).unwrap();
    assert_eq!(s.config().password, PasswordParams { memory_kib: 19_456, iterations: 2, parallelism: 1 });
    s.create_user("alice", PASSWORD).unwrap();
    assert_eq!(s.user("alice").unwrap().password_params, PasswordParams::OWASP_MINIMUM);
    s.login("alice", PASSWORD).unwrap();
    assert!(s.login("nobody", PASSWORD).is_err());
}

#[test]
fn disable_delete_and_password_change() {
    let c = clock();
    let s = security(&c);
    s.create_user("alice", PASSWORD).unwrap();
    let (_, token) = s.login("alice", PASSWORD).unwrap();
    s.disable_user("alice").unwrap();
    assert!(matches!(s.authenticate(&token), Err(SecurityError::SessionInvalid)));
    assert!(s.login("alice", PASSWORD).is_err());
    s.enable_user("alice").unwrap();
    let (_, token) = s.login("alice", PASSWORD).unwrap();
    s.set_password("alice", "a brand new passphrase").unwrap();
    assert!(s.authenticate(&token).is_err(), "password change revokes sessions");
    assert!(s.login("alice", PASSWORD).is_err());
    s.login("alice", "a brand new passphrase").unwrap();
    s.delete_user("alice").unwrap();
    assert!(s.user("alice").is_err());
    assert!(s.delete_user("alice").is_err());
    assert!(matches!(s.login("alice", "a brand new passphrase"), Err(SecurityError::InvalidCredentials)));
}
