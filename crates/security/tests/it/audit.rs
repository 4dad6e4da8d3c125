//! The hash-chained audit log: each kind of tampering is caught and named; queries.

use crate::common::t0;
use chrono::TimeDelta;
use forecast_core::{AuditEvent, AuditOutcome, AuditSink};
use forecast_security::{AuditHead, AuditLog, AuditQuery, Tamper, Verification};
use rusqlite::Connection;
use std::path::PathBuf;

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
    let log = AuditLog::open(&path).unwrap();
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
    let head = log.head().unwrap().unwrap();
    assert_eq!(head.seq, 10);
    assert_eq!(log.verify().unwrap(), Verification::Intact { rows: 10, head: Some(head.clone()) });
    drop(log);
    let reopened = AuditLog::open(&path).unwrap();
    assert!(reopened.verify_against(&head).unwrap().is_intact());
    assert!(AuditLog::in_memory().unwrap().verify().unwrap().is_intact());
}

#[test]
fn triggers_refuse_plain_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = AuditLog::open(&path).unwrap();
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

#[test]
fn rewritten_chain_after_an_insert_is_caught_by_the_anchor() {
    let (_dir, path, log, raw) = ten_rows();
    let anchor = log.head().unwrap().unwrap();
    // The attacker deletes rows 4.. and re-appends a forged row plus the originals with valid hashes.
    raw.execute("DELETE FROM audit_log WHERE seq >= 4", []).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'x'); END;
         CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'x'); END;",
    )
    .unwrap();
    let forger = AuditLog::open(&path).unwrap();
    forger.record(AuditEvent::new("eve", "model.promote", "demand@champion", AuditOutcome::Success, t0())).unwrap();
    for i in 4..=10 {
        forger.record(event(i)).unwrap();
    }
    assert!(forger.verify().unwrap().is_intact(), "the forged chain is internally consistent");
    assert_eq!(tampered_at(log.verify().unwrap()), (10, Tamper::AnchorMismatch));
    assert_eq!(tampered_at(forger.verify_against(&anchor).unwrap()), (10, Tamper::AnchorMismatch));
}

#[test]
fn truncated_tail_is_caught() {
    let (_dir, path, log, raw) = ten_rows();
    let anchor = log.head().unwrap().unwrap();
    raw.execute("DELETE FROM audit_log WHERE seq >= 8", []).unwrap();
    assert_eq!(tampered_at(log.verify().unwrap()), (8, Tamper::Truncated { rows: 7 }));
    // A process opened after the truncation needs the exported anchor.
    let later = AuditLog::open(&path).unwrap();
    assert!(later.verify().unwrap().is_intact());
    assert_eq!(tampered_at(later.verify_against(&anchor).unwrap()), (8, Tamper::Truncated { rows: 7 }));
}

#[test]
fn truncated_tail_with_replaced_head_is_caught() {
    let (_dir, path, log, raw) = ten_rows();
    let exported: AuditHead =
        serde_json::from_str(&serde_json::to_string(&log.head().unwrap().unwrap()).unwrap()).unwrap();
    raw.execute("DELETE FROM audit_log WHERE seq >= 8", []).unwrap();
    let forger = AuditLog::open(&path).unwrap();
    for i in 8..=10 {
        forger.record(event(i).detail("forged", "yes")).unwrap();
    }
    assert!(forger.verify().unwrap().is_intact());
    assert_eq!(tampered_at(log.verify().unwrap()), (10, Tamper::AnchorMismatch));
    let later = AuditLog::open(&path).unwrap();
    assert_eq!(tampered_at(later.verify_against(&exported).unwrap()), (10, Tamper::AnchorMismatch));
}

#[test]
fn queries_by_actor_action_target_tenant_outcome_and_time() {
    let log = AuditLog::in_memory().unwrap();
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
