use crate::common::{Ops, TenantAdmin, fixture};
use forecast_core::{AuditEvent, AuditSink, ManualClock};
use forecast_tenancy::{
    Branding, LimitSpec, MeterPrice, NewTenant, Plan, TenancyError, TenantStatus, TenantStore, UsageEvent, features,
    limits,
};
use std::sync::Arc;

#[test]
fn lifecycle_create_suspend_reactivate_delete_with_export() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("acme", "pro", "Europe/Paris", "EUR");
    assert_eq!(t.status, TenantStatus::Active);
    assert_eq!(t.currency.exponent(), 2);

    let dup = f.store.create_tenant(NewTenant::new("acme", "Again", "pro-eur").unwrap().currency("EUR"), &Ops);
    assert!(matches!(dup, Err(TenancyError::TenantExists { .. })));
    let err = f.store.create_tenant(NewTenant::new("other", "Other", "platinum").unwrap(), &Ops).unwrap_err();
    assert!(
        matches!(&err, TenancyError::PlanNotFound { known, .. } if known == "enterprise, free, pro, pro-eur"),
        "{err}"
    );

    f.store.suspend_tenant(&t.id, "unpaid invoice", &Ops).unwrap();
    assert!(matches!(f.store.scope(&t.id), Err(TenancyError::TenantInactive { .. })));
    assert!(matches!(f.store.suspend_tenant(&t.id, "again", &Ops), Err(TenancyError::InvalidTransition { .. })));
    f.store.reactivate_tenant(&t.id, &Ops).unwrap();
    assert!(matches!(f.store.reactivate_tenant(&t.id, &Ops), Err(TenancyError::InvalidTransition { .. })));

    let scope = f.store.scope(&t.id).unwrap();
    scope.consume(limits::API_CALLS, 10, "c1").unwrap();
    f.store.grant_quota(&t.id, limits::API_CALLS, 5, "test", &Ops).unwrap();
    scope.ingest_batch(&[UsageEvent::new("k1", "api_calls", 3, f.store.clock().now())]).unwrap();
    scope.set_branding(&Branding::new("Acme Stores", "fr-FR")).unwrap();

    let export = f.store.delete_tenant(&t.id, &Ops).unwrap();
    let rows = |table: &str| export.tables.get(table).map_or(0, Vec::len);
    assert_eq!(
        (rows("tenants"), rows("quota_usage"), rows("quota_grants"), rows("usage_events"), rows("branding")),
        (1, 1, 1, 2, 1)
    );
    assert_eq!((rows("invoices"), rows("plan_history"), rows("billing_periods")), (0, 1, 1));
    assert_eq!(export.row_count(), 8);
    let json = export.to_json().unwrap();
    assert!(json.contains("\"idempotency_key\": \"k1\"") && json.contains("Acme Stores"), "{json}");

    assert_eq!(f.store.tenant(&t.id).unwrap().status, TenantStatus::Deleted, "a tombstone");
    assert!(matches!(scope.tenant(), Err(TenancyError::TenantInactive { .. })));
    assert!(f.store.tenants().unwrap().is_empty());
    let actions = f.actions();
    for action in ["tenant.create", "tenant.suspend", "tenant.reactivate", "tenant.delete"] {
        assert!(actions.contains(&format!("{action}:success")), "{action} missing from {actions:?}");
    }
}

#[test]
fn tenant_fields_are_validated_at_creation() {
    let f = fixture("2026-03-10T12:00:00Z");
    let bad_tz = NewTenant::new("a", "A", "free").unwrap().timezone("Pacific/Atlantis");
    let err = f.store.create_tenant(bad_tz, &Ops).unwrap_err();
    assert!(err.to_string().contains("Pacific/Atlantis") && err.to_string().contains("IANA"), "{err}");
    let bad_ccy = NewTenant::new("a", "A", "free").unwrap().currency("ABC");
    assert!(f.store.create_tenant(bad_ccy, &Ops).unwrap_err().to_string().contains("ISO 4217"));
    let bad_locale = NewTenant::new("a", "A", "free").unwrap().locale("en_US");
    assert!(f.store.create_tenant(bad_locale, &Ops).is_err());
    assert!(NewTenant::new("a' OR '1'='1", "A", "free").is_err());
    assert!(f.store.tenants().unwrap().is_empty());
    let free_kwd = f.plan_in("free", "KWD");
    let kwd = f.store.create_tenant(NewTenant::new("k", "K", &free_kwd).unwrap().currency("KWD").locale("ar-KW"), &Ops);
    assert_eq!(kwd.unwrap().currency.exponent(), 3);
}

#[test]
fn custom_plans_and_plan_changes_drive_entitlements() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("shop", "free", "UTC", "USD");
    let custom = Plan::custom("retail-plus")
        .base_price_micros(19_000_000)
        .feature(features::AGENT)
        .limit(limits::API_CALLS, LimitSpec::hard_monthly(5))
        .setting("allowed_model_kinds", &["gbdt"]);
    f.store.define_plan(&custom, &Ops).unwrap();
    assert_eq!(f.store.plan("retail-plus").unwrap(), custom);
    assert!(f.store.define_plan(&Plan::custom("bad").base_price_micros(-1), &Ops).is_err());

    let scope = f.store.scope(&t.id).unwrap();
    assert!(scope.entitlements().unwrap().require(features::AGENT).is_err());
    f.store.change_plan(&t.id, "retail-plus", &Ops).unwrap();
    let ent = scope.entitlements().unwrap();
    ent.require(features::AGENT).unwrap();
    assert_eq!(ent.limit(limits::API_CALLS).unwrap().value, 5);
    assert!(ent.allows("allowed_model_kinds", "gbdt") && !ent.allows("allowed_model_kinds", "linear"));
    assert!(matches!(ent.limit(limits::MODELS), Err(TenancyError::NotInPlan { what: "limit", .. })));
    assert!(matches!(f.store.change_plan(&t.id, "nope", &Ops), Err(TenancyError::PlanNotFound { .. })));
    assert!(f.actions().contains(&"tenant.plan.change:success".to_owned()));
    assert!(f.actions().contains(&"plan.define:success".to_owned()));
}

#[derive(Debug)]
struct BrokenSink;

impl AuditSink for BrokenSink {
    fn record(&self, _event: AuditEvent) -> forecast_core::Result<()> {
        Err(forecast_core::Error::InvalidData("audit log is full".into()))
    }
}

#[test]
fn a_failing_audit_sink_rolls_the_change_back() {
    let clock = Arc::new(ManualClock::new(crate::common::utc("2026-03-10T12:00:00Z")));
    let store = TenantStore::open_in_memory(clock, Arc::new(BrokenSink)).unwrap();
    let err = store.create_tenant(NewTenant::new("acme", "Acme", "free").unwrap(), &Ops).unwrap_err();
    assert!(matches!(err, TenancyError::Core(_)), "{err}");
    assert!(store.tenants().unwrap().is_empty());
}

#[test]
fn file_store_uses_wal_and_records_the_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenants.db");
    let f = fixture("2026-03-10T12:00:00Z");
    let store = TenantStore::open(&path, f.clock.clone(), f.audit.clone()).unwrap();
    store.create_tenant(NewTenant::new("acme", "Acme", "free").unwrap(), &Ops).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("SELECT version FROM schema_versions WHERE component = 'forecast-tenancy'", [], |r| r.get(0))
        .unwrap();
    let user_version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!((version, user_version, mode.as_str()), (1, 0, "wal"));
    let reopened = TenantStore::open(&path, f.clock.clone(), f.audit.clone()).unwrap();
    assert_eq!(reopened.tenants().unwrap().len(), 1);
}

/// Hole 8 (and the wiring): every operator action asks the caller's `TenantAdminCheck`; a
/// tenant's own administrator is refused, audited, and nothing changes.
#[test]
fn operator_actions_need_an_operator() {
    let f = fixture("2026-03-10T12:00:00Z");
    let t = f.tenant("shop", "free", "UTC", "USD");
    let refused = |r: Result<_, TenancyError>| assert!(matches!(r, Err(TenancyError::NotPermitted { .. })));
    refused(f.store.create_tenant(NewTenant::new("rogue", "Rogue", "free").unwrap(), &TenantAdmin).map(drop));
    refused(f.store.suspend_tenant(&t.id, "x", &TenantAdmin));
    refused(f.store.delete_tenant(&t.id, &TenantAdmin).map(drop));
    refused(f.store.change_plan(&t.id, "enterprise", &TenantAdmin));
    refused(f.store.grant_quota(&t.id, limits::API_CALLS, 1, "x", &TenantAdmin).map(drop));
    let free_for_all = Plan::custom("everything")
        .limit(limits::API_CALLS, LimitSpec::soft_monthly(u64::MAX / 2))
        .meter_price(limits::API_CALLS, MeterPrice::per_unit(u64::MAX / 2, 0));
    refused(f.store.define_plan(&free_for_all, &TenantAdmin));
    let denied = f.actions().iter().filter(|a| a.ends_with(":denied")).count();
    assert_eq!(denied, 6);
    assert_eq!(f.store.tenant(&t.id).unwrap().plan, "free");
    assert_eq!(f.store.tenant(&t.id).unwrap().status, TenantStatus::Active);
    assert!(f.store.plan("everything").is_err());
}
