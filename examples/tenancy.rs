//! Two retailers on different plans: one hits a hard limit, the other gets a top-up,
//! duplicate usage events are ignored, and both March invoices are printed.
//!
//! Run with `cargo run --example tenancy`.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use forecast::core::{Clock, ManualClock, MemoryAuditSink};
use forecast::tenancy::{
    BillingPeriod, Branding, LimitSpec, MeterPrice, NewTenant, Plan, TenancyError, TenantStore, UsageEvent, features,
    limits,
};
use std::sync::Arc;

fn main() -> Result<(), TenancyError> {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let clock = Arc::new(ManualClock::new(start));
    let audit = Arc::new(MemoryAuditSink::new());
    let store = TenantStore::open_in_memory(clock.clone(), audit.clone())?;

    // A custom plan: Free's features, a small hard API limit, and priced forecast rows.
    let starter = Plan::free()
        .limit(limits::API_CALLS, LimitSpec::hard_monthly(50))
        .meter_price("forecast_rows", MeterPrice { included: 1_000, unit_price_micros: 2_500 });
    let starter = Plan { name: "starter".into(), base_price_micros: 9_990_000, ..starter };
    store.define_plan(&starter, "ops")?;

    let corner =
        NewTenant::new("corner-shop", "Corner Shop Ltd", "starter")?.timezone("Pacific/Auckland").currency("NZD");
    let corner = store.create_tenant(corner.locale("en-NZ"), "ops")?;
    let chain = NewTenant::new("mega-mart", "Mega Mart Inc", "pro")?.timezone("America/Los_Angeles").currency("USD");
    let chain = store.create_tenant(chain, "ops")?;

    let shop = store.scope(&corner.id)?.acting_as("api-key:corner-1");
    let mart = store.scope(&chain.id)?.acting_as("api-key:mega-7");
    mart.set_branding(&Branding::new("MegaMart Forecasts", "en-US").logo_url("https://cdn.megamart.example/logo.svg"))?;

    println!("== entitlements");
    for scope in [&shop, &mart] {
        let ent = scope.entitlements()?;
        let explain = match ent.require(features::EXPLANATIONS) {
            Ok(()) => "allowed".to_owned(),
            Err(e) => format!("refused: {e}"),
        };
        println!("{} ({}): explanations {explain}", scope.tenant_id(), ent.plan().name);
    }

    println!("\n== quotas");
    let mut served = 0;
    loop {
        match shop.consume(limits::API_CALLS, 5) {
            Ok(_) => served += 5,
            Err(e @ TenancyError::QuotaExceeded { .. }) => {
                println!("corner-shop after {served} calls: {e}");
                break;
            }
            Err(e) => return Err(e),
        }
    }
    mart.consume(limits::API_CALLS, 100_000)?;
    let over = mart.consume(limits::API_CALLS, 1_200)?;
    println!("mega-mart (soft limit): used {}, limit {}, overage {}", over.used, over.limit_value, over.overage);
    let topped = mart.grant(limits::API_CALLS, 2_000, "Easter campaign top-up")?;
    println!("mega-mart after a 2,000-call top-up: limit {}, remaining {}", topped.limit_value, topped.remaining());

    println!("\n== metering");
    let mut shop_events = Vec::new();
    let mut mart_events = Vec::new();
    for day in 0..20 {
        let at = start + TimeDelta::days(day);
        shop_events.push(UsageEvent::new(format!("shop-{day}"), "forecast_rows", 80, at));
        mart_events.push(UsageEvent::new(format!("mart-{day}"), "api_calls", 5_150, at));
    }
    let first = shop.ingest_batch(&shop_events)?;
    // A client retries after a timeout: the same keys and payloads are counted once.
    let retry = shop.ingest_batch(&shop_events[..10])?;
    println!("corner-shop: {} accepted, then a retry of 10: {} duplicates ignored", first.accepted, retry.duplicates);
    let report = mart.ingest_batch(&mart_events)?;
    println!("mega-mart: {} accepted", report.accepted);
    let clash = shop.ingest(&UsageEvent::new("shop-3", "forecast_rows", 999, start));
    println!("reusing key shop-3 with another payload: {}", clash.err().map(|e| e.to_string()).unwrap_or_default());

    println!("\n== invoices for March 2026");
    clock.set(Utc.with_ymd_and_hms(2026, 4, 2, 12, 0, 0).single().unwrap_or(start));
    let march = BillingPeriod::new(2026, 3)?;
    for scope in [&shop, &mart] {
        let invoice = scope.issue_invoice(march)?;
        println!("{} ({})\n{invoice}\n", scope.branding()?.display_name, scope.tenant()?.locale);
        assert_eq!(scope.invoice(march)?, invoice, "regenerated from the same events");
    }
    println!("top tenants by api_calls: {:?}", store.top_tenants("api_calls", start, clock.now(), 5)?);
    println!("{} audit events recorded", audit.events().len());
    Ok(())
}
