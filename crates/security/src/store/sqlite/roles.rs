//! Role, permission, inheritance and assignment rows, and the role graph's lock.

use super::users::{require_user, revoke_sessions_of};
use crate::db::to_db_time;
use crate::error::{Result, SecurityError};
use crate::name::Realm;
use crate::permission::Permission;
use crate::roles::{Assignment, RoleDef};
use crate::scope::{Domain, Scope};
use crate::store::{AssignmentChange, Check, Outcome, RoleGraph, UserUpdated};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

fn unknown_role(role: &str) -> SecurityError {
    forecast_core::Error::NotFound { what: "role", id: role.into() }.into()
}

/// The stored form of a scope (canonical JSON, so equal scopes are equal text).
fn scope_json(scope: &Scope) -> Result<String> {
    serde_json::to_string(scope)
        .map_err(|e| forecast_core::Error::Serde { format: "json", message: e.to_string() }.into())
}

/// Every role, by name.
pub(super) fn load_roles(conn: &Connection) -> Result<RoleGraph> {
    let mut roles = RoleGraph::new();
    let mut stmt = conn.prepare_cached("SELECT name, description, builtin FROM roles")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?)))? {
        let (name, description, builtin) = row?;
        roles.insert(name.clone(), RoleDef { builtin, ..RoleDef::new(name, description) });
    }
    let mut stmt = conn.prepare_cached("SELECT role, permission FROM role_permissions")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (role, permission) = row?;
        let permission: Permission = permission.parse()?;
        if let Some(def) = roles.get_mut(&role) {
            def.permissions.insert(permission);
        }
    }
    let mut stmt = conn.prepare_cached("SELECT role, parent FROM role_parents")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (role, parent) = row?;
        if let Some(def) = roles.get_mut(&role) {
            def.inherits.insert(parent);
        }
    }
    Ok(roles)
}

/// The role assignments of a user, by the user's id, in grant order.
pub(super) fn assignments_of(conn: &Connection, user_id: i64) -> Result<Vec<Assignment>> {
    let mut stmt = conn.prepare_cached("SELECT role, domain, scope FROM assignments WHERE user_id = ?1 ORDER BY id")?;
    let rows =
        stmt.query_map([user_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (role, domain, scope) = row?;
        let scope: Scope = serde_json::from_str(&scope).map_err(|e| SecurityError::CorruptRow {
            table: "assignments",
            row: format!("{user_id}/{role}"),
            message: e.to_string(),
        })?;
        out.push(Assignment { role, domain: Domain::from_db(&domain)?, scope });
    }
    Ok(out)
}

/// Insert an assignment unless the user holds it already.
pub(super) fn insert_assignment(
    tx: &Transaction<'_>,
    user_id: i64,
    a: &Assignment,
    by: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO assignments(user_id, role, domain, scope, granted_by, granted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        params![user_id, a.role, a.domain.to_db(), scope_json(&a.scope)?, by, to_db_time(at)],
    )?;
    Ok(())
}

/// Grant or revoke under the user's row lock.
pub(super) fn change_assignment(tx: &Transaction<'_>, change: &AssignmentChange<'_>) -> Result<UserUpdated> {
    // The user's row lock orders this change against every change guarded by what the user holds.
    let user_id = require_user(tx, change.login)?;
    let a = change.assignment;
    if change.grant {
        let known: bool =
            tx.query_row("SELECT EXISTS(SELECT 1 FROM roles WHERE name = ?1)", [&a.role], |r| r.get(0))?;
        if !known {
            return Err(unknown_role(&a.role));
        }
        insert_assignment(tx, user_id, a, change.by, change.at)?;
    } else {
        tx.execute(
            "DELETE FROM assignments WHERE user_id = ?1 AND role = ?2 AND domain = ?3 AND scope = ?4",
            params![user_id, a.role, a.domain.to_db(), scope_json(&a.scope)?],
        )?;
    }
    let sessions_revoked = if change.revoke_sessions { revoke_sessions_of(tx, user_id, change.at)? } else { 0 };
    Ok(UserUpdated { user_id, sessions_revoked })
}

/// Take the role graph's lock (a no-op conditional update of its row in `security_meta`,
/// which every definition and deletion of a role updates first).
fn lock_role_graph(tx: &Transaction<'_>) -> Result<()> {
    let locked = tx.prepare_cached("UPDATE security_meta SET value = value WHERE key = 'role_graph'")?.execute([])?;
    if locked != 1 {
        return Err(SecurityError::CorruptRow {
            table: "security_meta",
            row: "role_graph".into(),
            message: "the role graph's lock row is missing".into(),
        });
    }
    Ok(())
}

/// Define a custom role once the check passed on the graph read under the graph's lock;
/// returns the graph with the new definition in it.
pub(super) fn define_role(
    tx: &Transaction<'_>,
    role: &RoleDef,
    realm: &Realm,
    check: Check<'_, RoleGraph>,
) -> Result<Outcome<RoleGraph>> {
    lock_role_graph(tx)?;
    let mut roles = load_roles(tx)?;
    if let Err(reason) = check(&roles)? {
        return Ok(Outcome::Refused(reason));
    }
    let changed = tx.execute(
        "INSERT INTO roles(name, realm, builtin, description) VALUES (?1, ?2, 0, ?3)
         ON CONFLICT(name) DO UPDATE SET description = excluded.description WHERE builtin = 0",
        params![role.name, realm.to_db(), role.description],
    )?;
    if changed == 0 {
        return Err(SecurityError::BuiltinRole { role: role.name.clone() });
    }
    tx.execute("DELETE FROM role_permissions WHERE role = ?1", [&role.name])?;
    tx.execute("DELETE FROM role_parents WHERE role = ?1", [&role.name])?;
    for p in &role.permissions {
        tx.execute("INSERT INTO role_permissions(role, permission) VALUES (?1, ?2)", (&role.name, p.as_str()))?;
    }
    for parent in &role.inherits {
        tx.execute("INSERT INTO role_parents(role, parent) VALUES (?1, ?2)", (&role.name, parent))?;
    }
    roles.insert(role.name.clone(), RoleDef { builtin: false, ..role.clone() });
    Ok(Outcome::Done(roles))
}

/// Delete a custom role no user holds and no role inherits, under the graph's lock.
pub(super) fn delete_role(tx: &Transaction<'_>, name: &str) -> Result<()> {
    lock_role_graph(tx)?;
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
    tx.execute("DELETE FROM roles WHERE name = ?1 AND builtin = 0", [name])?;
    Ok(())
}
