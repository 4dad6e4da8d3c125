//! `authorize`: deny by default, allow only through a role assignment whose domain includes the
//! resource's tenant, whose role (with inheritance) holds the permission, and whose scope covers it.

use crate::Security;
use crate::data_scope::DataScope;
use crate::error::{Result, SecurityError};
use crate::permission::Permission;
use crate::roles::{Assignment, assignments_of, grantor, load_roles};
use crate::scope::{Domain, Resource, Scope};
use crate::session::Session;
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
    /// The session is revoked, expired or its user disabled.
    SessionNotLive,
    /// The user holds no role in the resource's tenant.
    NoRoleInTenant {
        /// The tenant.
        tenant: String,
    },
    /// No role the user holds in the tenant has the permission.
    PermissionNotGranted {
        /// The roles held in the tenant.
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
            Self::SessionNotLive => f.write_str("the session is revoked, expired or its user disabled"),
            Self::NoRoleInTenant { tenant } => write!(f, "no role in tenant {tenant} (denied by default)"),
            Self::PermissionNotGranted { roles } => {
                write!(f, "none of the roles held in the tenant ({}) has the permission", roles.join(", "))
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

/// The pure decision over loaded assignments: shared by [`Security::authorize`] and tests.
pub(crate) fn decide(
    roles: &std::collections::BTreeMap<String, crate::RoleDef>,
    assignments: &[Assignment],
    permission: Permission,
    resource: &Resource,
) -> Decision {
    let in_tenant: Vec<&Assignment> = assignments.iter().filter(|a| a.domain.includes(&resource.tenant)).collect();
    if in_tenant.is_empty() {
        return Decision::deny(Reason::NoRoleInTenant { tenant: resource.tenant.clone() });
    }
    let mut scopes = Vec::new();
    for a in &in_tenant {
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
        Decision::deny(Reason::PermissionNotGranted { roles: in_tenant.iter().map(|a| a.role.clone()).collect() })
    } else {
        Decision::deny(Reason::OutOfScope { scopes })
    }
}

impl Security {
    /// May the user of `session` use `permission` on `resource`? Denied unless a role assignment
    /// in the resource's tenant grants it over a scope covering the resource's region and store.
    ///
    /// # Errors
    /// Storage only; a refusal is a `Decision` with `allowed == false`.
    pub fn authorize(&self, session: &Session, permission: Permission, resource: &Resource) -> Result<Decision> {
        if !self.session_is_live(session)? {
            return Ok(Decision::deny(Reason::SessionNotLive));
        }
        let conn = self.lock();
        let roles = load_roles(&conn)?;
        let assignments = assignments_of(&conn, &session.username)?;
        Ok(decide(&roles, &assignments, permission, resource))
    }

    /// [`Security::authorize`] as a `Result`: `Ok` when allowed.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] with the reason, storage.
    pub fn require(&self, session: &Session, permission: Permission, resource: &Resource) -> Result<Decision> {
        let decision = self.authorize(session, permission, resource)?;
        if decision.allowed {
            Ok(decision)
        } else {
            Err(SecurityError::PermissionDenied {
                user: session.username.clone(),
                permission: permission.to_string(),
                resource: resource.to_string(),
                reason: decision.reason.to_string(),
            })
        }
    }

    /// The data the user of `session` may read in `tenant`: the union of the scopes of every
    /// assignment that grants [`Permission::ViewData`] there (empty when none does).
    ///
    /// # Errors
    /// Storage.
    pub fn data_scope(&self, session: &Session, tenant: &str) -> Result<DataScope> {
        if !self.session_is_live(session)? {
            return Ok(DataScope::new(tenant, Vec::new()));
        }
        let conn = self.lock();
        let roles = load_roles(&conn)?;
        let grants = assignments_of(&conn, &session.username)?
            .into_iter()
            .filter(|a| a.domain.includes(tenant) && grantor(&roles, &a.role, Permission::ViewData).is_some())
            .map(|a| a.scope)
            .collect();
        Ok(DataScope::new(tenant, grants))
    }
}
