//! The audit log over a store that is not `SqliteAuditStore` itself: a wrapper that fails an
//! append leaves no row and no partial chain; writers racing for one sequence number (on one
//! log, or on separate connections to one file) leave one intact chain with every event.

use crate::common::{PASSWORD, clock, fast_config, id, key, t0};
use forecast_core::tenant::FixedTenants;
use forecast_core::{AuditEvent, AuditOutcome, AuditSink};
use forecast_security::store::{AuditRecord, AuditRow, BuildRow, ChainHead, StoredAuditRow};
use forecast_security::{AuditLog, AuditQuery, AuditStore, Security, SecurityError, SqliteAuditStore, Verification};
use rusqlite::Connection;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

fn injected() -> SecurityError {
    SecurityError::Backend { backend: "faulty audit store", source: "injected failure".into() }
}

/// Delegates to a SQLite audit store. With `fail` set, `append` fails before writing and
/// `append_in` fails after writing its row through the caller's transaction. Once `armed`,
/// the first `barrier_calls` reads of the head wait for each other, so that many writers read the same
/// head; refusals for a taken sequence number are counted.
#[derive(Debug)]
struct WrappedStore {
    inner: SqliteAuditStore,
    fail: AtomicBool,
    armed: AtomicBool,
    barrier: Barrier,
    barrier_calls: usize,
    heads: AtomicUsize,
    lost: AtomicUsize,
}

impl WrappedStore {
    fn new(inner: SqliteAuditStore, barrier_calls: usize) -> Self {
        Self {
            inner,
            fail: AtomicBool::new(false),
            armed: AtomicBool::new(false),
            barrier: Barrier::new(barrier_calls.max(1)),
            barrier_calls,
            heads: AtomicUsize::new(0),
            lost: AtomicUsize::new(0),
        }
    }

    fn count<T>(&self, r: forecast_security::Result<T>) -> forecast_security::Result<T> {
        if matches!(r, Err(SecurityError::AuditOutOfSequence { .. })) {
            self.lost.fetch_add(1, Ordering::SeqCst);
        }
        r
    }
}

impl AuditStore for WrappedStore {
    fn head(&self) -> forecast_security::Result<Option<ChainHead>> {
        let head = self.inner.head();
        if self.armed.load(Ordering::SeqCst) && self.heads.fetch_add(1, Ordering::SeqCst) < self.barrier_calls {
            self.barrier.wait();
        }
        head
    }
    fn append(&self, row: &AuditRow) -> forecast_security::Result<()> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(injected());
        }
        self.count(self.inner.append(row))
    }
    fn append_in(&self, conn: &Connection, build: BuildRow<'_>) -> forecast_security::Result<Option<AuditRow>> {
        let row = self.count(self.inner.append_in(conn, build))?;
        if self.fail.load(Ordering::SeqCst) {
            return Err(injected());
        }
        Ok(row)
    }
    fn rows(&self, after: u64, limit: usize) -> forecast_security::Result<Vec<StoredAuditRow>> {
        self.inner.rows(after, limit)
    }
    fn query(&self, query: &AuditQuery) -> forecast_security::Result<Vec<AuditRecord>> {
        self.inner.query(query)
    }
}

fn rows(v: &Verification) -> u64 {
    match v {
        Verification::Intact { rows, .. } => *rows,
        tampered => panic!("chain broken: {tampered:?}"),
    }
}

fn event(actor: &str, i: usize) -> AuditEvent {
    AuditEvent::new(actor, "model.register", format!("demand@{i}"), AuditOutcome::Success, t0())
        .detail("i", i.to_string())
}

/// A failed append (audit log in its own store) writes no row, keeps the chain and the local
/// anchor where they were, and rolls the change it audits back; the next append continues
/// the chain.
#[test]
fn a_failed_append_leaves_no_row_and_no_partial_chain() {
    let store = Arc::new(WrappedStore::new(SqliteAuditStore::open_in_memory().unwrap(), 0));
    let audit = Arc::new(AuditLog::with_store(store.clone(), key()).unwrap());
    let tenants = Arc::new(FixedTenants::active([&id("acme")]));
    let s = Security::in_memory(clock(), tenants, audit.clone(), fast_config()).unwrap();
    s.bootstrap_admin("ops", PASSWORD).unwrap();
    let ops = s.login("ops", PASSWORD).unwrap().0;
    let before = audit.checkpoint().unwrap().unwrap();

    store.fail.store(true, Ordering::SeqCst);
    assert!(matches!(audit.append(&event("ana", 1)), Err(SecurityError::Backend { .. })));
    let err = s.create_user(&ops, "ana@acme", PASSWORD).unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    store.fail.store(false, Ordering::SeqCst);
    assert!(s.users(&ops, Some(&id("acme"))).unwrap().is_empty(), "the change rolled back");
    assert_eq!(audit.checkpoint().unwrap(), Some(before.clone()), "no row was written");
    assert_eq!(rows(&audit.verify().unwrap()), before.seq, "no partial chain, the anchor did not move");

    s.create_user(&ops, "ana@acme", PASSWORD).unwrap();
    let v = audit.verify_against(&before).unwrap();
    assert_eq!(rows(&v), before.seq + 1);
    let created = audit.query(&AuditQuery::new().action("user.create").target("ana@acme")).unwrap();
    assert_eq!(created.len(), 1, "audited once, by the change that committed");
    assert_eq!(created[0].seq, before.seq + 1);
}

/// When the audit store shares the security store's file, its row is written through the
/// change's transaction; a failure after that write rolls back the change and the row together.
#[test]
fn a_failed_append_in_the_changes_transaction_rolls_back_row_and_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let store = Arc::new(WrappedStore::new(SqliteAuditStore::open(&path).unwrap(), 0));
    let audit = Arc::new(AuditLog::with_store(store.clone(), key()).unwrap());
    let tenants = Arc::new(FixedTenants::active([&id("acme")]));
    let s = Security::open(&path, clock(), tenants, audit.clone(), fast_config()).unwrap();
    s.bootstrap_admin("ops", PASSWORD).unwrap();
    let ops = s.login("ops", PASSWORD).unwrap().0;
    let before = audit.checkpoint().unwrap().unwrap();
    assert!(before.seq >= 2, "bootstrap and login were audited in the shared file");

    store.fail.store(true, Ordering::SeqCst);
    let err = s.create_user(&ops, "ana@acme", PASSWORD).unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    store.fail.store(false, Ordering::SeqCst);
    assert!(s.users(&ops, Some(&id("acme"))).unwrap().is_empty(), "the change rolled back");
    let raw = Connection::open(&path).unwrap();
    let n: i64 = raw.query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0)).unwrap();
    assert_eq!(n as u64, before.seq, "the row written in the transaction rolled back with it");
    assert_eq!(rows(&audit.verify_against(&before).unwrap()), before.seq);

    s.create_user(&ops, "ana@acme", PASSWORD).unwrap();
    assert_eq!(rows(&audit.verify_against(&before).unwrap()), before.seq + 1);
}

/// Eight writers read the same head (the wrapper holds them at a barrier), so seven lose the
/// first sequence number; the store refuses their rows, the log re-chains them, and the chain
/// holds every event once.
#[test]
fn appends_racing_for_one_sequence_number_leave_an_intact_chain() {
    const THREADS: usize = 8;
    const EACH: usize = 20;
    let store = Arc::new(WrappedStore::new(SqliteAuditStore::open_in_memory().unwrap(), THREADS));
    let log = Arc::new(AuditLog::with_store(store.clone(), key()).unwrap());
    store.armed.store(true, Ordering::SeqCst);
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                for i in 0..EACH {
                    log.record(event(&format!("writer{t}"), i)).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(store.lost.load(Ordering::SeqCst) >= THREADS - 1, "all but one lost the first sequence number");
    assert_eq!(rows(&log.verify().unwrap()), (THREADS * EACH) as u64);
    for t in 0..THREADS {
        let mine = log.query(&AuditQuery::new().actor(format!("writer{t}"))).unwrap();
        let mut is: Vec<_> = mine.iter().map(|r| r.event.details["i"].parse::<usize>().unwrap()).collect();
        is.sort_unstable();
        assert_eq!(is, (0..EACH).collect::<Vec<_>>(), "writer{t}: every event once");
    }
}

/// Eight logs on eight connections to one file append at once: whatever the interleaving, one
/// chain, intact, with every event once, and each log's own head still in it.
#[test]
fn logs_on_separate_connections_to_one_file_never_fork_the_chain() {
    const THREADS: usize = 8;
    const EACH: usize = 25;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    AuditLog::open(&path, key()).unwrap();
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (path, start) = (path.clone(), start.clone());
            std::thread::spawn(move || {
                let log = AuditLog::open(&path, key()).unwrap();
                start.wait();
                for i in 0..EACH {
                    log.append(&event(&format!("writer{t}"), i)).unwrap();
                }
                log.verify().unwrap()
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap().is_intact(), "each log's anchor is in the shared chain");
    }
    let log = AuditLog::open(&path, key()).unwrap();
    assert_eq!(rows(&log.verify().unwrap()), (THREADS * EACH) as u64);
    for t in 0..THREADS {
        assert_eq!(log.query(&AuditQuery::new().actor(format!("writer{t}"))).unwrap().len(), EACH);
    }
}
