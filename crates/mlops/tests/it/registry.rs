use super::{artifact, memory_registry, start};
use chrono::TimeDelta;
use forecast_core::{DataFingerprint, ModelRef, ModelStore, NewModelVersion};
use forecast_mlops::MlopsError;
use forecast_mlops::registry::artifact_sha256;
use ndarray::array;

fn r(s: &str) -> ModelRef {
    s.parse().unwrap()
}

#[test]
fn versions_are_numbered_per_name_and_content_addressed() {
    let (reg, clock, _) = memory_registry();
    let mut new = NewModelVersion::new("demand", artifact(1, 3), "ana");
    new.params.insert("objective".into(), "tweedie".into());
    new.metrics.insert("wape".into(), 0.21);
    new.feature_names = vec!["lag_7".into(), "price".into(), "promo".into()];
    new.data = Some(DataFingerprint { sha256: "ab".repeat(32), rows: 36_500, start: None, end: None });
    new.tags.insert("team".into(), "supply".into());
    let v1 = reg.register(new.clone()).unwrap();
    clock.advance(TimeDelta::minutes(5));
    let mut second = new.clone();
    second.parent = Some(1);
    let v2 = reg.register(second).unwrap();
    let other = reg.register(NewModelVersion::new("returns", artifact(1, 3), "bo")).unwrap();
    assert_eq!((v1.version, v2.version, other.version), (1, 2, 1));
    // Same bytes, same address: the artifact is stored once and shared.
    assert_eq!(v1.artifact_sha256, artifact_sha256(&artifact(1, 3)).unwrap());
    assert_eq!(v1.artifact_sha256, v2.artifact_sha256);
    assert_eq!(v2.parent, Some(1));
    assert_eq!(v2.created_at, start() + TimeDelta::minutes(5));
    assert_eq!(v1.params["objective"], "tweedie");
    assert_eq!(v1.metrics["wape"], 0.21);
    assert_eq!(v1.data.as_ref().unwrap().rows, 36_500);
    assert!(v1.library_version.starts_with("forecast-mlops "));
    assert_eq!(reg.resolve(&r("demand@2")).unwrap(), v2);
    assert_eq!(reg.versions("demand").unwrap(), vec![v1, v2]);
    assert_eq!(reg.models().unwrap(), vec!["demand".to_string(), "returns".to_string()]);
}

#[test]
fn rejects_bad_input_and_unknown_references() {
    let (reg, _, _) = memory_registry();
    let bad = reg.register(NewModelVersion::new("de mand", artifact(1, 2), "ana")).unwrap_err();
    assert!(matches!(bad, MlopsError::InvalidName { what: "model name", .. }), "{bad}");
    let mut nan = NewModelVersion::new("demand", artifact(1, 2), "ana");
    nan.metrics.insert("wape".into(), f64::NAN);
    assert!(matches!(reg.register(nan).unwrap_err(), MlopsError::InvalidInput(_)));
    let mut orphan = NewModelVersion::new("demand", artifact(1, 2), "ana");
    orphan.parent = Some(4);
    assert!(reg.register(orphan).is_err());
    reg.register(NewModelVersion::new("demand", artifact(1, 2), "ana")).unwrap();
    for missing in ["demand@2", "demand@champion", "nothing@1"] {
        let err = reg.resolve(&r(missing)).unwrap_err();
        assert!(matches!(err, MlopsError::Core(forecast_core::Error::NotFound { .. })), "{missing}: {err}");
    }
    assert!(matches!(reg.set_alias("demand", "2nd", 1, "ana", "x").unwrap_err(), MlopsError::InvalidName { .. }));
    assert!(reg.set_alias("demand", "champion", 9, "ana", "x").is_err());
    assert!(reg.rollback("demand", "champion", "ana", "x").is_err());
    assert!(reg.remove_alias("demand", "champion", "ana", "x").is_err());
}

#[test]
fn loads_a_ready_predictor_by_alias() {
    let (reg, _, _) = memory_registry();
    reg.register(NewModelVersion::new("demand", artifact(1, 2), "ana")).unwrap();
    reg.register(NewModelVersion::new("demand", artifact(2, 2), "ana")).unwrap();
    reg.set_alias("demand", "champion", 2, "ana", "best backtest").unwrap();
    assert_eq!(reg.load(&r("demand@champion")).unwrap(), artifact(2, 2));
    let model = reg.load_predictor(&r("demand@champion")).unwrap();
    let expected = artifact(2, 2).into_predictor().unwrap().predict(array![[1.0, 2.0], [0.5, -1.0]].view()).unwrap();
    assert_eq!(model.predict(array![[1.0, 2.0], [0.5, -1.0]].view()).unwrap(), expected);
}

#[test]
fn alias_history_answers_which_version_held_an_alias_on_a_date() {
    let (reg, clock, audit) = memory_registry();
    for seed in 1..=3 {
        reg.register(NewModelVersion::new("demand", artifact(seed, 2), "ana")).unwrap();
    }
    let t0 = start();
    clock.set(t0 + TimeDelta::days(1));
    reg.set_alias("demand", "champion", 1, "ana", "first release").unwrap();
    clock.set(t0 + TimeDelta::days(10));
    reg.set_alias("demand", "champion", 3, "bo", "better WAPE").unwrap();
    clock.set(t0 + TimeDelta::days(12));
    let back = reg.rollback("demand", "champion", "cy", "stock-outs after release").unwrap();
    assert_eq!((back.from, back.to), (Some(3), Some(1)));
    clock.set(t0 + TimeDelta::days(20));
    reg.set_alias("demand", "challenger", 2, "ana", "shadow test").unwrap();
    reg.remove_alias("demand", "challenger", "ana", "test over").unwrap();

    let store: &dyn ModelStore = &reg;
    let at = |days: i64| store.alias_at("demand", "champion", t0 + TimeDelta::days(days)).unwrap();
    assert_eq!(
        [at(0), at(1), at(5), at(10), at(11), at(12), at(30)],
        [None, Some(1), Some(1), Some(3), Some(3), Some(1), Some(1)]
    );
    assert_eq!(reg.alias_at("demand", "challenger", t0 + TimeDelta::days(21)).unwrap(), None);
    let history = store.alias_history("demand", "champion").unwrap();
    let moves: Vec<_> = history.iter().map(|m| (m.from, m.to, m.actor.as_str())).collect();
    assert_eq!(moves, [(None, Some(1), "ana"), (Some(1), Some(3), "bo"), (Some(3), Some(1), "cy")]);
    assert_eq!(history[2].reason, "stock-outs after release");
    assert_eq!(reg.model_history("demand").unwrap().len(), 5);
    assert_eq!(reg.aliases("demand").unwrap().into_iter().collect::<Vec<_>>(), [("champion".to_string(), 1)]);
    // Every state change was audited: 3 registrations, 3 champion moves, 2 challenger moves.
    let actions: Vec<String> = audit.events().into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            "model.register",
            "model.register",
            "model.register",
            "model.alias.set",
            "model.alias.set",
            "model.alias.rollback",
            "model.alias.set",
            "model.alias.remove"
        ]
    );
}

#[test]
fn archived_versions_resolve_but_take_no_alias() {
    let (reg, _, audit) = memory_registry();
    reg.register(NewModelVersion::new("demand", artifact(1, 2), "ana")).unwrap();
    reg.register(NewModelVersion::new("demand", artifact(2, 2), "ana")).unwrap();
    reg.set_alias("demand", "champion", 1, "ana", "x").unwrap();
    let held = reg.archive("demand", 1, "ana", "old").unwrap_err();
    assert!(matches!(held, MlopsError::AliasHeld { version: 1, ref alias, .. } if alias == "champion"), "{held}");
    reg.set_alias("demand", "champion", 2, "ana", "x").unwrap();
    assert!(reg.archive("demand", 1, "ana", "old").unwrap().archived);
    assert!(reg.resolve(&r("demand@1")).unwrap().archived);
    assert_eq!(reg.load(&r("demand@1")).unwrap(), artifact(1, 2));
    assert!(matches!(reg.set_alias("demand", "shadow", 1, "ana", "x").unwrap_err(), MlopsError::Archived { .. }));
    assert!(matches!(reg.rollback("demand", "champion", "ana", "x").unwrap_err(), MlopsError::Archived { .. }));
    assert_eq!(audit.events().last().unwrap().action, "model.archive");
}

#[test]
fn a_failing_audit_sink_rolls_the_change_back() {
    #[derive(Debug)]
    struct Refuse;
    impl forecast_core::AuditSink for Refuse {
        fn record(&self, _: forecast_core::AuditEvent) -> forecast_core::Result<()> {
            Err(forecast_core::Error::InvalidData("audit log offline".into()))
        }
    }
    let clock = std::sync::Arc::new(forecast_core::ManualClock::new(start()));
    let reg = forecast_mlops::Registry::open_in_memory(clock, std::sync::Arc::new(Refuse))
        .unwrap()
        .tenant(&super::tenant("acme"));
    assert!(reg.register(NewModelVersion::new("demand", artifact(1, 2), "ana")).is_err());
    assert!(reg.versions("demand").unwrap().is_empty());
}

#[test]
fn survives_reopening_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.db");
    let (clock, audit) =
        (std::sync::Arc::new(forecast_core::ManualClock::new(start())), std::sync::Arc::new(forecast_core::NoAudit));
    {
        let reg =
            forecast_mlops::Registry::open(&path, clock.clone(), audit.clone()).unwrap().tenant(&super::tenant("acme"));
        reg.register(NewModelVersion::new("demand", artifact(5, 4), "ana")).unwrap();
        reg.set_alias("demand", "champion", 1, "ana", "x").unwrap();
    }
    let reg = forecast_mlops::Registry::open(&path, clock, audit).unwrap().tenant(&super::tenant("acme"));
    assert_eq!(reg.load(&r("demand@champion")).unwrap(), artifact(5, 4));
    assert_eq!(reg.alias_history("demand", "champion").unwrap().len(), 1);
}
