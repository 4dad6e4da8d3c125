//! Entitlements: the checks callers make against a tenant's plan.

use crate::plan::{LimitSpec, Plan};
use crate::{Result, TenancyError};
use forecast_core::tenant::TenantId;

/// What a tenant's plan entitles it to, read through one `TenantScope`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entitlements {
    tenant: TenantId,
    plan: Plan,
}

fn join<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = names.map(String::as_str).collect();
    if list.is_empty() { "(none)".to_owned() } else { list.join(", ") }
}

impl Entitlements {
    pub(crate) fn new(tenant: TenantId, plan: Plan) -> Self {
        Self { tenant, plan }
    }

    /// The plan behind these entitlements.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Whether the plan includes `feature`.
    pub fn has(&self, feature: &str) -> bool {
        self.plan.features.contains(feature)
    }

    /// Succeed only when the plan includes `feature`.
    ///
    /// # Errors
    /// [`TenancyError::FeatureNotEntitled`] naming the tenant, plan, feature and what the plan includes.
    pub fn require(&self, feature: &str) -> Result<()> {
        if self.has(feature) {
            return Ok(());
        }
        Err(TenancyError::FeatureNotEntitled {
            tenant: self.tenant.to_string(),
            plan: self.plan.name.clone(),
            feature: feature.to_owned(),
            included: join(self.plan.features.iter()),
        })
    }

    /// The limit `name` of the plan.
    ///
    /// # Errors
    /// [`TenancyError::NotInPlan`] listing the limits the plan defines.
    pub fn limit(&self, name: &str) -> Result<LimitSpec> {
        self.plan.limits.get(name).copied().ok_or_else(|| TenancyError::NotInPlan {
            tenant: self.tenant.to_string(),
            plan: self.plan.name.clone(),
            what: "limit",
            name: name.to_owned(),
            defined: join(self.plan.limits.keys()),
        })
    }

    /// The allowed values of setting `name`.
    ///
    /// # Errors
    /// [`TenancyError::NotInPlan`] listing the settings the plan defines.
    pub fn setting(&self, name: &str) -> Result<&[String]> {
        self.plan.settings.get(name).map(Vec::as_slice).ok_or_else(|| TenancyError::NotInPlan {
            tenant: self.tenant.to_string(),
            plan: self.plan.name.clone(),
            what: "setting",
            name: name.to_owned(),
            defined: join(self.plan.settings.keys()),
        })
    }

    /// Whether setting `name` allows `value` (false when the plan lacks the setting).
    pub fn allows(&self, name: &str, value: &str) -> bool {
        self.plan.settings.get(name).is_some_and(|values| values.iter().any(|v| v == value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{features, limits, settings};

    #[test]
    fn require_and_limit_explain_refusals() {
        let free = Entitlements::new(TenantId::new("shop").unwrap(), Plan::free());
        let err = free.require(features::AGENT).unwrap_err().to_string();
        assert!(err.contains("`shop`") && err.contains("`free`") && err.contains("`agent`"), "{err}");
        assert_eq!(free.limit(limits::API_CALLS).unwrap().value, 1_000);
        let err = free.limit("gpus").unwrap_err().to_string();
        assert!(err.contains("`gpus`") && err.contains("api_calls"), "{err}");
        assert!(free.allows(settings::ALLOWED_MODEL_KINDS, "linear"));
        assert!(!free.allows(settings::ALLOWED_MODEL_KINDS, "gbdt"));
        assert!(free.setting("colour").is_err());
        let ent = Entitlements::new(TenantId::new("big").unwrap(), Plan::enterprise());
        ent.require(features::AGENT).unwrap();
    }
}
