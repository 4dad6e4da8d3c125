//! Export of every row a tenant owns, as JSON (before deletion, or on request:
//! [`crate::TenantScope::export`]).

use crate::Result;
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Every stored row of one tenant, table by table, column by column.
///
/// Tables are this crate's own (the store's list), so the export never reads another
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
