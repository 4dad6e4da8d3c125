//! Users: creation, policy, login, lockout with backoff and under concurrency, no enumeration,
//! rehash, real OWASP parameters.

use crate::common::{PASSWORD, env, env_with, fast_config, id, key};
use chrono::TimeDelta;
use forecast_core::tenant::FixedTenants;
use forecast_core::{AuditOutcome, Clock};
use forecast_security::{AuditLog, AuditQuery, LockoutPolicy, PasswordParams, Security, SecurityConfig, SecurityError};
use std::sync::Arc;

#[test]
fn create_rejects_duplicates_bad_names_and_weak_passwords() {
    let e = env();
    let ops = &e.ops;
    let u = e.security.create_user(ops, "alice@acme", PASSWORD).unwrap();
    assert_eq!(u.username(), "alice@acme");
    assert_eq!(u.tenant(), Some(&id("acme")));
    assert_eq!(u.password_params(), PasswordParams::INSECURE_FAST);
    assert!(matches!(e.security.create_user(ops, "alice@acme", PASSWORD), Err(SecurityError::AlreadyExists { .. })));
    // The same local name in another tenant is another user.
    e.security.create_user(ops, "alice@globex", PASSWORD).unwrap();
    assert!(matches!(e.security.create_user(ops, "al ice@acme", PASSWORD), Err(SecurityError::InvalidName { .. })));
    assert!(matches!(e.security.create_user(ops, "bob@Acme", PASSWORD), Err(SecurityError::InvalidName { .. })));
    assert!(matches!(e.security.create_user(ops, "bob@acme", "password1234"), Err(SecurityError::WeakPassword { .. })));
    assert!(matches!(e.security.create_user(ops, "bob@acme", "short"), Err(SecurityError::WeakPassword { .. })));
    assert_eq!(e.security.users(ops, Some(&id("acme"))).unwrap().len(), 1);
    assert_eq!(e.security.users(ops, None).unwrap().len(), 1, "ops itself");
    assert!(matches!(e.security.bootstrap_admin("root", PASSWORD), Err(SecurityError::AlreadyBootstrapped)));
}

#[test]
fn every_failure_looks_the_same() {
    let e = env();
    e.user("alice@acme", "viewer");
    e.user("dora@acme", "viewer");
    e.security.disable_user(&e.ops, "dora@acme").unwrap();
    let unknown = e.security.login("mallory@acme", PASSWORD).unwrap_err();
    let wrong = e.security.login("alice@acme", "not the right one").unwrap_err();
    let disabled = e.security.login("dora@acme", PASSWORD).unwrap_err();
    let malformed = e.security.login("alice@@acme", PASSWORD).unwrap_err();
    let too_long = e.security.login("alice@acme", &"x".repeat(1 << 20)).unwrap_err();
    for err in [&unknown, &wrong, &disabled, &malformed, &too_long] {
        assert!(matches!(err, SecurityError::InvalidCredentials), "{err}");
        assert_eq!(err.to_string(), "invalid username or password");
    }
    // The reason is kept for the audit trail only.
    let rows = e.audit.query(&AuditQuery::new().action("auth.login").outcome(AuditOutcome::Denied)).unwrap();
    let reasons: Vec<&str> = rows.iter().map(|r| r.event.details["reason"].as_str()).collect();
    assert_eq!(reasons, ["unknown_user", "wrong_password", "disabled", "unknown_user", "password_too_long"]);
    assert!(e.security.login("alice@acme", PASSWORD).is_ok());
}

#[test]
fn lockout_backs_off_exponentially_and_resets_on_success() {
    let e = env();
    e.user("alice@acme", "viewer");
    let state = || e.security.user(&e.ops_session(), "alice@acme").unwrap();
    let now_plus = |d: TimeDelta| e.clock.now() + d;
    for _ in 0..4 {
        assert!(e.security.login("alice@acme", "wrong password!").is_err());
    }
    assert_eq!(state().locked_until(), None);
    assert!(e.security.login("alice@acme", "wrong password!").is_err());
    assert_eq!(state().locked_until(), Some(now_plus(TimeDelta::minutes(1))));
    // Locked: even the right password fails, with the same error, and the lock does not grow.
    assert!(matches!(e.security.login("alice@acme", PASSWORD), Err(SecurityError::InvalidCredentials)));
    assert_eq!(state().failed_logins(), 5);
    e.clock.advance(TimeDelta::seconds(61));
    assert!(e.security.login("alice@acme", "wrong password!").is_err());
    assert_eq!(state().locked_until(), Some(now_plus(TimeDelta::minutes(2))));
    e.clock.advance(TimeDelta::minutes(2));
    assert!(e.security.login("alice@acme", "wrong password!").is_err());
    assert_eq!(state().locked_until(), Some(now_plus(TimeDelta::minutes(4))));
    e.clock.advance(TimeDelta::minutes(4));
    e.security.login("alice@acme", PASSWORD).unwrap();
    let u = state();
    assert_eq!((u.failed_logins(), u.locked_until()), (0, None));
}

/// Hole 6: the failure count was read, then written (`failed_logins = <read> + 1`), so
/// concurrent attempts overwrote each other's counts and could stay under the lockout
/// threshold. Eight threads now race wrong passwords and lose none.
#[test]
fn eight_threads_racing_on_lockout_lose_no_failure() {
    let high = LockoutPolicy { threshold: 1_000, ..LockoutPolicy::default() };
    let e = env_with(SecurityConfig { lockout: high, ..fast_config() });
    e.user("alice@acme", "viewer");
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..10 {
                    assert!(e.security.login("alice@acme", "wrong password!").is_err());
                }
            });
        }
    });
    assert_eq!(e.security.user(&e.ops, "alice@acme").unwrap().failed_logins(), 80);

    // With the default threshold of 5 the account locks after exactly 5 counted failures,
    // however the 40 attempts interleave, and the attempts during the lock do not lengthen it.
    let e = env();
    e.user("bob@acme", "viewer");
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..5 {
                    assert!(e.security.login("bob@acme", "wrong password!").is_err());
                }
            });
        }
    });
    let bob = e.security.user(&e.ops, "bob@acme").unwrap();
    assert_eq!(bob.failed_logins(), 5);
    assert_eq!(bob.locked_until(), Some(e.clock.now() + TimeDelta::minutes(1)));
    let rows = e.audit.query(&AuditQuery::new().action("auth.login").outcome(AuditOutcome::Denied)).unwrap();
    assert_eq!(rows.len(), 40, "every attempt is audited");
    assert_eq!(rows.iter().filter(|r| r.event.details["reason"] == "locked").count(), 35);
}

#[test]
fn raised_parameters_rehash_on_login() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("security.db");
    let clock = crate::common::clock();
    let tenants = Arc::new(FixedTenants::active([&id("acme")]));
    let open = |config: SecurityConfig| {
        let audit = Arc::new(AuditLog::open(dir.path().join("audit.db"), key()).unwrap());
        Security::open(&path, clock.clone(), tenants.clone(), audit, config).unwrap()
    };
    let old = open(fast_config());
    old.bootstrap_admin("ops", PASSWORD).unwrap();
    let ops = old.login("ops", PASSWORD).unwrap().0;
    old.create_user(&ops, "alice@acme", PASSWORD).unwrap();
    drop(old);
    let raised = PasswordParams { memory_kib: 256, iterations: 2, parallelism: 1 };
    let s = open(SecurityConfig { password: raised, ..fast_config() });
    let ops = s.login("ops", PASSWORD).unwrap().0;
    assert!(s.login("alice@acme", "wrong password!").is_err());
    assert_eq!(
        s.user(&ops, "alice@acme").unwrap().password_params(),
        PasswordParams::INSECURE_FAST,
        "no rehash on failure"
    );
    s.login("alice@acme", PASSWORD).unwrap();
    assert_eq!(s.user(&ops, "alice@acme").unwrap().password_params(), raised);
    s.login("alice@acme", PASSWORD).unwrap();
}

#[test]
fn owasp_default_parameters_end_to_end() {
    let e = env_with(SecurityConfig::default());
    assert_eq!(e.security.config().password, PasswordParams { memory_kib: 19_456, iterations: 2, parallelism: 1 });
    e.security.create_user(&e.ops, "alice@acme", PASSWORD).unwrap();
    assert_eq!(e.security.user(&e.ops, "alice@acme").unwrap().password_params(), PasswordParams::OWASP_MINIMUM);
    e.security.login("alice@acme", PASSWORD).unwrap();
    assert!(e.security.login("nobody@acme", PASSWORD).is_err());
}

#[test]
fn disable_delete_and_password_change() {
    let e = env();
    let s = &e.security;
    let alice = e.user("alice@acme", "viewer");
    let token = s.login("alice@acme", PASSWORD).unwrap().1;
    s.disable_user(&e.ops, "alice@acme").unwrap();
    assert!(matches!(s.authenticate(&token), Err(SecurityError::SessionInvalid)));
    assert!(s.login("alice@acme", PASSWORD).is_err());
    s.enable_user(&e.ops, "alice@acme").unwrap();
    let token = s.login("alice@acme", PASSWORD).unwrap().1;
    s.set_password(&e.ops, "alice@acme", "a brand new passphrase").unwrap();
    assert!(s.authenticate(&token).is_err(), "password change revokes sessions");
    assert!(s.login("alice@acme", PASSWORD).is_err());
    let (alice2, _) = s.login("alice@acme", "a brand new passphrase").unwrap();
    // Self-service change needs the current password, and ends the old sessions too.
    assert!(matches!(
        s.change_password(&alice2, "wrong current!", "another fine passphrase"),
        Err(SecurityError::InvalidCredentials)
    ));
    s.change_password(&alice2, "a brand new passphrase", "another fine passphrase").unwrap();
    assert!(s.authenticate(&token).is_err());
    assert!(s.user(&alice, "alice@acme").is_err(), "the old session is gone");
    s.login("alice@acme", "another fine passphrase").unwrap();
    s.delete_user(&e.ops, "alice@acme").unwrap();
    assert!(s.user(&e.ops, "alice@acme").is_err());
    assert!(s.delete_user(&e.ops, "alice@acme").is_err());
    assert!(matches!(s.login("alice@acme", "another fine passphrase"), Err(SecurityError::InvalidCredentials)));
}
