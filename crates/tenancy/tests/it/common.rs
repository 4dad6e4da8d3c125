use chrono::{DateTime, Utc};
use forecast_core::{ManualClock, MemoryAuditSink};
use forecast_tenancy::{NewTenant, Tenant, TenantStore};
use std::sync::Arc;

pub(crate) fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
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

impl Fixture {
    pub(crate) fn tenant(&self, id: &str, plan: &str, timezone: &str, currency: &str) -> Tenant {
        let new = NewTenant::new(id, format!("Tenant {id}"), plan).unwrap().timezone(timezone).currency(currency);
        self.store.create_tenant(new, "ops").unwrap()
    }

    pub(crate) fn actions(&self) -> Vec<String> {
        self.audit.events().into_iter().map(|e| format!("{}:{}", e.action, e.outcome.as_str())).collect()
    }
}
