use chrono::{DateTime, Utc};
use forecast_core::tenant::{TenantAdminAction, TenantAdminCheck, TenantId};
use forecast_core::{Clock, ManualClock, MemoryAuditSink};
use forecast_tenancy::{Currency, NewTenant, Plan, Tenant, TenantStore};
use std::sync::Arc;

pub(crate) fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// An operator that may do anything (the trusted code of these tests; a service passes
/// forecast-security's `Security::operator(&session)` instead).
#[derive(Debug)]
pub(crate) struct Ops;

impl TenantAdminCheck for Ops {
    fn actor(&self) -> String {
        "ops".into()
    }
    fn check(&self, _: TenantAdminAction, _: Option<&TenantId>) -> forecast_core::Result<()> {
        Ok(())
    }
}

/// An operator check that refuses everything, as a tenant's own administrator gets.
#[derive(Debug)]
pub(crate) struct TenantAdmin;

impl TenantAdminCheck for TenantAdmin {
    fn actor(&self) -> String {
        "admin@shop".into()
    }
    fn check(&self, action: TenantAdminAction, tenant: Option<&TenantId>) -> forecast_core::Result<()> {
        Err(forecast_core::Error::PermissionDenied {
            actor: self.actor(),
            action: action.as_str().into(),
            target: tenant.map(ToString::to_string).unwrap_or_default(),
            reason: "not a platform operator".into(),
        })
    }
}

pub(crate) struct Fixture {
    pub(crate) store: TenantStore,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) audit: Arc<MemoryAuditSink>,
}

pub(crate) fn fixture(start: &str) -> Fixture {
    let clock = Arc::new(ManualClock::new(utc(start)));
    let audit = Arc::new(MemoryAuditSink::new());
    let store = TenantStore::open_in_memory(clock.clone(), audit.clone()).unwrap();
    Fixture { store, clock, audit }
}

/// When [`Fixture::tenant`] creates tenants: before any usage the tests record.
pub(crate) const CREATED: &str = "2026-01-01T00:00:00Z";

impl Fixture {
    /// A tenant created on 1 January 2026 (the clock goes back there and returns), on `plan`
    /// priced in `currency` (a copy of the plan named `plan-ccy` when the plan's currency differs).
    pub(crate) fn tenant(&self, id: &str, plan: &str, timezone: &str, currency: &str) -> Tenant {
        let now = self.clock.now();
        self.clock.set(utc(CREATED));
        let plan = self.plan_in(plan, currency);
        let new = NewTenant::new(id, format!("Tenant {id}"), &plan).unwrap().timezone(timezone).currency(currency);
        let tenant = self.store.create_tenant(new, &Ops).unwrap();
        self.clock.set(now);
        tenant
    }

    /// The name of `plan` priced in `currency`, defining the copy if needed.
    pub(crate) fn plan_in(&self, plan: &str, currency: &str) -> String {
        let base = self.store.plan(plan).unwrap();
        let currency = Currency::new(currency).unwrap();
        if base.currency == currency {
            return plan.to_owned();
        }
        let name = format!("{plan}-{}", currency.code().to_lowercase());
        self.store.define_plan(&Plan { name: name.clone(), currency, ..base }, &Ops).unwrap();
        name
    }

    pub(crate) fn actions(&self) -> Vec<String> {
        self.audit.events().into_iter().map(|e| format!("{}:{}", e.action, e.outcome.as_str())).collect()
    }
}
