//! [`SqliteTenancyStore`]: the embedded SQLite implementation of [`TenancyStore`].

mod branding;
mod db;
mod export;
mod invoices;
mod ledger;
mod schema;
mod tenants;
mod view;

use super::{
    Audit, CreatedTenant, Granted, IssuedInvoice, LedgerEntry, NewGrant, PlanChanged, Prepare, StatusChange,
    TenancyStore, TenantView, UsageRecorded,
};
use crate::Result;
use crate::export::TenantExport;
use crate::invoice::Invoice;
use crate::period::BillingPeriod;
use crate::plan::Plan;
use crate::tenant::Tenant;
use crate::usage::TenantUsage;
use chrono::{DateTime, Utc};
use db::{Db, load_plan, load_tenant};
use forecast_core::branding::Branding;
use forecast_core::tenant::TenantId;
use forecast_core::{AuditEvent, AuditSink, Clock};
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;

/// The tenancy tables in one SQLite file (or in memory), in WAL mode, every write one
/// `BEGIN IMMEDIATE` transaction. Several stores (in one process or many) may open the same
/// file, which forecast-security and forecast-mlops may share (schema versions live in
/// `schema_versions` under `forecast-tenancy`).
#[derive(Debug)]
pub struct SqliteTenancyStore {
    db: Db,
}

impl SqliteTenancyStore {
    /// Open (or create) the file at `path`; `clock` stamps every write and `audit` records the
    /// audit events of each change (in the change's transaction when it shares the file).
    ///
    /// # Errors
    /// When the file cannot be opened or its schema is newer than this build.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self { db: Db::new(Connection::open(path)?, clock, audit)? })
    }

    /// A private in-memory store, lost when dropped.
    ///
    /// # Errors
    /// When SQLite cannot create the schema.
    pub fn open_in_memory(clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self { db: Db::new(Connection::open_in_memory()?, clock, audit)? })
    }
}

impl TenancyStore for SqliteTenancyStore {
    fn clock(&self) -> &dyn Clock {
        self.db.clock.as_ref()
    }

    fn record_refusal(&self, event: AuditEvent) -> Result<()> {
        Ok(self.db.audit.record(event)?)
    }

    fn define_plan(&self, plan: &Plan, audit: Audit<'_, Plan>) -> Result<()> {
        self.db.write(audit, |tx, _| tenants::define_plan(tx, plan)).map(drop)
    }

    fn plan(&self, name: &str) -> Result<Plan> {
        self.db.read(|tx| load_plan(tx, name))
    }

    fn create_tenant(&self, tenant: &Tenant, audit: Audit<'_, CreatedTenant>) -> Result<CreatedTenant> {
        self.db.write(audit, |tx, _| tenants::create_tenant(tx, tenant))
    }

    fn tenant(&self, id: &TenantId) -> Result<Tenant> {
        self.db.read(|tx| load_tenant(tx, id))
    }

    fn tenants(&self) -> Result<Vec<Tenant>> {
        self.db.read(|tx| tenants::tenants(tx))
    }

    fn tenant_plan(&self, id: &TenantId) -> Result<(Tenant, Plan)> {
        self.db.read(|tx| {
            let tenant = load_tenant(tx, id)?;
            let plan = load_plan(tx, &tenant.plan)?;
            Ok((tenant, plan))
        })
    }

    fn set_status(&self, id: &TenantId, change: StatusChange<'_>, audit: Audit<'_, ()>) -> Result<()> {
        self.db.write(audit, |tx, _| tenants::set_status(tx, id, change))
    }

    fn change_plan(&self, id: &TenantId, plan: &str, audit: Audit<'_, PlanChanged>) -> Result<PlanChanged> {
        self.db.write(audit, |tx, now| tenants::change_plan(tx, id, plan, now))
    }

    fn delete_tenant(&self, id: &TenantId, audit: Audit<'_, TenantExport>) -> Result<TenantExport> {
        self.db.write(audit, |tx, now| tenants::delete_tenant(tx, id, now))
    }

    fn read(&self, tenant: &TenantId, f: &mut dyn FnMut(&dyn TenantView) -> Result<()>) -> Result<()> {
        self.db.read_tenant(tenant, |view| f(view))
    }

    fn record_usage(
        &self,
        tenant: &TenantId,
        prepare: Prepare<'_, Vec<LedgerEntry>>,
        audit: Audit<'_, UsageRecorded>,
    ) -> Result<UsageRecorded> {
        self.db.write_tenant(tenant, audit, |tx, view, now| {
            let entries = prepare(view)?;
            let recorded =
                entries.iter().map(|e| ledger::record(tx, tenant.as_str(), e, now)).collect::<Result<Vec<_>>>()?;
            let (tenant, plan) = view.parts();
            Ok(UsageRecorded { tenant, plan, entries: recorded })
        })
    }

    fn grant_quota(
        &self,
        tenant: &TenantId,
        prepare: Prepare<'_, NewGrant>,
        audit: Audit<'_, Granted>,
    ) -> Result<Granted> {
        self.db.write_tenant(tenant, audit, |tx, view, now| {
            let grant = prepare(view)?;
            ledger::grant(tx, tenant, &grant, now)?;
            let counter = view.counter(&grant.limit, &grant.period)?;
            let (tenant, plan) = view.parts();
            Ok(Granted { tenant, plan, grant, counter })
        })
    }

    fn set_branding(&self, tenant: &TenantId, branding: &Branding, audit: Audit<'_, ()>) -> Result<()> {
        self.db.write_tenant(tenant, audit, |tx, _, now| branding::set_branding(tx, tenant, branding, now))
    }

    fn issue_invoice(
        &self,
        tenant: &TenantId,
        period: BillingPeriod,
        build: Prepare<'_, Invoice>,
        audit: Audit<'_, IssuedInvoice>,
    ) -> Result<IssuedInvoice> {
        self.db.write_tenant(tenant, audit, |tx, view, now| invoices::issue(tx, view, period, build, now))
    }

    fn purge_idempotency_keys(&self, cutoff: DateTime<Utc>, audit: Audit<'_, usize>) -> Result<usize> {
        self.db.write(audit, |tx, _| ledger::purge_keys(tx, cutoff))
    }

    fn top_tenants(&self, meter: &str, from: DateTime<Utc>, to: DateTime<Utc>, n: usize) -> Result<Vec<TenantUsage>> {
        self.db.read(|tx| ledger::top_tenants(tx, meter, from, to, n))
    }
}
