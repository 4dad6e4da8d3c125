//! GCRA rate limiter: decisions per second on one thread, over 1, 1 000 and 100 000 keys.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use forecast::core::SystemClock;
use forecast::security::{KeyKind, RateLimiter, RateLimiterConfig};
use std::hint::black_box;
use std::sync::Arc;

fn decisions(c: &mut Criterion) {
    let mut group = c.benchmark_group("rate_limit_check");
    for n_keys in [1usize, 1_000, 100_000] {
        let config = RateLimiterConfig { max_keys: 200_000, ..RateLimiterConfig::default() };
        let limiter = RateLimiter::new(config, Arc::new(SystemClock)).expect("default config is valid");
        let keys: Vec<_> = (0..n_keys).map(|i| limiter.key(KeyKind::User, &format!("user-{i}"))).collect();
        let batch = 1_000;
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n_keys), &keys, |b, keys| {
            let mut i = 0usize;
            b.iter(|| {
                for _ in 0..batch {
                    black_box(limiter.check(keys[i]));
                    i = (i + 1) % keys.len();
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
