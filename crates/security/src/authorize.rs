//! `authorize`: deny by default, allow only through a role assignment whose domain includes the
//! resource's tenant, whose role (with inheritance) holds the permission, and whose scope covers
//! it, for a live session whose user and resource tenants are both active.

use crate::Security;
use crate::data_scope::DataScope;
use crate::error::{Result, SecurityError};
use crate::permission::Permission;
use crate::roles::{Assignment, RoleDef, grantor};
use crate::scope::{Domain, Resource, Scope};
use crate::session::Session;
use forecast_core::AuditOutcome;
use forecast_core::tenant::TenantId;
use std::collections::BTreeMap;
use std::fmt;

/// Why [`Security::authorize`] decided as it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Allowed through this assignment.
    Granted {
        /// The assigned role.
        role: String,
        /// The role (the assigned one or an ancestor) holding the permission.
        via: String,
        /// The assignment's domain.
        domain: Domain,
        /// The assignment's scope.
        scope: Scope,
    },
    /// The session is unknown, revoked, expired or its user disabled.
    SessionNotLive,
    /// The user's tenant, or the resource's, is not active.
    TenantNotActive {
        /// The tenant.
        tenant: TenantId,
        /// `suspended`, `deleted` or `unknown`.
        status: String,
    },
    /// The user holds no role in the resource's tenant (or on the platform).
    NoRoleInTenant {
        /// The tenant, or `platform`.
        tenant: String,
    },
    /// No role the user holds there has the permission.
    PermissionNotGranted {
        /// The roles held there.
        roles: Vec<String>,
    },
    /// A role holds the permission, but none of its scopes covers the resource.
    OutOfScope {
        /// The scopes that hold the permission.
        scopes: Vec<Scope>,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Granted { role, via, domain, scope } if role == via => {
                write!(f, "granted by role {role} in {domain} over {scope}")
            }
            Self::Granted { role, via, domain, scope } => {
                write!(f, "granted by role {role} (inherited from {via}) in {domain} over {scope}")
            }
            Self::SessionNotLive => f.write_str("the session is unknown, revoked, expired or its user disabled"),
            Self::TenantNotActive { tenant, status } => write!(f, "tenant {tenant} is {status}"),
            Self::NoRoleInTenant { tenant } => write!(f, "no role in {tenant} (denied by default)"),
            Self::PermissionNotGranted { roles } => {
                write!(f, "none of the roles held there ({}) has the permission", roles.join(", "))
            }
            Self::OutOfScope { scopes } => {
                let s: Vec<String> = scopes.iter().map(ToString::to_string).collect();
                write!(f, "outside the scope of the granting roles ({})", s.join("; "))
            }
        }
    }
}

/// The outcome of an authorisation check, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the action may go ahead.
    pub allowed: bool,
    /// Why.
    pub reason: Reason,
}

impl Decision {
    fn deny(reason: Reason) -> Self {
        Self { allowed: false, reason }
    }
}

/// The pure decision over loaded assignments.
pub(crate) fn decide(
    roles: &BTreeMap<String, RoleDef>,
    assignments: &[Assignment],
    permission: Permission,
    resource: &Resource,
) -> Decision {
    let in_domain: Vec<&Assignment> = assignments.iter().filter(|a| a.domain.includes(resource)).collect();
    if in_domain.is_empty() {
        let tenant = resource.tenant.as_ref().map_or_else(|| "the platform".to_string(), |t| format!("tenant {t}"));
        return Decision::deny(Reason::NoRoleInTenant { tenant });
    }
    let mut scopes = Vec::new();
    for a in &in_domain {
        let Some(via) = grantor(roles, &a.role, permission) else { continue };
        if a.scope.covers(resource.region.as_deref(), resource.store.as_deref()) {
            let reason = Reason::Granted {
                role: a.role.clone(),
                via: via.to_string(),
                domain: a.domain.clone(),
                scope: a.scope.clone(),
            };
            return Decision { allowed: true, reason };
        }
        scopes.push(a.scope.clone());
    }
    if scopes.is_empty() {
        Decision::deny(Reason::PermissionNotGranted { roles: in_domain.iter().map(|a| a.role.clone()).collect() })
    } else {
        Decision::deny(Reason::OutOfScope { scopes })
    }
}

/// A live session's user with everything it holds, read from the store (never from the
/// caller's copy of the session).
pub(crate) struct Principal {
    /// The session as stored now.
    pub(crate) session: Session,
    /// The user's assignments that can apply: a tenant user's outside its own tenant are
    /// ignored, whatever the table says.
    pub(crate) assignments: Vec<Assignment>,
    /// Every role, by name.
    pub(crate) roles: BTreeMap<String, RoleDef>,
}

impl Security {
    /// The principal of `session`, or why it may not act at all.
    pub(crate) fn principal(&self, session: &Session) -> Result<std::result::Result<Principal, Reason>> {
        let stored = match self.live_session(session.token_hash()) {
            Ok(s) => s,
            Err(SecurityError::SessionInvalid | SecurityError::SessionExpired { .. }) => {
                return Ok(Err(Reason::SessionNotLive));
            }
            Err(e) => return Err(e),
        };
        if let Some(reason) = stored.tenant().and_then(|home| self.tenant_inactive(home)) {
            return Ok(Err(reason));
        }
        let crate::store::Holdings { roles, mut assignments } = self.store.holdings(stored.user_id())?;
        if let Some(home) = stored.tenant() {
            assignments.retain(|a| a.domain == Domain::Tenant(home.clone()));
        }
        Ok(Ok(Principal { session: stored, assignments, roles }))
    }

    /// The denial reason when `tenant` is not active (`None`: it is).
    pub(crate) fn tenant_inactive(&self, tenant: &TenantId) -> Option<Reason> {
        match self.tenant_status(tenant) {
            Some(forecast_core::tenant::TenantStatus::Active) => None,
            other => Some(Reason::TenantNotActive {
                tenant: tenant.clone(),
                status: other.map_or("unknown", |s| s.as_str()).to_string(),
            }),
        }
    }

    /// The decision for `principal` on `resource`, the resource's tenant status included. The
    /// status is checked only once a role there would allow the action, so a refusal never
    /// tells an outsider whether another tenant exists or is suspended.
    pub(crate) fn decide_for(&self, principal: &Principal, permission: Permission, resource: &Resource) -> Decision {
        let decision = decide(&principal.roles, &principal.assignments, permission, resource);
        if !decision.allowed {
            return decision;
        }
        match resource.tenant.as_ref().and_then(|t| self.tenant_inactive(t)) {
            Some(reason) => Decision::deny(reason),
            None => decision,
        }
    }

    /// May the user of `session` use `permission` on `resource`? Denied unless the session is
    /// live, the user's tenant and the resource's tenant are active, and a role assignment in
    /// the resource's tenant grants it over a scope covering the resource's region and store.
    /// The user and its assignments are read through the session's token hash, never from the
    /// caller. A pure check: [`Security::require`] is the enforcing (and auditing) form.
    ///
    /// # Errors
    /// Storage only; a refusal is a `Decision` with `allowed == false`.
    pub fn authorize(&self, session: &Session, permission: Permission, resource: &Resource) -> Result<Decision> {
        Ok(match self.principal(session)? {
            Ok(principal) => self.decide_for(&principal, permission, resource),
            Err(reason) => Decision::deny(reason),
        })
    }

    /// [`Security::authorize`] as a `Result`: `Ok` when allowed; a refusal is audited.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] with the reason, storage.
    pub fn require(&self, session: &Session, permission: Permission, resource: &Resource) -> Result<Decision> {
        let decision = self.authorize(session, permission, resource)?;
        if decision.allowed {
            return Ok(decision);
        }
        Err(self.refuse(session, permission, resource, permission.as_str(), &decision.reason)?)
    }

    /// Record a refusal of `action` on `resource` and build its error.
    pub(crate) fn refuse(
        &self,
        session: &Session,
        permission: Permission,
        resource: &Resource,
        action: &str,
        reason: &Reason,
    ) -> Result<SecurityError> {
        let event = self
            .event(session.username(), resource.tenant.as_ref(), action, &resource.to_string(), AuditOutcome::Denied)
            .detail("permission", permission.as_str())
            .detail("reason", reason.to_string())
            .detail("session", session.id());
        self.audit_refusal(event)?;
        Ok(SecurityError::PermissionDenied {
            user: session.username().to_string(),
            permission: permission.to_string(),
            resource: resource.to_string(),
            reason: reason.to_string(),
        })
    }

    /// The data the user of `session` may read in `tenant`: the union of the scopes of every
    /// assignment that grants [`Permission::ViewData`] there, always restricted to `tenant`.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited) when the session may read nothing there
    /// (not live, an inactive tenant, or no grant of `view_data`); storage.
    pub fn data_scope(&self, session: &Session, tenant: &TenantId) -> Result<DataScope> {
        let resource = Resource::tenant(tenant).named("data");
        let principal = match self.principal(session)? {
            Ok(p) => p,
            Err(reason) => return Err(self.refuse(session, Permission::ViewData, &resource, "data.scope", &reason)?),
        };

        let grants: Vec<Scope> = principal
            .assignments
            .iter()
            .filter(|a| {
                a.domain.includes(&resource) && grantor(&principal.roles, &a.role, Permission::ViewData).is_some()
            })
            .map(|a| a.scope.clone())
            .collect();
        if grants.is_empty() {
            let reason = decide(&principal.roles, &principal.assignments, Permission::ViewData, &resource).reason;
            return Err(self.refuse(session, Permission::ViewData, &resource, "data.scope", &reason)?);
        }
        if let Some(reason) = self.tenant_inactive(tenant) {
            return Err(self.refuse(session, Permission::ViewData, &resource, "data.scope", &reason)?);
        }
        Ok(DataScope::new(tenant.clone(), grants))
    }
}
