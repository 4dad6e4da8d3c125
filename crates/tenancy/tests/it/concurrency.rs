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
