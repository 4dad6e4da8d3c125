//! An in-memory ModelStore and PermissionCheck for the tests (the real ones live in
//! forecast-mlops and forecast-security, which this crate must not depend on).

use chrono::Utc;
use forecast_core::model::LinearModel;
use forecast_core::{
    AliasMove, Error, GuardedAction, ModelArtifact, ModelRef, ModelStore, ModelVersion, NewModelVersion,
    PermissionCheck,
};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub(crate) struct MemStore {
    pub(crate) versions: Mutex<Vec<ModelVersion>>,
    pub(crate) moves: Mutex<Vec<AliasMove>>,
}

pub(crate) fn artifact(w: f64) -> ModelArtifact {
    ModelArtifact::Linear(LinearModel {
        coefficients: vec![w],
        intercept: 0.0,
        impute: vec![0.0],
        link: Default::default(),
    })
}

/// The move `set_alias` records in both test stores: `version` must exist, `from` is the
/// alias's current holder.
pub(crate) fn alias_move(
    store: &dyn ModelStore,
    name: &str,
    alias: &str,
    version: u32,
    actor: &str,
    reason: &str,
) -> forecast_core::Result<AliasMove> {
    store.resolve(&ModelRef::Version { name: name.into(), version })?;
    let from = store.resolve(&ModelRef::Alias { name: name.into(), alias: alias.into() }).ok().map(|v| v.version);
    Ok(AliasMove {
        name: name.into(),
        alias: alias.into(),
        from,
        to: Some(version),
        actor: actor.into(),
        at: Utc::now(),
        reason: reason.into(),
    })
}

/// The version a rollback of `name@alias` returns to: the holder before the last move.
pub(crate) fn previous_holder(store: &dyn ModelStore, name: &str, alias: &str) -> forecast_core::Result<u32> {
    store
        .alias_history(name, alias)?
        .last()
        .and_then(|m| m.from)
        .ok_or(Error::NotFound { what: "previous alias holder", id: format!("{name}@{alias}") })
}

impl MemStore {
    pub(crate) fn alias(&self, name: &str, alias: &str) -> Option<u32> {
        self.moves.lock().unwrap().iter().rfind(|m| m.name == name && m.alias == alias).and_then(|m| m.to)
    }
}

impl ModelStore for MemStore {
    fn register(&self, v: NewModelVersion) -> forecast_core::Result<ModelVersion> {
        let mut vs = self.versions.lock().unwrap();
        let n = vs.iter().filter(|x| x.name == v.name).count() as u32 + 1;
        let mv = ModelVersion::from_new(v, n, "sha".into(), Utc::now());
        vs.push(mv.clone());
        Ok(mv)
    }
    fn resolve(&self, r: &ModelRef) -> forecast_core::Result<ModelVersion> {
        let version = match r {
            ModelRef::Version { version, .. } => Some(*version),
            ModelRef::Alias { name, alias } => self.alias(name, alias),
        };
        self.versions
            .lock()
            .unwrap()
            .iter()
            .find(|v| v.name == r.name() && Some(v.version) == version)
            .cloned()
            .ok_or(Error::NotFound { what: "model", id: r.to_string() })
    }
    fn load(&self, r: &ModelRef) -> forecast_core::Result<ModelArtifact> {
        self.resolve(r).map(|_| artifact(1.0))
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
        self.moves.lock().unwrap().push(m.clone());
        Ok(m)
    }
    fn alias_history(&self, name: &str, alias: &str) -> forecast_core::Result<Vec<AliasMove>> {
        Ok(self.moves.lock().unwrap().iter().filter(|m| m.name == name && m.alias == alias).cloned().collect())
    }
    fn rollback(&self, name: &str, alias: &str, actor: &str, reason: &str) -> forecast_core::Result<AliasMove> {
        let prev = previous_holder(self, name, alias)?;
        self.set_alias(name, alias, prev, actor, reason)
    }
}

#[derive(Debug)]
pub(crate) struct Allow(pub bool);

impl PermissionCheck for Allow {
    fn actor(&self) -> String {
        "retrain-bot".into()
    }
    fn check(&self, action: GuardedAction, target: &str) -> forecast_core::Result<()> {
        if self.0 { Ok(()) } else { Err(Error::InvalidData(format!("{action} on {target} denied"))) }
    }
}
