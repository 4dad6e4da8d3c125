use crate::support::{Allow, MemStore, artifact};
use forecast_core::{AuditOutcome, ManualClock, MemoryAuditSink, ModelStore, NewModelVersion};
use forecast_retrain::trigger::DecayTrigger;
use forecast_retrain::{Decision, Promoter, PromotionPolicy, RollbackGuard, compare};

fn losses(n: usize, level: f64, wiggle: f64) -> Vec<f64> {
    (0..n).map(|t| level + wiggle * ((t * 7 % 11) as f64 - 5.0)).collect()
}

#[test]
fn promotion_needs_margin_and_significance() {
    let p = PromotionPolicy::default();
    let champion = losses(40, 10.0, 1.0);
    // Clearly better: promoted.
    let better: Vec<f64> = champion.iter().enumerate().map(|(t, l)| l - 2.0 + 0.3 * ((t % 3) as f64)).collect();
    let c = compare(&champion, &better, &p, 0).unwrap();
    assert_eq!(c.decision, Decision::Promote, "{}", c.reason);
    assert!(c.test.p_value < 0.05);
    // 1% better, very consistently: significant but below the 2% margin.
    let tiny: Vec<f64> = champion.iter().enumerate().map(|(t, l)| l * 0.99 + 0.001 * (t % 2) as f64).collect();
    assert_eq!(compare(&champion, &tiny, &p, 0).unwrap().decision, Decision::Keep);
    // 5% better on average but noisy: not significant.
    let noisy: Vec<f64> =
        champion.iter().enumerate().map(|(t, l)| l - 0.5 + if t % 2 == 0 { 6.0 } else { -6.0 }).collect();
    let c = compare(&champion, &noisy, &p, 0).unwrap();
    assert_eq!(c.decision, Decision::Keep, "{}", c.reason);
    // Shadow mode: better and significant, but only 3 of 7 shadow periods scored.
    let shadow = PromotionPolicy { shadow_periods: 7, ..p.clone() };
    assert_eq!(compare(&champion, &better, &shadow, 3).unwrap().decision, Decision::Shadow);
    assert_eq!(compare(&champion, &better, &shadow, 7).unwrap().decision, Decision::Promote);
    assert!(compare(&champion, &better[..39], &p, 0).is_err());
    // The champion against itself: kept, with no evidence either way.
    let same = compare(&champion, &champion, &p, 0).unwrap();
    assert_eq!((same.decision, same.test.p_value, same.improvement), (Decision::Keep, 1.0, 0.0), "{}", same.reason);
}

#[test]
fn promotion_and_rollback_go_through_the_ports_and_are_audited() {
    let store = MemStore::default();
    let clock = ManualClock::new(chrono::DateTime::UNIX_EPOCH);
    let audit = MemoryAuditSink::new();
    for w in [1.0, 2.0] {
        store.register(NewModelVersion::new("demand", artifact(w), "test")).unwrap();
    }
    let allow = Allow(true);
    let promoter = Promoter { store: &store, permission: &allow, audit: &audit, clock: &clock };
    promoter.promote("demand", "champion", 1, "initial").unwrap();
    let m = promoter.promote("demand", "champion", 2, "{\"dm_p\":0.01}").unwrap();
    assert_eq!((m.from, m.to, m.reason.as_str()), (Some(1), Some(2), "{\"dm_p\":0.01}"));
    // Promoting the holder again (a resumed job) moves nothing and audits nothing.
    assert_eq!(promoter.promote("demand", "champion", 2, "again").unwrap(), m);
    assert_eq!(store.alias_history("demand", "champion").unwrap().len(), 2);
    // Production decays after the promotion: the guard asks for a rollback.
    let guard =
        RollbackGuard { version: 2, decay: DecayTrigger { window: 7, min_points: 7, ..DecayTrigger::wape(0.1) } };
    let actual = [10.0; 7];
    assert!(guard.check(&actual, &[11.0; 7], &clock).unwrap().is_none());
    let why = guard.check(&actual, &[13.0; 7], &clock).unwrap().unwrap();
    promoter.rollback("demand", "champion", &why).unwrap();
    assert_eq!(store.alias("demand", "champion"), Some(1));
    // Denied: nothing moves and the denial is audited.
    let deny = Allow(false);
    let denied = Promoter { permission: &deny, ..promoter };
    assert!(denied.promote("demand", "champion", 2, "x").is_err());
    assert_eq!(store.alias("demand", "champion"), Some(1));
    let events = audit.events();
    let outcomes: Vec<_> = events.iter().map(|e| (e.action.as_str(), e.outcome)).collect();
    assert_eq!(
        outcomes,
        vec![
            ("promote_model", AuditOutcome::Success),
            ("promote_model", AuditOutcome::Success),
            ("rollback_model", AuditOutcome::Success),
            ("promote_model", AuditOutcome::Denied),
        ]
    );
    assert_eq!(events[2].details["reason"], why);
}
