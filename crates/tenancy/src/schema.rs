//! The SQLite schema and its migrations (`PRAGMA user_version`).

use crate::plan::Plan;
use crate::{Result, TenancyError};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior, params};

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = 1;

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
    created_at INTEGER NOT NULL
);
CREATE TABLE branding (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(tenant_id),
    display_name TEXT NOT NULL,
    logo_url TEXT,
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
    overage INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, limit_name, period)
) WITHOUT ROWID;
CREATE TABLE quota_grants (
    grant_id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
    limit_name TEXT NOT NULL,
    period TEXT NOT NULL,
    amount INTEGER NOT NULL,
    reason TEXT NOT NULL,
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
    idempotency_key TEXT,
    received_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX usage_events_key ON usage_events(tenant_id, idempotency_key);
CREATE INDEX usage_events_meter_time ON usage_events(tenant_id, meter, occurred_at);
CREATE TABLE invoices (
    tenant_id TEXT NOT NULL REFERENCES tenants(tenant_id),
    period TEXT NOT NULL,
    document TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, period)
) WITHOUT ROWID;
";

/// Configure a connection and bring its schema to [`SCHEMA_VERSION`].
///
/// WAL with `synchronous = NORMAL`: a commit survives a process crash; the last commits
/// before a power loss may be lost. Writers wait up to 30 s for the lock.
pub(crate) fn prepare(conn: &mut Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    forecast_core::sqlite::enable_wal(conn)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(TenancyError::SchemaTooNew { found, supported: SCHEMA_VERSION });
    }
    if found < 1 {
        tx.execute_batch(V1)?;
        for plan in Plan::builtin() {
            tx.execute(
                "INSERT INTO plans (name, spec) VALUES (?1, ?2)",
                params![plan.name, serde_json::to_string(&plan)?],
            )?;
        }
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Milliseconds since the Unix epoch, the stored form of instants.
pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The inverse of [`to_millis`].
pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// Tables whose rows belong to a tenant (they have a `tenant_id` column), children first.
pub(crate) fn tenant_tables(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
         WHERE m.type = 'table' AND c.name = 'tenant_id' ORDER BY m.name = 'tenants', m.name",
    )?;
    let names = stmt.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
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
        let tables = tenant_tables(&conn).unwrap();
        assert_eq!(tables.last().map(String::as_str), Some("tenants"));
        assert_eq!(tables.len(), 6, "{tables:?}");
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(prepare(&mut conn), Err(TenancyError::SchemaTooNew { found: 99, .. })));
    }
}
