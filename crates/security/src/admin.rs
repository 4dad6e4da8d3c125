//! The gate in front of every administrative call: the acting session must hold the
//! permission over the realm acted on, and may not give (or take over) more than it holds.

use crate::Security;
use crate::authorize::Principal;
use crate::error::{Result, SecurityError};
use crate::name::{QualifiedName, Realm};
use crate::permission::Permission;
use crate::roles::{Assignment, missing_for};
use crate::scope::Resource;
use crate::session::Session;
use crate::store::{Audit, Held, Outcome, UserUpdate, UserUpdated};
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

    /// A change to the existing user `name` by `principal`, through
    /// [`crate::SecurityStore::update_user`]: inside the transaction the store locks the
    /// user's row and reads what the user holds after it, and the change runs only if the actor
    /// holds all of it, so a lesser administrator cannot reset the password of, disable or
    /// delete a greater one (and take over its account). Every grant and revocation locks the
    /// same row first, so a promotion landing between the gate and this change is seen here
    /// under any store, not only under SQLite's single writer; the actor's own session is
    /// re-checked live in the same transaction.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), unknown user, storage.
    pub(crate) fn update_managed(
        &self,
        principal: &Principal,
        name: &QualifiedName,
        action: &str,
        update: &UserUpdate<'_>,
        audit: Audit<'_, UserUpdated>,
    ) -> Result<UserUpdated> {
        let covered = |held: &Held| {
            for a in &held.assignments {
                if let Some(p) = missing_for(&principal.roles, &principal.assignments, a) {
                    return Ok(Err(format!(
                        "the user holds {p} in {} over {}, which the actor does not hold there",
                        a.domain, a.scope
                    )));
                }
            }
            Ok(Ok(()))
        };
        match self.store.update_user(principal.session.token_hash(), update, &covered, audit)? {
            Outcome::Done(done) => Ok(done),
            // Audited after the transaction ended: the log may be another connection.
            Outcome::Refused(why) => {
                Err(self.deny(&principal.session, name.realm.tenant(), action, &name.to_string(), &why)?)
            }
        }
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
