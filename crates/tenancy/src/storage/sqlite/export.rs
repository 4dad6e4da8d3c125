//! Reading every row a tenant owns, table by table, as JSON values.

use super::schema::tenant_tables;
use crate::Result;
use crate::export::TenantExport;
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

fn to_json_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::from(b.iter().fold(String::new(), |mut s, byte| {
            let _ = write!(s, "{byte:02x}");
            s
        })),
    }
}

/// Read every row of `tenant` in every tenant table (this crate's own, never another crate's
/// tables in a shared file).
pub(super) fn export_rows(conn: &Connection, tenant: &TenantId, now: DateTime<Utc>) -> Result<TenantExport> {
    let mut tables = BTreeMap::new();
    for table in tenant_tables() {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\" WHERE tenant_id = ?1"))?;
        let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let mut rows = stmt.query([tenant.as_str()])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut object = Map::new();
            for (i, column) in columns.iter().enumerate() {
                object.insert(column.clone(), to_json_value(row.get_ref(i)?));
            }
            out.push(object);
        }
        tables.insert(table.to_owned(), out);
    }
    Ok(TenantExport { tenant: tenant.clone(), exported_at: now, tables })
}
