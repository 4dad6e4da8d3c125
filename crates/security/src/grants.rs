//! Defining roles and granting them: `manage_roles` over the role's realm, `manage_users`
//! over the assignment's domain, and never more than the actor holds.

use crate::Security;
use crate::admin::realm_resource;
use crate::error::{Result, SecurityError};
use crate::name::{QualifiedName, Realm};
use crate::permission::Permission;
use crate::roles::{Assignment, RoleDef, holds, permissions_of, reaches, role_realm, role_usable_in};
use crate::scope::{Domain, Scope};
use crate::session::Session;
use crate::store::{AssignmentChange, Outcome, RoleGraph};
use forecast_core::AuditOutcome;

fn unknown_role(role: &str) -> SecurityError {
    forecast_core::Error::NotFound { what: "role", id: role.into() }.into()
}

/// The domain a realm's custom roles are granted in.
fn domain_of(realm: &Realm) -> Domain {
    match realm {
        Realm::Platform => Domain::AnyTenant,
        Realm::Tenant(t) => Domain::Tenant(t.clone()),
    }
}

impl Security {
    /// Create or replace a custom role of a realm (`lead@acme` for tenant acme, `support` for
    /// the platform). The actor needs `manage_roles` over the realm and must itself hold every
    /// permission the role would carry (its own and inherited) over the whole realm, so no one
    /// can mint a role stronger than theirs.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), an invalid name, [`SecurityError::BuiltinRole`],
    /// an unknown or out-of-realm parent, [`SecurityError::RoleCycle`], storage.
    pub fn define_role(&self, actor: &Session, role: &RoleDef) -> Result<()> {
        let Some(realm) = role_realm(&role.name)? else {
            return Err(SecurityError::BuiltinRole { role: role.name.clone() });
        };
        let principal =
            self.admin_gate(actor, Permission::ManageRoles, &realm_resource(&realm), "role.define", &role.name)?;
        let domain = domain_of(&realm);
        // The store runs this on the graph read after the graph's lock, so the parent and
        // cycle checks see every definition committed before this one, under any store (two
        // concurrent definitions each adding one edge of a cycle cannot both pass).
        let check = |graph: &RoleGraph| {
            let mut roles = graph.clone();
            for parent in &role.inherits {
                let usable = role_realm(parent)?.is_none_or(|r| r == realm);
                if !roles.contains_key(parent) || !usable {
                    return Err(unknown_role(parent));
                }
            }
            let new = RoleDef { builtin: false, ..role.clone() };
            roles.insert(role.name.clone(), new.clone());
            // A cycle exists iff some parent reaches the new role again.
            for parent in &role.inherits {
                if reaches(&roles, parent, &role.name) {
                    return Err(SecurityError::RoleCycle { role: role.name.clone(), parent: parent.clone() });
                }
            }
            let carried = permissions_of(&roles, &new);
            if let Some(p) =
                carried.iter().find(|p| !holds(&principal.roles, &principal.assignments, **p, &domain, &Scope::all()))
            {
                return Ok(Err(format!(
                    "the role would carry {p}, which the actor does not hold over all of {domain}"
                )));
            }
            Ok(Ok(()))
        };
        let audit = |roles: &RoleGraph| {
            // The store passes the graph after the definition: the role is in it.
            let carried = permissions_of(roles, roles.get(&role.name).ok_or_else(|| unknown_role(&role.name))?);
            let permissions: Vec<&str> = carried.iter().map(Permission::as_str).collect();
            let event = self
                .event(actor.username(), realm.tenant(), "role.define", &role.name, AuditOutcome::Success)
                .detail("permissions", permissions.join(","));
            Ok(vec![event])
        };
        match self.store.define_role(actor.token_hash(), role, &realm, &check, &audit)? {
            Outcome::Done(()) => Ok(()),
            // Audited after the transaction: the log may be another connection.
            Outcome::Refused(why) => Err(self.deny(actor, realm.tenant(), "role.define", &role.name, &why)?),
        }
    }

    /// Delete a custom role that no user holds and no role inherits.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), [`SecurityError::BuiltinRole`], unknown
    /// role, a role still in use, storage.
    pub fn delete_role(&self, actor: &Session, name: &str) -> Result<()> {
        let Some(realm) = role_realm(name)? else {
            return Err(SecurityError::BuiltinRole { role: name.into() });
        };
        self.admin_gate(actor, Permission::ManageRoles, &realm_resource(&realm), "role.delete", name)?;
        self.store.delete_role(actor.token_hash(), name, &|_| {
            Ok(vec![self.event(actor.username(), realm.tenant(), "role.delete", name, AuditOutcome::Success)])
        })
    }

    /// The roles visible in `session`'s realm: the built-in ones and its realm's custom roles
    /// (a platform operator sees every role).
    ///
    /// # Errors
    /// [`SecurityError::SessionInvalid`] for a session that is not live, storage.
    pub fn roles(&self, session: &Session) -> Result<Vec<RoleDef>> {
        let stored = self.live_session(session.token_hash())?;
        let mut visible = Vec::new();
        for role in self.store.roles()?.into_values() {
            let shown = match (stored.tenant(), role_realm(&role.name)?) {
                (_, None) | (None, _) => true,
                (Some(home), Some(realm)) => realm.tenant() == Some(home),
            };
            if shown {
                visible.push(role);
            }
        }
        Ok(visible)
    }

    /// Grant a role to a user. The actor needs `manage_users` over the user's realm and the
    /// assignment's domain, and must hold every permission the assignment gives over the same
    /// domain and scope. A tenant user can hold roles only in its own tenant; a tenant's custom
    /// roles apply only in that tenant. A privilege change: every session of the user is
    /// revoked in the same transaction. Granting an existing assignment again is a no-op.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), unknown user or role, invalid names, storage.
    pub fn assign_role(&self, actor: &Session, username: &str, assignment: &Assignment) -> Result<()> {
        assignment.scope.validate()?;
        self.change_assignment(actor, username, assignment, true)
    }

    /// Take a role assignment away (and revoke the user's sessions); the same rules as
    /// [`Security::assign_role`]. Nothing happens if it was not held.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), unknown user, storage.
    pub fn revoke_role(&self, actor: &Session, username: &str, assignment: &Assignment) -> Result<()> {
        self.change_assignment(actor, username, assignment, false)
    }

    fn change_assignment(&self, actor: &Session, username: &str, a: &Assignment, grant: bool) -> Result<()> {
        let action = if grant { "role.assign" } else { "role.revoke" };
        let name = QualifiedName::parse("username", username)?;
        let tenant = name.realm.tenant().cloned();
        let detail = format!("{} in {} over {}", a.role, a.domain, a.scope);
        let target = format!("{username}: {detail}");
        // The user's realm first, so nothing about another realm's users is revealed.
        let principal =
            self.admin_gate(actor, Permission::ManageUsers, &realm_resource(&name.realm), action, &target)?;
        if let Realm::Tenant(home) = &name.realm
            && a.domain != Domain::Tenant(home.clone())
        {
            let why = format!("a user of tenant {home} can hold roles only in tenant {home}");
            return Err(self.deny(actor, tenant.as_ref(), action, &target, &why)?);
        }
        let domain_resource = match &a.domain {
            Domain::AnyTenant => crate::scope::Resource::platform(),
            Domain::Tenant(t) => crate::scope::Resource::tenant(t),
        };
        self.admin_gate(actor, Permission::ManageUsers, &domain_resource, action, &target)?;
        let role_realm = role_realm(&a.role)?;
        if !role_usable_in(role_realm.as_ref(), &a.domain) {
            let why = format!("role {} belongs to another realm and cannot be granted in {}", a.role, a.domain);
            return Err(self.deny(actor, tenant.as_ref(), action, &target, &why)?);
        }
        self.require_covers(&principal, a, tenant.as_ref(), action, &target)?;
        let change = AssignmentChange {
            login: username,
            assignment: a,
            grant,
            by: actor.username(),
            revoke_sessions: true,
            at: self.clock.now(),
        };
        // The store locks the user's row first, which orders this change against every change
        // guarded by what the user holds (see `Security::update_managed`).
        self.store.change_assignment(actor.token_hash(), &change, &|_| {
            let event = self
                .event(actor.username(), tenant.as_ref(), action, username, AuditOutcome::Success)
                .detail("assignment", &detail);
            Ok(vec![event])
        })?;
        Ok(())
    }

    /// The role assignments of a user (itself, or one the actor manages).
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] (audited), unknown user, storage.
    pub fn assignments(&self, actor: &Session, username: &str) -> Result<Vec<Assignment>> {
        let user = self.user(actor, username)?;
        self.store.assignments(user.id())
    }
}
