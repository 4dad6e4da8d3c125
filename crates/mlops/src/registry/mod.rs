//! The model registry: immutable versions numbered per tenant and name, content-addressed
//! artifacts, aliases moved atomically with an append-only history, rollback and archiving.
//!
//! Every row carries its tenant and every query binds it: [`Registry`] is the database, and
//! all model operations go through a [`TenantRegistry`] bound to one tenant
//! ([`Registry::tenant`], or [`forecast_core::ModelStores::models`]).
//!
//! No rule relies on SQLite's single writer: version numbers come from a conditional
//! upsert of a per-name counter (`... ON CONFLICT DO UPDATE SET latest = latest + 1
//! RETURNING latest`) and alias moves are compare-and-set updates on the holder read before
//! (`UPDATE ... WHERE version = <read>`), retried when another writer moved it first, so a
//! PostgreSQL store can follow the same statements.

mod rows;
mod store;

use crate::db::{Ctx, Db, check_name, from_micros, get_blob, put_blob, sha256_hex, to_micros};
use crate::error::{MlopsError, Result};
use crate::tracking::Tracker;
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::{
    AliasMove, AuditEvent, AuditOutcome, AuditSink, Clock, ModelArtifact, ModelRef, ModelVersion, NewModelVersion,
    Predict,
};
use rows::{VERSION_COLUMNS, json, lock_version, move_from_row, read_version, version_from_row};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// How often a compare-and-set alias move is retried after losing a race.
const CAS_ATTEMPTS: usize = 16;

/// A model registry database on SQLite. Cheap to clone; clones share one connection.
///
/// Several `Registry` values (in one process or many) may open the same file: every
/// write is one `BEGIN IMMEDIATE` transaction and waits for the others.
#[derive(Debug, Clone)]
pub struct Registry {
    db: Arc<Db>,
}

impl Registry {
    /// Open (or create) the registry file at `path` (it may be shared with other crates).
    ///
    /// # Errors
    /// When the file cannot be opened, is not a registry, or has a newer schema.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self { db: Arc::new(Db::open(path.as_ref(), clock, audit)?) })
    }

    /// A registry held in memory, lost when the last clone drops.
    ///
    /// # Errors
    /// When SQLite cannot create the schema.
    pub fn open_in_memory(clock: Arc<dyn Clock>, audit: Arc<dyn AuditSink>) -> Result<Self> {
        Ok(Self { db: Arc::new(Db::open_in_memory(clock, audit)?) })
    }

    /// The registry of `tenant`'s models and runs. Nothing it does reads or writes another
    /// tenant's rows.
    pub fn tenant(&self, tenant: &TenantId) -> TenantRegistry {
        TenantRegistry { db: self.db.clone(), tenant: tenant.clone() }
    }

    /// Check the whole database: every artifact hashes to its address, every alias points at
    /// an existing, unarchived version of its own tenant, and each alias's history chains from
    /// nothing to its current holder. Returns the problems found (empty when sound).
    ///
    /// # Errors
    /// Storage failure.
    pub fn verify(&self) -> Result<Vec<String>> {
        self.db.read("verify", crate::verify::verify)
    }
}

/// The registry of one tenant: the [`forecast_core::ModelStore`] implementation, plus
/// listing, archiving and the tenant's [`Tracker`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct TenantRegistry {
    db: Arc<Db>,
    tenant: TenantId,
}

impl TenantRegistry {
    /// The tenant served.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The experiment tracker of this tenant, sharing the registry's database.
    pub fn tracker(&self) -> Tracker {
        Tracker::from_db(self.db.clone(), self.tenant.clone())
    }

    fn event(&self, ctx: &Ctx, actor: &str, action: &str, target: String) -> AuditEvent {
        AuditEvent::new(actor, action, target, AuditOutcome::Success, ctx.now).tenant(self.tenant.as_str())
    }

    /// Register a new immutable version; its number is one more than the newest of `name` in
    /// this tenant.
    ///
    /// # Errors
    /// Invalid name, a non-finite metric, an unknown parent, or a storage failure.
    pub fn register(&self, new: NewModelVersion) -> Result<ModelVersion> {
        check_name("model name", &new.name)?;
        if let Some((k, v)) = new.metrics.iter().find(|(_, v)| !v.is_finite()) {
            return Err(MlopsError::InvalidInput(format!(
                "metric `{k}` of {} is {v}; metrics must be finite",
                new.name
            )));
        }
        let bytes = new.artifact.to_bytes()?;
        let params_json = json::to_text(&new.params)?;
        let metrics_json = json::to_text(&new.metrics)?;
        let features_json = json::to_text(&new.feature_names)?;
        let tags_json = json::to_text(&new.tags)?;
        let data_json = new.data.as_ref().map(json::to_text).transpose()?;
        let tenant = self.tenant.as_str();
        self.db.write("register", |tx, ctx| {
            let sha = put_blob(tx, &self.tenant, &bytes)?;
            let next: u32 = tx
                .query_row(
                    "INSERT INTO model_names (tenant, name, latest) VALUES (?1, ?2, 1) \
                     ON CONFLICT (tenant, name) DO UPDATE SET latest = latest + 1 RETURNING latest",
                    params![tenant, new.name],
                    |r| r.get(0),
                )
                .map_err(MlopsError::storage("register"))?;
            if let Some(parent) = new.parent.filter(|p| *p >= next || *p == 0) {
                return Err(MlopsError::not_found("parent version", format!("{}@{parent}", new.name)));
            }
            let library_version = concat!("forecast-mlops ", env!("CARGO_PKG_VERSION"));
            tx.execute(
                &format!(
                    "INSERT INTO versions (tenant, {VERSION_COLUMNS}) \
                     VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,0)"
                ),
                params![
                    tenant,
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
            let version = read_version(tx, &self.tenant, &new.name, next)?;
            let event = self
                .event(ctx, &new.created_by, "model.register", format!("{}@{next}", new.name))
                .detail("artifact_sha256", &sha)
                .detail("kind", new.artifact.kind());
            Ok((version, vec![event]))
        })
    }

    /// Resolve `name@3` or `name@alias`.
    ///
    /// # Errors
    /// [`forecast_core::Error::NotFound`] (inside [`MlopsError::Core`]) for an unknown reference.
    pub fn resolve(&self, reference: &ModelRef) -> Result<ModelVersion> {
        self.db.read("resolve", |tx| resolve_in(tx, &self.tenant, reference))
    }

    /// Load the artifact of a reference, checking its hash.
    ///
    /// # Errors
    /// Unknown reference, corrupt bytes, or an artifact format this build cannot read.
    pub fn load(&self, reference: &ModelRef) -> Result<ModelArtifact> {
        let bytes = self.db.read("load", |tx| {
            let v = resolve_in(tx, &self.tenant, reference)?;
            get_blob(tx, &self.tenant, &v.artifact_sha256)
        })?;
        Ok(ModelArtifact::from_bytes(&bytes)?)
    }

    /// Load a reference as a ready predictor.
    ///
    /// # Errors
    /// As [`TenantRegistry::load`], plus [`forecast_core::Error::Unsupported`] for an artifact
    /// that does not score design-matrix rows (a per-series baseline).
    pub fn load_predictor(&self, reference: &ModelRef) -> Result<Box<dyn Predict>> {
        Ok(self.load(reference)?.into_predictor()?)
    }

    /// Every version of `name`, oldest first.
    ///
    /// # Errors
    /// Storage failure.
    pub fn versions(&self, name: &str) -> Result<Vec<ModelVersion>> {
        self.db.read("versions", |tx| {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {VERSION_COLUMNS} FROM versions WHERE tenant = ?1 AND name = ?2 ORDER BY version"
                ))
                .map_err(MlopsError::storage("versions"))?;
            let rows = stmt
                .query_map(params![self.tenant.as_str(), name], version_from_row)
                .map_err(MlopsError::storage("versions"))?;
            rows.map(|r| r.map_err(MlopsError::storage("versions"))?).collect()
        })
    }

    /// The tenant's model names, sorted.
    ///
    /// # Errors
    /// Storage failure.
    pub fn models(&self) -> Result<Vec<String>> {
        self.db.read("models", |tx| {
            let mut stmt = tx
                .prepare("SELECT name FROM model_names WHERE tenant = ?1 ORDER BY name")
                .map_err(MlopsError::storage("models"))?;
            let rows = stmt.query_map([self.tenant.as_str()], |r| r.get(0)).map_err(MlopsError::storage("models"))?;
            rows.collect::<rusqlite::Result<_>>().map_err(MlopsError::storage("models"))
        })
    }

    /// The current aliases of `name` and the versions they point at.
    ///
    /// # Errors
    /// Storage failure.
    pub fn aliases(&self, name: &str) -> Result<BTreeMap<String, u32>> {
        self.db.read("aliases", |tx| {
            let mut stmt = tx
                .prepare("SELECT alias, version FROM aliases WHERE tenant = ?1 AND name = ?2")
                .map_err(MlopsError::storage("aliases"))?;
            let rows = stmt
                .query_map(params![self.tenant.as_str(), name], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(MlopsError::storage("aliases"))?;
            rows.collect::<rusqlite::Result<_>>().map_err(MlopsError::storage("aliases"))
        })
    }

    /// Point `alias` of `name` at `version` in one transaction, appending the move to the history.
    ///
    /// # Errors
    /// Unknown or archived version, invalid alias name, storage failure.
    pub fn set_alias(&self, name: &str, alias: &str, version: u32, actor: &str, reason: &str) -> Result<AliasMove> {
        check_alias(alias)?;
        self.db.write("set alias", |tx, ctx| {
            let v = lock_version(tx, &self.tenant, name, version)?;
            if v.archived {
                return Err(MlopsError::Archived { name: name.into(), version });
            }
            let m = self.move_alias(tx, ctx, name, alias, |_| Ok(Some(version)), actor, reason)?;
            Ok((m.clone(), vec![self.move_event(ctx, "model.alias.set", &m)]))
        })
    }

    /// Remove `alias` of `name`, recording the move to nothing.
    ///
    /// # Errors
    /// [`forecast_core::Error::NotFound`] when the alias is not set.
    pub fn remove_alias(&self, name: &str, alias: &str, actor: &str, reason: &str) -> Result<AliasMove> {
        self.db.write("remove alias", |tx, ctx| {
            let unset = || MlopsError::not_found("alias", format!("{name}@{alias}"));
            let m =
                self.move_alias(tx, ctx, name, alias, |from| from.map(|_| None).ok_or_else(unset), actor, reason)?;
            Ok((m.clone(), vec![self.move_event(ctx, "model.alias.remove", &m)]))
        })
    }

    /// Every move of `alias` of `name`, oldest first.
    ///
    /// # Errors
    /// Storage failure.
    pub fn alias_history(&self, name: &str, alias: &str) -> Result<Vec<AliasMove>> {
        self.history_where("alias_history", "name = ?2 AND alias = ?3", &[&name, &alias])
    }

    /// Every alias move of `name` (all aliases), oldest first.
    ///
    /// # Errors
    /// Storage failure.
    pub fn model_history(&self, name: &str) -> Result<Vec<AliasMove>> {
        self.history_where("model_history", "name = ?2", &[&name])
    }

    fn history_where(&self, op: &'static str, cond: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<AliasMove>> {
        self.db.read(op, |tx| {
            let sql = format!(
                "SELECT name, alias, from_version, to_version, actor, at, reason FROM alias_history \
                 WHERE tenant = ?1 AND {cond} ORDER BY seq"
            );
            let mut stmt = tx.prepare(&sql).map_err(MlopsError::storage(op))?;
            let tenant = self.tenant.as_str();
            let all: Vec<&dyn rusqlite::ToSql> =
                std::iter::once(&tenant as &dyn rusqlite::ToSql).chain(args.iter().copied()).collect();
            let rows = stmt.query_map(all.as_slice(), move_from_row).map_err(MlopsError::storage(op))?;
            rows.collect::<rusqlite::Result<_>>().map_err(MlopsError::storage(op))
        })
    }

    /// The version `alias` of `name` pointed at the instant `at` (None when unset then).
    ///
    /// Moves are ordered by when they were committed; if the clock was set back, the last
    /// committed move stamped at or before `at` wins.
    ///
    /// # Errors
    /// Storage failure.
    pub fn alias_at(&self, name: &str, alias: &str, at: DateTime<Utc>) -> Result<Option<u32>> {
        self.db.read("alias_at", |tx| {
            tx.query_row(
                "SELECT to_version FROM alias_history WHERE tenant = ?1 AND name = ?2 AND alias = ?3 AND at <= ?4 \
                 ORDER BY seq DESC LIMIT 1",
                params![self.tenant.as_str(), name, alias, to_micros(at)],
                |r| r.get::<_, Option<u32>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(MlopsError::storage("alias_at"))
        })
    }

    /// Move `alias` back to the holder it had before its latest move.
    ///
    /// # Errors
    /// [`forecast_core::Error::NotFound`] when the alias has no previous holder;
    /// [`MlopsError::Archived`] when that holder has since been archived.
    pub fn rollback(&self, name: &str, alias: &str, actor: &str, reason: &str) -> Result<AliasMove> {
        self.db.write("rollback", |tx, ctx| {
            let target = |_: Option<u32>| -> Result<Option<u32>> {
                let previous: Option<u32> = tx
                    .query_row(
                        "SELECT from_version FROM alias_history WHERE tenant = ?1 AND name = ?2 AND alias = ?3 \
                         ORDER BY seq DESC LIMIT 1",
                        params![self.tenant.as_str(), name, alias],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(MlopsError::storage("rollback"))?
                    .flatten();
                let target = previous
                    .ok_or_else(|| MlopsError::not_found("previous alias holder", format!("{name}@{alias}")))?;
                if lock_version(tx, &self.tenant, name, target)?.archived {
                    return Err(MlopsError::Archived { name: name.into(), version: target });
                }
                Ok(Some(target))
            };
            let m = self.move_alias(tx, ctx, name, alias, target, actor, reason)?;
            Ok((m.clone(), vec![self.move_event(ctx, "model.alias.rollback", &m)]))
        })
    }

    /// Archive a version: it stays resolvable by number but can no longer take an alias.
    ///
    /// # Errors
    /// Unknown version; [`MlopsError::AliasHeld`] while an alias points at it.
    pub fn archive(&self, name: &str, version: u32, actor: &str, reason: &str) -> Result<ModelVersion> {
        let tenant = self.tenant.as_str();
        self.db.write("archive", |tx, ctx| {
            // The version's row lock first, then a new statement that re-checks that no alias
            // holds it: a concurrent alias move onto it locks the same row, so one of the two
            // sees the other's commit.
            lock_version(tx, &self.tenant, name, version)?;
            let changed = tx
                .execute(
                    "UPDATE versions SET archived = 1 WHERE tenant = ?1 AND name = ?2 AND version = ?3 \
                     AND NOT EXISTS (SELECT 1 FROM aliases a WHERE a.tenant = ?1 AND a.name = ?2 AND a.version = ?3)",
                    params![tenant, name, version],
                )
                .map_err(MlopsError::storage("archive"))?;
            if changed == 0 {
                let alias: String = tx
                    .query_row(
                        "SELECT alias FROM aliases WHERE tenant = ?1 AND name = ?2 AND version = ?3 ORDER BY alias LIMIT 1",
                        params![tenant, name, version],
                        |r| r.get(0),
                    )
                    .map_err(MlopsError::storage("archive"))?;
                return Err(MlopsError::AliasHeld { name: name.into(), version, alias });
            }
            let v = read_version(tx, &self.tenant, name, version)?;
            let event = self.event(ctx, actor, "model.archive", format!("{name}@{version}")).detail("reason", reason);
            Ok((v, vec![event]))
        })
    }

    fn move_event(&self, ctx: &Ctx, action: &str, m: &AliasMove) -> AuditEvent {
        let show = |v: Option<u32>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
        self.event(ctx, &m.actor, action, format!("{}@{}", m.name, m.alias))
            .detail("from", show(m.from))
            .detail("to", show(m.to))
            .detail("reason", &m.reason)
    }

    /// Move `alias` from its current holder to `target(holder)` by compare-and-set, and append
    /// the move to the history. Under SQLite's `BEGIN IMMEDIATE` the first attempt always
    /// wins; a store whose transactions interleave (PostgreSQL, READ COMMITTED) re-reads and
    /// retries, so two concurrent moves never both start from the same holder.
    #[allow(clippy::too_many_arguments)]
    fn move_alias(
        &self,
        tx: &Transaction<'_>,
        ctx: &Ctx,
        name: &str,
        alias: &str,
        target: impl Fn(Option<u32>) -> Result<Option<u32>>,
        actor: &str,
        reason: &str,
    ) -> Result<AliasMove> {
        let tenant = self.tenant.as_str();
        let op = MlopsError::storage("move alias");
        for _ in 0..CAS_ATTEMPTS {
            let from = current_holder(tx, &self.tenant, name, alias)?;
            let to = target(from)?;
            let changed = match (from, to) {
                (None, Some(v)) => tx.execute(
                    "INSERT INTO aliases (tenant, name, alias, version) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                    params![tenant, name, alias, v],
                ),
                (Some(f), Some(v)) => tx.execute(
                    "UPDATE aliases SET version = ?4 WHERE tenant = ?1 AND name = ?2 AND alias = ?3 AND version = ?5",
                    params![tenant, name, alias, v, f],
                ),
                (Some(f), None) => tx.execute(
                    "DELETE FROM aliases WHERE tenant = ?1 AND name = ?2 AND alias = ?3 AND version = ?4",
                    params![tenant, name, alias, f],
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
                params![tenant, name, alias, from, to, actor, to_micros(ctx.now), reason],
            )
            .map_err(&op)?;
            return Ok(AliasMove {
                name: name.into(),
                alias: alias.into(),
                from,
                to,
                actor: actor.into(),
                at: from_micros(to_micros(ctx.now)),
                reason: reason.into(),
            });
        }
        Err(MlopsError::InvalidInput(format!(
            "{name}@{alias} kept moving under {CAS_ATTEMPTS} attempts to move it; try again"
        )))
    }
}

fn check_alias(alias: &str) -> Result<()> {
    check_name("alias", alias)?;
    if alias.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(MlopsError::InvalidName {
            what: "alias",
            value: alias.into(),
            expected: "a name that does not start with a digit (digits refer to version numbers)",
        });
    }
    Ok(())
}

fn current_holder(tx: &Transaction<'_>, tenant: &TenantId, name: &str, alias: &str) -> Result<Option<u32>> {
    tx.prepare_cached("SELECT version FROM aliases WHERE tenant = ?1 AND name = ?2 AND alias = ?3")
        .and_then(|mut stmt| stmt.query_row(params![tenant.as_str(), name, alias], |r| r.get(0)).optional())
        .map_err(MlopsError::storage("read alias"))
}

fn resolve_in(tx: &Transaction<'_>, tenant: &TenantId, reference: &ModelRef) -> Result<ModelVersion> {
    match reference {
        ModelRef::Version { name, version } => read_version(tx, tenant, name, *version),
        ModelRef::Alias { name, alias } => {
            let version = current_holder(tx, tenant, name, alias)?
                .ok_or_else(|| MlopsError::not_found("alias", reference.to_string()))?;
            read_version(tx, tenant, name, version)
        }
    }
}

/// The SHA-256 address an artifact is stored under in the registry.
///
/// # Errors
/// When the artifact cannot be serialised.
pub fn artifact_sha256(artifact: &ModelArtifact) -> Result<String> {
    Ok(sha256_hex(&artifact.to_bytes()?))
}
