//! The storage port of the tenancy services: [`TenancyStore`], one atomic operation a method,
//! and [`SqliteTenancyStore`], the embedded implementation behind it.
//!
//! The services above the trait ([`crate::TenantStore`], [`crate::TenantScope`],
//! [`crate::MeteredModels`]) keep the rules: who may act (the operator check), plan validation,
//! which limit a meter counts against and whether it is hard or soft, the counter period in the
//! tenant's timezone, usage before the tenant existed, currency, proration and rounding of
//! invoices, and which audit events a change produces. A store keeps what only a transaction
//! can: the tenant's row lock, unique keys, conditional updates, and recording a change's audit
//! events in the same transaction as the change.
//!
//! # Concurrency contract
//! Every method is one transaction. No method may rely on a single writer, so a store whose
//! transactions interleave (PostgreSQL under READ COMMITTED) keeps the same guarantees:
//! - **Tenant row first.** Every write under a tenant's plan and status (usage, grants,
//!   branding, invoices) first takes the tenant's row lock with a conditional no-op update on
//!   `status = 'active'` and reads the tenant and its plan under it. Suspension, deletion and
//!   plan changes update that same row (conditional on the status, and plan, they read), so a
//!   change made under a plan cannot interleave with a change of the plan.
//! - **Tenant ids are never reused.** A tenant is inserted `ON CONFLICT DO NOTHING` on its id;
//!   a deleted tenant's row stays as a tombstone, so its id conflicts for ever
//!   ([`crate::TenancyError::TenantIdRetired`]).
//! - **Usage is recorded once.** A ledger row is inserted `ON CONFLICT (tenant, key) DO
//!   NOTHING`; a conflict is a replay when the stored payload is the same and an
//!   [`crate::TenancyError::IdempotencyConflict`] otherwise.
//! - **Quota consume is a conditional update.** A hard limit is `UPDATE ... SET used = used + n
//!   WHERE used + n <= limit + grants`, in the transaction that inserts the ledger row under the
//!   idempotency key; no row updated refuses with [`crate::TenancyError::QuotaExceeded`] and
//!   rolls the ledger row back. Usage never goes below zero (`MAX(used + n, 0)`).
//! - **An invoice is issued once.** Issuing closes the month with `UPDATE billing_periods SET
//!   closed = 1 WHERE closed = 0`: exactly one issuer stores the invoice; the others read it.
//!   Every ledger write touches the same row with a conditional update on `closed = 0`, so no
//!   usage lands in an issued month.
//!
//! # Audit and ledger rows
//! Ledger rows are part of the change itself: [`TenancyStore::record_usage`] writes them and the
//! counters they count against in one transaction. Every writing method also takes an [`Audit`]
//! callback. The store calls it inside the transaction, after the change and before commit,
//! with the change's outcome and the transaction's clock reading; it records the events returned
//! in that same transaction when its audit sink shares the database (otherwise before commit, so
//! a refused audit rolls the change back). When the callback returns an error the store rolls
//! the change back and returns that error: that is how a service's rule refuses an outcome it can
//! only judge once the store has read it (a plan in another currency). Refusals, which change
//! nothing, are recorded outside any transaction with [`TenancyStore::record_refusal`].
//!
//! A [`Prepare`] callback is the other half: it runs inside the transaction, after the tenant's
//! row lock, and turns what the store read (a [`TenantView`]) into what the store writes (ledger
//! entries, a grant, an invoice), so the rules stay in the service and still see the state they
//! are applied to.

mod ledger;
mod sqlite;
mod view;

pub use ledger::{Counter, CounterState, Granted, LedgerEntry, NewGrant, Recorded, UsageRecorded};
pub use sqlite::SqliteTenancyStore;
pub use view::{PlanChange, TenantView};

use crate::Result;
use crate::export::TenantExport;
use crate::invoice::Invoice;
use crate::period::BillingPeriod;
use crate::plan::Plan;
use crate::tenant::Tenant;
use crate::usage::TenantUsage;
use chrono::{DateTime, Utc};
use forecast_core::branding::Branding;
use forecast_core::tenant::{TenantId, TenantStatus};
use forecast_core::{AuditEvent, Clock};
use std::fmt::Debug;

/// Builds the audit events of a change from its outcome and the transaction's clock reading,
/// inside the change's transaction; an error rolls the change back (see the module docs).
pub type Audit<'a, T> = &'a dyn Fn(&T, DateTime<Utc>) -> Result<Vec<AuditEvent>>;

/// Turns what a write transaction read (the locked tenant, its plan, its ledger) into what it
/// writes, inside that transaction; an error rolls it back (see the module docs).
pub type Prepare<'a, R> = &'a dyn Fn(&dyn TenantView) -> Result<R>;

/// A status change asked of the store: from the status read to the one wanted.
#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    /// The status the tenant must have (the update is conditional on it).
    pub from: TenantStatus,
    /// The new status.
    pub to: TenantStatus,
    /// Why, kept with the tenant's row.
    pub reason: Option<&'a str>,
    /// The verb an [`crate::TenancyError::InvalidTransition`] names (`suspend`, `reactivate`).
    pub action: &'static str,
}

/// A tenant just created and the plan it was created on, as read in the same transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedTenant {
    /// The tenant as stored.
    pub tenant: Tenant,
    /// Its plan.
    pub plan: Plan,
}

/// A plan change: the tenant as it was before, and the plan it moved to.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanChanged {
    /// The tenant before the change (its `plan` is the old plan).
    pub before: Tenant,
    /// The new plan, read in the same transaction.
    pub plan: Plan,
}

/// An invoice after [`TenancyStore::issue_invoice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedInvoice {
    /// The invoice as stored.
    pub invoice: Invoice,
    /// True when this call issued it; false when it had been issued before (the stored
    /// document is returned unchanged).
    pub issued_now: bool,
}

/// The storage of plans, tenants, the usage ledger, quota counters and grants, branding and
/// invoices, every tenant row keyed by its tenant.
///
/// Each method is one transaction and reads one consistent snapshot. The tenant-scoped methods
/// (whose parameter is `tenant`: [`TenancyStore::read`], [`TenancyStore::record_usage`],
/// [`TenancyStore::grant_quota`], [`TenancyStore::set_branding`], [`TenancyStore::issue_invoice`])
/// touch only that tenant's rows and fail with
/// [`crate::TenancyError::TenantNotFound`] or [`crate::TenancyError::TenantInactive`] unless the
/// tenant is active when the transaction reads it. Backend failures are
/// [`crate::TenancyError::Sqlite`] (SQLite) or [`crate::TenancyError::Backend`] (any other store).
pub trait TenancyStore: Send + Sync + Debug {
    /// The clock every write is stamped with, and every service rule reads time from.
    fn clock(&self) -> &dyn Clock;

    /// Record the audit event of a refusal, outside any transaction (nothing changed).
    ///
    /// # Errors
    /// When the audit sink fails.
    fn record_refusal(&self, event: AuditEvent) -> Result<()>;

    /// Insert the plan, or replace the plan of the same name (an upsert on the name).
    ///
    /// # Errors
    /// Backend failures; an error of `audit`.
    fn define_plan(&self, plan: &Plan, audit: Audit<'_, Plan>) -> Result<()>;

    /// The plan `name` from the catalogue.
    ///
    /// # Errors
    /// [`crate::TenancyError::PlanNotFound`] listing the known plans.
    fn plan(&self, name: &str) -> Result<Plan>;

    /// Insert `tenant` with its first plan-history row (effective from `created_at`).
    ///
    /// Concurrency: an insert `ON CONFLICT DO NOTHING` on the id, so of two concurrent creations
    /// one inserts and the other fails; a deleted tenant's tombstone keeps its id retired.
    ///
    /// # Errors
    /// [`crate::TenancyError::PlanNotFound`]; [`crate::TenancyError::TenantExists`];
    /// [`crate::TenancyError::TenantIdRetired`]; an error of `audit` (a currency rule).
    fn create_tenant(&self, tenant: &Tenant, audit: Audit<'_, CreatedTenant>) -> Result<CreatedTenant>;

    /// The tenant `id`, whatever its status (a deleted tenant's tombstone included).
    ///
    /// # Errors
    /// [`crate::TenancyError::TenantNotFound`].
    fn tenant(&self, id: &TenantId) -> Result<Tenant>;

    /// Every tenant that is not deleted, ordered by id.
    ///
    /// # Errors
    /// Backend failures; a corrupt row.
    fn tenants(&self) -> Result<Vec<Tenant>>;

    /// The tenant `id` (any status) and its plan, from one snapshot.
    ///
    /// # Errors
    /// [`crate::TenancyError::TenantNotFound`]; [`crate::TenancyError::PlanNotFound`].
    fn tenant_plan(&self, id: &TenantId) -> Result<(Tenant, Plan)>;

    /// Move the tenant from `change.from` to `change.to`.
    ///
    /// Concurrency: conditional on the status (`UPDATE ... WHERE status = <from>`), so a deleted
    /// tenant never comes back and of two concurrent changes from one status one wins.
    ///
    /// # Errors
    /// [`crate::TenancyError::TenantNotFound`]; [`crate::TenancyError::InvalidTransition`]
    /// naming the status found; an error of `audit`.
    fn set_status(&self, id: &TenantId, change: StatusChange<'_>, audit: Audit<'_, ()>) -> Result<()>;

    /// Move an active tenant to plan `plan` and append the change (effective now) to its plan
    /// history.
    ///
    /// Concurrency: locks the tenant's row, then updates it on the condition that status and
    /// plan are still those read, so a concurrent suspension, deletion or plan change is never
    /// overwritten.
    ///
    /// # Errors
    /// The tenant-state errors; [`crate::TenancyError::PlanNotFound`];
    /// [`crate::TenancyError::InvalidTransition`] when the row changed under the update; an error
    /// of `audit` (a currency rule).
    fn change_plan(&self, id: &TenantId, plan: &str, audit: Audit<'_, PlanChanged>) -> Result<PlanChanged>;

    /// Export every row of the tenant, delete them, and leave the tenant's row as a tombstone
    /// (status `deleted`, name cleared), in one transaction.
    ///
    /// Concurrency: the tombstone is a conditional update on `status != 'deleted'`, so of two
    /// concurrent deletions exactly one commits (the other rolls back export and deletes).
    ///
    /// # Errors
    /// [`crate::TenancyError::TenantNotFound`]; [`crate::TenancyError::InvalidTransition`] when
    /// already deleted; an error of `audit`.
    fn delete_tenant(&self, id: &TenantId, audit: Audit<'_, TenantExport>) -> Result<TenantExport>;

    /// Run `f` on a read-only view of the active tenant `tenant`, in one snapshot.
    ///
    /// # Errors
    /// The tenant-state errors; whatever `f` returns.
    fn read(&self, tenant: &TenantId, f: &mut dyn FnMut(&dyn TenantView) -> Result<()>) -> Result<()>;

    /// Record the ledger entries `prepare` returns (in order) and update the counters they count
    /// against, under the tenant's row lock; all or nothing.
    ///
    /// Concurrency: each entry touches its billing month with a conditional update on `closed =
    /// 0`, is inserted `ON CONFLICT (tenant, key) DO NOTHING`, and (when it has a [`Counter`])
    /// moves its counter by a conditional update (see the module docs).
    ///
    /// # Errors
    /// The tenant-state errors; [`crate::TenancyError::PeriodClosed`];
    /// [`crate::TenancyError::IdempotencyConflict`]; [`crate::TenancyError::QuotaExceeded`]; an
    /// error of `prepare` or `audit`.
    fn record_usage(
        &self,
        tenant: &TenantId,
        prepare: Prepare<'_, Vec<LedgerEntry>>,
        audit: Audit<'_, UsageRecorded>,
    ) -> Result<UsageRecorded>;

    /// Insert the one-off grant `prepare` returns, under the tenant's row lock, and read its
    /// counter afterwards.
    ///
    /// # Errors
    /// The tenant-state errors; an error of `prepare` or `audit`.
    fn grant_quota(
        &self,
        tenant: &TenantId,
        prepare: Prepare<'_, NewGrant>,
        audit: Audit<'_, Granted>,
    ) -> Result<Granted>;

    /// Store the tenant's white-label settings (an upsert on the tenant), under its row lock.
    ///
    /// # Errors
    /// The tenant-state errors; an error of `audit`.
    fn set_branding(&self, tenant: &TenantId, branding: &Branding, audit: Audit<'_, ()>) -> Result<()>;

    /// Close `period` and store the invoice `build` makes from the ledger, under the tenant's row
    /// lock; when the month was closed before, return the stored invoice (`issued_now = false`)
    /// without calling `build`.
    ///
    /// Concurrency: closing is a conditional update on `closed = 0`, so exactly one issuer builds
    /// and stores the invoice, and no ledger write for the month commits after it.
    ///
    /// # Errors
    /// The tenant-state errors; an error of `build` or `audit`.
    fn issue_invoice(
        &self,
        tenant: &TenantId,
        period: BillingPeriod,
        build: Prepare<'_, Invoice>,
        audit: Audit<'_, IssuedInvoice>,
    ) -> Result<IssuedInvoice>;

    /// Forget the idempotency keys of every tenant received before `cutoff` (the ledger rows
    /// stay); returns how many were forgotten.
    ///
    /// # Errors
    /// Backend failures; an error of `audit`.
    fn purge_idempotency_keys(&self, cutoff: DateTime<Utc>, audit: Audit<'_, usize>) -> Result<usize>;

    /// The `n` tenants with the most usage of `meter` in `[from, to)`, heaviest first, ties by
    /// tenant id (totals only, never a tenant's rows).
    ///
    /// # Errors
    /// Backend failures.
    fn top_tenants(&self, meter: &str, from: DateTime<Utc>, to: DateTime<Utc>, n: usize) -> Result<Vec<TenantUsage>>;
}
