//! Reading a run and everything logged to it (the types live in forecast-core's tracking port).

use super::db::from_micros;
use crate::error::{MlopsError, Result};
use forecast_core::tenant::TenantId;
use forecast_core::tracking::{Run, RunStatus};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeMap;

/// The run `id` of `tenant` (another tenant's run is not found).
pub(super) fn read_run(tx: &Transaction<'_>, tenant: &TenantId, id: i64) -> Result<Run> {
    let op = MlopsError::storage("read run");
    let head = tx
        .query_row(
            "SELECT e.name, r.name, r.parent_id, r.status, r.created_by, r.start_time, r.end_time \
             FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?1 AND r.tenant = ?2",
            params![id, tenant.as_str()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                ))
            },
        )
        .optional()
        .map_err(&op)?
        .ok_or_else(|| MlopsError::not_found("run", id.to_string()))?;
    let (experiment, name, parent, status, created_by, start, end) = head;
    let status = RunStatus::parse(&status)
        .ok_or_else(|| MlopsError::InvalidInput(format!("run {id} has unknown status `{status}` in storage")))?;
    let pairs = |sql: &str| -> Result<BTreeMap<String, String>> {
        let mut stmt = tx.prepare(sql).map_err(&op)?;
        let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?))).map_err(&op)?;
        rows.collect::<rusqlite::Result<_>>().map_err(&op)
    };
    let params = pairs("SELECT key, value FROM run_params WHERE run_id = ?1")?;
    let tags = pairs("SELECT key, value FROM run_tags WHERE run_id = ?1")?;
    let artifacts = pairs("SELECT path, sha256 FROM run_artifacts WHERE run_id = ?1")?;
    // Rows come by step then logging order, so the last one per key is the latest.
    let mut stmt =
        tx.prepare("SELECT key, value FROM run_metrics WHERE run_id = ?1 ORDER BY step, seq").map_err(&op)?;
    let rows = stmt.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?))).map_err(&op)?;
    let metrics = rows.collect::<rusqlite::Result<BTreeMap<_, _>>>().map_err(&op)?;
    Ok(Run {
        id,
        experiment,
        name,
        parent,
        status,
        created_by,
        start_time: from_micros(start),
        end_time: end.map(from_micros),
        params,
        metrics,
        tags,
        artifacts,
    })
}
