//! Decoding registry rows (JSON metadata columns included).

use super::db::from_micros;
use crate::error::{MlopsError, Result};
use forecast_core::tenant::TenantId;
use forecast_core::{AliasMove, DataFingerprint, ModelVersion};
use rusqlite::{OptionalExtension, Row, Transaction, params};

/// The columns `version_from_row` reads, in order.
pub(super) const VERSION_COLUMNS: &str = "name, version, kind, artifact_sha256, params, metrics, feature_names, data, \
     parent, tags, created_by, created_at, library_version, archived";

pub(super) fn read_version(tx: &Transaction<'_>, tenant: &TenantId, name: &str, version: u32) -> Result<ModelVersion> {
    // Cached statements: resolving is the hot path of serving.
    tx.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM versions WHERE tenant = ?1 AND name = ?2 AND version = ?3"
    ))
    .and_then(|mut stmt| stmt.query_row(params![tenant.as_str(), name, version], version_from_row).optional())
    .map_err(MlopsError::storage("read version"))?
    .ok_or_else(|| MlopsError::not_found("model version", format!("{name}@{version}")))?
}

/// Lock the row of `name@version` inside `tx` (a no-op conditional update, which takes the
/// row lock under any store), then read it. Archiving and every alias move onto a version lock
/// it first, so "an archived version takes no alias" and "an aliased version is not archived"
/// hold against each other under interleaving transactions, not only under SQLite's single writer.
pub(super) fn lock_version(tx: &Transaction<'_>, tenant: &TenantId, name: &str, version: u32) -> Result<ModelVersion> {
    let locked = tx
        .prepare_cached("UPDATE versions SET archived = archived WHERE tenant = ?1 AND name = ?2 AND version = ?3")
        .and_then(|mut stmt| stmt.execute(params![tenant.as_str(), name, version]))
        .map_err(MlopsError::storage("lock version"))?;
    if locked == 0 {
        return Err(MlopsError::not_found("model version", format!("{name}@{version}")));
    }
    read_version(tx, tenant, name, version)
}

/// Decode one `versions` row; JSON columns decode in a second step so errors keep their kind.
pub(super) fn version_from_row(r: &Row<'_>) -> rusqlite::Result<Result<ModelVersion>> {
    let json = |i: usize| r.get::<_, String>(i);
    let (params, metrics, features, tags) = (json(4)?, json(5)?, json(6)?, json(9)?);
    let data: Option<String> = r.get(7)?;
    let name: String = r.get(0)?;
    let version: u32 = r.get(1)?;
    let head = (r.get(2)?, r.get(3)?, r.get(8)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get::<_, i64>(13)?);
    Ok((|| {
        let (kind, artifact_sha256, parent, created_by, created_at, library_version, archived) = head;
        Ok(ModelVersion {
            params: json::parse(&params)?,
            metrics: json::parse(&metrics)?,
            feature_names: json::parse(&features)?,
            data: data.as_deref().map(json::parse::<DataFingerprint>).transpose()?,
            tags: json::parse(&tags)?,
            name,
            version,
            kind,
            artifact_sha256,
            parent,
            created_by,
            created_at: from_micros(created_at),
            library_version,
            archived: archived != 0,
        })
    })())
}

pub(super) fn move_from_row(r: &Row<'_>) -> rusqlite::Result<AliasMove> {
    Ok(AliasMove {
        name: r.get(0)?,
        alias: r.get(1)?,
        from: r.get(2)?,
        to: r.get(3)?,
        actor: r.get(4)?,
        at: from_micros(r.get(5)?),
        reason: r.get(6)?,
    })
}

/// JSON helpers for the metadata columns.
pub(super) mod json {
    use crate::error::{MlopsError, Result};
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    fn serde_error(e: serde_json::Error) -> MlopsError {
        forecast_core::Error::Serde { format: "json", message: e.to_string() }.into()
    }

    pub(in crate::store::sqlite) fn to_text<T: Serialize + ?Sized>(value: &T) -> Result<String> {
        serde_json::to_string(value).map_err(serde_error)
    }

    pub(in crate::store::sqlite) fn parse<T: DeserializeOwned>(text: &str) -> Result<T> {
        serde_json::from_str(text).map_err(serde_error)
    }
}
