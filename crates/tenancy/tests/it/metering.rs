use crate::common::{fixture, utc};
use chrono::{DateTime, TimeDelta, Utc};
use forecast_tenancy::{Aggregation, BillingPeriod, TenancyError, UsageEvent};
use proptest::prelude::*;
use std::collections::BTreeMap;

const METERS: [&str; 3] = ["api_calls", "forecast_rows", "explanations"];

/// (key, meter, quantity, seconds into March) from small pools so keys repeat.
fn event_strategy() -> impl Strategy<Value = (u8, usize, u64, i64)> {
    (0u8..25, 0usize..3, 0u64..1_000, 0i64..2_500_000)
}

fn to_event((key, meter, quantity, offset): (u8, usize, u64, i64), start: DateTime<Utc>) -> UsageEvent {
    UsageEvent::new(format!("key-{key}"), METERS[meter], quantity, start + TimeDelta::seconds(offset))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Totals equal the sums over the first event seen for each key; a batch reusing a key with a
    /// different payload is rejected whole, naming the key.
    #[test]
    fn totals_equal_deduplicated_sums(
        raw in prop::collection::vec(event_strategy(), 1..120),
        resend in prop::collection::vec(any::<prop::sample::Index>(), 0..60),
        cuts in prop::collection::vec(1usize..20, 1..20),
    ) {
        let f = fixture("2026-03-20T00:00:00Z");
        let t = f.tenant("shop", "pro", "UTC", "USD");
        let scope = f.store.scope(&t.id).unwrap();
        let start = utc("2026-03-01T00:00:00Z");
        let mut stream: Vec<UsageEvent> = raw.into_iter().map(|r| to_event(r, start)).collect();
        // Exact resends of earlier events, so same-payload duplicates are common.
        for i in resend {
            let copy = stream[i.index(stream.len())].clone();
            stream.push(copy);
        }
        let mut accepted: BTreeMap<String, UsageEvent> = BTreeMap::new();
        let mut rest = stream.as_slice();
        let mut cut = cuts.iter().cycle();
        while !rest.is_empty() {
            let (batch, tail) = rest.split_at((*cut.next().unwrap()).min(rest.len()));
            rest = tail;
            let mut model = accepted.clone();
            let mut conflict = None;
            let (mut fresh, mut dups) = (0, 0);
            for e in batch {
                match model.get(&e.idempotency_key) {
                    Some(seen) if seen == e => dups += 1,
                    Some(_) => { conflict = Some(e.idempotency_key.clone()); break; }
                    None => { model.insert(e.idempotency_key.clone(), e.clone()); fresh += 1; }
                }
            }
            match (scope.ingest_batch(batch), conflict) {
                (Err(TenancyError::IdempotencyConflict { key, .. }), Some(expected)) => prop_assert_eq!(key, expected),
                (Ok(report), None) => {
                    prop_assert_eq!((report.accepted, report.duplicates), (fresh, dups));
                    accepted = model;
                }
                (got, expected) => prop_assert!(false, "got {:?}, expected conflict {:?}", got, expected),
            }
        }
        let march = BillingPeriod::new(2026, 3).unwrap();
        for meter in METERS {
            let mine: Vec<u64> = accepted.values().filter(|e| e.meter == meter).map(|e| e.quantity).collect();
            prop_assert_eq!(scope.aggregate(meter, march, Aggregation::Sum).unwrap(), mine.iter().sum::<u64>());
            prop_assert_eq!(scope.aggregate(meter, march, Aggregation::Count).unwrap(), mine.len() as u64);
            prop_assert_eq!(scope.aggregate(meter, march, Aggregation::Max).unwrap(), mine.iter().copied().max().unwrap_or(0));
        }
    }
}

#[test]
fn a_conflicting_payload_is_rejected_naming_the_key() {
    let f = fixture("2026-03-20T00:00:00Z");
    let scope = f.store.scope(&f.tenant("shop", "pro", "UTC", "USD").id).unwrap();
    let at = utc("2026-03-19T10:00:00Z");
    scope.ingest(&UsageEvent::new("req-42", "api_calls", 5, at)).unwrap();
    let err = scope
        .ingest_batch(&[UsageEvent::new("req-43", "api_calls", 1, at), UsageEvent::new("req-42", "api_calls", 6, at)])
        .unwrap_err();
    assert!(err.to_string().contains("`req-42`"), "{err}");
    // The batch was all or nothing: req-43 was not stored either.
    let march = BillingPeriod::new(2026, 3).unwrap();
    assert_eq!(scope.aggregate("api_calls", march, Aggregation::Count).unwrap(), 1);
    // A different time or meter is a different payload too.
    assert!(scope.ingest(&UsageEvent::new("req-42", "api_calls", 5, at + TimeDelta::seconds(1))).is_err());
    assert!(scope.ingest(&UsageEvent::new("req-42", "forecast_rows", 5, at)).is_err());
    assert_eq!(scope.ingest(&UsageEvent::new("req-42", "api_calls", 5, at)).unwrap().duplicates, 1);
}

#[test]
fn invalid_events_reject_the_whole_batch() {
    let f = fixture("2026-03-20T00:00:00Z");
    let scope = f.store.scope(&f.tenant("shop", "pro", "UTC", "USD").id).unwrap();
    let at = utc("2026-03-19T10:00:00Z");
    let good = UsageEvent::new("ok", "api_calls", 1, at);
    for bad in [
        UsageEvent::new("", "api_calls", 1, at),
        UsageEvent::new("x".repeat(256), "api_calls", 1, at),
        UsageEvent::new("k", "API Calls", 1, at),
        UsageEvent::new("k", "api_calls", u64::MAX, at),
    ] {
        assert!(scope.ingest_batch(&[good.clone(), bad]).is_err());
    }
    assert!(scope.meter_totals(BillingPeriod::new(2026, 3).unwrap()).unwrap().is_empty());
}

#[test]
fn keys_are_kept_at_least_24_hours() {
    let f = fixture("2026-03-20T00:00:00Z");
    let scope = f.store.scope(&f.tenant("shop", "pro", "UTC", "USD").id).unwrap();
    let event = UsageEvent::new("req-1", "api_calls", 7, utc("2026-03-19T23:00:00Z"));
    scope.ingest(&event).unwrap();
    f.clock.advance(TimeDelta::hours(23) + TimeDelta::minutes(59));
    // Even a request to keep keys for no time at all leaves a key younger than 24 h alone.
    assert_eq!(f.store.purge_idempotency_keys(TimeDelta::zero()).unwrap(), 0);
    assert_eq!(scope.ingest(&event).unwrap().duplicates, 1);
    assert!(scope.key_received_at("req-1").unwrap().is_some());
    f.clock.advance(TimeDelta::minutes(2));
    assert_eq!(f.store.purge_idempotency_keys(TimeDelta::hours(48)).unwrap(), 0, "48 h retention keeps it");
    assert_eq!(f.store.purge_idempotency_keys(TimeDelta::zero()).unwrap(), 1);
    assert!(scope.key_received_at("req-1").unwrap().is_none());
    let march = BillingPeriod::new(2026, 3).unwrap();
    assert_eq!(scope.aggregate("api_calls", march, Aggregation::Sum).unwrap(), 7, "purging keys keeps events");
    // A forgotten key counts again: the documented 24-hour guarantee is over.
    assert_eq!(scope.ingest(&event).unwrap().accepted, 1);
    assert_eq!(scope.aggregate("api_calls", march, Aggregation::Sum).unwrap(), 14);
}

#[test]
fn aggregations_sum_count_and_max_per_meter_per_period() {
    let f = fixture("2026-04-20T00:00:00Z");
    let scope = f.store.scope(&f.tenant("shop", "pro", "Pacific/Auckland", "NZD").id).unwrap();
    let events = [
        UsageEvent::new("a", "api_calls", 3, utc("2026-03-05T00:00:00Z")),
        UsageEvent::new("b", "api_calls", 9, utc("2026-03-06T00:00:00Z")),
        UsageEvent::new("c", "forecast_rows", 100, utc("2026-03-07T00:00:00Z")),
        // 31 March 11:30 UTC is 1 April 00:30 in Auckland: April's.
        UsageEvent::new("d", "api_calls", 50, utc("2026-03-31T11:30:00Z")),
    ];
    scope.ingest_batch(&events).unwrap();
    let march = scope.meter_totals(BillingPeriod::new(2026, 3).unwrap()).unwrap();
    assert_eq!(march.len(), 2);
    assert_eq!((march[0].meter.as_str(), march[0].sum, march[0].count, march[0].max), ("api_calls", 12, 2, 9));
    assert_eq!((march[1].meter.as_str(), march[1].sum, march[1].count, march[1].max), ("forecast_rows", 100, 1, 100));
    assert_eq!(scope.aggregate("api_calls", BillingPeriod::new(2026, 4).unwrap(), Aggregation::Sum).unwrap(), 50);
    assert_eq!(scope.aggregate("nothing", BillingPeriod::new(2026, 4).unwrap(), Aggregation::Max).unwrap(), 0);
}
