//! A live session as forecast-core's permission ports: [`SessionPermissions`] (the
//! `PermissionCheck` the agent's mutating tools and retrain's promotions consume) and
//! [`SessionOperator`] (the `TenantAdminCheck` forecast-tenancy's operator actions consume).

use crate::Security;
use crate::permission::Permission;
use crate::scope::Resource;
use crate::session::Session;
use forecast_core::tenant::{TenantAdminAction, TenantAdminCheck, TenantId};
use forecast_core::{GuardedAction, PermissionCheck};
use std::sync::Arc;

/// The permissions of one session in one tenant, as a [`PermissionCheck`]. Every check
/// re-reads the session, the user's roles and both tenants' status; refusals are audited.
#[derive(Debug, Clone)]
pub struct SessionPermissions {
    security: Arc<Security>,
    session: Session,
    tenant: TenantId,
}

/// The permission a guarded action needs (deny by default for actions added later).
fn permission_for(action: GuardedAction) -> Option<Permission> {
    match action {
        GuardedAction::RegisterModel => Some(Permission::RegisterModels),
        GuardedAction::PromoteModel => Some(Permission::PromoteModels),
        GuardedAction::RollbackModel => Some(Permission::RollbackModels),
        GuardedAction::Retrain => Some(Permission::TrainModels),
        _ => None,
    }
}

impl Security {
    /// `session`'s permissions in `tenant`, for the crates that take a [`PermissionCheck`].
    pub fn permissions(self: &Arc<Self>, session: &Session, tenant: &TenantId) -> SessionPermissions {
        SessionPermissions { security: self.clone(), session: session.clone(), tenant: tenant.clone() }
    }

    /// `session` as a platform operator, for forecast-tenancy's operator actions: each action
    /// needs `manage_tenants` (lifecycle, plans) or `manage_billing` (plan changes, quota
    /// grants) on the platform, which only an assignment in every tenant gives; a tenant's own
    /// administrators never pass.
    pub fn operator(self: &Arc<Self>, session: &Session) -> SessionOperator {
        SessionOperator { security: self.clone(), session: session.clone() }
    }
}

impl PermissionCheck for SessionPermissions {
    fn actor(&self) -> String {
        self.session.username().to_string()
    }

    fn check(&self, action: GuardedAction, target: &str) -> forecast_core::Result<()> {
        let resource = Resource::tenant(&self.tenant).named(target);
        let Some(permission) = permission_for(action) else {
            let why = format!("no permission is defined for action {action}");
            return Err(self.security.deny(&self.session, Some(&self.tenant), action.as_str(), target, &why)?.into());
        };
        Ok(self.security.require_for(&self.session, permission, &resource, action.as_str())?)
    }
}

/// One session's authority over tenants, as a [`TenantAdminCheck`] (see [`Security::operator`]).
/// It does not audit its refusals: forecast-tenancy records each refused operator action
/// once, with the action it refused.
#[derive(Debug, Clone)]
pub struct SessionOperator {
    security: Arc<Security>,
    session: Session,
}

impl TenantAdminCheck for SessionOperator {
    fn actor(&self) -> String {
        self.session.username().to_string()
    }

    fn check(&self, action: TenantAdminAction, tenant: Option<&TenantId>) -> forecast_core::Result<()> {
        let permission = match action {
            TenantAdminAction::ChangePlan | TenantAdminAction::GrantQuota => Permission::ManageBilling,
            _ => Permission::ManageTenants,
        };
        let resource =
            Resource::platform().named(tenant.map_or_else(|| "catalogue".to_string(), |t| format!("tenant {t}")));
        let decision = self.security.authorize(&self.session, permission, &resource)?;
        if decision.allowed {
            return Ok(());
        }
        Err(forecast_core::Error::PermissionDenied {
            actor: self.actor(),
            action: permission.as_str().into(),
            target: resource.to_string(),
            reason: decision.reason.to_string(),
        })
    }
}
