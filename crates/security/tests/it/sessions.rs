//! Sessions with a manual clock: idle and absolute expiry, rotation, revocation, hashed
//! storage, and the tenant's status on every use.

use crate::common::{PASSWORD, env, fast_config, id, key};
use chrono::TimeDelta;
use forecast_core::Clock;
use forecast_core::tenant::{FixedTenants, TenantStatus};
use forecast_security::{Assignment, AuditLog, Domain, Scope, Security, SecurityError, SessionToken};
use sha2::{Digest, Sha256};
use std::sync::Arc;

#[test]
fn idle_timeout() {
    let e = env();
    e.user("alice@acme", "viewer");
    let (_, token) = e.security.login("alice@acme", PASSWORD).unwrap();
    e.clock.advance(TimeDelta::minutes(29));
    e.security.authenticate(&token).unwrap();
    e.clock.advance(TimeDelta::minutes(29));
    e.security.authenticate(&token).unwrap();
    e.clock.advance(TimeDelta::minutes(30));
    assert!(matches!(e.security.authenticate(&token), Err(SecurityError::SessionExpired { kind: "idle" })));
}

#[test]
fn absolute_timeout_despite_activity() {
    let e = env();
    e.user("alice@acme", "viewer");
    let (session, token) = e.security.login("alice@acme", PASSWORD).unwrap();
    assert_eq!(session.absolute_expiry(), e.clock.now() + TimeDelta::hours(12));
    for _ in 0..35 {
        e.clock.advance(TimeDelta::minutes(20));
        e.security.authenticate(&token).unwrap();
    }
    e.clock.advance(TimeDelta::minutes(20));
    assert!(matches!(e.security.authenticate(&token), Err(SecurityError::SessionExpired { kind: "absolute" })));
}

#[test]
fn each_login_gets_a_new_256_bit_token() {
    let e = env();
    e.user("alice@acme", "viewer");
    let (a, ta) = e.security.login("alice@acme", PASSWORD).unwrap();
    let (b, tb) = e.security.login("alice@acme", PASSWORD).unwrap();
    assert_ne!(ta, tb);
    assert_ne!(a.id(), b.id());
    assert_eq!(ta.expose().len(), 64);
    assert!(ta.expose().chars().all(|ch| ch.is_ascii_hexdigit()));
    assert_eq!(format!("{ta:?}"), "SessionToken(<redacted>)");
    assert!(!format!("{a:?}").contains(ta.expose()));
    let forged = SessionToken::from_client("f".repeat(64));
    assert!(matches!(e.security.authenticate(&forged), Err(SecurityError::SessionInvalid)));
    assert_eq!(e.denials("session.authenticate").len(), 1, "a forged token is audited");
}

#[test]
fn rotation_replaces_the_token_and_keeps_the_absolute_deadline() {
    let e = env();
    e.user("alice@acme", "viewer");
    let (old, token) = e.security.login("alice@acme", PASSWORD).unwrap();
    e.clock.advance(TimeDelta::minutes(5));
    let (new, new_token) = e.security.rotate(&token).unwrap();
    assert_ne!(new_token, token);
    assert_eq!(new.created_at(), old.created_at());
    assert_eq!(new.absolute_expiry(), old.absolute_expiry());
    assert!(matches!(e.security.authenticate(&token), Err(SecurityError::SessionInvalid)));
    assert_eq!(e.security.authenticate(&new_token).unwrap().username(), "alice@acme");
    assert!(e.security.rotate(&token).is_err(), "a rotated-away token cannot rotate again");
}

#[test]
fn privilege_change_requires_a_new_token() {
    let e = env();
    e.user("alice@acme", "viewer");
    let (_, token) = e.security.login("alice@acme", PASSWORD).unwrap();
    let grant = Assignment::new("manager", Domain::tenant(&id("acme")), Scope::all());
    e.security.assign_role(&e.ops, "alice@acme", &grant).unwrap();
    assert!(matches!(e.security.authenticate(&token), Err(SecurityError::SessionInvalid)));
    let (_, fresh) = e.security.login("alice@acme", PASSWORD).unwrap();
    e.security.authenticate(&fresh).unwrap();
}

#[test]
fn logout_and_revoke_all() {
    let e = env();
    e.user("alice@acme", "viewer");
    e.user("bob@acme", "viewer");
    let (_, one) = e.security.login("alice@acme", PASSWORD).unwrap();
    let (two_s, two) = e.security.login("alice@acme", PASSWORD).unwrap();
    let (_, three) = e.security.login("alice@acme", PASSWORD).unwrap();
    let (_, bob) = e.security.login("bob@acme", PASSWORD).unwrap();
    e.security.logout(&one).unwrap();
    e.security.logout(&one).unwrap();
    assert!(e.security.authenticate(&one).is_err());
    e.security.authenticate(&two).unwrap();
    // A user may end its own sessions; env's user() logged in once more.
    assert_eq!(e.security.revoke_all_sessions(&two_s, "alice@acme").unwrap(), 3);
    assert!(e.security.authenticate(&two).is_err());
    assert!(e.security.authenticate(&three).is_err());
    e.security.authenticate(&bob).unwrap();
}

/// Hole 5 for sessions: a suspended (or deleted) tenant's sessions stopped nothing; now
/// authenticating refuses them, and they work again after reactivation.
#[test]
fn a_suspended_tenant_s_sessions_stop_working() {
    let e = env();
    e.user("alice@acme", "viewer");
    let (_, token) = e.security.login("alice@acme", PASSWORD).unwrap();
    e.tenants.set(&id("acme"), TenantStatus::Suspended);
    assert!(matches!(e.security.authenticate(&token), Err(SecurityError::TenantInactive { .. })));
    assert!(matches!(e.security.login("alice@acme", PASSWORD), Err(SecurityError::TenantInactive { .. })));
    assert!(matches!(e.security.login("alice@acme", "wrong password!"), Err(SecurityError::InvalidCredentials)));
    e.tenants.set(&id("acme"), TenantStatus::Active);
    e.security.authenticate(&token).unwrap();
    e.tenants.set(&id("acme"), TenantStatus::Deleted);
    assert!(e.security.authenticate(&token).is_err());
    // Platform users do not depend on any tenant.
    e.security.authenticate(&e.security.login("ops", PASSWORD).unwrap().1).unwrap();
}

#[test]
fn tokens_are_stored_only_as_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let tenants = Arc::new(FixedTenants::active([&id("acme")]));
    // The audit log shares the security file: its rows commit with the changes they describe.
    let audit = Arc::new(AuditLog::open(&path, key()).unwrap());
    let s = Security::open(&path, crate::common::clock(), tenants, audit.clone(), fast_config()).unwrap();
    s.bootstrap_admin("ops", PASSWORD).unwrap();
    let (_, token) = s.login("ops", PASSWORD).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let (hash, dump): (Vec<u8>, String) = conn
        .query_row(
            "SELECT token_hash, quote(token_hash) || created_at || last_seen || absolute_expiry FROM sessions",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(hash, Sha256::digest(token.expose().as_bytes()).to_vec());
    assert!(!dump.to_lowercase().contains(&token.expose()[..16]));
    let audit_rows: i64 = conn.query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0)).unwrap();
    assert_eq!(audit_rows, 2, "bootstrap and login, in the same file");
    assert!(audit.verify().unwrap().is_intact());
}
