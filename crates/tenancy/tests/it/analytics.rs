use crate::common::{fixture, utc};
use chrono::NaiveDate;
use forecast_tenancy::UsageEvent;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn daily_usage_is_by_local_day_and_meter() {
    let f = fixture("2026-03-20T00:00:00Z");
    let scope = f.store.scope(&f.tenant("shop", "pro", "America/Los_Angeles", "USD").id).unwrap();
    scope
        .ingest_batch(&[
            // 05:00 UTC on 10 March is 22:00 on 9 March in Los Angeles (PDT, UTC-7).
            UsageEvent::new("a", "api_calls", 4, utc("2026-03-10T05:00:00Z")),
            UsageEvent::new("b", "api_calls", 6, utc("2026-03-09T18:00:00Z")),
            UsageEvent::new("c", "forecast_rows", 10, utc("2026-03-10T18:00:00Z")),
            UsageEvent::new("d", "api_calls", 1, utc("2026-03-10T18:00:00Z")),
            UsageEvent::new("e", "api_calls", 1, utc("2026-03-12T18:00:00Z")),
        ])
        .unwrap();
    let usage = scope.daily_usage(day("2026-03-09"), day("2026-03-11")).unwrap();
    let rows: Vec<_> = usage.iter().map(|u| (u.day.to_string(), u.meter.as_str(), u.sum, u.count)).collect();
    assert_eq!(
        rows,
        vec![
            ("2026-03-09".to_owned(), "api_calls", 10, 2),
            ("2026-03-10".to_owned(), "api_calls", 1, 1),
            ("2026-03-10".to_owned(), "forecast_rows", 10, 1),
        ]
    );
}

#[test]
fn top_tenants_by_usage() {
    let f = fixture("2026-03-20T00:00:00Z");
    let at = utc("2026-03-10T00:00:00Z");
    for (id, calls) in [("alpha", 30), ("bravo", 70), ("charlie", 30), ("delta", 5)] {
        let scope = f.store.scope(&f.tenant(id, "pro", "UTC", "USD").id).unwrap();
        scope
            .ingest_batch(&[
                UsageEvent::new("k", "api_calls", calls, at),
                UsageEvent::new("r", "forecast_rows", 1_000, at),
            ])
            .unwrap();
    }
    let top = f.store.top_tenants("api_calls", utc("2026-03-01T00:00:00Z"), utc("2026-04-01T00:00:00Z"), 3).unwrap();
    let got: Vec<_> = top.iter().map(|t| (t.tenant.as_str(), t.total)).collect();
    assert_eq!(got, vec![("bravo", 70), ("alpha", 30), ("charlie", 30)]);
    assert!(
        f.store
            .top_tenants("api_calls", utc("2026-04-01T00:00:00Z"), utc("2026-05-01T00:00:00Z"), 3)
            .unwrap()
            .is_empty()
    );
}
