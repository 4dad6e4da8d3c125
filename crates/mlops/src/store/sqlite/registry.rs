//! The registry's statements: versions numbered by a conditional counter upsert, aliases moved
//! by compare-and-set with an append-only history, archiving conditional on no alias.

use super::db::{Ctx, from_micros, put_blob, to_micros};
use super::rows::{VERSION_COLUMNS, json, lock_version, move_from_row, read_version, version_from_row};
use crate::error::{MlopsError, Result};
use crate::store::{AliasChange, AliasTarget};
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::{AliasMove, ModelRef, ModelVersion, NewModelVersion};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeMap;

/// How often a compare-and-set alias move is retried after losing a race.
const CAS_ATTEMPTS: usize = 16;

pub(super) fn register(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    tenant: &TenantId,
    new: &NewModelVersion,
    artifact: &[u8],
) -> Result<ModelVersion> {
    let params_json = json::to_text(&new.params)?;
    let metrics_json = json::to_text(&new.metrics)?;
    let features_json = json::to_text(&new.feature_names)?;
    let tags_json = json::to_text(&new.tags)?;
    let data_json = new.data.as_ref().map(json::to_text).transpose()?;
    let sha = put_blob(tx, tenant, artifact)?;
    let next: u32 = tx
        .query_row(
            "INSERT INTO model_names (tenant, name, latest) VALUES (?1, ?2, 1) \
             ON CONFLICT (tenant, name) DO UPDATE SET latest = latest + 1 RETURNING latest",
            params![tenant.as_str(), new.name],
            |r| r.get(0),
        )
        .map_err(MlopsError::storage("register"))?;
    let library_version = concat!("forecast-mlops ", env!("CARGO_PKG_VERSION"));
    tx.execute(
        &format!(
            "INSERT INTO versions (tenant, {VERSION_COLUMNS}) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,0)"
        ),
        params![
            tenant.as_str(),
            new.name,
            next,
            new.artifact.kind(),
            sha,
            params_json,
            metrics_json,
            features_json,
            data_json,
            new.parent,
            tags_json,
            new.created_by,
            to_micros(ctx.now),
            library_version
        ],
    )
    .map_err(MlopsError::storage("register"))?;
    read_version(tx, tenant, &new.name, next)
}

pub(super) fn resolve(tx: &Transaction<'_>, tenant: &TenantId, reference: &ModelRef) -> Result<ModelVersion> {
    match reference {
        ModelRef::Version { name, version } => read_version(tx, tenant, name, *version),
        ModelRef::Alias { name, alias } => {
            let version = current_holder(tx, tenant, name, alias)?
                .ok_or_else(|| MlopsError::not_found("alias", reference.to_string()))?;
            read_version(tx, tenant, name, version)
        }
    }
}

pub(super) fn versions(tx: &Transaction<'_>, tenant: &TenantId, name: &str) -> Result<Vec<ModelVersion>> {
    let mut stmt = tx
        .prepare(&format!("SELECT {VERSION_COLUMNS} FROM versions WHERE tenant = ?1 AND name = ?2 ORDER BY version"))
        .map_err(MlopsError::storage("versions"))?;
    let rows =
        stmt.query_map(params![tenant.as_str(), name], version_from_row).map_err(MlopsError::storage("versions"))?;
    rows.map(|r| r.map_err(MlopsError::storage("versions"))?).collect()
}

pub(super) fn models(tx: &Transaction<'_>, tenant: &TenantId) -> Result<Vec<String>> {
    let mut stmt = tx
        .prepare("SELECT name FROM model_names WHERE tenant = ?1 ORDER BY name")
        .map_err(MlopsError::storage("models"))?;
    let rows = stmt.query_map([tenant.as_str()], |r| r.get(0)).map_err(MlopsError::storage("models"))?;
    rows.collect::<rusqlite::Result<_>>().map_err(MlopsError::storage("models"))
}

pub(super) fn aliases(tx: &Transaction<'_>, tenant: &TenantId, name: &str) -> Result<BTreeMap<String, u32>> {
    let mut stmt = tx
        .prepare("SELECT alias, version FROM aliases WHERE tenant = ?1 AND name = ?2")
        .map_err(MlopsError::storage("aliases"))?;
    let rows = stmt
        .query_map(params![tenant.as_str(), name], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(MlopsError::storage("aliases"))?;
    rows.collect::<rusqlite::Result<_>>().map_err(MlopsError::storage("aliases"))
}

pub(super) fn history(
    tx: &Transaction<'_>,
    tenant: &TenantId,
    name: &str,
    alias: Option<&str>,
) -> Result<Vec<AliasMove>> {
    let op = MlopsError::storage("alias history");
    let mut stmt = tx
        .prepare(
            "SELECT name, alias, from_version, to_version, actor, at, reason FROM alias_history \
             WHERE tenant = ?1 AND name = ?2 AND (?3 IS NULL OR alias = ?3) ORDER BY seq",
        )
        .map_err(&op)?;
    let rows = stmt.query_map(params![tenant.as_str(), name, alias], move_from_row).map_err(&op)?;
    rows.collect::<rusqlite::Result<_>>().map_err(&op)
}

pub(super) fn alias_at(
    tx: &Transaction<'_>,
    tenant: &TenantId,
    name: &str,
    alias: &str,
    at: DateTime<Utc>,
) -> Result<Option<u32>> {
    tx.query_row(
        "SELECT to_version FROM alias_history WHERE tenant = ?1 AND name = ?2 AND alias = ?3 AND at <= ?4 \
         ORDER BY seq DESC LIMIT 1",
        params![tenant.as_str(), name, alias, to_micros(at)],
        |r| r.get::<_, Option<u32>>(0),
    )
    .optional()
    .map(Option::flatten)
    .map_err(MlopsError::storage("alias_at"))
}

pub(super) fn archive(tx: &Transaction<'_>, tenant: &TenantId, name: &str, version: u32) -> Result<ModelVersion> {
    // The version's row lock first, then a new statement that re-checks that no alias holds
    // it: a concurrent alias move onto it locks the same row, so one of the two sees the
    // other's commit.
    lock_version(tx, tenant, name, version)?;
    let t = tenant.as_str();
    let changed = tx
        .execute(
            "UPDATE versions SET archived = 1 WHERE tenant = ?1 AND name = ?2 AND version = ?3 \
             AND NOT EXISTS (SELECT 1 FROM aliases a WHERE a.tenant = ?1 AND a.name = ?2 AND a.version = ?3)",
            params![t, name, version],
        )
        .map_err(MlopsError::storage("archive"))?;
    if changed == 0 {
        let alias: String = tx
            .query_row(
                "SELECT alias FROM aliases WHERE tenant = ?1 AND name = ?2 AND version = ?3 ORDER BY alias LIMIT 1",
                params![t, name, version],
                |r| r.get(0),
            )
            .map_err(MlopsError::storage("archive"))?;
        return Err(MlopsError::AliasHeld { name: name.into(), version, alias });
    }
    read_version(tx, tenant, name, version)
}

/// The version the alias should move to, given its current holder.
fn target_of(
    tx: &Transaction<'_>,
    tenant: &TenantId,
    change: &AliasChange<'_>,
    from: Option<u32>,
) -> Result<Option<u32>> {
    let (name, alias) = (change.name, change.alias);
    let usable = |version: u32| -> Result<Option<u32>> {
        if lock_version(tx, tenant, name, version)?.archived {
            return Err(MlopsError::Archived { name: name.into(), version });
        }
        Ok(Some(version))
    };
    match change.target {
        AliasTarget::Version(v) => usable(v),
        AliasTarget::Remove => {
            from.map(|_| None).ok_or_else(|| MlopsError::not_found("alias", format!("{name}@{alias}")))
        }
        AliasTarget::Previous => {
            let previous: Option<u32> = tx
                .query_row(
                    "SELECT from_version FROM alias_history WHERE tenant = ?1 AND name = ?2 AND alias = ?3 \
                     ORDER BY seq DESC LIMIT 1",
                    params![tenant.as_str(), name, alias],
                    |r| r.get(0),
                )
                .optional()
                .map_err(MlopsError::storage("rollback"))?
                .flatten();
            let target =
                previous.ok_or_else(|| MlopsError::not_found("previous alias holder", format!("{name}@{alias}")))?;
            usable(target)
        }
    }
}

/// Move the alias from its current holder by compare-and-set, and append the move to the
/// history. Under SQLite's `BEGIN IMMEDIATE` the first attempt always wins; a store whose
/// transactions interleave (PostgreSQL, READ COMMITTED) re-reads and retries, so two
/// concurrent moves never both start from the same holder.
pub(super) fn move_alias(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    tenant: &TenantId,
    change: AliasChange<'_>,
) -> Result<AliasMove> {
    let (t, name, alias) = (tenant.as_str(), change.name, change.alias);
    let op = MlopsError::storage("move alias");
    for _ in 0..CAS_ATTEMPTS {
        let from = current_holder(tx, tenant, name, alias)?;
        let to = target_of(tx, tenant, &change, from)?;
        let changed = match (from, to) {
            (None, Some(v)) => tx.execute(
                "INSERT INTO aliases (tenant, name, alias, version) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                params![t, name, alias, v],
            ),
            (Some(f), Some(v)) => tx.execute(
                "UPDATE aliases SET version = ?4 WHERE tenant = ?1 AND name = ?2 AND alias = ?3 AND version = ?5",
                params![t, name, alias, v, f],
            ),
            (Some(f), None) => tx.execute(
                "DELETE FROM aliases WHERE tenant = ?1 AND name = ?2 AND alias = ?3 AND version = ?4",
                params![t, name, alias, f],
            ),
            (None, None) => return Err(MlopsError::not_found("alias", format!("{name}@{alias}"))),
        }
        .map_err(&op)?;
        if changed == 0 {
            continue;
        }
        tx.execute(
            "INSERT INTO alias_history (tenant, name, alias, from_version, to_version, actor, at, reason) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![t, name, alias, from, to, change.actor, to_micros(ctx.now), change.reason],
        )
        .map_err(&op)?;
        return Ok(AliasMove {
            name: name.into(),
            alias: alias.into(),
            from,
            to,
            actor: change.actor.into(),
            at: from_micros(to_micros(ctx.now)),
            reason: change.reason.into(),
        });
    }
    Err(MlopsError::InvalidInput(format!(
        "{name}@{alias} kept moving under {CAS_ATTEMPTS} attempts to move it; try again"
    )))
}

fn current_holder(tx: &Transaction<'_>, tenant: &TenantId, name: &str, alias: &str) -> Result<Option<u32>> {
    tx.prepare_cached("SELECT version FROM aliases WHERE tenant = ?1 AND name = ?2 AND alias = ?3")
        .and_then(|mut stmt| stmt.query_row(params![tenant.as_str(), name, alias], |r| r.get(0)).optional())
        .map_err(MlopsError::storage("read alias"))
}
