//! Eight threads racing through the wired system on lockout, quota and alias moves: nothing is
//! lost, nothing counted twice (hole 6 and the conditional-update rules).

use crate::system::{PASSWORD, id, linear, system};
use forecast::core::{ModelStore, NewModelVersion};
use forecast::security::{LockoutPolicy, PasswordParams, Security, SecurityConfig};
use forecast::tenancy::limits;
use std::sync::Arc;

const THREADS: usize = 8;

#[test]
fn lockout_counts_every_failure() {
    let s = system();
    s.user("ana@acme", "viewer");
    // Two more stores (two connections) on the same file, with a lockout threshold out of
    // reach so every attempt counts; both count into the same row.
    let config = SecurityConfig {
        password: PasswordParams::INSECURE_FAST,
        lockout: LockoutPolicy { threshold: 10_000, ..LockoutPolicy::default() },
        ..SecurityConfig::default()
    };
    let open = || {
        Arc::new(Security::open(&s.path, s.clock.clone(), s.tenants.clone(), s.audit.clone(), config.clone()).unwrap())
    };
    let (one, other) = (open(), open());
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let store = if t % 2 == 0 { other.clone() } else { one.clone() };
            scope.spawn(move || {
                for _ in 0..6 {
                    assert!(store.login("ana@acme", "wrong password!").is_err());
                }
            });
        }
    });
    assert_eq!(other.user(&other.login("ops", PASSWORD).unwrap().0, "ana@acme").unwrap().failed_logins(), 48);
}

#[test]
fn quota_is_never_exceeded_nor_double_counted() {
    let s = system();
    let op = s.security.operator(&s.ops);
    s.tenants.change_plan(&id("acme"), "free", &op).unwrap();
    let scope = s.tenants.scope(&id("acme")).unwrap();
    // 8 threads x 40 requests of 5 calls against 1,000: exactly 200 succeed; every request is
    // sent twice (a client retry), which never counts twice.
    let granted: usize = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let scope = &scope;
                sc.spawn(move || {
                    let mut ok = 0;
                    for j in 0..40 {
                        let key = format!("t{t}-{j}");
                        if scope.consume(limits::API_CALLS, 5, &key).is_ok() {
                            ok += 1;
                            assert!(scope.consume(limits::API_CALLS, 5, &key).unwrap().replayed);
                        }
                    }
                    ok
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(granted, 200);
    assert_eq!(scope.quota(limits::API_CALLS).unwrap().used, 1_000);
}

#[test]
fn concurrent_first_registrations_of_a_model_count_once() {
    let s = system();
    let op = s.security.operator(&s.ops);
    s.tenants.change_plan(&id("acme"), "free", &op).unwrap();
    let max = s.user("max@acme", "manager");
    let store = Arc::new(s.models(&max, "acme").unwrap());
    std::thread::scope(|sc| {
        for t in 0..THREADS {
            let store = store.clone();
            sc.spawn(move || store.register(NewModelVersion::new("demand", linear(t as f64), "max")).unwrap());
        }
    });
    assert_eq!(s.tenants.scope(&id("acme")).unwrap().quota(limits::MODELS).unwrap().used, 1);
    assert_eq!(s.registry.tenant(&id("acme")).versions("demand").unwrap().len(), THREADS);
}

#[test]
fn alias_moves_lose_nothing() {
    let s = system();
    let max = s.user("max@acme", "manager");
    let store = Arc::new(s.models(&max, "acme").unwrap());
    for i in 0..4 {
        store.register(NewModelVersion::new("demand", linear(f64::from(i)), "max")).unwrap();
    }
    std::thread::scope(|sc| {
        for t in 0..THREADS {
            let store = store.clone();
            sc.spawn(move || {
                for j in 0..10u32 {
                    let version = (t as u32 + j) % 4 + 1;
                    store.set_alias("demand", "champion", version, "max", &format!("t{t}-{j}")).unwrap();
                }
            });
        }
    });
    let history = store.alias_history("demand", "champion").unwrap();
    assert_eq!(history.len(), THREADS * 10);
    assert_eq!(history[0].from, None);
    for w in history.windows(2) {
        assert_eq!(w[0].to, w[1].from, "each move starts where the previous one ended");
    }
    assert!(history.iter().all(|m| m.actor == "max@acme"));
    assert!(s.registry.verify().unwrap().is_empty());
    assert!(s.audit.verify().unwrap().is_intact());
}
