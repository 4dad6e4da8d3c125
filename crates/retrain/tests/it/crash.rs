//! kill -9 in the middle of a job: the test binary re-runs itself as a child that runs a job
//! against an on-disk SQLite registry and journal, says on stdout when it reached the chosen
//! point and then blocks on stdin; the parent kills it with SIGKILL there (no sleeps), checks
//! that the registry holds a complete state, and resumes the job to completion.

use crate::sqlite_store::SqliteStore;
use crate::support::{Allow, artifact};
use forecast_core::{ManualClock, MemoryAuditSink, ModelStore, NewModelVersion};
use forecast_retrain::{Decision, Job, Journal, Promoter, PromotionPolicy, Step, compare};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

const DIR: &str = "FORECAST_RETRAIN_CRASH_DIR";
const PAUSE: &str = "FORECAST_RETRAIN_CRASH_PAUSE";
const MARK: &str = "RETRAIN-PAUSED";

/// In a child: announce the point and block until killed. Elsewhere: nothing.
fn pause_at(point: &str, pause: Option<&str>) {
    if pause == Some(point) {
        // Straight to the file descriptor: the test harness captures `println!`.
        let mut out = std::io::stdout().lock();
        writeln!(out, "{MARK} {point}").unwrap();
        out.flush().unwrap();
        drop(out);
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        panic!("the parent closed stdin instead of killing the child at {point}");
    }
}

fn seed_registry(dir: &Path) {
    let store = SqliteStore::open(&dir.join("registry.db"));
    store.register(NewModelVersion::new("demand", artifact(1.0), "seed")).unwrap();
    store.set_alias("demand", "champion", 1, "seed", "initial").unwrap();
}

/// One job: search, register the challenger, compare it, promote it; pausing at `pause`.
fn run_job(dir: &Path, pause: Option<&str>) -> forecast_retrain::Result<()> {
    let store = SqliteStore::open(&dir.join("registry.db"));
    let mut journal = Journal::open(dir.join("jobs.jsonl"))?;
    let mut job = Job::new("job-2026-03-02", &mut journal);
    let mut progress = |_| {};
    job.step(Step::Search, &mut progress, |_| Ok(json!({"best": {"leaves": 31}})))?;
    let registered = job.step(Step::Register, &mut progress, |_| {
        let v = store.register(NewModelVersion::new("demand", artifact(2.0), "job"))?;
        Ok(json!({"version": v.version}))
    })?;
    pause_at("after_register", pause);
    let champion: Vec<f64> = (0..30).map(|t| 10.0 + (t % 4) as f64).collect();
    let challenger: Vec<f64> = champion.iter().enumerate().map(|(t, l)| l - 2.0 + 0.1 * (t % 3) as f64).collect();
    let compared = job.step(Step::Compare, &mut progress, |_| {
        let c = compare(&champion, &challenger, &PromotionPolicy::default(), 0)?;
        Ok(serde_json::to_value(c).unwrap())
    })?;
    assert_eq!(compared["decision"], json!(Decision::Promote));
    let version = registered["version"].as_u64().unwrap() as u32;
    let (clock, audit, allow) = (ManualClock::new(chrono::DateTime::UNIX_EPOCH), MemoryAuditSink::new(), Allow(true));
    job.step(Step::Promote, &mut progress, |_| {
        let p = Promoter { store: &store, permission: &allow, audit: &audit, clock: &clock };
        let m = p.promote("demand", "champion", version, &compared.to_string())?;
        pause_at("after_alias_move", pause);
        Ok(json!({"to": m.to}))
    })?;
    Ok(())
}

/// The child's entry point (and, run on its own, a job on disk that completes).
#[test]
fn a_job_on_disk_runs_to_completion() {
    match std::env::var_os(DIR) {
        Some(dir) => {
            let pause = std::env::var(PAUSE).ok();
            run_job(Path::new(&dir), pause.as_deref()).unwrap();
        }
        None => {
            let dir = tempfile::tempdir().unwrap();
            seed_registry(dir.path());
            run_job(dir.path(), None).unwrap();
            let store = SqliteStore::open(&dir.path().join("registry.db"));
            assert_eq!((store.alias("demand", "champion"), store.n_versions("demand")), (Some(2), 2));
        }
    }
}

#[cfg(unix)]
#[test]
fn a_kill_9_mid_job_leaves_nothing_half_promoted_and_the_job_resumes() {
    use std::os::unix::process::ExitStatusExt;
    for (point, alias_after_kill) in [("after_register", 1), ("after_alias_move", 2)] {
        let dir = tempfile::tempdir().unwrap();
        seed_registry(dir.path());
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["crash::a_job_on_disk_runs_to_completion", "--exact", "--nocapture", "--test-threads=1"])
            .env(DIR, dir.path())
            .env(PAUSE, point)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reached =
            BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.ends_with(&format!("{MARK} {point}")));
        assert!(reached, "the child never reached {point}");
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "{point}: {status}");

        // The registry is at a committed state: the alias either never moved or fully moved,
        // and it points at a registered version.
        let store = SqliteStore::open(&dir.path().join("registry.db"));
        assert_eq!(store.alias("demand", "champion"), Some(alias_after_kill), "{point}");
        assert_eq!(store.n_versions("demand"), 2, "{point}: the challenger is registered once");
        let history = store.alias_history("demand", "champion").unwrap();
        assert_eq!(history.len(), alias_after_kill as usize, "{point}");
        let journal = Journal::open(dir.path().join("jobs.jsonl")).unwrap();
        assert!(journal.finished("job-2026-03-02", Step::Promote).is_none(), "{point}");

        // Resume: finished steps are not redone, the alias ends on the challenger, moved once.
        run_job(dir.path(), None).unwrap();
        assert_eq!(store.alias("demand", "champion"), Some(2), "{point}");
        assert_eq!(store.n_versions("demand"), 2, "{point}: no second registration");
        assert_eq!(store.alias_history("demand", "champion").unwrap().len(), 2, "{point}: one promotion");
        let journal = Journal::open(dir.path().join("jobs.jsonl")).unwrap();
        assert!(Step::ALL.iter().all(|s| journal.finished("job-2026-03-02", *s).is_some()));
        // Running the finished job again changes nothing.
        run_job(dir.path(), None).unwrap();
        assert_eq!(store.alias_history("demand", "champion").unwrap().len(), 2);
    }
}
