use crate::common::{Fixture, Ops, fixture, utc};
use forecast_core::Clock;
use forecast_tenancy::{BillingPeriod, Currency, MeterPrice, NewTenant, Plan, TenancyError, TenantScope, UsageEvent};

/// The golden plan, priced in `currency`: 79.99 a month; 10,000 API calls included then
/// 0.00125 each; every forecast row at 0.000333; 100 explanations included then 0.015 each.
fn growth(currency: &str) -> Plan {
    Plan::custom("growth")
        .currency(Currency::new(currency).unwrap())
        .base_price_micros(79_990_000)
        .meter_price("api_calls", MeterPrice::per_unit(10_000, 1_250))
        .meter_price("forecast_rows", MeterPrice::per_unit(0, 333))
        .meter_price("explanations", MeterPrice::per_unit(100, 15_000))
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
    f.store.define_plan(&growth(currency), &Ops).unwrap();
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
    // A later plan change does not rewrite the issued invoice.
    let free_nzd = f.plan_in("free", "NZD");
    f.store.change_plan(&issued.tenant, &free_nzd, &Ops).unwrap();
    assert_eq!(scope.issue_invoice(march).unwrap(), issued);
    assert_eq!(f.actions().iter().filter(|a| *a == "invoice.issue:success").count(), 1);
    // April has not ended in Auckland on 2 April.
    let early = scope.issue_invoice(march.next()).unwrap_err();
    assert!(matches!(early, TenancyError::InvalidField { field: "billing period", .. }), "{early}");
    let text = issued.to_string();
    assert!(text.contains("415.93 NZD") && text.contains("api_calls beyond 10000 included"), "{text}");
}

/// Hole 11, currency: on main a tenant billed in NZD could be put on a plan priced in USD
/// (or yen) and invoiced the plan's numbers in its own currency. Plans now carry their currency.
#[test]
fn a_plan_bills_only_in_its_own_currency() {
    let f = fixture("2026-03-10T00:00:00Z");
    f.store.define_plan(&growth("USD"), &Ops).unwrap();
    let nzd = NewTenant::new("kiwi", "Kiwi", "growth").unwrap().currency("NZD");
    let err = f.store.create_tenant(nzd, &Ops).unwrap_err();
    assert!(matches!(err, TenancyError::CurrencyMismatch { .. }), "{err}");
    assert!(err.to_string().contains("priced in USD"), "{err}");
    let t = f.tenant("kiwi", "free", "UTC", "NZD");
    assert!(matches!(f.store.change_plan(&t.id, "growth", &Ops), Err(TenancyError::CurrencyMismatch { .. })));
}

/// Hole 11, before creation: on main an invoice (with the full base price) was issued for
/// months before the tenant existed; now there is none, and the first month is prorated.
#[test]
fn no_invoice_before_the_tenant_existed_and_the_first_month_is_prorated() {
    let f = fixture("2026-03-21T00:00:00Z");
    f.store.define_plan(&growth("USD"), &Ops).unwrap();
    let t = f.store.create_tenant(NewTenant::new("late", "Late", "growth").unwrap(), &Ops).unwrap();
    f.clock.set(utc("2026-05-02T00:00:00Z"));
    let scope = f.store.scope(&t.id).unwrap();
    let feb = BillingPeriod::new(2026, 2).unwrap();
    assert!(matches!(scope.issue_invoice(feb), Err(TenancyError::PeriodBeforeTenant { .. })));
    assert!(matches!(scope.invoice(feb), Err(TenancyError::PeriodBeforeTenant { .. })));
    // Created on 21 March (UTC): 11 of March's 31 days. 79.99 x 11 / 31 = 28.3835... -> 28.38.
    let march = scope.issue_invoice(BillingPeriod::new(2026, 3).unwrap()).unwrap();
    assert_eq!(march.lines[0].description, "Plan growth, 2026-03, 11 of 31 days");
    assert_eq!(march.lines[0].amount_minor, 2_838);
    assert_eq!(scope.issue_invoice(BillingPeriod::new(2026, 4).unwrap()).unwrap().lines[0].amount_minor, 7_999);
    assert!(scope.ingest(&UsageEvent::new("early", "api_calls", 1, utc("2026-03-20T23:00:00Z"))).is_err());
}

/// Hole 11, plan changes prorate by day: the change day belongs to the new plan.
#[test]
fn plan_changes_prorate_by_day() {
    let f = fixture("2026-04-10T15:00:00Z");
    f.store.define_plan(&growth("USD"), &Ops).unwrap();
    let t = f.tenant("shop", "pro", "UTC", "USD");
    f.store.change_plan(&t.id, "growth", &Ops).unwrap();
    f.clock.set(utc("2026-05-01T00:00:00Z"));
    let april = f.store.scope(&t.id).unwrap().issue_invoice(BillingPeriod::new(2026, 4).unwrap()).unwrap();
    let base: Vec<(&str, i64)> =
        april.lines.iter().filter(|l| l.meter.is_none()).map(|l| (l.description.as_str(), l.amount_minor)).collect();
    // pro 49.00 x 9/30 = 14.70; growth 79.99 x 21/30 = 55.993 -> 55.99.
    assert_eq!(base, [("Plan pro, 2026-04, 9 of 30 days", 1_470), ("Plan growth, 2026-04, 21 of 30 days", 5_599)]);
    assert_eq!(april.plan, "growth", "usage is priced by the plan in force at the end of the month");
}

/// Hole 11, late usage: on main usage recorded after a month's invoice was issued changed the
/// month's totals behind the issued invoice. Now the month is closed and the event is refused.
#[test]
fn late_usage_for_an_issued_month_is_refused() {
    let (f, issued) = golden("NZD");
    let scope = f.store.scope(&issued.tenant).unwrap();
    let late = UsageEvent::new("late-1", "api_calls", 5_000, utc("2026-03-15T00:00:00Z"));
    let err = scope.ingest(&late).unwrap_err();
    assert!(matches!(&err, TenancyError::PeriodClosed { period, .. } if period == "2026-03"), "{err}");
    let march = BillingPeriod::new(2026, 3).unwrap();
    assert_eq!(scope.invoice(march).unwrap(), issued, "the ledger still matches the issued invoice");
    // The current month is open.
    scope.ingest(&UsageEvent::new("now-1", "api_calls", 5, f.clock.now())).unwrap();
}
