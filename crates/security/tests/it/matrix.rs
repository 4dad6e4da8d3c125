//! Every role x permission cell of the README's matrix, custom roles, inheritance, domains, reasons.

use crate::common::{env, id};
use forecast_security::{
    Assignment, BuiltinRole, Domain, Permission, Reason, Resource, RoleDef, Scope, SecurityError, Session,
};

/// The matrix as documented: (permission, [admin, manager, analyst, viewer]).
fn documented_matrix() -> Vec<(Permission, [bool; 4])> {
    let readme = include_str!("../../README.md");
    let rows: Vec<(Permission, [bool; 4])> = readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).filter(|c| !c.is_empty()).collect();
            let permission: Permission = cells[0].trim_matches('`').parse().unwrap();
            let cell = |i: usize| match cells[i] {
                "yes" => true,
                "no" => false,
                other => panic!("matrix cell `{other}`"),
            };
            (permission, [cell(1), cell(2), cell(3), cell(4)])
        })
        .collect();
    assert_eq!(rows.len(), Permission::ALL.len(), "one README row per permission");
    rows
}

#[test]
fn every_cell_of_the_documented_matrix() {
    let e = env();
    let roles = [BuiltinRole::Admin, BuiltinRole::Manager, BuiltinRole::Analyst, BuiltinRole::Viewer];
    let sessions: Vec<Session> = roles.iter().map(|r| e.user(&format!("u-{r}@acme"), r.as_str())).collect();
    let resource = Resource::tenant(&id("acme")).region("North").store("s1");
    let mut cells = 0;
    for (permission, expected) in documented_matrix() {
        for (i, role) in roles.iter().enumerate() {
            let decision = e.security.authorize(&sessions[i], permission, &resource).unwrap();
            assert_eq!(decision.allowed, expected[i], "{role} x {permission}: {}", decision.reason);
            assert_eq!(role.allows(permission), expected[i], "BuiltinRole::allows {role} x {permission}");
            cells += 1;
        }
    }
    assert_eq!(cells, 52);
}

#[test]
fn custom_roles_inherit_and_explain() {
    let e = env();
    let s = &e.security;
    let admin = e.user("ada@acme", "admin");
    s.define_role(
        &admin,
        &RoleDef::new("forecaster@acme", "runs forecasts").inherit("viewer").allow([Permission::RunForecasts]),
    )
    .unwrap();
    s.define_role(
        &admin,
        &RoleDef::new("lead@acme", "forecaster who promotes")
            .inherit("forecaster@acme")
            .allow([Permission::PromoteModels]),
    )
    .unwrap();
    let grant = Assignment::new("lead@acme", Domain::tenant(&id("acme")), Scope::all());
    s.create_user(&admin, "lia@acme", crate::common::PASSWORD).unwrap();
    s.assign_role(&admin, "lia@acme", &grant).unwrap();
    let lead = e.login("lia@acme");
    let acme = Resource::tenant(&id("acme"));
    let d = s.authorize(&lead, Permission::ViewForecasts, &acme).unwrap();
    assert!(d.allowed);
    assert!(
        matches!(&d.reason, Reason::Granted { role, via, .. } if role == "lead@acme" && via == "viewer"),
        "{:?}",
        d.reason
    );
    assert!(d.reason.to_string().contains("inherited from viewer"));
    assert!(s.authorize(&lead, Permission::RunForecasts, &acme).unwrap().allowed);
    assert!(s.authorize(&lead, Permission::PromoteModels, &acme).unwrap().allowed);
    let d = s.authorize(&lead, Permission::RollbackModels, &acme).unwrap();
    assert_eq!(d.reason, Reason::PermissionNotGranted { roles: vec!["lead@acme".into()] });
    // Cycles, built-ins, unknown parents and another realm's parents are refused.
    let cycle = RoleDef::new("forecaster@acme", "loop").inherit("lead@acme");
    assert!(matches!(s.define_role(&admin, &cycle), Err(SecurityError::RoleCycle { .. })));
    assert!(matches!(s.define_role(&admin, &RoleDef::new("admin", "x")), Err(SecurityError::BuiltinRole { .. })));
    assert!(s.define_role(&admin, &RoleDef::new("x@acme", "x").inherit("ghost@acme")).is_err());
    s.define_role(&e.ops, &RoleDef::new("spy@globex", "globex's own").allow([Permission::ViewData])).unwrap();
    assert!(s.define_role(&admin, &RoleDef::new("y@acme", "y").inherit("spy@globex")).is_err());
    assert!(matches!(s.delete_role(&admin, "viewer"), Err(SecurityError::BuiltinRole { .. })));
    assert!(s.delete_role(&admin, "forecaster@acme").is_err(), "still inherited by lead");
    let visible = s.roles(&admin).unwrap();
    assert!(visible.iter().any(|r| r.name == "lead@acme" && !r.builtin));
    assert!(!visible.iter().any(|r| r.name == "spy@globex"), "another tenant's roles are not listed");
    // Redefining a role changes what its holders may do, at once.
    s.define_role(&admin, &RoleDef::new("lead@acme", "narrowed").inherit("forecaster@acme")).unwrap();
    assert!(!s.authorize(&lead, Permission::PromoteModels, &acme).unwrap().allowed);
}

#[test]
fn domains_separate_tenants() {
    let e = env();
    let m = e.user("max@acme", "manager");
    let d = e.security.authorize(&m, Permission::ViewForecasts, &Resource::tenant(&id("globex"))).unwrap();
    assert_eq!(d.reason, Reason::NoRoleInTenant { tenant: "tenant globex".into() });
    let d = e.security.authorize(&m, Permission::ViewForecasts, &Resource::platform()).unwrap();
    assert!(!d.allowed, "a tenant role never reaches the platform");
    for t in ["acme", "globex"] {
        assert!(e.security.authorize(&e.ops, Permission::ManageTenants, &Resource::tenant(&id(t))).unwrap().allowed);
    }
    assert!(e.security.authorize(&e.ops, Permission::ManageTenants, &Resource::platform()).unwrap().allowed);
}

#[test]
fn scopes_limit_regions_and_stores() {
    let e = env();
    let s = &e.security;
    let acme = id("acme");
    let a = e.user_with("ana@acme", Assignment::new("analyst", Domain::tenant(&acme), Scope::regions(["North"])));
    let north = Resource::tenant(&acme).region("North");
    assert!(s.authorize(&a, Permission::ViewData, &north).unwrap().allowed);
    let d = s.authorize(&a, Permission::ViewData, &Resource::tenant(&acme).region("South")).unwrap();
    assert!(matches!(d.reason, Reason::OutOfScope { .. }));
    let d = s.authorize(&a, Permission::ViewData, &Resource::tenant(&acme)).unwrap();
    assert!(!d.allowed, "a tenant-wide resource is outside a region scope");
    // A second grant widens access; revoking it narrows it again (and ends the sessions).
    let store_grant = Assignment::new("analyst", Domain::tenant(&acme), Scope::stores(["s9"]));
    s.assign_role(&e.ops, "ana@acme", &store_grant).unwrap();
    assert!(!s.authorize(&a, Permission::ViewData, &north).unwrap().allowed, "old session revoked on privilege change");
    let a = e.login("ana@acme");
    assert!(
        s.authorize(&a, Permission::ViewData, &Resource::tenant(&acme).region("South").store("s9")).unwrap().allowed
    );
    assert_eq!(s.assignments(&e.ops, "ana@acme").unwrap().len(), 2);
    s.revoke_role(&e.ops, "ana@acme", &store_grant).unwrap();
    let a = e.login("ana@acme");
    assert!(
        !s.authorize(&a, Permission::ViewData, &Resource::tenant(&acme).region("South").store("s9")).unwrap().allowed
    );
    let err = s.require(&a, Permission::ViewData, &Resource::tenant(&acme).region("South")).unwrap_err();
    assert!(err.to_string().contains("outside the scope"), "{err}");
}

/// A refusal tells an outsider nothing about another tenant: unknown, suspended and active
/// tenants look the same to someone without a role there.
#[test]
fn refusals_do_not_reveal_other_tenants() {
    let e = env();
    let m = e.user("max@acme", "manager");
    e.tenants.set(&id("globex"), forecast_core::tenant::TenantStatus::Suspended);
    let reason = |t: &str| e.security.authorize(&m, Permission::ViewModels, &Resource::tenant(&id(t))).unwrap().reason;
    for t in ["globex", "initech", "ghost"] {
        assert_eq!(reason(t), Reason::NoRoleInTenant { tenant: format!("tenant {t}") }, "{t}");
    }
    // Someone with a role there learns the status.
    e.tenants.set(&id("acme"), forecast_core::tenant::TenantStatus::Suspended);
    let ops = e.login("ops");
    let d = e.security.authorize(&ops, Permission::ViewModels, &Resource::tenant(&id("acme"))).unwrap();
    assert!(matches!(d.reason, Reason::TenantNotActive { .. }), "{:?}", d.reason);
}
