//! Property tests: no access outside scope, data filters never leak, any edited audit row is caught.

use crate::common::{PASSWORD, clock, security, t0};
use crate::data_scope::panel;
use forecast_core::{AuditEvent, AuditOutcome};
use forecast_security::{
    Assignment, AuditLog, BuiltinRole, DataScope, Domain, Permission, Reason, Resource, RoleDef, Scope,
};
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
    let domain = prop_oneof![prop::sample::select(TENANTS.to_vec()).prop_map(Domain::tenant), Just(Domain::AnyTenant)];
    (prop::sample::select(roles), domain, scope()).prop_map(|(r, d, s)| Assignment::new(r, d, s))
}

fn resource() -> impl Strategy<Value = Resource> {
    (
        prop::sample::select(TENANTS.to_vec()),
        prop::option::of(prop::sample::select(REGIONS.to_vec())),
        prop::option::of(prop::sample::select(STORES.to_vec())),
    )
        .prop_map(|(t, r, s)| Resource {
            tenant: t.into(),
            region: r.map(Into::into),
            store: s.map(Into::into),
            name: None,
        })
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
    fn never_grants_outside_scope(
        roles in custom_roles(),
        assignments in prop::collection::vec(assignment(), 0..4),
        checks in prop::collection::vec((permission(), resource()), 1..40),
    ) {
        let s = security(&clock());
        for r in &roles {
            s.define_role(r).unwrap();
        }
        s.create_user("u", PASSWORD).unwrap();
        for a in &assignments {
            s.assign_role("u", a).unwrap();
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
            let expected = assignments.iter().any(|a| {
                a.domain.includes(&res.tenant)
                    && holds(&defs, &a.role, p, 0)
                    && inside(&a.scope.regions, &res.region)
                    && inside(&a.scope.stores, &res.store)
            });
            prop_assert_eq!(decision.allowed, expected, "{} on {}: {}", p, res, decision.reason);
            if let Reason::Granted { role, domain, scope, .. } = &decision.reason {
                prop_assert!(domain.includes(&res.tenant));
                prop_assert!(inside(&scope.regions, &res.region) && inside(&scope.stores, &res.store));
                let held = Assignment::new(role.clone(), domain.clone(), scope.clone());
                prop_assert!(assignments.contains(&held));
            } else {
                prop_assert!(!decision.allowed);
            }
        }
    }

    #[test]
    fn data_scope_filter_keeps_exactly_the_covered_series(grants in prop::collection::vec(scope(), 0..3)) {
        let p = panel();
        let filtered = DataScope::new("acme", grants.clone()).filter_panel(&p).unwrap();
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
        let log = AuditLog::open(&path).unwrap();
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
