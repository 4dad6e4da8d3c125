//! Eight threads racing on the rules whose checks once ran outside the change's transaction:
//! the role graph's cycle check and the "cannot take over a greater user" check. Each test
//! fails on the old code whenever the threads interleave between a check and its write.

use crate::common::{PASSWORD, env, id};
use forecast_core::AuditOutcome;
use forecast_security::{Assignment, AuditQuery, Domain, Permission, RoleDef, Scope, SecurityError};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Barrier;

const THREADS: usize = 8;

/// Whether the parent edges of `roles` contain a cycle.
fn has_cycle(roles: &BTreeMap<String, Vec<String>>) -> bool {
    fn visit(
        r: &str,
        roles: &BTreeMap<String, Vec<String>>,
        path: &mut BTreeSet<String>,
        done: &mut BTreeSet<String>,
    ) -> bool {
        if done.contains(r) {
            return false;
        }
        if !path.insert(r.to_string()) {
            return true;
        }
        let cyclic = roles.get(r).into_iter().flatten().any(|p| visit(p, roles, path, done));
        path.remove(r);
        done.insert(r.to_string());
        cyclic
    }
    let mut done = BTreeSet::new();
    roles.keys().any(|r| visit(r, roles, &mut BTreeSet::new(), &mut done))
}

/// Eight definitions at once, in four pairs: each pair adds the two edges of a two-role
/// cycle (`a` inherits `b`, `b` inherits `a`), so in every pair exactly one must be refused
/// with `RoleCycle`, round after round, and the graph stays acyclic.
#[test]
fn concurrent_role_definitions_never_close_a_cycle() {
    let e = env();
    let pairs = THREADS / 2;
    for round in 0..25 {
        let name = |pair: usize, side: usize| format!("r{round}p{pair}{}", ["a", "b"][side]);
        for pair in 0..pairs {
            for side in 0..2 {
                let role = RoleDef::new(name(pair, side), "pair").allow([Permission::ViewForecasts]);
                e.security.define_role(&e.ops, &role).unwrap();
            }
        }
        let barrier = Barrier::new(THREADS);
        let refused: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (e, barrier, name) = (&e, &barrier, &name);
                    s.spawn(move || {
                        let (pair, side) = (t / 2, t % 2);
                        let edge = RoleDef::new(name(pair, side), "pair")
                            .allow([Permission::ViewForecasts])
                            .inherit(name(pair, 1 - side));
                        barrier.wait();
                        match e.security.define_role(&e.ops, &edge) {
                            Ok(()) => 0,
                            Err(SecurityError::RoleCycle { .. }) => 1,
                            Err(other) => panic!("unexpected error: {other}"),
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let graph: BTreeMap<String, Vec<String>> = e
            .security
            .roles(&e.ops)
            .unwrap()
            .into_iter()
            .map(|r| (r.name.clone(), r.inherits.iter().cloned().collect()))
            .collect();
        assert!(!has_cycle(&graph), "round {round}: the role graph has a cycle");
        for pair in 0..pairs {
            assert_eq!(refused[2 * pair] + refused[2 * pair + 1], 1, "round {round}, pair {pair}: one edge is refused");
        }
    }
}

/// A user administrator keeps disabling and enabling a viewer while a platform operator
/// promotes the viewer to tenant admin: no change by the lesser administrator may commit after
/// the promotion (it would be a change to a user holding more than the administrator).
#[test]
fn a_promotion_racing_a_lesser_admin_is_never_overtaken() {
    let e = env();
    let acme = id("acme");
    let useradmin = RoleDef::new("useradmin@acme", "manages users").allow([
        Permission::ManageUsers,
        Permission::ViewForecasts,
        Permission::ViewModels,
    ]);
    e.security.define_role(&e.ops, &useradmin).unwrap();
    for round in 0..4 {
        let target = format!("x{round}@acme");
        e.security.create_user(&e.ops, &target, PASSWORD).unwrap();
        e.security
            .assign_role(&e.ops, &target, &Assignment::new("viewer", Domain::tenant(&acme), Scope::all()))
            .unwrap();
        let lesser = format!("lesser{round}@acme");
        let lesser_session =
            e.user_with(&lesser, Assignment::new("useradmin@acme", Domain::tenant(&acme), Scope::all()));
        let barrier = Barrier::new(THREADS);
        std::thread::scope(|s| {
            s.spawn(|| {
                barrier.wait();
                std::thread::yield_now();
                let admin = Assignment::new("admin", Domain::tenant(&acme), Scope::all());
                e.security.assign_role(&e.ops, &target, &admin).unwrap();
            });
            for t in 1..THREADS {
                let (e, barrier, target, session) = (&e, &barrier, &target, &lesser_session);
                s.spawn(move || {
                    barrier.wait();
                    for j in 0..12 {
                        let out = if (t + j) % 2 == 0 {
                            e.security.disable_user(session, target)
                        } else {
                            e.security.enable_user(session, target)
                        };
                        match out {
                            Ok(()) | Err(SecurityError::PermissionDenied { .. }) => {}
                            Err(other) => panic!("unexpected error: {other}"),
                        }
                    }
                });
            }
        });
        let rows = e.audit.query(&AuditQuery::new().target(target.clone()).outcome(AuditOutcome::Success)).unwrap();
        let promoted = rows
            .iter()
            .find(|r| {
                r.event.action == "role.assign"
                    && r.event.details.get("assignment").is_some_and(|a| a.starts_with("admin "))
            })
            .map(|r| r.seq)
            .expect("the promotion is audited");
        let overtaking: Vec<_> = rows
            .iter()
            .filter(|r| r.seq > promoted && r.event.actor == lesser && r.event.action.starts_with("user."))
            .map(|r| (r.seq, r.event.action.clone()))
            .collect();
        assert!(overtaking.is_empty(), "round {round}: changes by {lesser} after the promotion: {overtaking:?}");
        let denied = e.audit.query(&AuditQuery::new().actor(lesser.clone()).outcome(AuditOutcome::Denied)).unwrap();
        assert!(denied.iter().all(|r| r.seq > promoted), "round {round}: a refusal came before the promotion");
    }
}
