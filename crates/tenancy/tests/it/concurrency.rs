use crate::common::{Ops, fixture, utc};
use forecast_core::{ManualClock, NoAudit};
use forecast_tenancy::{LimitSpec, NewTenant, Plan, TenancyError, TenantId, TenantStore, limits};
use std::sync::{Arc, Barrier};
use std::thread;

const LIMIT: u64 = 500;
const THREADS: usize = 8;
const ATTEMPTS: usize = 100;

fn tally(results: Vec<Vec<Result<u64, TenancyError>>>) -> (u64, usize) {
    let (mut granted, mut denied) = (0, 0);
    for r in results.into_iter().flatten() {
        match r {
            Ok(amount) => granted += amount,
            Err(TenancyError::QuotaExceeded { .. }) => denied += 1,
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    (granted, denied)
}

#[test]
fn eight_threads_with_their_own_connections_never_exceed_a_hard_quota() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenants.db");
    let clock = Arc::new(ManualClock::new(utc("2026-03-10T12:00:00Z")));
    let store = TenantStore::open(&path, clock.clone(), Arc::new(NoAudit)).unwrap();
    store.define_plan(&Plan::custom("tight").limit(limits::API_CALLS, LimitSpec::hard_monthly(LIMIT)), &Ops).unwrap();
    let id = store.create_tenant(NewTenant::new("shop", "Shop", "tight").unwrap(), &Ops).unwrap().id;

    let start = Barrier::new(THREADS);
    let results: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (path, clock, id, start) = (&path, clock.clone(), id.clone(), &start);
                s.spawn(move || {
                    let own = TenantStore::open(path, clock, Arc::new(NoAudit)).unwrap();
                    let scope = own.scope(&id).unwrap();
                    // Everyone connected before anyone consumes, so the attempts overlap.
                    start.wait();
                    (0..ATTEMPTS)
                        .map(|j| scope.consume(limits::API_CALLS, 1, &format!("t{t}-{j}")).map(|_| 1))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (granted, denied) = tally(results);
    // 800 attempts of 1 unit against 500: exactly 500 succeed, 300 are refused.
    assert_eq!((granted, denied), (LIMIT, THREADS * ATTEMPTS - LIMIT as usize));
    assert_eq!(store.scope(&id).unwrap().quota(limits::API_CALLS).unwrap().used, LIMIT);
}

#[test]
fn eight_threads_sharing_one_store_with_mixed_amounts_never_exceed_a_hard_quota() {
    let f = fixture("2026-03-10T12:00:00Z");
    f.store.define_plan(&Plan::custom("tight").limit(limits::API_CALLS, LimitSpec::hard_monthly(LIMIT)), &Ops).unwrap();
    let id: TenantId = f.tenant("shop", "tight", "UTC", "USD").id;
    let scope = f.store.scope(&id).unwrap();
    let start = Barrier::new(THREADS);
    let results: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let (scope, start) = (&scope, &start);
                s.spawn(move || {
                    start.wait();
                    let amount = (i % 3 + 1) as u64;
                    (0..ATTEMPTS)
                        .map(|j| scope.consume(limits::API_CALLS, amount, &format!("t{i}-{j}")).map(|_| amount))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (granted, denied) = tally(results);
    let used = scope.quota(limits::API_CALLS).unwrap().used;
    assert_eq!(used, granted, "every success is counted once");
    assert!(used <= LIMIT, "used {used} of {LIMIT}");
    assert!(denied > 0);
}

#[test]
fn eight_threads_deleting_one_tenant_delete_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenants.db");
    let clock = Arc::new(ManualClock::new(utc("2026-03-10T12:00:00Z")));
    let audit = Arc::new(forecast_core::MemoryAuditSink::new());
    let store = TenantStore::open(&path, clock.clone(), audit.clone()).unwrap();
    let id = store.create_tenant(NewTenant::new("shop", "Shop", "pro").unwrap(), &Ops).unwrap().id;
    let start = Barrier::new(THREADS);
    let results: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let (path, clock, audit, id, start) = (&path, clock.clone(), audit.clone(), id.clone(), &start);
                s.spawn(move || {
                    let own = TenantStore::open(path, clock, audit).unwrap();
                    start.wait();
                    own.delete_tenant(&id, &Ops)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let deleted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(deleted, 1, "exactly one deletion commits");
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(matches!(r, TenancyError::InvalidTransition { action: "delete", .. }), "{r}");
    }
    let audited = audit.events().iter().filter(|e| e.action == "tenant.delete").count();
    assert_eq!(audited, 1, "one deletion, one audit row");
}

#[test]
fn eight_threads_changing_plans_leave_one_history_row_per_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenants.db");
    let clock = Arc::new(ManualClock::new(utc("2026-03-10T12:00:00Z")));
    let store = TenantStore::open(&path, clock.clone(), Arc::new(NoAudit)).unwrap();
    let id = store.create_tenant(NewTenant::new("shop", "Shop", "free").unwrap(), &Ops).unwrap().id;
    let start = Barrier::new(THREADS);
    let plans = ["free", "pro", "enterprise"];
    let results: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (path, clock, id, start) = (&path, clock.clone(), id.clone(), &start);
                s.spawn(move || {
                    let own = TenantStore::open(path, clock, Arc::new(NoAudit)).unwrap();
                    start.wait();
                    own.change_plan(&id, plans[t % plans.len()], &Ops)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let changed = results.iter().filter(|r| r.is_ok()).count();
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(matches!(r, TenancyError::InvalidTransition { action: "change plan", .. }), "{r}");
    }
    // Every committed change, and only those, is in the plan history the invoice prorates by.
    let export = store.scope(&id).unwrap().export().unwrap();
    let history = export.tables.get("plan_history").map_or(0, Vec::len);
    assert_eq!(history, changed + 1, "the creation row plus one per committed change");
}
