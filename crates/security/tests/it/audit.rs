//! The keyed hash-chained audit log: each kind of tampering is caught and named, rewriting
//! without the key and truncation against a checkpoint included; queries; the ordering rule.

use crate::common::{PASSWORD, env, fast_config, id, key, t0};
use chrono::TimeDelta;
use forecast_core::tenant::FixedTenants;
use forecast_core::{AuditEvent, AuditOutcome, AuditSink};
use forecast_security::{AuditCheckpoint, AuditKey, AuditLog, AuditQuery, Security, Tamper, Verification};
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;

fn event(i: i64) -> AuditEvent {
    let actor = if i % 2 == 0 { "ana" } else { "max" };
    let action = if i % 3 == 0 { "model.rollback" } else { "model.register" };
    AuditEvent::new(actor, action, format!("demand@{i}"), AuditOutcome::Success, t0() + TimeDelta::minutes(i))
        .tenant("acme")
        .detail("i", i.to_string())
}

/// A log of 10 events in a file, and a raw connection with the append-only triggers dropped,
/// as an attacker with file access would.
fn ten_rows() -> (tempfile::TempDir, PathBuf, AuditLog, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = AuditLog::open(&path, key()).unwrap();
    for i in 1..=10 {
        log.record(event(i)).unwrap();
    }
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;").unwrap();
    (dir, path, log, raw)
}

fn tampered_at(v: Verification) -> (u64, Tamper) {
    match v {
        Verification::Tampered { seq, problem } => (seq, problem),
        Verification::Intact { .. } => panic!("tampering not detected"),
    }
}

#[test]
fn intact_chain_verifies_and_survives_reopening() {
    let (_dir, path, log, _raw) = ten_rows();
    let head = log.checkpoint().unwrap().unwrap();
    assert_eq!(head.seq, 10);
    assert_eq!(log.verify().unwrap(), Verification::Intact { rows: 10, head: Some(head.clone()) });
    drop(log);
    let reopened = AuditLog::open(&path, key()).unwrap();
    assert!(reopened.verify_against(&head).unwrap().is_intact());
    assert!(AuditLog::in_memory(key()).unwrap().verify().unwrap().is_intact());
}

#[test]
fn triggers_refuse_plain_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = AuditLog::open(&path, key()).unwrap();
    log.record(event(1)).unwrap();
    let raw = Connection::open(&path).unwrap();
    assert!(raw.execute("UPDATE audit_log SET actor = 'eve'", []).is_err());
    assert!(raw.execute("DELETE FROM audit_log", []).is_err());
    assert!(log.verify().unwrap().is_intact());
}

#[test]
fn edited_event_is_caught() {
    let (_dir, _path, log, raw) = ten_rows();
    raw.execute("UPDATE audit_log SET event = replace(event, 'model.rollback', 'model.register') WHERE seq = 3", [])
        .unwrap();
    assert_eq!(tampered_at(log.verify().unwrap()), (3, Tamper::HashMismatch));
}

#[test]
fn edited_search_column_is_caught() {
    let (_dir, _path, log, raw) = ten_rows();
    raw.execute("UPDATE audit_log SET actor = 'eve' WHERE seq = 4", []).unwrap();
    assert_eq!(tampered_at(log.verify().unwrap()), (4, Tamper::ColumnMismatch { column: "actor" }));
}

#[test]
fn deleted_row_is_caught() {
    let (_dir, _path, log, raw) = ten_rows();
    raw.execute("DELETE FROM audit_log WHERE seq = 5", []).unwrap();
    assert_eq!(tampered_at(log.verify().unwrap()), (5, Tamper::Missing { found: 6 }));
}

#[test]
fn deleted_and_renumbered_row_is_caught() {
    let (_dir, _path, log, raw) = ten_rows();
    raw.execute_batch("DELETE FROM audit_log WHERE seq = 5; UPDATE audit_log SET seq = seq - 1 WHERE seq > 5;")
        .unwrap();
    assert_eq!(tampered_at(log.verify().unwrap()), (5, Tamper::BrokenLink));
}

#[test]
fn reordered_rows_are_caught() {
    let (_dir, _path, log, raw) = ten_rows();
    raw.execute_batch(
        "UPDATE audit_log SET seq = 100 WHERE seq = 2;
         UPDATE audit_log SET seq = 2 WHERE seq = 3;
         UPDATE audit_log SET seq = 3 WHERE seq = 100;",
    )
    .unwrap();
    assert_eq!(tampered_at(log.verify().unwrap()), (2, Tamper::BrokenLink));
}

#[test]
fn swapped_contents_are_caught() {
    let (_dir, _path, log, raw) = ten_rows();
    raw.execute_batch(
        "CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq IN (6, 7);
         UPDATE audit_log SET event = (SELECT event FROM t WHERE seq = 7), time = (SELECT time FROM t WHERE seq = 7) WHERE seq = 6;
         UPDATE audit_log SET event = (SELECT event FROM t WHERE seq = 6), time = (SELECT time FROM t WHERE seq = 6) WHERE seq = 7;",
    )
    .unwrap();
    assert_eq!(tampered_at(log.verify().unwrap()), (6, Tamper::HashMismatch));
}

#[test]
fn inserted_row_is_caught() {
    let (_dir, _path, log, raw) = ten_rows();
    // Make room at 4 and copy row 3's link fields into a forged row: the next row's link breaks.
    raw.execute_batch(
        "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 4;
         UPDATE audit_log SET seq = seq - 99 WHERE seq >= 100;
         INSERT INTO audit_log SELECT 4, time, 'eve', tenant, action, target, outcome, event, prev_hash, hash FROM audit_log WHERE seq = 3;",
    )
    .unwrap();
    let (seq, _) = tampered_at(log.verify().unwrap());
    assert_eq!(seq, 4);
}

/// Hole 7: on main the chain was an unkeyed SHA-256, so someone with file access could
/// delete rows, insert a forged one and recompute every later hash offline, and a process
/// opened afterwards found the chain intact. Now the hashes are keyed: re-chaining without the
/// key is caught at the first rewritten row by any process.
#[test]
fn a_chain_rewritten_without_the_key_is_caught() {
    let (_dir, path, log, raw) = ten_rows();
    drop(log);
    // The attacker deletes rows 4.. and re-appends a forged row plus the originals, chained
    // with SHA-256 as main did (or with any key but the real one).
    raw.execute("DELETE FROM audit_log WHERE seq >= 4", []).unwrap();
    let mut prev: Vec<u8> =
        hex::decode(raw.query_row("SELECT hash FROM audit_log WHERE seq = 3", [], |r| r.get::<_, String>(0)).unwrap())
            .unwrap();
    let forged = AuditEvent::new("eve", "model.promote", "demand@champion", AuditOutcome::Success, t0());
    for (seq, e) in (4..).zip(std::iter::once(forged).chain((4..=10).map(event))) {
        let canonical = e.to_canonical_json();
        let hash = Sha256::new()
            .chain_update(&prev)
            .chain_update((seq as u64).to_be_bytes())
            .chain_update(&canonical)
            .finalize();
        raw.execute(
            "INSERT INTO audit_log VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![
                seq,
                e.time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
                e.actor,
                e.tenant,
                e.action,
                e.target,
                e.outcome.as_str(),
                canonical,
                hex::encode(&prev),
                hex::encode(hash)
            ],
        )
        .unwrap();
        prev = hash.to_vec();
    }
    let later = AuditLog::open(&path, key()).unwrap();
    assert_eq!(tampered_at(later.verify().unwrap()), (4, Tamper::HashMismatch));
    // A forger holding another key gets no further.
    let forger = AuditLog::open(&path, AuditKey::from_bytes([9; 32])).unwrap();
    assert_eq!(tampered_at(forger.verify().unwrap()), (1, Tamper::HashMismatch));
}

#[test]
fn truncated_tail_is_caught_against_a_checkpoint() {
    let (_dir, path, log, raw) = ten_rows();
    let checkpoint = log.checkpoint().unwrap().unwrap();
    raw.execute("DELETE FROM audit_log WHERE seq >= 8", []).unwrap();
    assert_eq!(tampered_at(log.verify().unwrap()), (8, Tamper::Truncated { rows: 7 }));
    // A process opened after the truncation sees a valid prefix; the exported checkpoint
    // (which may be stored anywhere: it is signed) reveals the cut.
    let exported: AuditCheckpoint = serde_json::from_str(&serde_json::to_string(&checkpoint).unwrap()).unwrap();
    let later = AuditLog::open(&path, key()).unwrap();
    assert!(later.verify().unwrap().is_intact());
    assert_eq!(tampered_at(later.verify_against(&exported).unwrap()), (8, Tamper::Truncated { rows: 7 }));
}

#[test]
fn truncated_tail_with_replaced_rows_is_caught() {
    let (_dir, path, log, raw) = ten_rows();
    let checkpoint = log.checkpoint().unwrap().unwrap();
    raw.execute("DELETE FROM audit_log WHERE seq >= 8", []).unwrap();
    // Even a holder of the key who rewrites the tail cannot match the checkpointed row.
    let insider = AuditLog::open(&path, key()).unwrap();
    for i in 8..=10 {
        insider.record(event(i).detail("forged", "yes")).unwrap();
    }
    assert!(insider.verify().unwrap().is_intact());
    assert_eq!(tampered_at(log.verify().unwrap()), (10, Tamper::AnchorMismatch));
    let later = AuditLog::open(&path, key()).unwrap();
    assert_eq!(tampered_at(later.verify_against(&checkpoint).unwrap()), (10, Tamper::AnchorMismatch));
}

#[test]
fn forged_checkpoints_are_refused() {
    let (_dir, _path, log, _raw) = ten_rows();
    let real = log.checkpoint().unwrap().unwrap();
    let moved = AuditCheckpoint { seq: 20, ..real.clone() };
    assert_eq!(tampered_at(log.verify_against(&moved).unwrap()), (20, Tamper::ForgedCheckpoint));
    let unsigned = AuditCheckpoint { signature: "00".repeat(32), ..real };
    assert_eq!(tampered_at(log.verify_against(&unsigned).unwrap()), (10, Tamper::ForgedCheckpoint));
}

/// The ordering rule: a change whose audit row cannot be written is rolled back and reported
/// as failed; it is never committed behind a failure.
#[test]
fn a_refused_audit_rolls_the_change_back() {
    let dir = tempfile::tempdir().unwrap();
    let audit = Arc::new(AuditLog::open(dir.path().join("audit.db"), key()).unwrap());
    let tenants = Arc::new(FixedTenants::active([&id("acme")]));
    let s = Security::in_memory(crate::common::clock(), tenants, audit, fast_config()).unwrap();
    s.bootstrap_admin("ops", PASSWORD).unwrap();
    let ops = s.login("ops", PASSWORD).unwrap().0;
    let raw = Connection::open(dir.path().join("audit.db")).unwrap();
    raw.execute_batch("DROP TABLE audit_log;").unwrap();
    assert!(s.create_user(&ops, "ana@acme", PASSWORD).is_err());
    assert!(s.user(&ops, "ana@acme").is_err(), "the user was not created behind the failed audit");
}

/// No operation is audited twice, and the row names the real actor and the tenant.
#[test]
fn one_change_one_audit_row_under_the_real_actor() {
    let e = env();
    let before = e.audit.query(&AuditQuery::new()).unwrap().len();
    e.security.create_user(&e.ops, "ana@acme", PASSWORD).unwrap();
    let rows = e.audit.query(&AuditQuery::new()).unwrap();
    assert_eq!(rows.len(), before + 1, "one row for one change");
    let row = &rows[before].event;
    assert_eq!((row.actor.as_str(), row.action.as_str(), row.tenant.as_deref()), ("ops", "user.create", Some("acme")));
}

#[test]
fn queries_by_actor_action_target_tenant_outcome_and_time() {
    let log = AuditLog::in_memory(key()).unwrap();
    for i in 1..=12 {
        log.record(event(i)).unwrap();
    }
    log.record(AuditEvent::new("max", "auth.login", "max", AuditOutcome::Denied, t0()).tenant("globex")).unwrap();
    let seqs = |q: AuditQuery| log.query(&q).unwrap().iter().map(|r| r.seq).collect::<Vec<_>>();
    assert_eq!(seqs(AuditQuery::new().actor("ana")), [2, 4, 6, 8, 10, 12]);
    assert_eq!(seqs(AuditQuery::new().action("model.rollback")), [3, 6, 9, 12]);
    assert_eq!(seqs(AuditQuery::new().action("model.*")).len(), 12);
    assert_eq!(seqs(AuditQuery::new().target("demand@7")), [7]);
    assert_eq!(seqs(AuditQuery::new().tenant("globex")), [13]);
    assert_eq!(seqs(AuditQuery::new().outcome(AuditOutcome::Denied)), [13]);
    let (from, to) = (t0() + TimeDelta::minutes(3), t0() + TimeDelta::minutes(6));
    assert_eq!(seqs(AuditQuery::new().between(from, to)), [3, 4, 5]);
    assert_eq!(seqs(AuditQuery::new().actor("max").action("model.rollback").between(from, to)), [3]);
    assert_eq!(seqs(AuditQuery::new().limit(2)), [1, 2]);
    let r = &log.query(&AuditQuery::new().target("demand@7")).unwrap()[0];
    assert_eq!(r.event, event(7));
}
