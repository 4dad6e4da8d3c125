//! GCRA rate limiter: decisions per second on one thread, over 1, 1 000 and 100 000 keys,
//! with the system clock (a real deployment) and a manual clock (the limiter's own cost).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use forecast::core::tenant::{ApiRate, FixedTenants, TenantId};
use forecast::core::{Clock, ManualClock, SystemClock};
use forecast::security::{KeyKind, RateLimiter, RateLimiterConfig};
use std::hint::black_box;
use std::sync::Arc;

const BATCH: usize = 1_000;

fn decisions(c: &mut Criterion) {
    let mut group = c.benchmark_group("rate_limit_check");
    group.throughput(Throughput::Elements(BATCH as u64));
    let clocks: [(&str, Arc<dyn Clock>); 2] =
        [("system_clock", Arc::new(SystemClock)), ("manual_clock", Arc::new(ManualClock::new(SystemClock.now())))];
    for (clock_name, clock) in clocks {
        for n_keys in [1usize, 1_000, 100_000] {
            let config = RateLimiterConfig { max_keys: 200_000, ..RateLimiterConfig::default() };
            let limiter = RateLimiter::new(config, clock.clone()).expect("default config is valid");
            let keys: Vec<_> = (0..n_keys).map(|i| limiter.key(KeyKind::User, &format!("user-{i}"))).collect();
            group.bench_with_input(BenchmarkId::new(clock_name, n_keys), &keys, |b, keys| {
                let mut i = 0usize;
                b.iter(|| {
                    for _ in 0..BATCH {
                        black_box(limiter.check(keys[i]));
                        i = (i + 1) % keys.len();
                    }
                })
            });
        }
    }
    // A tenant's plan rate read through the directory (cached between refreshes).
    let tenants: Vec<_> = (0..1_000).map(|i| TenantId::new(format!("tenant-{i}")).expect("tenant id")).collect();
    let directory = Arc::new(FixedTenants::active(tenants.iter()));
    for t in &tenants {
        directory.set_api_rate(t, Some(ApiRate::per_minute(1_000_000)));
    }
    let limiter = RateLimiter::new(RateLimiterConfig::default(), Arc::new(ManualClock::new(SystemClock.now())))
        .expect("default config is valid")
        .with_tenants(directory, std::time::Duration::from_secs(60));
    group.bench_function(BenchmarkId::new("check_tenant_plan_rate", tenants.len()), |b| {
        let mut i = 0usize;
        b.iter(|| {
            for _ in 0..BATCH {
                black_box(limiter.check_tenant(&tenants[i]));
                i = (i + 1) % tenants.len();
            }
        })
    });
    // The baseline: what reading the system clock alone costs on this machine.
    group.bench_function("system_clock_read_only", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                black_box(SystemClock.now());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
