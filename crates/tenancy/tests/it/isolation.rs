//! Tries every way the API offers to reach another tenant's rows; each must fail or see nothing.

use crate::common::{Ops, fixture, utc};
use chrono::NaiveDate;
use forecast_core::tenant::{TenantDirectory, TenantStatus};
use forecast_tenancy::{Aggregation, BillingPeriod, Branding, TenancyError, TenantId, TenantScope, UsageEvent, limits};

fn march() -> BillingPeriod {
    BillingPeriod::new(2026, 3).unwrap()
}

/// Call every scope method; each must fail with `expected`.
fn every_method_fails(scope: &TenantScope<'_>, expected: fn(&TenancyError) -> bool) {
    let at = utc("2026-03-10T00:00:00Z");
    let day: NaiveDate = "2026-03-10".parse().unwrap();
    let event = UsageEvent::new("late", "api_calls", 1, at);
    let results: Vec<(&str, Option<TenancyError>)> = vec![
        ("tenant", scope.tenant().err()),
        ("entitlements", scope.entitlements().err()),
        ("consume", scope.consume(limits::API_CALLS, 1, "c").err()),
        ("release", scope.release(limits::API_CALLS, 1, "r").err()),
        ("quota", scope.quota(limits::API_CALLS).err()),
        ("ingest", scope.ingest(&event).err()),
        ("ingest_batch", scope.ingest_batch(std::slice::from_ref(&event)).err()),
        ("meter_totals", scope.meter_totals(march()).err()),
        ("aggregate", scope.aggregate("api_calls", march(), Aggregation::Sum).err()),
        ("key_received_at", scope.key_received_at("shared").err()),
        ("invoice", scope.invoice(march()).err()),
        ("issue_invoice", scope.issue_invoice(march()).err()),
        ("set_branding", scope.set_branding(&Branding::new("X", "en")).err()),
        ("branding", scope.branding().err()),
        ("export", scope.export().err()),
        ("daily_usage", scope.daily_usage(day, day).err()),
    ];
    for (method, err) in results {
        match err {
            Some(e) if expected(&e) => {}
            other => panic!("{method}: expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn tenants_sharing_keys_meters_and_limits_never_see_each_other() {
    let f = fixture("2026-04-02T00:00:00Z");
    let a = f.tenant("alpha", "pro", "UTC", "USD");
    let b = f.tenant("bravo", "free", "Pacific/Auckland", "NZD");
    let (sa, sb) = (f.store.scope(&a.id).unwrap(), f.store.scope(&b.id).unwrap());
    let at = utc("2026-03-10T00:00:00Z");

    // The same key with different payloads in two tenants is neither a duplicate nor a conflict.
    assert_eq!(sa.ingest(&UsageEvent::new("shared", "api_calls", 100_100, at)).unwrap().accepted, 1);
    assert_eq!(sb.ingest(&UsageEvent::new("shared", "api_calls", 7, at)).unwrap().accepted, 1);
    assert_eq!(sb.ingest(&UsageEvent::new("only-b", "api_calls", 1, at)).unwrap().accepted, 1);
    assert_eq!(sa.aggregate("api_calls", march(), Aggregation::Sum).unwrap(), 100_100);
    assert_eq!(sb.aggregate("api_calls", march(), Aggregation::Sum).unwrap(), 8);
    assert!(sa.key_received_at("only-b").unwrap().is_none());

    // Quotas and grants are per tenant.
    sb.consume(limits::API_CALLS, 1_000, "b-1").unwrap();
    f.store.grant_quota(&a.id, limits::API_CALLS, 50, "a only", &Ops).unwrap();
    assert!(sb.consume(limits::API_CALLS, 1, "b-2").is_err());
    assert_eq!(sa.quota(limits::API_CALLS).unwrap().used, 0);
    assert_eq!(sb.quota(limits::API_CALLS).unwrap().granted, 0);

    // Branding and invoices.
    sa.set_branding(&Branding::new("Alpha Markets", "en")).unwrap();
    assert_eq!(sb.branding().unwrap().display_name, "Tenant bravo");
    let inv_a = sa.issue_invoice(march()).unwrap();
    assert_eq!(inv_a.tenant, a.id);
    assert_eq!(inv_a.lines[1].used, 100_100);
    assert_eq!(sb.invoice(march()).unwrap().total_minor, 0);

    // Analytics and exports carry only the scope's tenant.
    assert!(sb.daily_usage(at.date_naive(), at.date_naive()).unwrap().iter().all(|u| u.sum <= 8));
    for (scope, id) in [(&sa, &a.id), (&sb, &b.id)] {
        let export = scope.export().unwrap();
        for (table, rows) in &export.tables {
            for row in rows {
                assert_eq!(row["tenant_id"], id.as_str(), "{table} row leaked into {id}'s export");
            }
        }
    }
    let json_b = sb.export().unwrap().to_json().unwrap();
    assert!(!json_b.contains("alpha") && !json_b.contains("100100"), "{json_b}");
}

#[test]
fn a_suspended_tenant_is_refused_everywhere_even_through_an_open_scope() {
    let f = fixture("2026-04-02T00:00:00Z");
    let t = f.tenant("bravo", "pro", "UTC", "USD");
    let held = f.store.scope(&t.id).unwrap();
    f.store.suspend_tenant(&t.id, "fraud review", &Ops).unwrap();
    assert!(matches!(f.store.scope(&t.id), Err(TenancyError::TenantInactive { .. })));
    every_method_fails(&held, |e| matches!(e, TenancyError::TenantInactive { .. }));
    assert_eq!(f.store.status(&t.id).unwrap(), Some(TenantStatus::Suspended), "what security's checks read");
    f.store.reactivate_tenant(&t.id, &Ops).unwrap();
    held.consume(limits::API_CALLS, 1, "after").unwrap();
}

/// Hole 5 at the source: on main a deleted tenant's id could be created again, and whatever
/// was granted under the old tenant (security's role assignments, API keys) passed to the new
/// one. Now the id stays as a tombstone, refused for good.
#[test]
fn a_deleted_tenant_s_id_is_never_reused() {
    let f = fixture("2026-04-02T00:00:00Z");
    let t = f.tenant("bravo", "pro", "UTC", "USD");
    let held = f.store.scope(&t.id).unwrap();
    held.ingest(&UsageEvent::new("shared", "api_calls", 5, utc("2026-03-10T00:00:00Z"))).unwrap();
    held.consume(limits::API_CALLS, 9, "k").unwrap();
    f.store.delete_tenant(&t.id, &Ops).unwrap();
    every_method_fails(&held, |e| matches!(e, TenancyError::TenantInactive { status, .. } if status == "deleted"));
    assert_eq!(f.store.status(&t.id).unwrap(), Some(TenantStatus::Deleted));
    let again = forecast_tenancy::NewTenant::new("bravo", "Someone else", "pro").unwrap();
    assert!(matches!(f.store.create_tenant(again, &Ops), Err(TenancyError::TenantIdRetired { .. })));
    assert!(matches!(f.store.reactivate_tenant(&t.id, &Ops), Err(TenancyError::InvalidTransition { .. })));
    assert!(matches!(f.store.delete_tenant(&t.id, &Ops), Err(TenancyError::InvalidTransition { .. })));
    // Only the tombstone is left: no usage, counters or grants.
    assert!(f.store.tenants().unwrap().is_empty());
    assert_eq!(f.store.tenant(&t.id).unwrap().status, TenantStatus::Deleted);
}

#[test]
fn unknown_and_malformed_tenant_ids_get_no_scope() {
    let f = fixture("2026-04-02T00:00:00Z");
    f.tenant("alpha", "pro", "UTC", "USD");
    let ghost = TenantId::new("ghost").unwrap();
    assert!(matches!(f.store.scope(&ghost), Err(TenancyError::TenantNotFound { .. })));
    for hostile in ["alpha' OR '1'='1", "alpha%", "ALPHA", "alpha\0"] {
        assert!(TenantId::new(hostile).is_err(), "{hostile:?}");
    }
    let bad_json: Result<TenantId, _> = serde_json::from_str("\"alpha; DROP TABLE tenants\"");
    assert!(bad_json.is_err());
}
