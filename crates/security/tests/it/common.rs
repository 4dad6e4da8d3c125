//! Shared fixtures: a manual clock, a cheap-hash configuration, an in-memory `ModelStore`.

use chrono::{DateTime, TimeZone, Utc};
use forecast_core::model::{LinearModel, Link};
use forecast_core::{
    AliasMove, Error, ManualClock, ModelArtifact, ModelRef, ModelStore, ModelVersion, NewModelVersion,
};
use forecast_security::{PasswordParams, Security, SecurityConfig};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub(crate) const PASSWORD: &str = "orange kettle drifting north";

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

pub(crate) fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(t0()))
}

/// Bulk tests use cheap Argon2 parameters; `users::owasp_default_parameters_end_to_end` keeps the real ones.
pub(crate) fn fast_config() -> SecurityConfig {
    SecurityConfig { password: PasswordParams::INSECURE_FAST, ..SecurityConfig::default() }
}

pub(crate) fn security(clock: &Arc<ManualClock>) -> Security {
    Security::in_memory(clock.clone(), fast_config()).unwrap()
}

pub(crate) fn artifact() -> ModelArtifact {
    ModelArtifact::Linear(LinearModel {
        coefficients: vec![1.0],
        intercept: 0.0,
        impute: vec![0.0],
        link: Link::Identity,
    })
}

/// A small in-memory registry implementing the port, for the guard tests.
#[derive(Debug, Default)]
pub(crate) struct MemStore {
    versions: Mutex<BTreeMap<String, Vec<ModelVersion>>>,
    moves: Mutex<Vec<AliasMove>>,
}

impl MemStore {
    fn holder(&self, name: &str, alias: &str) -> Option<u32> {
        self.moves.lock().unwrap().iter().rev().find(|m| m.name == name && m.alias == alias).and_then(|m| m.to)
    }

    fn push_move(&self, name: &str, alias: &str, to: Option<u32>, actor: &str, reason: &str) -> AliasMove {
        let m = AliasMove {
            name: name.into(),
            alias: alias.into(),
            from: self.holder(name, alias),
            to,
            actor: actor.into(),
            at: t0(),
            reason: reason.into(),
        };
        self.moves.lock().unwrap().push(m.clone());
        m
    }
}

impl ModelStore for MemStore {
    fn register(&self, v: NewModelVersion) -> forecast_core::Result<ModelVersion> {
        let mut versions = self.versions.lock().unwrap();
        let list = versions.entry(v.name.clone()).or_default();
        let mv = ModelVersion::from_new(v, list.len() as u32 + 1, "00".repeat(32), t0());
        list.push(mv.clone());
        Ok(mv)
    }

    fn resolve(&self, reference: &ModelRef) -> forecast_core::Result<ModelVersion> {
        let not_found = || Error::NotFound { what: "model", id: reference.to_string() };
        let version = match reference {
            ModelRef::Version { version, .. } => *version,
            ModelRef::Alias { name, alias } => self.holder(name, alias).ok_or_else(not_found)?,
        };
        let versions = self.versions.lock().unwrap();
        versions.get(reference.name()).and_then(|l| l.get(version as usize - 1)).cloned().ok_or_else(not_found)
    }

    fn load(&self, reference: &ModelRef) -> forecast_core::Result<ModelArtifact> {
        self.resolve(reference).map(|_| artifact())
    }

    fn set_alias(
        &self,
        name: &str,
        alias: &str,
        version: u32,
        actor: &str,
        reason: &str,
    ) -> forecast_core::Result<AliasMove> {
        self.resolve(&ModelRef::Version { name: name.into(), version })?;
        Ok(self.push_move(name, alias, Some(version), actor, reason))
    }

    fn alias_history(&self, name: &str, alias: &str) -> forecast_core::Result<Vec<AliasMove>> {
        Ok(self.moves.lock().unwrap().iter().filter(|m| m.name == name && m.alias == alias).cloned().collect())
    }

    fn rollback(&self, name: &str, alias: &str, actor: &str, reason: &str) -> forecast_core::Result<AliasMove> {
        let previous = self.alias_history(name, alias)?.last().and_then(|m| m.from);
        let previous =
            previous.ok_or_else(|| Error::NotFound { what: "previous alias holder", id: format!("{name}@{alias}") })?;
        Ok(self.push_move(name, alias, Some(previous), actor, reason))
    }
}
