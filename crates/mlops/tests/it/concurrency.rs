//! Eight writers at once: separate connections to one file, and one shared handle.

use super::{artifact, start, tenant};
use forecast_core::{ManualClock, NewModelVersion, NoAudit};
use forecast_mlops::{MlopsError, Registry, TenantRegistry};
use std::sync::Arc;

const THREADS: usize = 8;
const PER_THREAD: usize = 20;

fn hammer(open: impl Fn() -> TenantRegistry + Sync) -> TenantRegistry {
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let open = &open;
            s.spawn(move || {
                let reg = open();
                for j in 0..PER_THREAD {
                    let v = reg
                        .register(NewModelVersion::new("shared", artifact((t * 1000 + j) as u64, 8), format!("t{t}")))
                        .unwrap();
                    reg.set_alias("shared", "champion", v.version, &format!("t{t}"), &format!("t{t}-{j:02}")).unwrap();
                }
            });
        }
    });
    open()
}

fn check(reg: &TenantRegistry) {
    let n = THREADS * PER_THREAD;
    let versions = reg.versions("shared").unwrap();
    assert_eq!(versions.iter().map(|v| v.version as usize).collect::<Vec<_>>(), (1..=n).collect::<Vec<_>>());
    let history = reg.alias_history("shared", "champion").unwrap();
    assert_eq!(history.len(), n, "every move is in the history");
    assert_eq!(history[0].from, None);
    for w in history.windows(2) {
        assert_eq!(w[0].to, w[1].from, "no lost update: each move starts where the previous ended");
    }
    assert_eq!(reg.aliases("shared").unwrap()["champion"], history[n - 1].to.unwrap());
    for t in 0..THREADS {
        let mine: Vec<&str> =
            history.iter().filter(|m| m.actor == format!("t{t}")).map(|m| m.reason.as_str()).collect();
        let expected: Vec<String> = (0..PER_THREAD).map(|j| format!("t{t}-{j:02}")).collect();
        assert_eq!(mine, expected, "thread {t}'s moves appear once each, in its order");
    }
}

#[test]
fn eight_connections_to_one_file_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let clock = Arc::new(ManualClock::new(start()));
    let reg = hammer(|| Registry::open(&path, clock.clone(), Arc::new(NoAudit)).unwrap().tenant(&tenant("acme")));
    check(&reg);
    assert!(Registry::open(&path, clock, Arc::new(NoAudit)).unwrap().verify().unwrap().is_empty());
}

#[test]
fn eight_threads_sharing_one_handle_lose_no_update() {
    let db = Registry::open_in_memory(Arc::new(ManualClock::new(start())), Arc::new(NoAudit)).unwrap();
    let shared = db.tenant(&tenant("acme"));
    let reg = hammer(|| shared.clone());
    check(&reg);
    assert!(db.verify().unwrap().is_empty());
}

/// Eight connections log a different first value of one param at once: exactly one is stored,
/// every other gets the write-once error (not a storage error from a unique-key clash).
#[test]
fn eight_first_values_of_one_param_keep_exactly_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("params.db");
    let clock = Arc::new(ManualClock::new(start()));
    let open = || Registry::open(&path, clock.clone(), Arc::new(NoAudit)).unwrap().tenant(&tenant("acme")).tracker();
    let run = open().start_run("demand", "trial", None, "ana").unwrap();
    let barrier = std::sync::Barrier::new(THREADS);
    let won: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (open, barrier) = (&open, &barrier);
                s.spawn(move || {
                    let tracker = open();
                    barrier.wait();
                    match tracker.log_param(run, "learning_rate", &format!("0.{t}"), &format!("t{t}")) {
                        Ok(()) => Some(format!("0.{t}")),
                        Err(MlopsError::InvalidInput(m)) if m.contains("write-once") => None,
                        Err(other) => panic!("thread {t}: {other}"),
                    }
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(won.len(), 1, "one first value wins: {won:?}");
    assert_eq!(open().run(run).unwrap().params["learning_rate"], won[0]);
}

/// Eight connections promote and archive the same versions at once: an alias never ends on an
/// archived version and an archived version never holds an alias.
#[test]
fn promotions_racing_archives_never_alias_an_archived_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive.db");
    let clock = Arc::new(ManualClock::new(start()));
    let open = || Registry::open(&path, clock.clone(), Arc::new(NoAudit)).unwrap().tenant(&tenant("acme"));
    let versions = 12u32;
    for v in 0..versions {
        open().register(NewModelVersion::new("demand", artifact(u64::from(v), 4), "ana")).unwrap();
    }
    let barrier = std::sync::Barrier::new(THREADS);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (open, barrier) = (&open, &barrier);
            s.spawn(move || {
                let reg = open();
                barrier.wait();
                for v in 1..=versions {
                    let out = if t % 2 == 0 {
                        reg.set_alias("demand", "champion", v, "promoter", "race").map(drop)
                    } else {
                        reg.archive("demand", v, "archivist", "race").map(drop)
                    };
                    match out {
                        Ok(())
                        | Err(MlopsError::Archived { .. })
                        | Err(MlopsError::AliasHeld { .. })
                        | Err(MlopsError::InvalidInput(_)) => {}
                        Err(other) => panic!("thread {t}: {other}"),
                    }
                }
            });
        }
    });
    let reg = open();
    if let Some(&holder) = reg.aliases("demand").unwrap().get("champion") {
        assert!(!reg.versions("demand").unwrap()[holder as usize - 1].archived, "champion holds archived v{holder}");
    }
    assert!(Registry::open(&path, clock, Arc::new(NoAudit)).unwrap().verify().unwrap().is_empty());
}
