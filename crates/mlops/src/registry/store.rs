//! The `ModelStore` port, implemented by the registry.

use super::Registry;
use chrono::{DateTime, Utc};
use forecast_core::{AliasMove, ModelArtifact, ModelRef, ModelStore, ModelVersion, NewModelVersion};

impl ModelStore for Registry {
    fn register(&self, version: NewModelVersion) -> forecast_core::Result<ModelVersion> {
        Ok(Registry::register(self, version)?)
    }

    fn resolve(&self, reference: &ModelRef) -> forecast_core::Result<ModelVersion> {
        Ok(Registry::resolve(self, reference)?)
    }

    fn load(&self, reference: &ModelRef) -> forecast_core::Result<ModelArtifact> {
        Ok(Registry::load(self, reference)?)
    }

    fn set_alias(
        &self,
        name: &str,
        alias: &str,
        version: u32,
        actor: &str,
        reason: &str,
    ) -> forecast_core::Result<AliasMove> {
        Ok(Registry::set_alias(self, name, alias, version, actor, reason)?)
    }

    fn alias_history(&self, name: &str, alias: &str) -> forecast_core::Result<Vec<AliasMove>> {
        Ok(Registry::alias_history(self, name, alias)?)
    }

    fn rollback(&self, name: &str, alias: &str, actor: &str, reason: &str) -> forecast_core::Result<AliasMove> {
        Ok(Registry::rollback(self, name, alias, actor, reason)?)
    }

    fn alias_at(&self, name: &str, alias: &str, at: DateTime<Utc>) -> forecast_core::Result<Option<u32>> {
        Ok(Registry::alias_at(self, name, alias, at)?)
    }
}
