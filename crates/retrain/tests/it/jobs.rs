use crate::support::{Allow, MemStore, artifact};
use forecast_core::{ManualClock, MemoryAuditSink, ModelStore, NewModelVersion};
use forecast_retrain::{Job, Journal, Promoter, RetrainError, Step};
use serde_json::json;

/// One retraining job: search, register, compare, promote. `crash_after` makes the process
/// "die" (return early, dropping everything in memory) right after that step.
fn run_job(
    store: &MemStore,
    journal_path: &std::path::Path,
    id: &str,
    crash_after: Option<Step>,
    work_done: &mut Vec<Step>,
) -> forecast_retrain::Result<()> {
    let mut journal = Journal::open(journal_path)?;
    let mut job = Job::new(id, &mut journal);
    let crash =
        |s: Step| if crash_after == Some(s) { Err(RetrainError::Search("simulated crash".into())) } else { Ok(()) };
    let mut seen = Vec::new();
    let mut progress = |p: forecast_retrain::JobProgress| seen.push((p.step, p.resumed));
    job.step(Step::Search, &mut progress, |_| {
        work_done.push(Step::Search);
        Ok(json!({"best": {"leaves": 31}}))
    })?;
    crash(Step::Search)?;
    let registered = job.step(Step::Register, &mut progress, |_| {
        work_done.push(Step::Register);
        let v = store.register(NewModelVersion::new("demand", artifact(2.0), "job"))?;
        Ok(json!({"version": v.version}))
    })?;
    crash(Step::Register)?;
    job.step(Step::Compare, &mut progress, |_| {
        work_done.push(Step::Compare);
        Ok(json!({"decision": "promote"}))
    })?;
    crash(Step::Compare)?;
    let version = registered["version"].as_u64().unwrap() as u32;
    let clock = ManualClock::new(chrono::DateTime::UNIX_EPOCH);
    let audit = MemoryAuditSink::new();
    let allow = Allow(true);
    job.step(Step::Promote, &mut progress, |j| {
        work_done.push(Step::Promote);
        let p = Promoter { store, permission: &allow, audit: &audit, clock: &clock };
        let m = p.promote("demand", "champion", version, &format!("job {}", j.id()))?;
        Ok(json!({"to": m.to}))
    })?;
    Ok(())
}

#[test]
fn a_crash_between_steps_leaves_nothing_half_promoted_and_the_job_resumes() {
    for crash in [Step::Search, Step::Register, Step::Compare] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.jsonl");
        let store = MemStore::default();
        store.register(NewModelVersion::new("demand", artifact(1.0), "seed")).unwrap();
        store.set_alias("demand", "champion", 1, "seed", "initial").unwrap();
        let mut work = Vec::new();
        assert!(run_job(&store, &path, "job-1", Some(crash), &mut work).is_err());
        assert_eq!(store.alias("demand", "champion"), Some(1), "crash after {crash:?}");
        // Resume: finished steps are not run again (no second registration), the alias moves once.
        let mut resumed = Vec::new();
        run_job(&store, &path, "job-1", None, &mut resumed).unwrap();
        assert!(!resumed.contains(&crash), "{crash:?} ran twice");
        assert_eq!(store.versions.lock().unwrap().len(), 2, "one challenger registered");
        assert_eq!(store.alias("demand", "champion"), Some(2));
        // The same job id again is a no-op.
        let mut again = Vec::new();
        run_job(&store, &path, "job-1", None, &mut again).unwrap();
        assert!(again.is_empty());
        assert_eq!(store.alias_history("demand", "champion").unwrap().len(), 2);
    }
}

#[test]
fn a_torn_last_journal_line_is_ignored_but_a_corrupt_one_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let mut j = Journal::open(&path).unwrap();
    j.record(forecast_retrain::StepRecord { job: "a".into(), step: Step::Search, output: json!(1) }).unwrap();
    drop(j);
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{good}{{\"job\":\"a\",\"st")).unwrap();
    let j = Journal::open(&path).unwrap();
    assert_eq!(j.finished("a", Step::Search), Some(&json!(1)));
    std::fs::write(&path, format!("garbage\n{good}")).unwrap();
    let err = Journal::open(&path).unwrap_err().to_string();
    assert!(err.contains("line 1"), "{err}");
}
