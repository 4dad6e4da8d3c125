//! Metering ingest throughput: `ingest_batch` of 1,000 events per tenant into a file-backed
//! SQLite store (WAL) holding 1,000 tenants.
//!
//! `cargo bench --bench metering` first ingests 1,000 tenants x 1,000 events once and prints
//! the events per second, then runs the criterion benches. As a test (`cargo test --benches`)
//! it runs 3 tenants x 10 events.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, Throughput};
use forecast::core::tenant::{TenantAdminAction, TenantAdminCheck};
use forecast::core::{ManualClock, NoAudit};
use forecast::tenancy::{NewTenant, TenantId, TenantStore, UsageEvent};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

const METERS: [&str; 3] = ["api_calls", "forecast_rows", "explanations"];

fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// (tenants, events per tenant).
fn sizes() -> (usize, usize) {
    if bench_mode() { (1_000, 1_000) } else { (3, 10) }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).single().unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: TenantStore,
    tenants: Vec<TenantId>,
}

/// The bench is the operator of its own store.
#[derive(Debug)]
struct Operator;

impl TenantAdminCheck for Operator {
    fn actor(&self) -> String {
        "bench".into()
    }
    fn check(&self, _: TenantAdminAction, _: Option<&TenantId>) -> forecast::core::Result<()> {
        Ok(())
    }
}

fn fixture(n_tenants: usize) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    // Tenants exist from the start of February, so all of March's usage is theirs.
    let clock = Arc::new(ManualClock::new(start() - TimeDelta::days(28)));
    let store = TenantStore::open(dir.path().join("tenants.db"), clock.clone(), Arc::new(NoAudit)).expect("open store");
    let tenants = (0..n_tenants)
        .map(|i| {
            let new = NewTenant::new(&format!("tenant-{i:04}"), format!("Tenant {i}"), "pro").expect("tenant id");
            store.create_tenant(new.timezone("Pacific/Auckland"), &Operator).expect("create tenant").id
        })
        .collect();
    clock.set(start() + TimeDelta::days(20));
    Fixture { _dir: dir, store, tenants }
}

/// `n` events with keys `{prefix}-{i}` spread over March.
fn batch(prefix: &str, n: usize) -> Vec<UsageEvent> {
    (0..n)
        .map(|i| {
            let at = start() + TimeDelta::seconds((i as i64 * 2_591) % 2_592_000);
            UsageEvent::new(format!("{prefix}-{i}"), METERS[i % METERS.len()], (i % 17 + 1) as u64, at)
        })
        .collect()
}

/// Ingest every tenant's batch once; return (events, time spent inside `ingest_batch`).
fn full_run(fx: &Fixture, per_tenant: usize) -> (usize, Duration) {
    let mut spent = Duration::ZERO;
    let mut events = 0;
    for id in &fx.tenants {
        let scope = fx.store.scope(id).expect("scope");
        let events_of_tenant = batch("full", per_tenant);
        let t0 = Instant::now();
        let report = scope.ingest_batch(&events_of_tenant).expect("ingest");
        spent += t0.elapsed();
        events += report.accepted;
    }
    (events, spent)
}

fn ingest(c: &mut Criterion) {
    let (n_tenants, per_tenant) = sizes();
    let fx = fixture(n_tenants);
    let (events, spent) = full_run(&fx, per_tenant);
    println!(
        "metering full run: {n_tenants} tenants x {per_tenant} events = {events} events in {:.2} s: {:.0} events/s",
        spent.as_secs_f64(),
        events as f64 / spent.as_secs_f64().max(1e-9)
    );

    let mut group = c.benchmark_group("metering");
    group.sample_size(10);
    group.throughput(Throughput::Elements(per_tenant as u64));
    let mut round = 0usize;
    group.bench_function(BenchmarkId::new("ingest_batch_fresh", per_tenant), |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                round += 1;
                let scope = fx.store.scope(&fx.tenants[round % fx.tenants.len()]).expect("scope");
                let events = batch(&format!("r{round}"), per_tenant);
                let t0 = Instant::now();
                black_box(scope.ingest_batch(&events).expect("ingest"));
                spent += t0.elapsed();
            }
            spent
        });
    });
    let resend = batch("full", per_tenant);
    let scope = fx.store.scope(&fx.tenants[0]).expect("scope");
    group.bench_function(BenchmarkId::new("ingest_batch_duplicates", per_tenant), |b| {
        b.iter(|| black_box(scope.ingest_batch(&resend).expect("ingest")));
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    ingest(&mut criterion);
    criterion.final_summary();
}
