//! Two retailers on different plans, wired to security and the registry in one SQLite file:
//! operator actions through a platform session (a tenant admin's top-up is refused), quotas
//! with idempotent retries, duplicate usage events ignored, the plan's model rules applied to
//! registrations, the plan's API rate fed to the rate limiter, a mid-month upgrade prorated,
//! and both March invoices printed.
//!
//! Run with `cargo run --example tenancy`.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use forecast::core::model::{LinearModel, Link};
use forecast::core::{Clock, ManualClock, ModelArtifact, ModelStore, NewModelVersion};
use forecast::mlops::Registry;
use forecast::security::{
    Assignment, AuditKey, AuditLog, Domain, PasswordParams, RateLimiter, RateLimiterConfig, Scope, Security,
    SecurityConfig,
};
use forecast::tenancy::{
    BillingPeriod, Branding, Currency, LimitSpec, MeterPrice, MeteredModels, NewTenant, Plan, TenantStore, UsageEvent,
    features, limits,
};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let clock = Arc::new(ManualClock::new(start));
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("forecast.db");
    let audit = Arc::new(AuditLog::open(&path, AuditKey::generate()?)?);
    let store = Arc::new(TenantStore::open(&path, clock.clone(), audit.clone())?);
    // Cheap hashes keep the example quick; a service keeps SecurityConfig::default().
    let config = SecurityConfig { password: PasswordParams::INSECURE_FAST, ..SecurityConfig::default() };
    let security = Arc::new(Security::open(&path, clock.clone(), store.clone(), audit.clone(), config)?);
    let registry = Registry::open(&path, clock.clone(), audit.clone())?;
    security.bootstrap_admin("ops", "seven lanterns over the harbour")?;
    let ops = security.login("ops", "seven lanterns over the harbour")?.0;
    let operator = security.operator(&ops);

    // A plan priced in NZD: Free's limits and model kinds, a small hard API limit, priced rows.
    let starter = Plan::free()
        .limit(limits::API_CALLS, LimitSpec::hard_monthly(50))
        .meter_price("forecast_rows", MeterPrice::per_unit(1_000, 2_500))
        .api_rate_per_minute(20);
    let starter =
        Plan { name: "starter-nzd".into(), currency: Currency::new("NZD")?, base_price_micros: 9_990_000, ..starter };
    store.define_plan(&starter, &operator)?;

    let corner = NewTenant::new("corner-shop", "Corner Shop Ltd", "starter-nzd")?.timezone("Pacific/Auckland");
    let corner = store.create_tenant(corner.currency("NZD").locale("en-NZ"), &operator)?;
    let chain = NewTenant::new("mega-mart", "Mega Mart Inc", "pro")?.timezone("America/Los_Angeles");
    let chain = store.create_tenant(chain, &operator)?;
    // Each tenant's people: mega-mart's own administrator, corner-shop's model manager.
    let person =
        |name: &str, role: &str, tenant: &forecast::core::tenant::TenantId| -> Result<(), Box<dyn std::error::Error>> {
            security.create_user(&ops, name, "orange kettle drifting north")?;
            security.assign_role(&ops, name, &Assignment::new(role, Domain::tenant(tenant), Scope::all()))?;
            Ok(())
        };
    person("ada@mega-mart", "admin", &chain.id)?;
    person("kim@corner-shop", "manager", &corner.id)?;
    clock.advance(TimeDelta::days(1));

    let shop = store.scope(&corner.id)?.acting_as("api-key:corner-1");
    let mart = store.scope(&chain.id)?.acting_as("api-key:mega-7");
    let branding = Branding {
        logo_url: Some("https://cdn.megamart.example/logo.svg".into()),
        ..Branding::new("MegaMart Forecasts", "en-US")
    };
    mart.set_branding(&branding)?;

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
    for request in 0.. {
        match shop.consume(limits::API_CALLS, 5, &format!("shop-req-{request}")) {
            Ok(_) => served += 5,
            Err(e) => {
                println!("corner-shop after {served} calls: {e}");
                break;
            }
        }
    }
    mart.consume(limits::API_CALLS, 100_000, "mart-bulk-1")?;
    let over = mart.consume(limits::API_CALLS, 1_200, "mart-bulk-2")?;
    let retry = mart.consume(limits::API_CALLS, 1_200, "mart-bulk-2")?;
    println!(
        "mega-mart (soft limit): used {}, limit {}, overage {}; a retry of the last request: replayed = {}, used {}",
        over.used, over.limit_value, over.overage, retry.replayed, retry.used
    );
    let ada = security.login("ada@mega-mart", "orange kettle drifting north")?.0;
    match store.grant_quota(&chain.id, limits::API_CALLS, 50_000, "self-service", &security.operator(&ada)) {
        Err(e) => println!("mega-mart's own admin tops up its quota: {e}"),
        Ok(_) => return Err("a tenant granted itself quota".into()),
    }
    // The operator's own session has idled out by now: it logs in again.
    let ops = security.login("ops", "seven lanterns over the harbour")?.0;
    let operator = security.operator(&ops);
    let topped = store.grant_quota(&chain.id, limits::API_CALLS, 2_000, "Easter campaign top-up", &operator)?;
    println!("operator's 2,000-call top-up: limit {}, overage now {}", topped.limit_value, topped.overage);

    println!("\n== metering");
    let mut shop_events = Vec::new();
    let mut mart_events = Vec::new();
    for day in 1..20 {
        let at = start + TimeDelta::days(day);
        shop_events.push(UsageEvent::new(format!("shop-{day}"), "forecast_rows", 80, at));
        mart_events.push(UsageEvent::new(format!("mart-{day}"), "forecast_rows", 5_150, at));
    }
    clock.set(start + TimeDelta::days(20));
    let first = shop.ingest_batch(&shop_events)?;
    // A client retries after a timeout: the same keys and payloads are counted once.
    let retry = shop.ingest_batch(&shop_events[..10])?;
    println!("corner-shop: {} accepted, then a retry of 10: {} duplicates ignored", first.accepted, retry.duplicates);
    println!("mega-mart: {} accepted", mart.ingest_batch(&mart_events)?.accepted);
    let clash = shop.ingest(&UsageEvent::new("shop-3", "forecast_rows", 999, start));
    println!("reusing key shop-3 with another payload: {}", clash.err().map(|e| e.to_string()).unwrap_or_default());

    println!("\n== models, metered by the plan");
    let kim = security.login("kim@corner-shop", "orange kettle drifting north")?.0;
    let models = MeteredModels::new(store.clone(), Arc::new(registry.clone()));
    let kims = security.model_store(&kim, &corner.id, &models)?;
    let linear = ModelArtifact::Linear(LinearModel {
        coefficients: vec![1.2],
        intercept: 4.0,
        impute: vec![0.0],
        link: Link::Identity,
    });
    let v = kims.register(NewModelVersion::new("demand", linear.clone(), "kim"))?;
    println!("kim registered demand@{} (a linear model, allowed by {})", v.version, corner.plan);
    match kims.register(NewModelVersion::new("markdown", linear, "kim")) {
        Err(e) => println!("a second model name on a 1-model plan: {e}"),
        Ok(_) => return Err("the models quota was not applied".into()),
    }

    println!("\n== API rates from the plans");
    let limiter = RateLimiter::new(RateLimiterConfig::default(), clock.clone())?
        .with_tenants(store.clone(), std::time::Duration::from_secs(60));
    for id in [&corner.id, &chain.id] {
        let admitted = (0..2_000).filter(|_| limiter.check_tenant(id).allowed).count();
        println!("{id}: {admitted} of 2,000 back-to-back requests admitted");
    }

    println!("\n== a mid-month upgrade, then the March invoices");
    clock.set(start + TimeDelta::days(15));
    let enterprise_ops = security.login("ops", "seven lanterns over the harbour")?.0;
    store.change_plan(&chain.id, "enterprise", &security.operator(&enterprise_ops))?;
    clock.set(Utc.with_ymd_and_hms(2026, 4, 2, 12, 0, 0).single().unwrap_or(start));
    let march = BillingPeriod::new(2026, 3)?;
    for scope in [&shop, &mart] {
        let invoice = scope.issue_invoice(march)?;
        println!("{} ({})\n{invoice}\n", scope.branding()?.display_name, scope.tenant()?.locale);
        assert_eq!(scope.invoice(march)?, invoice, "regenerated from the same ledger");
    }
    let late = shop.ingest(&UsageEvent::new("shop-late", "forecast_rows", 10, start + TimeDelta::days(25)));
    println!("usage for March after its invoice: {}", late.err().map(|e| e.to_string()).unwrap_or_default());
    println!("top tenants by forecast_rows: {:?}", store.top_tenants("forecast_rows", start, clock.now(), 5)?);
    println!("{} audit rows, chain intact: {}", audit.query(&Default::default())?.len(), audit.verify()?.is_intact());
    Ok(())
}
