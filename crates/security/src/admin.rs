//! The gate in front of every administrative call: the acting session must hold the
//! permission over the realm acted on, and may not give (or take over) more than it holds.

use crate::Security;
use crate::authorize::Principal;
use crate::error::{Result, SecurityError};
use crate::name::Realm;
use crate::permission::Permission;
use crate::roles::{Assignment, assignments_of, missing_for};
use crate::scope::Resource;
use crate::session::Session;
use forecast_core::AuditOutcome;
use forecast_core::tenant::TenantId;

/// The resource standing for a realm: a tenant, or the platform.
pub(crate) fn realm_resource(realm: &Realm) -> Resource {
    match realm {
        Realm::Platform => Resource::platform(),
        Realm::Tenant(t) => Resource::tenant(t),
    }
}

impl Security {
    /// Authorise administrative `action` (an audit action name such as `user.create`) on
    /// `target`: the actor's session must be live and hold `permission` on `resource`.
    /// Returns the actor's principal; a refusal is audited and returned as
    /// [`SecurityError::PermissionDenied`].
    pub(crate) fn admin_gate(
        &self,
        actor: &Session,
        permission: Permission,
        resource: &Resource,
        action: &str,
        target: &str,
    ) -> Result<Principal> {
        let principal = match self.principal(actor)? {
            Ok(p) => p,
            Err(reason) => {
                return Err(self.deny(actor, resource.tenant.as_ref(), action, target, &reason.to_string())?);
            }
        };
        let decision = self.decide_for(&principal, permission, resource);
        if !decision.allowed {
            let why = format!("{permission} on {resource}: {}", decision.reason);
            return Err(self.deny(actor, resource.tenant.as_ref(), action, target, &why)?);
        }
        Ok(principal)
    }

    /// Refuse unless `principal` holds every permission `assignment` would give, over the same
    /// domain and scope ("cannot grant more than the grantor holds").
    pub(crate) fn require_covers(
        &self,
        principal: &Principal,
        assignment: &Assignment,
        tenant: Option<&TenantId>,
        action: &str,
        target: &str,
    ) -> Result<()> {
        match missing_for(&principal.roles, &principal.assignments, assignment) {
            None => Ok(()),
            Some(p) => {
                let why = format!(
                    "role {} in {} over {} gives {p}, which the actor does not hold there",
                    assignment.role, assignment.domain, assignment.scope
                );
                Err(self.deny(&principal.session, tenant, action, target, &why)?)
            }
        }
    }

    /// Refuse unless `principal` holds everything the user `user_id` holds, so a lesser
    /// administrator cannot reset the password of, disable or delete a greater one (and take
    /// over its account).
    pub(crate) fn require_dominates(
        &self,
        principal: &Principal,
        user_id: i64,
        tenant: Option<&TenantId>,
        action: &str,
        target: &str,
    ) -> Result<()> {
        let held = assignments_of(&self.lock(), user_id)?;
        for a in &held {
            if let Some(p) = missing_for(&principal.roles, &principal.assignments, a) {
                let why =
                    format!("the user holds {p} in {} over {}, which the actor does not hold there", a.domain, a.scope);
                return Err(self.deny(&principal.session, tenant, action, target, &why)?);
            }
        }
        Ok(())
    }

    /// Audit a refused administrative call and build its error.
    pub(crate) fn deny(
        &self,
        actor: &Session,
        tenant: Option<&TenantId>,
        action: &str,
        target: &str,
        reason: &str,
    ) -> Result<SecurityError> {
        let event = self
            .event(actor.username(), tenant, action, target, AuditOutcome::Denied)
            .detail("reason", reason)
            .detail("session", actor.id());
        self.audit_refusal(event)?;
        Ok(SecurityError::PermissionDenied {
            user: actor.username().to_string(),
            permission: action.to_string(),
            resource: target.to_string(),
            reason: reason.to_string(),
        })
    }
}
