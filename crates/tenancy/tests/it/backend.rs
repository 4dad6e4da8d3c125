//! The services over a store that is not `SqliteTenancyStore` itself: a wrapper delegating to
//! it that fails one chosen method after the change was made and before it commits (the way a
//! backend fails when a connection drops at commit). A failed write must leave no partial state.

use crate::common::{Ops, utc};
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::{AuditEvent, Clock, ManualClock, MemoryAuditSink};
use forecast_tenancy::storage::{
    Audit, CreatedTenant, Granted, IssuedInvoice, LedgerEntry, NewGrant, PlanChanged, Prepare, StatusChange,
    TenantView, UsageRecorded,
};
use forecast_tenancy::{
    BillingPeriod, Branding, Invoice, NewTenant, Plan, SqliteTenancyStore, TenancyError, TenancyStore, Tenant,
    TenantExport, TenantStatus, TenantStore, TenantUsage, UsageEvent, limits,
};
use std::sync::{Arc, Mutex};

/// Delegates to SQLite; the method named in `fail` fails once, inside its transaction.
#[derive(Debug)]
struct Flaky {
    inner: SqliteTenancyStore,
    fail: Mutex<Option<&'static str>>,
}

impl Flaky {
    fn fail_next(&self, method: &'static str) {
        *self.fail.lock().unwrap() = Some(method);
    }

    /// Whether `method` is the one to fail now (then it is disarmed).
    fn armed(&self, method: &'static str) -> bool {
        let mut fail = self.fail.lock().unwrap();
        if *fail == Some(method) {
            *fail = None;
            return true;
        }
        false
    }

    /// `audit`, failing after it when `method` is armed: the store has written the change and
    /// built its audit events, and must now roll everything back.
    fn write<T, R>(&self, method: &'static str, audit: Audit<'_, T>, run: impl FnOnce(Audit<'_, T>) -> R) -> R {
        let armed = self.armed(method);
        let failing = move |value: &T, now: DateTime<Utc>| {
            let events = audit(value, now)?;
            if armed {
                return Err(TenancyError::Backend {
                    backend: "flaky",
                    operation: method,
                    source: "connection lost before commit".into(),
                });
            }
            Ok(events)
        };
        run(&failing)
    }
}

impl TenancyStore for Flaky {
    fn clock(&self) -> &dyn Clock {
        self.inner.clock()
    }
    fn record_refusal(&self, event: AuditEvent) -> forecast_tenancy::Result<()> {
        self.inner.record_refusal(event)
    }
    fn define_plan(&self, plan: &Plan, audit: Audit<'_, Plan>) -> forecast_tenancy::Result<()> {
        self.write("define_plan", audit, |a| self.inner.define_plan(plan, a))
    }
    fn plan(&self, name: &str) -> forecast_tenancy::Result<Plan> {
        self.inner.plan(name)
    }
    fn create_tenant(
        &self,
        tenant: &Tenant,
        audit: Audit<'_, CreatedTenant>,
    ) -> forecast_tenancy::Result<CreatedTenant> {
        self.write("create_tenant", audit, |a| self.inner.create_tenant(tenant, a))
    }
    fn tenant(&self, id: &TenantId) -> forecast_tenancy::Result<Tenant> {
        self.inner.tenant(id)
    }
    fn tenants(&self) -> forecast_tenancy::Result<Vec<Tenant>> {
        self.inner.tenants()
    }
    fn tenant_plan(&self, id: &TenantId) -> forecast_tenancy::Result<(Tenant, Plan)> {
        self.inner.tenant_plan(id)
    }
    fn set_status(
        &self,
        id: &TenantId,
        change: StatusChange<'_>,
        audit: Audit<'_, ()>,
    ) -> forecast_tenancy::Result<()> {
        self.write("set_status", audit, |a| self.inner.set_status(id, change, a))
    }
    fn change_plan(
        &self,
        id: &TenantId,
        plan: &str,
        audit: Audit<'_, PlanChanged>,
    ) -> forecast_tenancy::Result<PlanChanged> {
        self.write("change_plan", audit, |a| self.inner.change_plan(id, plan, a))
    }
    fn delete_tenant(&self, id: &TenantId, audit: Audit<'_, TenantExport>) -> forecast_tenancy::Result<TenantExport> {
        self.write("delete_tenant", audit, |a| self.inner.delete_tenant(id, a))
    }
    fn read(
        &self,
        tenant: &TenantId,
        f: &mut dyn FnMut(&dyn TenantView) -> forecast_tenancy::Result<()>,
    ) -> forecast_tenancy::Result<()> {
        self.inner.read(tenant, f)
    }
    fn record_usage(
        &self,
        tenant: &TenantId,
        prepare: Prepare<'_, Vec<LedgerEntry>>,
        audit: Audit<'_, UsageRecorded>,
    ) -> forecast_tenancy::Result<UsageRecorded> {
        self.write("record_usage", audit, |a| self.inner.record_usage(tenant, prepare, a))
    }
    fn grant_quota(
        &self,
        tenant: &TenantId,
        prepare: Prepare<'_, NewGrant>,
        audit: Audit<'_, Granted>,
    ) -> forecast_tenancy::Result<Granted> {
        self.write("grant_quota", audit, |a| self.inner.grant_quota(tenant, prepare, a))
    }
    fn set_branding(
        &self,
        tenant: &TenantId,
        branding: &Branding,
        audit: Audit<'_, ()>,
    ) -> forecast_tenancy::Result<()> {
        self.write("set_branding", audit, |a| self.inner.set_branding(tenant, branding, a))
    }
    fn issue_invoice(
        &self,
        tenant: &TenantId,
        period: BillingPeriod,
        build: Prepare<'_, Invoice>,
        audit: Audit<'_, IssuedInvoice>,
    ) -> forecast_tenancy::Result<IssuedInvoice> {
        self.write("issue_invoice", audit, |a| self.inner.issue_invoice(tenant, period, build, a))
    }
    fn purge_idempotency_keys(
        &self,
        cutoff: DateTime<Utc>,
        audit: Audit<'_, usize>,
    ) -> forecast_tenancy::Result<usize> {
        self.write("purge_idempotency_keys", audit, |a| self.inner.purge_idempotency_keys(cutoff, a))
    }
    fn top_tenants(
        &self,
        meter: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        n: usize,
    ) -> forecast_tenancy::Result<Vec<TenantUsage>> {
        self.inner.top_tenants(meter, from, to, n)
    }
}

struct Setup {
    flaky: Arc<Flaky>,
    store: TenantStore,
    clock: Arc<ManualClock>,
    audit: Arc<MemoryAuditSink>,
    tenant: TenantId,
}

/// A free-plan tenant created on 1 March 2026 (UTC), the clock on 10 March.
fn setup() -> Setup {
    let clock = Arc::new(ManualClock::new(utc("2026-03-01T00:00:00Z")));
    let audit = Arc::new(MemoryAuditSink::new());
    let inner = SqliteTenancyStore::open_in_memory(clock.clone(), audit.clone()).unwrap();
    let flaky = Arc::new(Flaky { inner, fail: Mutex::new(None) });
    let store = TenantStore::with_store(flaky.clone());
    let tenant = store.create_tenant(NewTenant::new("shop", "Shop", "free").unwrap(), &Ops).unwrap().id;
    clock.set(utc("2026-03-10T12:00:00Z"));
    Setup { flaky, store, clock, audit, tenant }
}

impl Setup {
    fn actions(&self) -> Vec<String> {
        self.audit.events().into_iter().map(|e| e.action).collect()
    }
}

fn injected(result: forecast_tenancy::Result<impl std::fmt::Debug>) {
    let err = result.unwrap_err();
    assert!(matches!(err, TenancyError::Backend { backend: "flaky", .. }), "{err:?}");
}

#[test]
fn a_failed_consume_counts_nothing_and_consumes_no_quota() {
    let s = setup();
    let scope = s.store.scope(&s.tenant).unwrap();
    let before = s.actions();
    s.flaky.fail_next("record_usage");
    injected(scope.consume(limits::API_CALLS, 600, "req-1"));
    assert_eq!(scope.quota(limits::API_CALLS).unwrap().used, 0);
    assert!(scope.meter_totals(BillingPeriod::new(2026, 3).unwrap()).unwrap().is_empty());
    assert_eq!(scope.key_received_at("req-1").unwrap(), None);
    assert_eq!(s.actions(), before, "no audit row for a change that did not commit");
    // The retry is the first time the key is seen: counted once, not a replay.
    let status = scope.consume(limits::API_CALLS, 600, "req-1").unwrap();
    assert!(!status.replayed);
    assert_eq!(status.used, 600);
    // The hard limit (1,000) still counts from what committed.
    assert!(matches!(
        scope.consume(limits::API_CALLS, 600, "req-2"),
        Err(TenancyError::QuotaExceeded { used: 600, .. })
    ));
}

#[test]
fn a_failed_batch_records_no_event() {
    let s = setup();
    let scope = s.store.scope(&s.tenant).unwrap();
    let at = s.clock.now();
    let events: Vec<UsageEvent> =
        (0..5).map(|i| UsageEvent::new(format!("rows-{i}"), "forecast_rows", 10, at)).collect();
    s.flaky.fail_next("record_usage");
    injected(scope.ingest_batch(&events));
    let march = BillingPeriod::new(2026, 3).unwrap();
    assert!(scope.meter_totals(march).unwrap().is_empty());
    assert!(scope.daily_usage(at.date_naive(), at.date_naive()).unwrap().is_empty());
    let report = scope.ingest_batch(&events).unwrap();
    assert_eq!((report.accepted, report.duplicates), (5, 0));
    assert_eq!(scope.aggregate("forecast_rows", march, forecast_tenancy::Aggregation::Sum).unwrap(), 50);
}

#[test]
fn a_failed_issue_leaves_no_invoice_and_the_month_open() {
    let s = setup();
    let scope = s.store.scope(&s.tenant).unwrap();
    let march = BillingPeriod::new(2026, 3).unwrap();
    scope.ingest(&UsageEvent::new("rows-1", "forecast_rows", 7, s.clock.now())).unwrap();
    s.clock.set(utc("2026-04-02T00:00:00Z"));
    s.flaky.fail_next("issue_invoice");
    injected(scope.issue_invoice(march));
    assert!(!s.actions().contains(&"invoice.issue".to_string()));
    // The month was not closed: late usage for it is still accepted ...
    scope.ingest(&UsageEvent::new("rows-late", "forecast_rows", 5, utc("2026-03-31T23:00:00Z"))).unwrap();
    // ... and the invoice issued now is the first one, holding it.
    let invoice = scope.issue_invoice(march).unwrap();
    assert_eq!(s.actions().iter().filter(|a| *a == "invoice.issue").count(), 1);
    assert_eq!(invoice, scope.issue_invoice(march).unwrap());
    let late = UsageEvent::new("rows-later", "forecast_rows", 1, utc("2026-03-31T23:30:00Z"));
    assert!(matches!(scope.ingest(&late), Err(TenancyError::PeriodClosed { .. })));
    assert_eq!(scope.aggregate("forecast_rows", march, forecast_tenancy::Aggregation::Sum).unwrap(), 12);
}

#[test]
fn a_failed_grant_raises_no_limit() {
    let s = setup();
    s.flaky.fail_next("grant_quota");
    injected(s.store.grant_quota(&s.tenant, limits::API_CALLS, 500, "goodwill", &Ops));
    let scope = s.store.scope(&s.tenant).unwrap();
    let quota = scope.quota(limits::API_CALLS).unwrap();
    assert_eq!((quota.limit_value, quota.granted), (1_000, 0));
    assert!(matches!(scope.consume(limits::API_CALLS, 1_001, "big"), Err(TenancyError::QuotaExceeded { .. })));
    assert_eq!(s.store.grant_quota(&s.tenant, limits::API_CALLS, 500, "goodwill", &Ops).unwrap().limit_value, 1_500);
}

#[test]
fn failed_lifecycle_changes_leave_the_tenant_as_it_was() {
    let s = setup();
    let scope = s.store.scope(&s.tenant).unwrap();
    scope.consume(limits::API_CALLS, 10, "req-1").unwrap();
    s.flaky.fail_next("delete_tenant");
    injected(s.store.delete_tenant(&s.tenant, &Ops));
    assert_eq!(s.store.tenant(&s.tenant).unwrap().status, TenantStatus::Active);
    assert_eq!(scope.quota(limits::API_CALLS).unwrap().used, 10, "no row was deleted");
    s.flaky.fail_next("set_status");
    injected(s.store.suspend_tenant(&s.tenant, "unpaid", &Ops));
    assert!(s.store.scope(&s.tenant).is_ok());
    s.flaky.fail_next("change_plan");
    injected(s.store.change_plan(&s.tenant, "pro", &Ops));
    assert_eq!(s.store.tenant(&s.tenant).unwrap().plan, "free");
    // A failed creation retires nothing: the id can be created afterwards.
    let new = || NewTenant::new("corner", "Corner", "free").unwrap();
    s.flaky.fail_next("create_tenant");
    injected(s.store.create_tenant(new(), &Ops));
    assert!(matches!(s.store.tenant(&TenantId::new("corner").unwrap()), Err(TenancyError::TenantNotFound { .. })));
    s.store.create_tenant(new(), &Ops).unwrap();
    let export = s.store.delete_tenant(&s.tenant, &Ops).unwrap();
    assert!(export.row_count() > 0);
}
