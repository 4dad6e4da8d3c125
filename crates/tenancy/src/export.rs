//! Export of every row a tenant owns, as JSON (before deletion, or on request).

use crate::Result;
use crate::schema::tenant_tables;
use crate::scope::TenantScope;
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Every stored row of one tenant, table by table, column by column.
///
/// Tables are this crate's own (`crate::schema`'s list), so the export never reads another
/// crate's tables when the file is shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantExport {
    /// The tenant exported.
    pub tenant: TenantId,
    /// When the export was taken.
    pub exported_at: DateTime<Utc>,
    /// Rows by table name; each row maps column names to values (blobs as hex strings).
    pub tables: BTreeMap<String, Vec<Map<String, Value>>>,
}

impl TenantExport {
    /// How many rows were exported, over all tables.
    pub fn row_count(&self) -> usize {
        self.tables.values().map(Vec::len).sum()
    }

    /// The export as pretty JSON.
    ///
    /// # Errors
    /// When serialisation fails.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string_pretty(self)?)
    }
}

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

/// Read every row of `tenant` in every tenant table.
pub(crate) fn export_rows(conn: &Connection, tenant: &TenantId, now: DateTime<Utc>) -> Result<TenantExport> {
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

impl TenantScope<'_> {
    /// Every row the tenant owns, without deleting anything.
    ///
    /// # Errors
    /// The tenant-state errors.
    pub fn export(&self) -> Result<TenantExport> {
        let now = self.now();
        self.read(|tx, tenant| export_rows(tx, &tenant.id, now))
    }
}
