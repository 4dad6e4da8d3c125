//! The tenant lifecycle's statements: the plan catalogue, creation with ids never reused, and
//! status, plan and deletion changes conditional on the row read.

use super::db::{TENANT_COLUMNS, load_plan, load_tenant, lock_active_tenant, tenant_from_row};
use super::export::export_rows;
use super::schema::{tenant_tables, to_millis};
use crate::Result;
use crate::TenancyError;
use crate::export::TenantExport;
use crate::plan::Plan;
use crate::storage::{CreatedTenant, PlanChanged, StatusChange};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use forecast_core::tenant::{TenantId, TenantStatus};
use rusqlite::{Connection, params};

pub(super) fn define_plan(tx: &Connection, plan: &Plan) -> Result<Plan> {
    tx.execute(
        "INSERT INTO plans (name, spec) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec",
        params![plan.name, serde_json::to_string(plan)?],
    )?;
    Ok(plan.clone())
}

pub(super) fn create_tenant(tx: &Connection, tenant: &Tenant) -> Result<CreatedTenant> {
    let plan = load_plan(tx, &tenant.plan)?;
    let inserted = tx.execute(
        &format!(
            "INSERT INTO tenants ({TENANT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING"
        ),
        params![
            tenant.id.as_str(),
            tenant.name,
            tenant.plan,
            tenant.status.as_str(),
            tenant.timezone.name(),
            tenant.currency.code(),
            tenant.locale,
            to_millis(tenant.created_at)
        ],
    )?;
    if inserted == 0 {
        let existing = load_tenant(tx, &tenant.id)?;
        return Err(if existing.status == TenantStatus::Deleted {
            TenancyError::TenantIdRetired { tenant: tenant.id.to_string() }
        } else {
            TenancyError::TenantExists { tenant: tenant.id.to_string() }
        });
    }
    tx.execute(
        "INSERT INTO plan_history (tenant_id, plan, effective_from) VALUES (?1, ?2, ?3)",
        params![tenant.id.as_str(), tenant.plan, to_millis(tenant.created_at)],
    )?;
    Ok(CreatedTenant { tenant: tenant.clone(), plan })
}

pub(super) fn tenants(tx: &Connection) -> Result<Vec<Tenant>> {
    let mut stmt =
        tx.prepare(&format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE status != 'deleted' ORDER BY tenant_id"))?;
    let rows = stmt.query_map([], tenant_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().collect()
}

pub(super) fn set_status(tx: &Connection, id: &TenantId, change: StatusChange<'_>) -> Result<()> {
    // Conditional on the expected current status, so a deleted tenant can never come back.
    let changed = tx.execute(
        "UPDATE tenants SET status = ?2, status_reason = ?3 WHERE tenant_id = ?1 AND status = ?4",
        params![id.as_str(), change.to.as_str(), change.reason, change.from.as_str()],
    )?;
    if changed == 0 {
        let tenant = load_tenant(tx, id)?;
        return Err(TenancyError::InvalidTransition {
            tenant: id.to_string(),
            status: tenant.status.as_str().into(),
            action: change.action,
        });
    }
    Ok(())
}

pub(super) fn change_plan(tx: &Connection, id: &TenantId, plan: &str, now: DateTime<Utc>) -> Result<PlanChanged> {
    let before = lock_active_tenant(tx, id)?;
    let new_plan = load_plan(tx, plan)?;
    // Conditional on the status and plan read above, so a concurrent suspension, deletion or
    // plan change (under a store whose transactions interleave) is not overwritten.
    let changed = tx.execute(
        "UPDATE tenants SET plan = ?2 WHERE tenant_id = ?1 AND status = 'active' AND plan = ?3",
        params![id.as_str(), plan, before.plan],
    )?;
    if changed == 0 {
        let current = load_tenant(tx, id)?;
        return Err(TenancyError::InvalidTransition {
            tenant: id.to_string(),
            status: format!(
                "{} on plan `{}` (changed while this change was made)",
                current.status.as_str(),
                current.plan
            ),
            action: "change plan",
        });
    }
    tx.execute(
        "INSERT INTO plan_history (tenant_id, plan, effective_from) VALUES (?1, ?2, ?3)",
        params![id.as_str(), plan, to_millis(now)],
    )?;
    Ok(PlanChanged { before, plan: new_plan })
}

pub(super) fn delete_tenant(tx: &Connection, id: &TenantId, now: DateTime<Utc>) -> Result<TenantExport> {
    let deleted =
        || TenancyError::InvalidTransition { tenant: id.to_string(), status: "deleted".into(), action: "delete" };
    if load_tenant(tx, id)?.status == TenantStatus::Deleted {
        return Err(deleted());
    }
    let export = export_rows(tx, id, now)?;
    for table in tenant_tables().filter(|t| *t != "tenants") {
        tx.execute(&format!("DELETE FROM \"{table}\" WHERE tenant_id = ?1"), [id.as_str()])?;
    }
    // Conditional on the tenant not being deleted already: of two concurrent deletions exactly
    // one commits (the other rolls back with its export and deletes).
    let changed = tx.execute(
        "UPDATE tenants SET status = 'deleted', name = '', status_reason = 'deleted', deleted_at = ?2
         WHERE tenant_id = ?1 AND status != 'deleted'",
        params![id.as_str(), to_millis(now)],
    )?;
    if changed == 0 {
        return Err(deleted());
    }
    Ok(export)
}
