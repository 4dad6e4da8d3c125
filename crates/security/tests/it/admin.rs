//! Hole 3: the admin API. On main `create_user`, `assign_role`, `define_role`, `set_password`
//! and `delete_user` took no session, users and roles were global, a grantor could give more
//! than it held and the audit actor was "system". Now every call is authorised, scoped to the
//! actor's tenant, bounded by what the actor holds, and audited under the actor.

use crate::common::{PASSWORD, env, id};
use forecast_core::AuditOutcome;
use forecast_security::{Assignment, AuditQuery, Domain, Permission, RoleDef, Scope, SecurityError};

fn denied(r: Result<impl std::fmt::Debug, SecurityError>) -> String {
    match r {
        Err(SecurityError::PermissionDenied { reason, .. }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_tenant_admin_stays_inside_its_tenant() {
    let e = env();
    let s = &e.security;
    let ada = e.user("ada@acme", "admin");
    e.user("gus@globex", "admin");
    // Inside acme: allowed, and audited under ada.
    s.create_user(&ada, "bob@acme", PASSWORD).unwrap();
    s.assign_role(&ada, "bob@acme", &Assignment::new("manager", Domain::tenant(&id("acme")), Scope::all())).unwrap();
    let row = e.audit.query(&AuditQuery::new().action("role.assign").actor("ada@acme")).unwrap();
    assert_eq!(row.len(), 1);
    assert_eq!(row[0].event.tenant.as_deref(), Some("acme"));
    // Another tenant, the platform, every tenant: refused.
    denied(s.create_user(&ada, "eve@globex", PASSWORD));
    denied(s.create_user(&ada, "root", PASSWORD));
    denied(s.set_password(&ada, "gus@globex", "hijacked passphrase"));
    denied(s.disable_user(&ada, "gus@globex"));
    denied(s.delete_user(&ada, "gus@globex"));
    denied(s.delete_user(&ada, "ops"));
    denied(s.user(&ada, "gus@globex"));
    denied(s.users(&ada, Some(&id("globex"))));
    denied(s.users(&ada, None));
    let anywhere = Assignment::new("admin", Domain::AnyTenant, Scope::all());
    denied(s.assign_role(&ada, "bob@acme", &anywhere));
    denied(s.assign_role(&ada, "bob@acme", &Assignment::new("admin", Domain::tenant(&id("globex")), Scope::all())));
    denied(s.define_role(&ada, &RoleDef::new("spy@globex", "x").allow([Permission::ViewData])));
    denied(s.define_role(&ada, &RoleDef::new("support", "platform role").allow([Permission::ViewData])));
    // Nothing of it happened.
    assert!(s.user(&e.ops, "eve@globex").is_err());
    s.login("gus@globex", PASSWORD).unwrap();
    let refusals = e.audit.query(&AuditQuery::new().actor("ada@acme").outcome(AuditOutcome::Denied)).unwrap();
    assert_eq!(refusals.len(), 13, "every refusal is audited under the real actor");
}

#[test]
fn no_one_grants_or_defines_more_than_it_holds() {
    let e = env();
    let s = &e.security;
    // A user manager who is not an admin: may manage users, not hand out admin.
    let ada = e.user("ada@acme", "admin");
    s.define_role(
        &ada,
        &RoleDef::new("usermgr@acme", "manages users").allow([Permission::ManageUsers]).inherit("viewer"),
    )
    .unwrap();
    s.create_user(&ada, "uma@acme", PASSWORD).unwrap();
    s.assign_role(&ada, "uma@acme", &Assignment::new("usermgr@acme", Domain::tenant(&id("acme")), Scope::all()))
        .unwrap();
    let uma = e.login("uma@acme");
    s.create_user(&uma, "new@acme", PASSWORD).unwrap();
    s.assign_role(&uma, "new@acme", &Assignment::new("viewer", Domain::tenant(&id("acme")), Scope::all())).unwrap();
    let reason =
        denied(s.assign_role(&uma, "new@acme", &Assignment::new("admin", Domain::tenant(&id("acme")), Scope::all())));
    assert!(reason.contains("does not hold"), "{reason}");
    denied(s.assign_role(&uma, "uma@acme", &Assignment::new("manager", Domain::tenant(&id("acme")), Scope::all())));
    // It cannot mint a stronger role either, nor redefine its own.
    denied(s.define_role(&uma, &RoleDef::new("boss@acme", "x").allow([Permission::ManageBilling])));
    denied(s.define_role(&uma, &RoleDef::new("usermgr@acme", "x").inherit("admin")));
    // Nor take over a stronger account: resetting the admin's password, disabling or deleting it.
    denied(s.set_password(&uma, "ada@acme", "uma owns this now"));
    denied(s.disable_user(&uma, "ada@acme"));
    denied(s.delete_user(&uma, "ada@acme"));
    denied(s.revoke_all_sessions(&uma, "ada@acme"));
    s.login("ada@acme", PASSWORD).unwrap();
    // A region-scoped admin cannot grant the whole tenant.
    let rena =
        e.user_with("rena@acme", Assignment::new("admin", Domain::tenant(&id("acme")), Scope::regions(["North"])));
    denied(s.assign_role(&rena, "new@acme", &Assignment::new("analyst", Domain::tenant(&id("acme")), Scope::all())));
    // A manager holds no manage_users at all.
    let max = e.user("max@acme", "manager");
    denied(s.create_user(&max, "x@acme", PASSWORD));
}

#[test]
fn a_tenant_user_holds_roles_only_in_its_tenant() {
    let e = env();
    e.user("bob@acme", "viewer");
    // Even the platform administrator cannot make a tenant user act in another tenant.
    let reason = denied(e.security.assign_role(
        &e.ops,
        "bob@acme",
        &Assignment::new("viewer", Domain::tenant(&id("globex")), Scope::all()),
    ));
    assert!(reason.contains("only in tenant acme"), "{reason}");
    e.security.define_role(&e.ops, &RoleDef::new("lead@globex", "x").allow([Permission::ViewData])).unwrap();
    denied(e.security.assign_role(
        &e.ops,
        "bob@acme",
        &Assignment::new("lead@globex", Domain::tenant(&id("acme")), Scope::all()),
    ));
}

#[test]
fn dead_sessions_administer_nothing() {
    let e = env();
    let ada = e.user("ada@acme", "admin");
    e.security.revoke_all_sessions(&ada, "ada@acme").unwrap();
    let reason = denied(e.security.create_user(&ada, "bob@acme", PASSWORD));
    assert!(reason.contains("revoked"), "{reason}");
    let ada = e.login("ada@acme");
    e.tenants.set(&id("acme"), forecast_core::tenant::TenantStatus::Suspended);
    let reason = denied(e.security.create_user(&ada, "bob@acme", PASSWORD));
    assert!(reason.contains("suspended"), "{reason}");
}

/// A malformed parent name is reported as such, not swallowed into "unknown role".
#[test]
fn a_malformed_parent_role_name_is_an_error_naming_it() {
    let e = env();
    let ops = e.ops_session();
    let role = RoleDef::new("lead@acme", "team lead").inherit("no such role!");
    let err = e.security.define_role(&ops, &role).unwrap_err();
    assert!(matches!(&err, SecurityError::InvalidName { value, .. } if value == "no such role!"), "{err}");
    assert!(e.security.roles(&ops).unwrap().iter().all(|r| r.name != "lead@acme"));
}
