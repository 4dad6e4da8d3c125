//! Sessions with a manual clock: idle and absolute expiry, rotation, revocation, hashed storage.

use crate::common::{PASSWORD, clock, fast_config, security};
use chrono::TimeDelta;
use forecast_core::Clock;
use forecast_security::{Assignment, Domain, Scope, Security, SecurityError, SessionToken};
use sha2::{Digest, Sha256};

#[test]
fn idle_timeout() {
    let c = clock();
    let s = security(&c);
    s.create_user("alice", PASSWORD).unwrap();
    let (_, token) = s.login("alice", PASSWORD).unwrap();
    c.advance(TimeDelta::minutes(29));
    s.authenticate(&token).unwrap();
    c.advance(TimeDelta::minutes(29));
    s.authenticate(&token).unwrap();
    c.advance(TimeDelta::minutes(30));
    assert!(matches!(s.authenticate(&token), Err(SecurityError::SessionExpired { kind: "idle" })));
}

#[test]
fn absolute_timeout_despite_activity() {
    let c = clock();
    let s = security(&c);
    s.create_user("alice", PASSWORD).unwrap();
    let (session, token) = s.login("alice", PASSWORD).unwrap();
    assert_eq!(session.absolute_expiry, c.now() + TimeDelta::hours(12));
    for _ in 0..35 {
        c.advance(TimeDelta::minutes(20));
        s.authenticate(&token).unwrap();
    }
    c.advance(TimeDelta::minutes(20));
    assert!(matches!(s.authenticate(&token), Err(SecurityError::SessionExpired { kind: "absolute" })));
}

#[test]
fn each_login_gets_a_new_256_bit_token() {
    let c = clock();
    let s = security(&c);
    s.create_user("alice", PASSWORD).unwrap();
    let (a, ta) = s.login("alice", PASSWORD).unwrap();
    let (b, tb) = s.login("alice", PASSWORD).unwrap();
    assert_ne!(ta, tb);
    assert_ne!(a.id, b.id);
    assert_eq!(ta.expose().len(), 64);
    assert!(ta.expose().chars().all(|ch| ch.is_ascii_hexdigit()));
    assert_eq!(format!("{ta:?}"), "SessionToken(<redacted>)");
    assert!(matches!(s.authenticate(&SessionToken::from_client("f".repeat(64))), Err(SecurityError::SessionInvalid)));
}

#[test]
fn rotation_replaces_the_token_and_keeps_the_absolute_deadline() {
    let c = clock();
    let s = security(&c);
    s.create_user("alice", PASSWORD).unwrap();
    let (old, token) = s.login("alice", PASSWORD).unwrap();
    c.advance(TimeDelta::minutes(5));
    let (new, new_token) = s.rotate(&token).unwrap();
    assert_ne!(new_token, token);
    assert_eq!(new.created_at, old.created_at);
    assert_eq!(new.absolute_expiry, old.absolute_expiry);
    assert!(matches!(s.authenticate(&token), Err(SecurityError::SessionInvalid)));
    assert_eq!(s.authenticate(&new_token).unwrap().username, "alice");
    assert!(s.rotate(&token).is_err(), "a rotated-away token cannot rotate again");
}

#[test]
fn privilege_change_requires_a_new_token() {
    let c = clock();
    let s = security(&c);
    s.create_user("alice", PASSWORD).unwrap();
    let (_, token) = s.login("alice", PASSWORD).unwrap();
    s.assign_role("alice", &Assignment::new("manager", Domain::tenant("acme"), Scope::all())).unwrap();
    assert!(matches!(s.authenticate(&token), Err(SecurityError::SessionInvalid)));
    let (_, fresh) = s.login("alice", PASSWORD).unwrap();
    s.authenticate(&fresh).unwrap();
}

#[test]
fn logout_and_revoke_all() {
    let c = clock();
    let s = security(&c);
    s.create_user("alice", PASSWORD).unwrap();
    s.create_user("bob", PASSWORD).unwrap();
    let (_, one) = s.login("alice", PASSWORD).unwrap();
    let (_, two) = s.login("alice", PASSWORD).unwrap();
    let (_, three) = s.login("alice", PASSWORD).unwrap();
    let (_, bob) = s.login("bob", PASSWORD).unwrap();
    s.logout(&one).unwrap();
    s.logout(&one).unwrap();
    assert!(s.authenticate(&one).is_err());
    s.authenticate(&two).unwrap();
    assert_eq!(s.revoke_all_sessions("alice").unwrap(), 2);
    assert!(s.authenticate(&two).is_err());
    assert!(s.authenticate(&three).is_err());
    s.authenticate(&bob).unwrap();
}

#[test]
fn tokens_are_stored_only_as_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let c = clock();
    let s = Security::open(&path, c.clone(), fast_config()).unwrap();
    s.create_user("alice", PASSWORD).unwrap();
    let (_, token) = s.login("alice", PASSWORD).unwrap();
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
}
