//! Eight writers at once: separate connections to one file, and one shared handle.

use super::{artifact, start, tenant};
use forecast_core::{ManualClock, NewModelVersion, NoAudit};
use forecast_mlops::{Registry, TenantRegistry};
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
