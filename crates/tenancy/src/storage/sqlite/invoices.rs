//! Issuing an invoice: the month closed by one conditional update, the document stored once.

use super::schema::to_millis;
use super::view::SqliteView;
use crate::Result;
use crate::period::BillingPeriod;
use crate::storage::{IssuedInvoice, Prepare, TenantView};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

pub(super) fn issue(
    tx: &Connection,
    view: &SqliteView<'_>,
    period: BillingPeriod,
    build: Prepare<'_, crate::invoice::Invoice>,
    now: DateTime<Utc>,
) -> Result<IssuedInvoice> {
    let (id, key) = (view.tenant().id.as_str(), period.key());
    // Closing is a conditional update: exactly one issuer wins, and from then on every ledger
    // write for the month fails its own conditional update on the same row.
    tx.execute(
        "INSERT INTO billing_periods (tenant_id, period) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![id, key],
    )?;
    let closed_now = tx.execute(
        "UPDATE billing_periods SET closed = 1 WHERE tenant_id = ?1 AND period = ?2 AND closed = 0",
        params![id, key],
    )?;
    if closed_now == 0 {
        let document: String = tx.query_row(
            "SELECT document FROM invoices WHERE tenant_id = ?1 AND period = ?2",
            params![id, key],
            |r| r.get(0),
        )?;
        return Ok(IssuedInvoice { invoice: serde_json::from_str(&document)?, issued_now: false });
    }
    let invoice = build(view)?;
    tx.execute(
        "INSERT INTO invoices (tenant_id, period, document, issued_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, key, serde_json::to_string(&invoice)?, to_millis(now)],
    )?;
    Ok(IssuedInvoice { invoice, issued_now: true })
}
