//! Every role x permission cell of the README's matrix, custom roles, inheritance, domains, reasons.

use crate::common::{PASSWORD, clock, security};
use forecast_security::{
    Assignment, BuiltinRole, Domain, Permission, Reason, Resource, RoleDef, Scope, Security, SecurityError, Session,
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

fn user_with(s: &Security, name: &str, assignment: Assignment) -> Session {
    s.create_user(name, PASSWORD).unwrap();
    s.assign_role(name, &assignment).unwrap();
    s.login(name, PASSWORD).unwrap().0
}

#[test]
fn every_cell_of_the_documented_matrix() {
    let s = security(&clock());
    let roles = [BuiltinRole::Admin, BuiltinRole::Manager, BuiltinRole::Analyst, BuiltinRole::Viewer];
    let sessions: Vec<Session> = roles
        .iter()
        .map(|r| user_with(&s, &format!("u-{r}"), Assignment::new(r.as_str(), Domain::tenant("acme"), Scope::all())))
        .collect();
    let resource = Resource::tenant("acme").region("North").store("s1");
    let mut cells = 0;
    for (permission, expected) in documented_matrix() {
        for (i, role) in roles.iter().enumerate() {
            let decision = s.authorize(&sessions[i], permission, &resource).unwrap();
            assert_eq!(decision.allowed, expected[i], "{role} x {permission}: {}", decision.reason);
            assert_eq!(role.allows(permission), expected[i], "BuiltinRole::allows {role} x {permission}");
            cells += 1;
        }
    }
    assert_eq!(cells, 52);
}

#[test]
fn custom_roles_inherit_and_explain() {
    let s = security(&clock());
    s.define_role(&RoleDef::new("forecaster", "runs forecasts").inherit("viewer").allow([Permission::RunForecasts]))
        .unwrap();
    s.define_role(
        &RoleDef::new("lead", "forecaster who promotes").inherit("forecaster").allow([Permission::PromoteModels]),
    )
    .unwrap();
    let lead = user_with(&s, "lia", Assignment::new("lead", Domain::tenant("acme"), Scope::all()));
    let acme = Resource::tenant("acme");
    let d = s.authorize(&lead, Permission::ViewForecasts, &acme).unwrap();
    assert!(d.allowed);
    assert!(
        matches!(&d.reason, Reason::Granted { role, via, .. } if role == "lead" && via == "viewer"),
        "{:?}",
        d.reason
    );
    assert!(d.reason.to_string().contains("inherited from viewer"));
    assert!(s.authorize(&lead, Permission::RunForecasts, &acme).unwrap().allowed);
    assert!(s.authorize(&lead, Permission::PromoteModels, &acme).unwrap().allowed);
    let d = s.authorize(&lead, Permission::RollbackModels, &acme).unwrap();
    assert_eq!(d.reason, Reason::PermissionNotGranted { roles: vec!["lead".into()] });
    // Cycles, built-ins and unknown parents are refused.
    let cycle = RoleDef::new("forecaster", "loop").inherit("lead");
    assert!(matches!(s.define_role(&cycle), Err(SecurityError::RoleCycle { .. })));
    assert!(matches!(s.define_role(&RoleDef::new("admin", "x")), Err(SecurityError::BuiltinRole { .. })));
    assert!(s.define_role(&RoleDef::new("x", "x").inherit("ghost")).is_err());
    assert!(matches!(s.delete_role("viewer"), Err(SecurityError::BuiltinRole { .. })));
    assert!(s.delete_role("forecaster").is_err(), "still inherited by lead");
    assert!(s.roles().unwrap().iter().any(|r| r.name == "lead" && !r.builtin));
    // Redefining a role changes what its holders may do.
    s.define_role(&RoleDef::new("lead", "narrowed").inherit("forecaster")).unwrap();
    assert!(!s.authorize(&lead, Permission::PromoteModels, &acme).unwrap().allowed);
}

#[test]
fn domains_separate_tenants() {
    let s = security(&clock());
    let m = user_with(&s, "max", Assignment::new("manager", Domain::tenant("acme"), Scope::all()));
    let d = s.authorize(&m, Permission::ViewForecasts, &Resource::tenant("globex")).unwrap();
    assert_eq!(d.reason, Reason::NoRoleInTenant { tenant: "globex".into() });
    let op = user_with(&s, "ops", Assignment::new("admin", Domain::AnyTenant, Scope::all()));
    for t in ["acme", "globex"] {
        assert!(s.authorize(&op, Permission::ManageTenants, &Resource::tenant(t)).unwrap().allowed);
    }
}

#[test]
fn scopes_limit_regions_and_stores() {
    let s = security(&clock());
    let a = user_with(&s, "ana", Assignment::new("analyst", Domain::tenant("acme"), Scope::regions(["North"])));
    let north = Resource::tenant("acme").region("North");
    assert!(s.authorize(&a, Permission::ViewData, &north).unwrap().allowed);
    let d = s.authorize(&a, Permission::ViewData, &Resource::tenant("acme").region("South")).unwrap();
    assert!(matches!(d.reason, Reason::OutOfScope { .. }));
    let d = s.authorize(&a, Permission::ViewData, &Resource::tenant("acme")).unwrap();
    assert!(!d.allowed, "a tenant-wide resource is outside a region scope");
    // A second grant widens access; revoking it narrows it again (and ends the sessions).
    let store_grant = Assignment::new("analyst", Domain::tenant("acme"), Scope::stores(["s9"]));
    s.assign_role("ana", &store_grant).unwrap();
    assert!(!s.authorize(&a, Permission::ViewData, &north).unwrap().allowed, "old session revoked on privilege change");
    let a = s.login("ana", PASSWORD).unwrap().0;
    assert!(
        s.authorize(&a, Permission::ViewData, &Resource::tenant("acme").region("South").store("s9")).unwrap().allowed
    );
    assert_eq!(s.assignments("ana").unwrap().len(), 2);
    s.revoke_role("ana", &store_grant).unwrap();
    let a = s.login("ana", PASSWORD).unwrap().0;
    assert!(
        !s.authorize(&a, Permission::ViewData, &Resource::tenant("acme").region("South").store("s9")).unwrap().allowed
    );
    let err = s.require(&a, Permission::ViewData, &Resource::tenant("acme").region("South")).unwrap_err();
    assert!(err.to_string().contains("outside the scope"), "{err}");
}
