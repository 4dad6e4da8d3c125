//! The `ModelStore` and `ModelStores` ports, implemented by the registry.

use super::{Registry, TenantRegistry};
use chrono::{DateTime, Utc};
use forecast_core::tenant::TenantId;
use forecast_core::tracking::{RunTracker, RunTrackers};
use forecast_core::{AliasMove, ModelArtifact, ModelRef, ModelStore, ModelStores, ModelVersion, NewModelVersion};
use std::sync::Arc;

impl ModelStore for TenantRegistry {
    fn register(&self, version: NewModelVersion) -> forecast_core::Result<ModelVersion> {
        Ok(TenantRegistry::register(self, version)?)
    }

    fn resolve(&self, reference: &ModelRef) -> forecast_core::Result<ModelVersion> {
        Ok(TenantRegistry::resolve(self, reference)?)
    }

    fn load(&self, reference: &ModelRef) -> forecast_core::Result<ModelArtifact> {
        Ok(TenantRegistry::load(self, reference)?)
    }

    fn set_alias(
        &self,
        name: &str,
        alias: &str,
        version: u32,
        actor: &str,
        reason: &str,
    ) -> forecast_core::Result<AliasMove> {
        Ok(TenantRegistry::set_alias(self, name, alias, version, actor, reason)?)
    }

    fn alias_history(&self, name: &str, alias: &str) -> forecast_core::Result<Vec<AliasMove>> {
        Ok(TenantRegistry::alias_history(self, name, alias)?)
    }

    fn rollback(&self, name: &str, alias: &str, actor: &str, reason: &str) -> forecast_core::Result<AliasMove> {
        Ok(TenantRegistry::rollback(self, name, alias, actor, reason)?)
    }

    fn alias_at(&self, name: &str, alias: &str, at: DateTime<Utc>) -> forecast_core::Result<Option<u32>> {
        Ok(TenantRegistry::alias_at(self, name, alias, at)?)
    }
}

impl ModelStores for Registry {
    fn models(&self, tenant: &TenantId) -> forecast_core::Result<Arc<dyn ModelStore>> {
        Ok(Arc::new(self.tenant(tenant)))
    }
}

impl RunTrackers for Registry {
    fn runs(&self, tenant: &TenantId) -> forecast_core::Result<Arc<dyn RunTracker>> {
        Ok(Arc::new(self.tenant(tenant).tracker()))
    }
}
