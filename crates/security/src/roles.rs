//! Custom roles with inheritance, and role assignments per tenant domain and scope.

use crate::Security;
use crate::db::to_db_time;
use crate::error::{Result, SecurityError};
use crate::permission::Permission;
use crate::scope::{Domain, Scope, check_name};
use crate::users::revoke_sessions_of;
use forecast_core::AuditOutcome;
use rusqlite::{Connection, OptionalExtension};
use std::collections::{BTreeMap, BTreeSet};

/// A role: the permissions it holds itself and the roles it inherits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDef {
    /// Name (`[A-Za-z0-9_.-@]`, at most 64).
    pub name: String,
    /// What the role is for.
    pub description: String,
    /// Permissions held directly.
    pub permissions: BTreeSet<Permission>,
    /// Roles whose permissions it also holds.
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

/// A role granted to a user in a domain (tenant) and scope (regions, stores).
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

/// Every role, by name.
pub(crate) fn load_roles(conn: &Connection) -> Result<BTreeMap<String, RoleDef>> {
    let mut roles = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT name, description, builtin FROM roles")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?)))? {
        let (name, description, builtin) = row?;
        roles.insert(name.clone(), RoleDef { builtin, ..RoleDef::new(name, description) });
    }
    let mut stmt = conn.prepare("SELECT role, permission FROM role_permissions")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (role, permission) = row?;
        let permission: Permission = permission.parse()?;
        if let Some(def) = roles.get_mut(&role) {
            def.permissions.insert(permission);
        }
    }
    let mut stmt = conn.prepare("SELECT role, parent FROM role_parents")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (role, parent) = row?;
        if let Some(def) = roles.get_mut(&role) {
            def.inherits.insert(parent);
        }
    }
    Ok(roles)
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

fn unknown_role(role: &str) -> SecurityError {
    forecast_core::Error::NotFound { what: "role", id: role.into() }.into()
}

impl Security {
    /// Create or replace a custom role.
    ///
    /// # Errors
    /// Invalid name, [`SecurityError::BuiltinRole`], an unknown parent, [`SecurityError::RoleCycle`], storage.
    pub fn define_role(&self, role: &RoleDef) -> Result<()> {
        check_name("role", &role.name)?;
        {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            let mut roles = load_roles(&tx)?;
            if roles.get(&role.name).is_some_and(|r| r.builtin) {
                return Err(SecurityError::BuiltinRole { role: role.name.clone() });
            }
            for parent in &role.inherits {
                if !roles.contains_key(parent) {
                    return Err(unknown_role(parent));
                }
            }
            roles.insert(role.name.clone(), RoleDef { builtin: false, ..role.clone() });
            // A cycle exists iff some parent reaches the new role again.
            for parent in &role.inherits {
                if reaches(&roles, parent, &role.name) {
                    return Err(SecurityError::RoleCycle { role: role.name.clone(), parent: parent.clone() });
                }
            }
            tx.execute(
                "INSERT INTO roles(name, builtin, description) VALUES (?1, 0, ?2)
                 ON CONFLICT(name) DO UPDATE SET description = excluded.description",
                (&role.name, &role.description),
            )?;
            tx.execute("DELETE FROM role_permissions WHERE role = ?1", [&role.name])?;
            tx.execute("DELETE FROM role_parents WHERE role = ?1", [&role.name])?;
            for p in &role.permissions {
                tx.execute("INSERT INTO role_permissions(role, permission) VALUES (?1, ?2)", (&role.name, p.as_str()))?;
            }
            for parent in &role.inherits {
                tx.execute("INSERT INTO role_parents(role, parent) VALUES (?1, ?2)", (&role.name, parent))?;
            }
            tx.commit()?;
        }
        self.emit("system", "role.define", &role.name, AuditOutcome::Success, &[])
    }

    /// Delete a custom role that no user holds and no role inherits.
    ///
    /// # Errors
    /// [`SecurityError::BuiltinRole`], unknown role, a role still in use, storage.
    pub fn delete_role(&self, name: &str) -> Result<()> {
        {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            let builtin: Option<bool> =
                tx.query_row("SELECT builtin FROM roles WHERE name = ?1", [name], |r| r.get(0)).optional()?;
            match builtin {
                None => return Err(unknown_role(name)),
                Some(true) => return Err(SecurityError::BuiltinRole { role: name.into() }),
                Some(false) => {}
            }
            let used: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM assignments WHERE role = ?1) OR EXISTS(SELECT 1 FROM role_parents WHERE parent = ?1)",
                [name],
                |r| r.get(0),
            )?;
            if used {
                return Err(forecast_core::Error::InvalidData(format!(
                    "role `{name}` is still assigned to a user or inherited by a role; revoke those first"
                ))
                .into());
            }
            tx.execute("DELETE FROM roles WHERE name = ?1", [name])?;
            tx.commit()?;
        }
        self.emit("system", "role.delete", name, AuditOutcome::Success, &[])
    }

    /// Every role (built-in and custom), by name.
    ///
    /// # Errors
    /// Storage.
    pub fn roles(&self) -> Result<Vec<RoleDef>> {
        Ok(load_roles(&self.lock())?.into_values().collect())
    }

    /// Grant a role to a user. A privilege change: every session of the user is revoked in the
    /// same transaction, so the next request needs a new login and gets a new token.
    ///
    /// # Errors
    /// Unknown user or role, invalid names, storage. Granting an existing assignment again is a no-op.
    pub fn assign_role(&self, username: &str, assignment: &Assignment) -> Result<()> {
        if let Domain::Tenant(t) = &assignment.domain {
            check_name("tenant", t)?;
        }
        assignment.scope.validate()?;
        self.change_assignment(username, assignment, true)
    }

    /// Take a role assignment away (and revoke the user's sessions). Returns nothing if it was not held.
    ///
    /// # Errors
    /// Unknown user, storage.
    pub fn revoke_role(&self, username: &str, assignment: &Assignment) -> Result<()> {
        self.change_assignment(username, assignment, false)
    }

    fn change_assignment(&self, username: &str, a: &Assignment, grant: bool) -> Result<()> {
        let scope = serde_json::to_string(&a.scope)
            .map_err(|e| forecast_core::Error::Serde { format: "json", message: e.to_string() })?;
        {
            let mut conn = self.lock();
            let tx = conn.transaction()?;
            let user_id: i64 = tx
                .query_row("SELECT id FROM users WHERE username = ?1", [username], |r| r.get(0))
                .optional()?
                .ok_or_else(|| {
                    SecurityError::from(forecast_core::Error::NotFound { what: "user", id: username.into() })
                })?;
            if grant {
                let known: bool =
                    tx.query_row("SELECT EXISTS(SELECT 1 FROM roles WHERE name = ?1)", [&a.role], |r| r.get(0))?;
                if !known {
                    return Err(unknown_role(&a.role));
                }
                tx.execute(
                    "INSERT OR IGNORE INTO assignments(user_id, role, domain, scope) VALUES (?1, ?2, ?3, ?4)",
                    (user_id, &a.role, a.domain.to_db(), &scope),
                )?;
            } else {
                tx.execute(
                    "DELETE FROM assignments WHERE user_id = ?1 AND role = ?2 AND domain = ?3 AND scope = ?4",
                    (user_id, &a.role, a.domain.to_db(), &scope),
                )?;
            }
            revoke_sessions_of(&tx, username, &to_db_time(self.clock.now()))?;
            tx.commit()?;
        }
        let action = if grant { "role.assign" } else { "role.revoke" };
        let detail = format!("{} in {} over {}", a.role, a.domain, a.scope);
        self.emit("system", action, username, AuditOutcome::Success, &[("assignment", &detail)])
    }

    /// The role assignments of a user.
    ///
    /// # Errors
    /// Storage, a corrupt scope.
    pub fn assignments(&self, username: &str) -> Result<Vec<Assignment>> {
        assignments_of(&self.lock(), username)
    }
}

pub(crate) fn assignments_of(conn: &Connection, username: &str) -> Result<Vec<Assignment>> {
    let mut stmt = conn.prepare(
        "SELECT a.role, a.domain, a.scope FROM assignments a JOIN users u ON u.id = a.user_id
         WHERE u.username = ?1 ORDER BY a.id",
    )?;
    let rows =
        stmt.query_map([username], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (role, domain, scope) = row?;
        let scope: Scope = serde_json::from_str(&scope).map_err(|e| SecurityError::CorruptRow {
            table: "assignments",
            row: format!("{username}/{role}"),
            message: e.to_string(),
        })?;
        out.push(Assignment { role, domain: Domain::from_db(domain), scope });
    }
    Ok(out)
}

fn reaches(roles: &BTreeMap<String, RoleDef>, from: &str, target: &str) -> bool {
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
