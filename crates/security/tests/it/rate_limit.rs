//! GCRA rate limiter: exact quotas, refill, per-key sizes, threads, bounded memory.

use crate::common::clock;
use chrono::TimeDelta;
use forecast_security::{KeyKind, Quota, RateLimiter, RateLimiterConfig};
use std::sync::Arc;
use std::time::Duration;

fn admitted(limiter: &RateLimiter, key: forecast_security::RateKey, n: usize) -> usize {
    (0..n).filter(|_| limiter.check(key).allowed).count()
}

#[test]
fn default_quota_is_1000_per_minute_with_retry_after() {
    let c = clock();
    let limiter = RateLimiter::new(RateLimiterConfig::default(), c.clone()).unwrap();
    let key = limiter.key(KeyKind::User, "alice");
    let first = limiter.check(key);
    assert!(first.allowed);
    assert_eq!(first.remaining, 999);
    assert_eq!(admitted(&limiter, key, 2000), 999);
    let denied = limiter.check(key);
    assert!(!denied.allowed);
    assert_eq!(denied.retry_after, Duration::from_millis(60), "one token per 60 ms");
    c.advance(TimeDelta::milliseconds(59));
    assert!(!limiter.check(key).allowed);
    assert_eq!(limiter.check(key).retry_after, Duration::from_millis(1));
    c.advance(TimeDelta::milliseconds(1));
    assert!(limiter.check(key).allowed);
    assert!(!limiter.check(key).allowed);
    c.advance(TimeDelta::minutes(1));
    assert_eq!(admitted(&limiter, key, 2000), 1000, "a quiet minute refills the whole burst");
}

#[test]
fn keys_have_quotas_of_different_sizes() {
    let c = clock();
    let config = RateLimiterConfig { api_key: Quota::per_minute(10).unwrap(), ..RateLimiterConfig::default() };
    let limiter = RateLimiter::new(config, c.clone()).unwrap();
    let acme = limiter.key(KeyKind::Tenant, "acme");
    let small = limiter.key(KeyKind::Tenant, "small");
    let api = limiter.key(KeyKind::ApiKey, "k-123");
    let user_named_acme = limiter.key(KeyKind::User, "acme");
    assert_ne!(acme, user_named_acme);
    limiter.set_quota(acme, Quota::per_minute(5000).unwrap());
    assert_eq!(admitted(&limiter, acme, 6000), 5000);
    assert_eq!(admitted(&limiter, small, 6000), 1000);
    assert_eq!(admitted(&limiter, api, 100), 10);
    assert_eq!(admitted(&limiter, user_named_acme, 2000), 1000);
    // Changing a live key's quota takes effect at once; clearing returns to the default.
    c.advance(TimeDelta::minutes(1));
    limiter.set_quota(small, Quota::per_minute(3).unwrap().burst(2).unwrap());
    assert_eq!(admitted(&limiter, small, 10), 2);
    limiter.clear_quota(acme);
    c.advance(TimeDelta::minutes(1));
    assert_eq!(admitted(&limiter, acme, 6000), 1000);
}

#[test]
fn eight_threads_admit_exactly_the_quota() {
    let c = clock();
    let limiter = Arc::new(RateLimiter::new(RateLimiterConfig::default(), c).unwrap());
    let key = limiter.key(KeyKind::Tenant, "acme");
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let limiter = limiter.clone();
            std::thread::spawn(move || admitted(&limiter, key, 10_000))
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 1000, "8 x 10,000 requests at a still clock");
}

#[test]
fn memory_is_bounded_and_idle_keys_are_evicted() {
    let c = clock();
    let config = RateLimiterConfig { max_keys: 64, shards: 1, ..RateLimiterConfig::default() };
    let limiter = RateLimiter::new(config, c.clone()).unwrap();
    for i in 0..64 {
        assert!(limiter.check(limiter.key(KeyKind::User, &format!("u{i}"))).allowed);
    }
    assert_eq!(limiter.len(), 64);
    let newcomer = limiter.check(limiter.key(KeyKind::User, "late"));
    assert!(!newcomer.allowed, "full of active keys: refuse rather than forget a debt");
    assert_eq!(newcomer.retry_after, Duration::from_millis(60));
    // Known keys still get their answers.
    assert!(limiter.check(limiter.key(KeyKind::User, "u3")).allowed);
    c.advance(TimeDelta::milliseconds(60));
    assert!(limiter.check(limiter.key(KeyKind::User, "late")).allowed, "idle keys make room");
    assert!(limiter.len() <= 64);
    c.advance(TimeDelta::seconds(1));
    let tracked = limiter.len();
    assert!(tracked > 0);
    assert_eq!(limiter.evict_idle(), tracked);
    assert!(limiter.is_empty());
}

#[test]
fn a_clock_moving_backwards_grants_nothing_extra() {
    let c = clock();
    let limiter = RateLimiter::new(RateLimiterConfig::default(), c.clone()).unwrap();
    let key = limiter.key(KeyKind::User, "alice");
    c.advance(TimeDelta::hours(1));
    assert_eq!(admitted(&limiter, key, 1500), 1000);
    c.advance(TimeDelta::hours(-2));
    assert_eq!(admitted(&limiter, key, 10), 0);
}

#[test]
fn invalid_quotas_are_refused() {
    assert!(Quota::per_minute(0).is_err());
    assert!(Quota::new(10, Duration::from_nanos(5)).is_err());
    assert!(Quota::per_second(5).unwrap().burst(0).is_err());
    let bad =
        RateLimiterConfig { user: Quota { limit: 0, period: Duration::from_secs(1), burst: 1 }, ..Default::default() };
    assert!(RateLimiter::new(bad, clock()).is_err());
}

/// Wiring: a tenant's plan rate (read through the tenant directory) feeds its key's quota,
/// a plan change applies after the refresh interval, and an inactive tenant is refused.
#[test]
fn plan_rates_feed_tenant_keys() {
    use forecast_core::tenant::{ApiRate, FixedTenants, TenantStatus};
    let c = clock();
    let acme = crate::common::id("acme");
    let directory = Arc::new(FixedTenants::active([&acme]));
    directory.set_api_rate(&acme, Some(ApiRate::per_minute(20)));
    let limiter = RateLimiter::new(RateLimiterConfig::default(), c.clone())
        .unwrap()
        .with_tenants(directory.clone(), Duration::from_secs(30));
    assert_eq!((0..100).filter(|_| limiter.check_tenant(&acme).allowed).count(), 20);
    directory.set_api_rate(&acme, Some(ApiRate::per_minute(50)));
    c.advance(TimeDelta::minutes(1));
    assert_eq!((0..100).filter(|_| limiter.check_tenant(&acme).allowed).count(), 50, "re-read after the refresh");
    directory.set(&acme, TenantStatus::Suspended);
    c.advance(TimeDelta::minutes(1));
    assert!(!limiter.check_tenant(&acme).allowed);
    let unknown = crate::common::id("ghost");
    assert!(!limiter.check_tenant(&unknown).allowed, "unknown tenants are refused");
}
