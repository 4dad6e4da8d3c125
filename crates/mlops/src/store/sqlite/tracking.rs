//! The tracker's statements: experiments by unique key, runs written under their row lock,
//! params write-once by a conditional insert, ends conditional on still running.

use super::db::{Ctx, from_micros, get_blob, put_blob, to_micros};
use super::run::read_run;
use crate::error::{MlopsError, Result};
use crate::store::{ExperimentUpsert, Logged, NewRun, RunEntry, StartedRun};
use forecast_core::tenant::TenantId;
use forecast_core::tracking::{Experiment, MetricPoint, Run, RunStatus};
use rusqlite::{OptionalExtension, Transaction, params};

pub(super) fn upsert_experiment(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    tenant: &TenantId,
    name: &str,
    actor: &str,
) -> Result<ExperimentUpsert> {
    let inserted = tx
        .execute(
            "INSERT INTO experiments (tenant, name, created_by, created_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (tenant, name) DO NOTHING",
            params![tenant.as_str(), name, actor, to_micros(ctx.now)],
        )
        .map_err(MlopsError::storage("create experiment"))?;
    let experiment = find_experiment(tx, tenant, name)?.ok_or_else(|| MlopsError::not_found("experiment", name))?;
    Ok(ExperimentUpsert { experiment, created: inserted == 1 })
}

pub(super) fn experiments(tx: &Transaction<'_>, tenant: &TenantId) -> Result<Vec<Experiment>> {
    let mut stmt = tx
        .prepare("SELECT id, name, created_by, created_at FROM experiments WHERE tenant = ?1 ORDER BY id")
        .map_err(MlopsError::storage("experiments"))?;
    let rows = stmt.query_map([tenant.as_str()], experiment_from_row).map_err(MlopsError::storage("experiments"))?;
    rows.collect::<rusqlite::Result<_>>().map_err(MlopsError::storage("experiments"))
}

pub(super) fn start_run(tx: &Transaction<'_>, ctx: &Ctx, tenant: &TenantId, run: NewRun<'_>) -> Result<StartedRun> {
    if let Some(p) = run.parent {
        read_run(tx, tenant, p)?;
    }
    let experiment = upsert_experiment(tx, ctx, tenant, run.experiment, run.actor)?;
    tx.execute(
        "INSERT INTO runs (tenant, experiment_id, name, parent_id, status, created_by, start_time) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            tenant.as_str(),
            experiment.experiment.id,
            run.name,
            run.parent,
            RunStatus::Running.as_str(),
            run.actor,
            to_micros(ctx.now)
        ],
    )
    .map_err(MlopsError::storage("start run"))?;
    Ok(StartedRun { id: tx.last_insert_rowid(), experiment })
}

pub(super) fn log_to_run(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    tenant: &TenantId,
    run_id: i64,
    entry: RunEntry<'_>,
) -> Result<Logged> {
    active_run(tx, tenant, run_id)?;
    match entry {
        RunEntry::Param { key, value } => {
            // A conditional insert on the (run, key) key, not a read then a write: of two
            // concurrent first values one is stored; the caller judges the other.
            tx.execute(
                "INSERT INTO run_params (run_id, key, value) VALUES (?1, ?2, ?3) ON CONFLICT (run_id, key) DO NOTHING",
                params![run_id, key, value],
            )
            .map_err(MlopsError::storage("log param"))?;
            let stored = tx
                .query_row("SELECT value FROM run_params WHERE run_id = ?1 AND key = ?2", params![run_id, key], |r| {
                    r.get(0)
                })
                .map_err(MlopsError::storage("log param"))?;
            Ok(Logged::Param { stored })
        }
        RunEntry::Metric { key, value, step } => {
            tx.execute(
                "INSERT INTO run_metrics (run_id, key, value, step, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![run_id, key, value, step, to_micros(ctx.now)],
            )
            .map_err(MlopsError::storage("log metric"))?;
            Ok(Logged::Written)
        }
        RunEntry::Tag { key, value } => {
            tx.execute(
                "INSERT INTO run_tags (run_id, key, value) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
                params![run_id, key, value],
            )
            .map_err(MlopsError::storage("set tag"))?;
            Ok(Logged::Written)
        }
        RunEntry::Artifact { path, bytes } => {
            let sha256 = put_blob(tx, tenant, bytes)?;
            tx.execute(
                "INSERT INTO run_artifacts (run_id, tenant, path, sha256) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (run_id, path) DO UPDATE SET sha256 = excluded.sha256",
                params![run_id, tenant.as_str(), path, sha256],
            )
            .map_err(MlopsError::storage("log artifact"))?;
            Ok(Logged::Artifact { sha256 })
        }
    }
}

pub(super) fn end_run(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    tenant: &TenantId,
    run_id: i64,
    status: RunStatus,
) -> Result<()> {
    active_run(tx, tenant, run_id)?;
    // Conditional on still running, so two concurrent ends cannot both succeed.
    let changed = tx
        .execute(
            "UPDATE runs SET status = ?1, end_time = ?2 WHERE id = ?3 AND tenant = ?4 AND status = ?5",
            params![status.as_str(), to_micros(ctx.now), run_id, tenant.as_str(), RunStatus::Running.as_str()],
        )
        .map_err(MlopsError::storage("end run"))?;
    if changed == 0 {
        return Err(MlopsError::RunEnded { run: run_id, status: "ended".into() });
    }
    Ok(())
}

pub(super) fn experiment_runs(tx: &Transaction<'_>, tenant: &TenantId, experiment: &str) -> Result<Vec<Run>> {
    let exp =
        find_experiment(tx, tenant, experiment)?.ok_or_else(|| MlopsError::not_found("experiment", experiment))?;
    let mut stmt = tx
        .prepare("SELECT id FROM runs WHERE tenant = ?1 AND experiment_id = ?2 ORDER BY id")
        .map_err(MlopsError::storage("search"))?;
    let ids = stmt
        .query_map(params![tenant.as_str(), exp.id], |r| r.get::<_, i64>(0))
        .map_err(MlopsError::storage("search"))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(MlopsError::storage("search"))?;
    ids.into_iter().map(|id| read_run(tx, tenant, id)).collect()
}

pub(super) fn metric_history(
    tx: &Transaction<'_>,
    tenant: &TenantId,
    run_id: i64,
    key: &str,
) -> Result<Vec<MetricPoint>> {
    read_run(tx, tenant, run_id)?;
    let mut stmt = tx
        .prepare("SELECT value, step, at FROM run_metrics WHERE run_id = ?1 AND key = ?2 ORDER BY step, seq")
        .map_err(MlopsError::storage("metric history"))?;
    let rows = stmt
        .query_map(params![run_id, key], |r| {
            Ok(MetricPoint { value: r.get(0)?, step: r.get(1)?, at: from_micros(r.get(2)?) })
        })
        .map_err(MlopsError::storage("metric history"))?;
    rows.collect::<rusqlite::Result<_>>().map_err(MlopsError::storage("metric history"))
}

pub(super) fn run_artifact(
    tx: &Transaction<'_>,
    tenant: &TenantId,
    run_id: i64,
    path: &str,
) -> Result<(String, Vec<u8>)> {
    let sha: String = tx
        .query_row(
            "SELECT sha256 FROM run_artifacts WHERE run_id = ?1 AND tenant = ?2 AND path = ?3",
            params![run_id, tenant.as_str(), path],
            |r| r.get(0),
        )
        .optional()
        .map_err(MlopsError::storage("artifact"))?
        .ok_or_else(|| MlopsError::not_found("run artifact", format!("run {run_id}: {path}")))?;
    let bytes = get_blob(tx, tenant, &sha)?;
    Ok((sha, bytes))
}

/// Fail unless the run exists in `tenant` and is still running, holding the run's row lock
/// (a no-op conditional update) for the rest of `tx`: ending a run updates the same row, so
/// nothing is logged to a run after its end under any store, not only under SQLite's single writer.
fn active_run(tx: &Transaction<'_>, tenant: &TenantId, run_id: i64) -> Result<()> {
    let running = tx
        .prepare_cached("UPDATE runs SET status = status WHERE id = ?1 AND tenant = ?2 AND status = ?3")
        .and_then(|mut stmt| stmt.execute(params![run_id, tenant.as_str(), RunStatus::Running.as_str()]))
        .map_err(MlopsError::storage("read run"))?;
    if running == 1 {
        return Ok(());
    }
    let status: String = tx
        .query_row("SELECT status FROM runs WHERE id = ?1 AND tenant = ?2", params![run_id, tenant.as_str()], |r| {
            r.get(0)
        })
        .optional()
        .map_err(MlopsError::storage("read run"))?
        .ok_or_else(|| MlopsError::not_found("run", run_id.to_string()))?;
    if status != RunStatus::Running.as_str() {
        return Err(MlopsError::RunEnded { run: run_id, status });
    }
    Ok(())
}

fn find_experiment(tx: &Transaction<'_>, tenant: &TenantId, name: &str) -> Result<Option<Experiment>> {
    tx.query_row(
        "SELECT id, name, created_by, created_at FROM experiments WHERE tenant = ?1 AND name = ?2",
        params![tenant.as_str(), name],
        experiment_from_row,
    )
    .optional()
    .map_err(MlopsError::storage("read experiment"))
}

fn experiment_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Experiment> {
    Ok(Experiment { id: r.get(0)?, name: r.get(1)?, created_by: r.get(2)?, created_at: from_micros(r.get(3)?) })
}
