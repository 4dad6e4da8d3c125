use crate::common::{Fixture, fixture, utc};
use forecast_tenancy::{BillingPeriod, MeterPrice, Plan, TenancyError, TenantScope, UsageEvent};

/// The golden plan: 79.99 a month; 10,000 API calls included then 0.00125 each; every forecast
/// row at 0.000333; 100 explanations included then 0.015 each.
fn growth() -> Plan {
    Plan::custom("growth")
        .base_price_micros(79_990_000)
        .meter_price("api_calls", MeterPrice { included: 10_000, unit_price_micros: 1_250 })
        .meter_price("forecast_rows", MeterPrice { included: 0, unit_price_micros: 333 })
        .meter_price("explanations", MeterPrice { included: 100, unit_price_micros: 15_000 })
}

/// March 2026 usage of an Auckland tenant: 12,348 API calls, 1,000,001 forecast rows,
/// 90 explanations, plus events that must not count (duplicates, other months, unpriced meters).
fn march_usage(scope: &TenantScope<'_>) {
    let mut events = Vec::new();
    for i in 0..12 {
        events.push(UsageEvent::new(format!("api-{i}"), "api_calls", 1_000, utc("2026-03-10T00:00:00Z")));
    }
    events.push(UsageEvent::new("api-12", "api_calls", 348, utc("2026-03-30T23:00:00Z")));
    events.push(UsageEvent::new("rows-1", "forecast_rows", 1_000_001, utc("2026-03-15T00:00:00Z")));
    for i in 0..90 {
        events.push(UsageEvent::new(format!("xai-{i}"), "explanations", 1, utc("2026-03-20T00:00:00Z")));
    }
    // 28 Feb 10:00 UTC is 23:00 on 28 February in Auckland: February's.
    events.push(UsageEvent::new("feb", "api_calls", 999_999, utc("2026-02-28T10:00:00Z")));
    // 31 March 11:00 UTC is 00:00 on 1 April (NZDT): April's.
    events.push(UsageEvent::new("apr", "api_calls", 999_999, utc("2026-03-31T11:00:00Z")));
    events.push(UsageEvent::new("unpriced", "storage_bytes", 5_000, utc("2026-03-10T00:00:00Z")));
    scope.ingest_batch(&events).unwrap();
    // Resending the first 50 events changes nothing.
    assert_eq!(scope.ingest_batch(&events[..50]).unwrap().duplicates, 50);
}

fn golden(currency: &str) -> (Fixture, forecast_tenancy::Invoice) {
    let f = fixture("2026-04-02T00:00:00Z");
    f.store.define_plan(&growth(), "ops").unwrap();
    let t = f.tenant("kiwi-grocer", "growth", "Pacific/Auckland", currency);
    let scope = f.store.scope(&t.id).unwrap();
    march_usage(&scope);
    let invoice = scope.issue_invoice(BillingPeriod::new(2026, 3).unwrap()).unwrap();
    (f, invoice)
}

fn amounts(invoice: &forecast_tenancy::Invoice) -> Vec<(u64, i64)> {
    invoice.lines.iter().map(|l| (l.quantity, l.amount_minor)).collect()
}

#[test]
fn golden_invoice_in_nzd() {
    let (_f, invoice) = golden("NZD");
    // Lines: base, then meters by name (api_calls, explanations, forecast_rows). NZD has 2 decimals,
    // so 1 cent = 10,000 micros.
    // base:          79,990,000 micros / 10,000 = 7,999 cents.
    // api_calls:     12,348 - 10,000 = 2,348 x 1,250 = 2,935,000 micros = 293.5 cents -> 294 (tie, to even).
    // explanations:  90 used, 100 included -> 0 charged -> 0 cents.
    // forecast_rows: 1,000,001 x 333 = 333,000,333 micros = 33,300.0333 cents -> 33,300.
    // total:         7,999 + 294 + 0 + 33,300 = 41,593 cents = 415.93 NZD.
    assert_eq!(amounts(&invoice), vec![(1, 7_999), (2_348, 294), (0, 0), (1_000_001, 33_300)]);
    assert_eq!(invoice.lines[1].used, 12_348);
    assert_eq!(invoice.lines[2].used, 90);
    assert_eq!(invoice.total_minor, 41_593);
    assert_eq!(invoice.currency.format_minor(invoice.total_minor), "415.93 NZD");
}

#[test]
fn golden_invoice_in_jpy_and_kwd() {
    // JPY has no decimals: 1 yen = 1,000,000 micros.
    // base 79.99 -> 80; api_calls 2.935 -> 3; explanations 0; forecast_rows 333.000333 -> 333; total 416.
    let (_f, jpy) = golden("JPY");
    assert_eq!(amounts(&jpy), vec![(1, 80), (2_348, 3), (0, 0), (1_000_001, 333)]);
    assert_eq!(jpy.total_minor, 416);
    // KWD has 3 decimals: 1 fils = 1,000 micros.
    // base 79,990 fils; api_calls 2,935 fils; explanations 0; forecast_rows 333,000.333 -> 333,000; total 415,925.
    let (_f, kwd) = golden("KWD");
    assert_eq!(amounts(&kwd), vec![(1, 79_990), (2_348, 2_935), (0, 0), (1_000_001, 333_000)]);
    assert_eq!(kwd.total_minor, 415_925);
}

#[test]
fn regenerating_gives_the_same_invoice_and_issuing_is_stable() {
    let (f, issued) = golden("NZD");
    let scope = f.store.scope(&issued.tenant).unwrap();
    let march = BillingPeriod::new(2026, 3).unwrap();
    assert_eq!(scope.invoice(march).unwrap(), issued);
    assert_eq!(scope.issue_invoice(march).unwrap(), issued);
    // A later plan change does not rewrite the issued invoice, but would change a preview.
    f.store.change_plan(&issued.tenant, "free", "ops").unwrap();
    assert_eq!(scope.issue_invoice(march).unwrap(), issued);
    assert_eq!(scope.invoice(march).unwrap().total_minor, 0);
    assert_eq!(f.actions().iter().filter(|a| *a == "invoice.issue:success").count(), 1);
    // April has not ended in Auckland on 2 April.
    let early = scope.issue_invoice(march.next()).unwrap_err();
    assert!(matches!(early, TenancyError::InvalidField { field: "billing period", .. }), "{early}");
    let text = issued.to_string();
    assert!(text.contains("415.93 NZD") && text.contains("api_calls beyond 10000 included"), "{text}");
}
