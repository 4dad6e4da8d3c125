//! The SQLite schema and its migrations (component `forecast-tenancy` in `schema_versions`,
//! so the file may also hold forecast-security's and forecast-mlops' tables).

use crate::plan::Plan;
use crate::{Result, TenancyError};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

/// The name under which this crate's schema version is kept.
const COMPONENT: &str = "forecast-tenancy";

/// Version 1. Every table except the plan catalogue carries `tenant_id`.
const V1: &str = "
CREATE TABLE plans (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL
);
CREATE TABLE tenants (
    tenant_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    plan TEXT NOT NULL REFERENCES plans(name),
    status TEXT NOT NULL,
    status_reason TEXT,
    timezone TEXT NOT NULL,
    currency TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE TABLE plan_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
    plan TEXT NOT NULL,
    effective_from INTEGER NOT NULL
);
CREATE INDEX plan_history_by_tenant ON plan_history(tenant_id, effective_from, seq);
CREATE TABLE branding (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(tenant_id),
    display_name TEXT NOT NULL,
    logo_url TEXT,
    logo_svg TEXT,
    primary_colour TEXT NOT NULL,
    accent_colour TEXT NOT NULL,
    locale TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE quota_usage (
    tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
    limit_name TEXT NOT NULL,
    period TEXT NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, limit_name, period)
) WITHOUT ROWID;
CREATE TABLE quota_grants (
    grant_id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
    limit_name TEXT NOT NULL,
    period TEXT NOT NULL,
    amount INTEGER NOT NULL,
    reason TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at INTEGER NOT NULL
);
CREATE INDEX quota_grants_period ON quota_grants(tenant_id, limit_name, period);
CREATE TABLE usage_events (
    event_id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
    meter TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    occurred_at INTEGER NOT NULL,
    day TEXT NOT NULL,
    period TEXT NOT NULL,
    idempotency_key TEXT,
    received_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX usage_events_key ON usage_events(tenant_id, idempotency_key);
CREATE INDEX usage_events_meter_time ON usage_events(tenant_id, meter, occurred_at);
CREATE INDEX usage_events_period ON usage_events(tenant_id, period, meter);
CREATE TABLE billing_periods (
    tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
    period TEXT NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, period)
) WITHOUT ROWID;
CREATE TABLE invoices (
    tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
    period TEXT NOT NULL,
    document TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, period)
) WITHOUT ROWID;
";

/// This crate's tables holding a tenant's rows, children first, `tenants` last. Listed, not
/// discovered, so another crate's tables in a shared file are never touched.
const TENANT_TABLES: [&str; 8] = [
    "billing_periods",
    "branding",
    "invoices",
    "plan_history",
    "quota_grants",
    "quota_usage",
    "usage_events",
    "tenants",
];

/// The tenant tables, `tenants` last.
pub(crate) fn tenant_tables() -> impl Iterator<Item = &'static str> {
    TENANT_TABLES.into_iter()
}

/// Configure a connection and bring this crate's schema up to date.
///
/// WAL with `synchronous = NORMAL`: a commit survives a process crash; the last commits
/// before a power loss may be lost. Writers wait up to 30 s for the lock.
pub(crate) fn prepare(conn: &mut Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    forecast_core::sqlite::enable_wal(conn)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    use forecast_core::sqlite::Migration;
    match forecast_core::sqlite::migrate(conn, COMPONENT, &[V1])? {
        Migration::Current { .. } => {}
        Migration::TooNew { found, supported } => return Err(TenancyError::SchemaTooNew { found, supported }),
        Migration::Legacy { user_version } => return Err(TenancyError::LegacySchema { user_version }),
    }
    for plan in Plan::builtin() {
        conn.execute(
            "INSERT INTO plans (name, spec) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![plan.name, serde_json::to_string(&plan)?],
        )?;
    }
    Ok(())
}

/// Milliseconds since the Unix epoch, the stored form of instants.
pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored count or sum as `u64` (a negative sum, which the ledger never holds, reads as 0).
pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The inverse of [`to_millis`].
pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer_schemas() {
        let mut conn = Connection::open_in_memory().unwrap();
        prepare(&mut conn).unwrap();
        prepare(&mut conn).unwrap();
        let plans: i64 = conn.query_row("SELECT COUNT(*) FROM plans", [], |r| r.get(0)).unwrap();
        assert_eq!(plans, 3);
        // Every listed table exists and has a tenant_id column.
        for table in tenant_tables() {
            let n: i64 = conn
                .query_row(
                    &format!("SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = 'tenant_id'"),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n, 1, "{table}");
        }
        conn.execute("UPDATE schema_versions SET version = 99 WHERE component = ?1", [COMPONENT]).unwrap();
        assert!(matches!(prepare(&mut conn), Err(TenancyError::SchemaTooNew { found: 99, .. })));
    }
}
