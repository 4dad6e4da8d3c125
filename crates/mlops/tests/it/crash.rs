//! Crash safety: a child process writes in a loop and is killed with SIGKILL mid-way.

use super::{artifact, start, tenant};
use forecast_core::{ManualClock, ModelRef, NewModelVersion, NoAudit};
use forecast_mlops::Registry;
use forecast_mlops::registry::artifact_sha256;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

const CHILD_DB: &str = "FORECAST_MLOPS_CRASH_CHILD_DB";
const MODELS: [&str; 3] = ["demand", "returns", "markdown"];

/// Register versions and move aliases; report each committed registration on stdout.
/// Returns the number of registrations.
fn write_loop(path: &Path, iterations: u64, mut committed: impl FnMut(u64)) -> u64 {
    let reg =
        Registry::open(path, Arc::new(ManualClock::new(start())), Arc::new(NoAudit)).unwrap().tenant(&tenant("acme"));
    for i in 0..iterations {
        let name = MODELS[(i % 3) as usize];
        // Larger artifacts every few steps, so a kill often lands inside a write.
        let n_features = if i % 4 == 0 { 20_000 } else { 50 };
        let v = reg.register(NewModelVersion::new(name, artifact(i, n_features), "writer")).unwrap();
        reg.set_alias(name, "champion", v.version, "writer", "newest").unwrap();
        if v.version > 2 {
            reg.set_alias(name, "challenger", v.version - 1, "writer", "previous").unwrap();
        }
        if i % 5 == 4 {
            reg.rollback(name, "champion", "writer", "regression").unwrap();
        }
        committed(i + 1);
    }
    iterations
}

/// Child mode (selected by the environment) writes until killed; run directly it writes a
/// short bounded loop and checks the result, so it is a real test either way.
#[test]
fn crash_child() {
    if let Ok(path) = std::env::var(CHILD_DB) {
        let mut out = std::io::stdout();
        write_loop(Path::new(&path), u64::MAX, |n| {
            writeln!(out, "registered {n}").unwrap();
            out.flush().unwrap();
        });
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bounded.db");
    assert_eq!(write_loop(&path, 12, |_| ()), 12);
    check_consistent(&path, 12);
}

#[test]
fn sigkill_mid_write_leaves_every_version_whole_or_absent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash::crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut last = 0;
    for line in BufReader::new(stdout).lines() {
        if let Some(n) = line.unwrap().strip_prefix("registered ") {
            last = n.trim().parse::<u64>().unwrap();
            if last >= 40 {
                break;
            }
        }
    }
    assert!(last >= 40, "the child stopped after {last} registrations");
    child.kill().unwrap(); // SIGKILL on Unix: no destructors, no rollback, mid-transaction.
    child.wait().unwrap();
    check_consistent(&path, last);
}

/// After reopening: every version's artifact is present and hashes right, versions are
/// numbered without gaps, no alias points at a missing version, and each alias's history
/// chains from nothing to its current holder.
fn check_consistent(path: &Path, at_least: u64) {
    let db = Registry::open(path, Arc::new(ManualClock::new(start())), Arc::new(NoAudit)).unwrap();
    assert_eq!(db.verify().unwrap(), Vec::<String>::new());
    let reg = db.tenant(&tenant("acme"));
    let mut total = 0;
    for name in MODELS {
        let versions = reg.versions(name).unwrap();
        for (i, v) in versions.iter().enumerate() {
            assert_eq!(v.version as usize, i + 1, "{name}: versions numbered without gaps");
            let loaded = reg.load(&ModelRef::Version { name: name.into(), version: v.version }).unwrap();
            assert_eq!(artifact_sha256(&loaded).unwrap(), v.artifact_sha256);
        }
        total += versions.len() as u64;
        let aliases = reg.aliases(name).unwrap();
        for (alias, version) in &aliases {
            assert!(*version as usize <= versions.len(), "{name}@{alias} -> {version} exists");
            let history = reg.alias_history(name, alias).unwrap();
            assert_eq!(history.last().unwrap().to, Some(*version));
            assert_eq!(history[0].from, None);
            for w in history.windows(2) {
                assert_eq!(w[0].to, w[1].from, "{name}@{alias} history chains");
            }
        }
        assert!(aliases.contains_key("champion") || versions.is_empty());
    }
    println!("crash check: {total} versions on disk, {at_least} reported committed before the kill");
    // Everything the writer reported as committed survived the kill.
    assert!(total >= at_least, "{total} versions on disk, {at_least} reported committed");
}
