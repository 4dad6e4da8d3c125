//! An on-disk SQLite ModelStore for the crash tests: every change is one statement or one
//! transaction, so a process killed at any instant leaves the file at a committed state (the
//! property forecast-mlops' registry has; this crate must not depend on it).

use crate::support::{alias_move, previous_holder};
use chrono::Utc;
use forecast_core::{AliasMove, Error, ModelArtifact, ModelRef, ModelStore, ModelVersion, NewModelVersion};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

#[derive(Debug)]
pub(crate) struct SqliteStore(Mutex<Connection>);

fn db(e: rusqlite::Error) -> Error {
    Error::InvalidData(format!("sqlite: {e}"))
}

fn json<T: serde::Serialize>(v: &T) -> forecast_core::Result<String> {
    serde_json::to_string(v).map_err(|e| Error::InvalidData(e.to_string()))
}

impl SqliteStore {
    pub(crate) fn open(path: &Path) -> Self {
        let c = Connection::open(path).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS versions (name TEXT, version INTEGER, row TEXT, artifact TEXT, PRIMARY KEY (name, version));
             CREATE TABLE IF NOT EXISTS moves (id INTEGER PRIMARY KEY, name TEXT, alias TEXT, row TEXT);",
        )
        .unwrap();
        Self(Mutex::new(c))
    }

    pub(crate) fn alias(&self, name: &str, alias: &str) -> Option<u32> {
        self.alias_history(name, alias).unwrap().last().and_then(|m| m.to)
    }

    pub(crate) fn n_versions(&self, name: &str) -> usize {
        let c = self.0.lock().unwrap();
        c.query_row("SELECT COUNT(*) FROM versions WHERE name = ?1", [name], |r| r.get::<_, i64>(0)).unwrap() as usize
    }

    fn row(&self, r: &ModelRef, column: &str) -> forecast_core::Result<String> {
        let version = match r {
            ModelRef::Version { version, .. } => Some(*version),
            ModelRef::Alias { name, alias } => self.alias(name, alias),
        };
        let c = self.0.lock().unwrap();
        let row: Option<String> = c
            .query_row(
                &format!("SELECT {column} FROM versions WHERE name = ?1 AND version = ?2"),
                params![r.name(), version.map(i64::from)],
                |x| x.get(0),
            )
            .optional()
            .map_err(db)?;
        row.ok_or(Error::NotFound { what: "model", id: r.to_string() })
    }
}

impl ModelStore for SqliteStore {
    fn register(&self, v: NewModelVersion) -> forecast_core::Result<ModelVersion> {
        let mut c = self.0.lock().unwrap();
        let tx = c.transaction().map_err(db)?;
        let n: i64 = tx
            .query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM versions WHERE name = ?1", [&v.name], |r| r.get(0))
            .map_err(db)?;
        let artifact = json(&v.artifact)?;
        let mv = ModelVersion::from_new(v, n as u32, "sha".into(), Utc::now());
        tx.execute("INSERT INTO versions VALUES (?1, ?2, ?3, ?4)", params![mv.name, n, json(&mv)?, artifact])
            .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(mv)
    }

    fn resolve(&self, r: &ModelRef) -> forecast_core::Result<ModelVersion> {
        let row = self.row(r, "row")?;
        serde_json::from_str(&row).map_err(|e| Error::InvalidData(e.to_string()))
    }

    fn load(&self, r: &ModelRef) -> forecast_core::Result<ModelArtifact> {
        let row = self.row(r, "artifact")?;
        serde_json::from_str(&row).map_err(|e| Error::InvalidData(e.to_string()))
    }

    fn set_alias(
        &self,
        name: &str,
        alias: &str,
        version: u32,
        actor: &str,
        reason: &str,
    ) -> forecast_core::Result<AliasMove> {
        let m = alias_move(self, name, alias, version, actor, reason)?;
        let c = self.0.lock().unwrap();
        c.execute("INSERT INTO moves (name, alias, row) VALUES (?1, ?2, ?3)", params![name, alias, json(&m)?])
            .map_err(db)?;
        Ok(m)
    }

    fn alias_history(&self, name: &str, alias: &str) -> forecast_core::Result<Vec<AliasMove>> {
        let c = self.0.lock().unwrap();
        let mut q = c.prepare("SELECT row FROM moves WHERE name = ?1 AND alias = ?2 ORDER BY id").map_err(db)?;
        let rows = q.query_map(params![name, alias], |r| r.get::<_, String>(0)).map_err(db)?;
        rows.map(|r| serde_json::from_str(&r.map_err(db)?).map_err(|e| Error::InvalidData(e.to_string()))).collect()
    }

    fn rollback(&self, name: &str, alias: &str, actor: &str, reason: &str) -> forecast_core::Result<AliasMove> {
        let prev = previous_holder(self, name, alias)?;
        self.set_alias(name, alias, prev, actor, reason)
    }
}
