//! Roles (built-in, or custom roles of one realm) with inheritance, role assignments per tenant
//! domain and scope, and the pure rules over them: which permissions a role holds, and whether
//! a set of assignments holds everything another assignment would give.

use crate::error::Result;
use crate::name::{QualifiedName, Realm};
use crate::permission::{BuiltinRole, Permission};
use crate::scope::{Domain, Scope};
use std::collections::{BTreeMap, BTreeSet};

/// A role: the permissions it holds itself and the roles it inherits.
///
/// Custom roles live in one realm, named like users: `lead@acme` is tenant acme's own role
/// (assignable only in acme), `support` a platform role. The built-in names are reserved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDef {
    /// Name: `local@tenant` or `local` (platform), the local part 1 to 64 of `A-Z a-z 0-9 _ . -`.
    pub name: String,
    /// What the role is for.
    pub description: String,
    /// Permissions held directly.
    pub permissions: BTreeSet<Permission>,
    /// Roles whose permissions it also holds (built-in roles, or roles of the same realm).
    pub inherits: BTreeSet<String>,
    /// Built-in roles cannot be changed.
    pub builtin: bool,
}

impl RoleDef {
    /// A custom role with no permissions yet.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            permissions: BTreeSet::new(),
            inherits: BTreeSet::new(),
            builtin: false,
        }
    }

    /// Add permissions.
    pub fn allow(mut self, permissions: impl IntoIterator<Item = Permission>) -> Self {
        self.permissions.extend(permissions);
        self
    }

    /// Inherit another role.
    pub fn inherit(mut self, role: impl Into<String>) -> Self {
        self.inherits.insert(role.into());
        self
    }
}

/// A role granted (or to grant) to a user in a domain (tenant) and scope (regions, stores).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Assignment {
    /// The role's name.
    pub role: String,
    /// Where it applies.
    pub domain: Domain,
    /// Which regions and stores of the domain.
    pub scope: Scope,
}

impl Assignment {
    /// `role` in `domain` over `scope`.
    pub fn new(role: impl Into<String>, domain: Domain, scope: Scope) -> Self {
        Self { role: role.into(), domain, scope }
    }
}

/// The realm a role name belongs to, or `None` for a built-in role.
pub(crate) fn role_realm(name: &str) -> Result<Option<Realm>> {
    if BuiltinRole::ALL.iter().any(|b| b.as_str() == name) {
        return Ok(None);
    }
    Ok(Some(QualifiedName::parse("role", name)?.realm))
}

/// Whether a role of `realm` (`None`: built-in) may be granted in `domain`: built-in roles
/// anywhere, a tenant's roles only in that tenant, platform roles anywhere.
pub(crate) fn role_usable_in(realm: Option<&Realm>, domain: &Domain) -> bool {
    match (realm, domain) {
        (None | Some(Realm::Platform), _) => true,
        (Some(Realm::Tenant(t)), Domain::Tenant(d)) => t == d,
        (Some(Realm::Tenant(_)), Domain::AnyTenant) => false,
    }
}

/// Whether `role` holds `permission`; returns the role (itself or an ancestor) that grants it.
/// Visits each role once, so even a corrupt cyclic table terminates.
pub(crate) fn grantor<'a>(roles: &'a BTreeMap<String, RoleDef>, role: &str, permission: Permission) -> Option<&'a str> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![role];
    while let Some(r) = stack.pop() {
        if !seen.insert(r) {
            continue;
        }
        let Some(def) = roles.get(r) else { continue };
        if def.permissions.contains(&permission) {
            return Some(def.name.as_str());
        }
        stack.extend(def.inherits.iter().map(String::as_str));
    }
    None
}

/// Every permission `role` holds, directly or by inheritance.
pub(crate) fn permissions_of(roles: &BTreeMap<String, RoleDef>, role: &RoleDef) -> BTreeSet<Permission> {
    let mut out = role.permissions.clone();
    for parent in &role.inherits {
        out.extend(Permission::ALL.into_iter().filter(|p| grantor(roles, parent, *p).is_some()));
    }
    out
}

/// Whether some assignment in `held` grants `permission` over all of `domain` and `scope`.
pub(crate) fn holds(
    roles: &BTreeMap<String, RoleDef>,
    held: &[Assignment],
    permission: Permission,
    domain: &Domain,
    scope: &Scope,
) -> bool {
    held.iter()
        .any(|a| a.domain.contains(domain) && a.scope.contains(scope) && grantor(roles, &a.role, permission).is_some())
}

/// The first permission `target` would give that `held` does not hold over the same domain
/// and scope (`None`: `held` covers all of it). An unknown role is never covered (deny by
/// default): it reports `manage_roles`.
pub(crate) fn missing_for(
    roles: &BTreeMap<String, RoleDef>,
    held: &[Assignment],
    target: &Assignment,
) -> Option<Permission> {
    let Some(def) = roles.get(&target.role) else { return Some(Permission::ManageRoles) };
    permissions_of(roles, def).into_iter().find(|p| !holds(roles, held, *p, &target.domain, &target.scope))
}

/// Whether `from` reaches `target` by inheritance.
pub(crate) fn reaches(roles: &BTreeMap<String, RoleDef>, from: &str, target: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(r) = stack.pop() {
        if r == target {
            return true;
        }
        if seen.insert(r) {
            stack.extend(roles.get(r).into_iter().flat_map(|d| d.inherits.iter().map(String::as_str)));
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use forecast_core::tenant::TenantId;

    fn builtins() -> BTreeMap<String, RoleDef> {
        BuiltinRole::ALL
            .iter()
            .map(|b| {
                let mut def = RoleDef::new(b.as_str(), "").allow(b.own_permissions().iter().copied());
                def.inherits.extend(b.parent().map(|p| p.as_str().to_string()));
                (b.as_str().to_string(), def)
            })
            .collect()
    }

    #[test]
    fn a_grantor_cannot_give_more_than_it_holds() {
        let roles = builtins();
        let acme = Domain::tenant(&TenantId::new("acme").unwrap());
        let manager = vec![Assignment::new("manager", acme.clone(), Scope::all())];
        let analyst_all = Assignment::new("analyst", acme.clone(), Scope::all());
        assert_eq!(missing_for(&roles, &manager, &analyst_all), None);
        let admin = Assignment::new("admin", acme.clone(), Scope::all());
        assert_eq!(missing_for(&roles, &manager, &admin), Some(Permission::ManageUsers));
        let north = vec![Assignment::new("admin", acme.clone(), Scope::regions(["North"]))];
        assert!(missing_for(&roles, &north, &analyst_all).is_some(), "a region admin cannot grant the whole tenant");
        assert!(missing_for(&roles, &manager, &Assignment::new("viewer", Domain::AnyTenant, Scope::all())).is_some());
        assert!(missing_for(&roles, &manager, &Assignment::new("ghost", acme, Scope::all())).is_some());
    }

    #[test]
    fn realms_limit_where_roles_apply() {
        let acme = TenantId::new("acme").unwrap();
        assert_eq!(role_realm("admin").unwrap(), None);
        assert_eq!(role_realm("lead@acme").unwrap(), Some(Realm::Tenant(acme.clone())));
        assert_eq!(role_realm("support").unwrap(), Some(Realm::Platform));
        let lead = Some(Realm::Tenant(acme.clone()));
        assert!(role_usable_in(lead.as_ref(), &Domain::tenant(&acme)));
        assert!(!role_usable_in(lead.as_ref(), &Domain::tenant(&TenantId::new("globex").unwrap())));
        assert!(!role_usable_in(lead.as_ref(), &Domain::AnyTenant));
        assert!(role_usable_in(None, &Domain::AnyTenant));
    }
}
