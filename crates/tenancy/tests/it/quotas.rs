use crate::common::{Ops, TenantAdmin, fixture, utc};
use chrono::TimeDelta;
use forecast_tenancy::{Aggregation, BillingPeriod, Enforcement, TenancyError, UsageEvent, limits};

#[test]
fn hard_limit_denies_naming_limit_usage_and_reset_time() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("shop", "free", "America/Los_Angeles", "USD");
    let scope = f.store.scope(&t.id).unwrap();
    let status = scope.consume(limits::API_CALLS, 1_000, "q1").unwrap();
    assert_eq!((status.used, status.remaining(), status.enforcement), (1_000, 0, Enforcement::Hard));
    let err = scope.consume(limits::API_CALLS, 1, "q2").unwrap_err();
    // March ends at local midnight 1 April, PDT (UTC-7): 07:00 UTC.
    match &err {
        TenancyError::QuotaExceeded { limit, limit_value, used, requested, resets_at, .. } => {
            assert_eq!((limit.as_str(), *limit_value, *used, *requested), ("api_calls", 1_000, 1_000, 1));
            assert_eq!(*resets_at, Some(utc("2026-04-01T07:00:00Z")));
        }
        other => panic!("expected QuotaExceeded, got {other}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("`api_calls`") && message.contains("1000 used") && message.contains("2026-04-01T07:00:00")
    );
    assert_eq!(scope.quota(limits::API_CALLS).unwrap().used, 1_000, "a refusal consumes nothing");
    assert_eq!(f.actions().iter().filter(|a| *a == "quota.consume:denied").count(), 1);
}

#[test]
fn soft_limit_allows_and_records_overage() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("chain", "pro", "UTC", "USD");
    let scope = f.store.scope(&t.id).unwrap();
    scope.consume(limits::API_CALLS, 100_000, "q3").unwrap();
    let status = scope.consume(limits::API_CALLS, 50, "q4").unwrap();
    assert_eq!((status.used, status.overage, status.enforcement), (100_050, 50, Enforcement::Soft));
    let event = f.audit.events().into_iter().last().unwrap();
    assert_eq!(event.details.get("overage").map(String::as_str), Some("50"));
    let export = scope.export().unwrap();
    assert_eq!(export.tables["quota_usage"][0]["used"], 100_050);
}

#[test]
fn grants_top_up_the_current_period_only() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("shop", "free", "UTC", "USD");
    let scope = f.store.scope(&t.id).unwrap();
    scope.consume(limits::API_CALLS, 1_000, "q5").unwrap();
    let topped = f.store.grant_quota(&t.id, limits::API_CALLS, 500, "campaign week", &Ops).unwrap();
    assert_eq!((topped.limit_value, topped.granted, topped.remaining()), (1_500, 500, 500));
    scope.consume(limits::API_CALLS, 500, "q6").unwrap();
    assert!(matches!(
        scope.consume(limits::API_CALLS, 1, "q7"),
        Err(TenancyError::QuotaExceeded { limit_value: 1_500, .. })
    ));
    assert!(matches!(
        f.store.grant_quota(&t.id, limits::API_CALLS, 0, "nothing", &Ops),
        Err(TenancyError::InvalidUsage { .. })
    ));

    f.clock.set(utc("2026-04-01T00:00:00Z"));
    let april = scope.quota(limits::API_CALLS).unwrap();
    assert_eq!((april.limit_value, april.granted, april.used), (1_000, 0, 0));
    assert_eq!(april.period, Some(BillingPeriod::new(2026, 4).unwrap()));
    assert!(f.actions().contains(&"quota.grant:success".to_owned()));
}

#[test]
fn capacities_never_reset_and_can_be_released() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("shop", "free", "UTC", "USD");
    let scope = f.store.scope(&t.id).unwrap();
    scope.consume(limits::MODELS, 1, "q8").unwrap();
    let err = scope.consume(limits::MODELS, 1, "q9").unwrap_err();
    assert!(matches!(err, TenancyError::QuotaExceeded { resets_at: None, .. }));
    assert!(err.to_string().contains("does not reset"), "{err}");
    f.clock.advance(TimeDelta::days(62));
    assert_eq!(scope.quota(limits::MODELS).unwrap().used, 1);
    assert_eq!(scope.release(limits::MODELS, 5, "r1").unwrap().used, 0);
    scope.consume(limits::MODELS, 1, "q10").unwrap();
    assert!(matches!(scope.consume("gpus", 1, "g"), Err(TenancyError::NotInPlan { .. })));
}

/// Consume the whole monthly quota one second before local midnight, then step over it.
fn rollover(timezone: &str, last_second: &str, reset: &str, before: (i32, u32)) {
    let f = fixture(last_second);
    let t = f.tenant("shop", "free", timezone, "USD");
    let scope = f.store.scope(&t.id).unwrap();
    let status = scope.consume(limits::API_CALLS, 1_000, "q11").unwrap();
    assert_eq!(status.period, Some(BillingPeriod::new(before.0, before.1).unwrap()), "{timezone}");
    assert_eq!(status.resets_at, Some(utc(reset)), "{timezone}");
    assert!(scope.consume(limits::API_CALLS, 1, "q12").is_err());
    f.clock.advance(TimeDelta::seconds(1));
    let after = scope.consume(limits::API_CALLS, 1, "q13").unwrap();
    assert_eq!(after.period, Some(BillingPeriod::new(before.0, before.1).unwrap().next()), "{timezone}");
    assert_eq!(after.used, 1, "{timezone}");
}

#[test]
fn month_rolls_over_at_local_midnight_in_auckland() {
    // 28 Feb 2026 10:59:59 UTC is 23:59:59 NZDT (UTC+13) on the last day of February.
    rollover("Pacific/Auckland", "2026-02-28T10:59:59Z", "2026-02-28T11:00:00Z", (2026, 2));
    // Auckland leaves DST on 5 April: 1 May midnight is NZST (UTC+12), 30 April 12:00 UTC.
    rollover("Pacific/Auckland", "2026-04-30T11:59:59Z", "2026-04-30T12:00:00Z", (2026, 4));
}

#[test]
fn month_rolls_over_at_local_midnight_in_los_angeles() {
    // 1 March 07:59:59 UTC is 23:59:59 PST (UTC-8) on 28 February; a UTC tenant would already be in March.
    rollover("America/Los_Angeles", "2026-03-01T07:59:59Z", "2026-03-01T08:00:00Z", (2026, 2));
    // After the 8 March DST change, April starts at 07:00 UTC (PDT, UTC-7).
    rollover("America/Los_Angeles", "2026-04-01T06:59:59Z", "2026-04-01T07:00:00Z", (2026, 3));
    // Year end: 1 January 2027 08:00 UTC.
    rollover("America/Los_Angeles", "2027-01-01T07:59:59Z", "2027-01-01T08:00:00Z", (2026, 12));
}

/// Hole 8, grants: on main `TenantScope::grant` let any tenant-side code top up its own quota.
/// Now a grant is an operator action on the store, checked and audited.
#[test]
fn only_an_operator_grants_and_a_refusal_is_audited() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("shop", "free", "UTC", "USD");
    let refused = f.store.grant_quota(&t.id, limits::API_CALLS, 1_000_000, "self-service", &TenantAdmin).unwrap_err();
    assert!(matches!(refused, TenancyError::NotPermitted { .. }), "{refused}");
    assert!(f.actions().contains(&"quota.grant:denied".to_owned()));
    let scope = f.store.scope(&t.id).unwrap();
    assert_eq!(scope.quota(limits::API_CALLS).unwrap().limit_value, 1_000, "nothing was granted");
    f.store.grant_quota(&t.id, limits::API_CALLS, 10, "goodwill", &Ops).unwrap();
    assert_eq!(scope.quota(limits::API_CALLS).unwrap().limit_value, 1_010);
}

/// Hole 8, idempotency and one source of truth: a retried consume counts once, and the usage
/// a quota counts is the usage metering reports and the invoice bills.
#[test]
fn consume_is_idempotent_and_agrees_with_metering() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("chain", "pro", "UTC", "USD");
    let scope = f.store.scope(&t.id).unwrap();
    let first = scope.consume(limits::API_CALLS, 40, "req-1").unwrap();
    let retry = scope.consume(limits::API_CALLS, 40, "req-1").unwrap();
    assert!(!first.replayed && retry.replayed);
    assert_eq!(retry.used, 40, "counted once");
    assert!(matches!(scope.consume(limits::API_CALLS, 41, "req-1"), Err(TenancyError::IdempotencyConflict { .. })));
    scope.ingest(&UsageEvent::new("batch-7", limits::API_CALLS, 60, utc("2026-03-09T00:00:00Z"))).unwrap();
    let march = BillingPeriod::new(2026, 3).unwrap();
    assert_eq!(scope.quota(limits::API_CALLS).unwrap().used, 100);
    assert_eq!(scope.aggregate(limits::API_CALLS, march, Aggregation::Sum).unwrap(), 100);
    assert_eq!(scope.invoice(march).unwrap().lines[1].used, 100);
    // A hard limit refuses a metered batch that would pass it, like a consume.
    let free = f.tenant("shop", "free", "UTC", "USD");
    let shop = f.store.scope(&free.id).unwrap();
    shop.consume(limits::API_CALLS, 990, "c").unwrap();
    let over = shop.ingest(&UsageEvent::new("late-burst", limits::API_CALLS, 20, utc("2026-03-10T11:00:00Z")));
    assert!(matches!(over, Err(TenancyError::QuotaExceeded { .. })), "{over:?}");
    assert_eq!(
        shop.aggregate(limits::API_CALLS, march, Aggregation::Sum).unwrap(),
        990,
        "the refused batch left no row"
    );
}

/// Hole 8, overage: soft-limit overage is invoiced.
#[test]
fn soft_limit_overage_is_invoiced() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("chain", "pro", "UTC", "USD");
    let scope = f.store.scope(&t.id).unwrap();
    scope.consume(limits::API_CALLS, 100_000, "a").unwrap();
    scope.consume(limits::API_CALLS, 2_000, "b").unwrap();
    f.store.grant_quota(&t.id, limits::API_CALLS, 500, "goodwill", &Ops).unwrap();
    f.clock.set(utc("2026-04-02T00:00:00Z"));
    let invoice = scope.issue_invoice(BillingPeriod::new(2026, 3).unwrap()).unwrap();
    let line = invoice.lines.iter().find(|l| l.meter.as_deref() == Some(limits::API_CALLS)).unwrap();
    // 102,000 used against 100,000 + 500 granted: 1,500 over at 0.0005 USD = 0.75 USD = 75 cents.
    assert_eq!((line.used, line.included, line.quantity, line.amount_minor), (102_000, 100_500, 1_500, 75));
    // Base 49.00 USD for the full month, plus the overage.
    assert_eq!(invoice.total_minor, 4_900 + 75);
}

/// Concurrent first registrations of one model name, retries of one request: counted once.
#[test]
fn eight_threads_replaying_one_key_count_once() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("shop", "free", "UTC", "USD");
    let scope = f.store.scope(&t.id).unwrap();
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for i in 0..25 {
                    scope.consume(limits::API_CALLS, 3, &format!("req-{i}")).unwrap();
                }
            });
        }
    });
    assert_eq!(scope.quota(limits::API_CALLS).unwrap().used, 75);
}
