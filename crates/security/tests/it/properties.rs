//! Property tests: no access outside scope or tenant, data filters never leak, a grantor never
//! gives more than it holds, any edited audit row is caught.

use crate::common::{PASSWORD, env, id, t0};
use crate::data_scope::panel;
use forecast_core::tenant::TenantStatus;
use forecast_core::{AuditEvent, AuditOutcome};
use forecast_security::{Assignment, AuditLog, BuiltinRole, Domain, Permission, Reason, Resource, RoleDef, Scope};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const TENANTS: [&str; 3] = ["acme", "globex", "initech"];
const REGIONS: [&str; 3] = ["North", "South", "East"];
const STORES: [&str; 4] = ["s1", "s2", "s3", "s4"];

fn subset<const N: usize>(names: [&'static str; N]) -> impl Strategy<Value = Option<BTreeSet<String>>> {
    prop::option::of(prop::collection::btree_set(prop::sample::select(names.to_vec()), 0..=N))
        .prop_map(|s| s.map(|s| s.into_iter().map(String::from).collect()))
}

fn scope() -> impl Strategy<Value = Scope> {
    (subset(REGIONS), subset(STORES)).prop_map(|(regions, stores)| Scope { regions, stores })
}

fn permission() -> impl Strategy<Value = Permission> {
    prop::sample::select(Permission::ALL.to_vec())
}

/// Two custom roles: c0 with some permissions and parents among the built-ins, c1 may inherit c0.
fn custom_roles() -> impl Strategy<Value = Vec<RoleDef>> {
    let builtins: Vec<&str> = BuiltinRole::ALL.iter().map(|r| r.as_str()).collect();
    (
        prop::collection::btree_set(permission(), 0..4),
        prop::collection::btree_set(prop::sample::select(builtins.clone()), 0..2),
        prop::collection::btree_set(permission(), 0..4),
        any::<bool>(),
    )
        .prop_map(|(p0, parents0, p1, inherit)| {
            let c0 = parents0.into_iter().fold(RoleDef::new("c0", "custom").allow(p0), RoleDef::inherit);
            let c1 = RoleDef::new("c1", "custom").allow(p1);
            vec![c0, if inherit { c1.inherit("c0") } else { c1 }]
        })
}

fn assignment() -> impl Strategy<Value = Assignment> {
    let roles = vec!["viewer", "analyst", "manager", "admin", "c0", "c1"];
    let domain = prop_oneof![
        prop::sample::select(TENANTS.to_vec()).prop_map(|t| Domain::tenant(&id(t))),
        Just(Domain::AnyTenant)
    ];
    (prop::sample::select(roles), domain, scope()).prop_map(|(r, d, s)| Assignment::new(r, d, s))
}

fn resource() -> impl Strategy<Value = Resource> {
    (
        prop::sample::select(TENANTS.to_vec()),
        prop::option::of(prop::sample::select(REGIONS.to_vec())),
        prop::option::of(prop::sample::select(STORES.to_vec())),
    )
        .prop_map(|(t, r, s)| Resource {
            tenant: Some(id(t)),
            region: r.map(Into::into),
            store: s.map(Into::into),
            name: None,
        })
}

/// The built-in roles and the custom c0 (view_data) and c1 (manage_users) of the grant test.
fn reference_roles() -> BTreeMap<String, (BTreeSet<Permission>, BTreeSet<String>)> {
    let mut defs = BTreeMap::new();
    for b in BuiltinRole::ALL {
        let parents = b.parent().map(|p| p.as_str().to_string()).into_iter().collect();
        defs.insert(b.as_str().to_string(), (b.own_permissions().iter().copied().collect(), parents));
    }
    defs.insert("c0".into(), ([Permission::ViewData].into(), BTreeSet::new()));
    defs.insert("c1".into(), ([Permission::ManageUsers].into(), BTreeSet::new()));
    defs
}

/// The reference: the permissions of a role, by an independent walk of the definitions.
fn holds(
    defs: &BTreeMap<String, (BTreeSet<Permission>, BTreeSet<String>)>,
    role: &str,
    p: Permission,
    depth: u8,
) -> bool {
    depth < 8
        && defs
            .get(role)
            .is_some_and(|(perms, parents)| perms.contains(&p) || parents.iter().any(|q| holds(defs, q, p, depth + 1)))
}

fn inside(set: &Option<BTreeSet<String>>, v: &Option<String>) -> bool {
    set.as_ref().is_none_or(|s| v.as_ref().is_some_and(|v| s.contains(v)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn never_grants_outside_scope_or_to_an_inactive_tenant(
        roles in custom_roles(),
        assignments in prop::collection::vec(assignment(), 0..4),
        checks in prop::collection::vec((permission(), resource()), 1..40),
        suspended in prop::option::of(prop::sample::select(TENANTS.to_vec())),
    ) {
        let e = env();
        let s = &e.security;
        e.tenants.set(&id("initech"), TenantStatus::Active);
        for r in &roles {
            s.define_role(&e.ops, r).unwrap();
        }
        // A platform user, so any domain may be granted to it.
        s.create_user(&e.ops, "u", PASSWORD).unwrap();
        for a in &assignments {
            s.assign_role(&e.ops, "u", a).unwrap();
        }
        if let Some(t) = suspended {
            e.tenants.set(&id(t), TenantStatus::Suspended);
        }
        let (session, _) = s.login("u", PASSWORD).unwrap();
        let mut defs = BTreeMap::new();
        for b in BuiltinRole::ALL {
            let parents = b.parent().map(|p| p.as_str().to_string()).into_iter().collect();
            defs.insert(b.as_str().to_string(), (b.own_permissions().iter().copied().collect(), parents));
        }
        for r in &roles {
            defs.insert(r.name.clone(), (r.permissions.clone(), r.inherits.clone()));
        }
        for (p, res) in checks {
            let decision = s.authorize(&session, p, &res).unwrap();
            let active = suspended.is_none_or(|t| res.tenant != Some(id(t)));
            let expected = active && assignments.iter().any(|a| {
                a.domain.includes(&res)
                    && holds(&defs, &a.role, p, 0)
                    && inside(&a.scope.regions, &res.region)
                    && inside(&a.scope.stores, &res.store)
            });
            prop_assert_eq!(decision.allowed, expected, "{} on {}: {}", p, res, decision.reason);
            if let Reason::Granted { role, domain, scope, .. } = &decision.reason {
                prop_assert!(domain.includes(&res));
                prop_assert!(inside(&scope.regions, &res.region) && inside(&scope.stores, &res.store));
                let held = Assignment::new(role.clone(), domain.clone(), scope.clone());
                prop_assert!(assignments.contains(&held));
            } else {
                prop_assert!(!decision.allowed);
            }
        }
    }

    #[test]
    fn a_grant_never_exceeds_the_grantor(
        more in prop::collection::vec(assignment(), 0..3),
        wanted in assignment(),
    ) {
        // The granter always manages users on the platform (so the realm gate passes) and
        // holds a random mix of other assignments.
        let mut held = vec![Assignment::new("c1", Domain::AnyTenant, Scope::all())];
        held.extend(more);
        let e = env();
        let s = &e.security;
        e.tenants.set(&id("initech"), TenantStatus::Active);
        s.define_role(&e.ops, &RoleDef::new("c0", "custom").allow([Permission::ViewData])).unwrap();
        s.define_role(&e.ops, &RoleDef::new("c1", "custom").allow([Permission::ManageUsers])).unwrap();
        s.create_user(&e.ops, "granter", PASSWORD).unwrap();
        for a in &held {
            s.assign_role(&e.ops, "granter", a).unwrap();
        }
        s.create_user(&e.ops, "target", PASSWORD).unwrap();
        let granter = s.login("granter", PASSWORD).unwrap().0;
        let result = s.assign_role(&granter, "target", &wanted);
        // The reference: every permission of the wanted role is held by one of the granter's
        // assignments over a domain and scope containing the wanted ones, and the granter
        // holds manage_users on the wanted domain and on the platform (the target's realm).
        let defs = reference_roles();
        let covers = |p: Permission, domain: &Domain, scope: &Scope| held.iter().any(|a| {
            a.domain.contains(domain) && a.scope.contains(scope) && holds(&defs, &a.role, p, 0)
        });
        let wanted_perms: Vec<Permission> = Permission::ALL.into_iter().filter(|p| holds(&defs, &wanted.role, *p, 0)).collect();
        let platform_admin = covers(Permission::ManageUsers, &Domain::AnyTenant, &Scope::all());
        let expected = platform_admin && wanted_perms.iter().all(|p| covers(*p, &wanted.domain, &wanted.scope));
        prop_assert_eq!(result.is_ok(), expected, "{:?} granting {:?}: {:?}", held, wanted, result);
    }

    #[test]
    fn data_scope_filter_keeps_exactly_the_covered_series(grants in prop::collection::vec(scope(), 0..3)) {
        let e = env();
        let p = panel();
        let acme = id("acme");
        e.security.create_user(&e.ops, "reader", PASSWORD).unwrap();
        for g in &grants {
            e.security.assign_role(&e.ops, "reader", &Assignment::new("analyst", Domain::tenant(&acme), g.clone())).unwrap();
        }
        let reader = e.security.login("reader", PASSWORD).unwrap().0;
        let scope = e.security.data_scope(&reader, &acme);
        if grants.is_empty() {
            prop_assert!(scope.is_err(), "no grant: refused");
            return Ok(());
        }
        let scope = scope.unwrap();
        prop_assert!(scope.filter_panel(&id("globex"), &p).is_err(), "another tenant's panel is never read");
        let filtered = scope.filter_panel(&acme, &p).unwrap();
        let region_of = |store: &str| if ["s1", "s2", "s3"].contains(&store) { "North" } else { "South" };
        let expected: Vec<&str> = ["s1", "s2", "s3", "s4", "s5", "s6"]
            .into_iter()
            .filter(|st| grants.iter().any(|g| g.covers(Some(region_of(st)), Some(st))))
            .collect();
        let kept: Vec<String> = filtered.series.iter().map(|s| s.key.0[0].clone()).collect();
        prop_assert_eq!(kept, expected);
        for s in &filtered.series {
            let region = &filtered.static_levels[0][s.statics[0] as usize];
            prop_assert_eq!(region.as_str(), region_of(&s.key.0[0]));
        }
    }

    #[test]
    fn any_edited_audit_row_is_caught(n in 1i64..12, pick in any::<prop::sample::Index>(), actor in "[a-z]{1,8}") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let log = AuditLog::open(&path, crate::common::key()).unwrap();
        for i in 0..n {
            log.append(&AuditEvent::new("ana", "model.register", format!("m@{i}"), AuditOutcome::Success, t0())).unwrap();
        }
        let seq = pick.index(n as usize) as i64 + 1;
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch("DROP TRIGGER audit_no_update;").unwrap();
        let edited = AuditEvent::new(format!("x{actor}"), "model.register", format!("m@{}", seq - 1), AuditOutcome::Success, t0());
        raw.execute("UPDATE audit_log SET event = ?2, actor = ?3 WHERE seq = ?1", (seq, edited.to_canonical_json(), &edited.actor)).unwrap();
        match log.verify().unwrap() {
            forecast_security::Verification::Tampered { seq: bad, .. } => prop_assert_eq!(bad as i64, seq),
            v => prop_assert!(false, "not caught: {:?}", v),
        }
    }
}
