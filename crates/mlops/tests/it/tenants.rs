//! Hole 1 at the registry: rows carry their tenant and every read and write is scoped by it.
//! Two tenants use the same model names, aliases, experiment names and guess each other's run
//! ids; neither sees, moves or shares anything of the other's.

use super::{artifact, memory_db, tenant};
use forecast_core::tracking::{RunStatus, RunTrackers};
use forecast_core::{Error, ModelRef, ModelStore, ModelStores, NewModelVersion};
use forecast_mlops::MlopsError;

fn not_found(e: &MlopsError) -> bool {
    matches!(e, MlopsError::Core(Error::NotFound { .. }))
}

#[test]
fn tenants_have_their_own_version_sequences_aliases_and_histories() {
    let (db, _, audit) = memory_db();
    let (acme, globex) = (db.tenant(&tenant("acme")), db.tenant(&tenant("globex")));
    acme.register(NewModelVersion::new("demand", artifact(1, 2), "ana")).unwrap();
    acme.register(NewModelVersion::new("demand", artifact(2, 2), "ana")).unwrap();
    let g1 = globex.register(NewModelVersion::new("demand", artifact(3, 2), "gus")).unwrap();
    assert_eq!(g1.version, 1, "globex's demand starts at 1 whatever acme registered");
    acme.set_alias("demand", "champion", 2, "ana", "best").unwrap();

    // globex cannot see acme's version 2, its alias or its history.
    let champion: ModelRef = "demand@champion".parse().unwrap();
    assert!(not_found(&globex.resolve(&"demand@2".parse().unwrap()).unwrap_err()));
    assert!(not_found(&globex.resolve(&champion).unwrap_err()));
    assert!(not_found(&globex.load(&champion).unwrap_err()));
    assert!(globex.alias_history("demand", "champion").unwrap().is_empty());
    assert!(globex.aliases("demand").unwrap().is_empty());
    // Nor move or roll it back: the alias move of globex touches only globex's demand.
    assert!(not_found(&globex.set_alias("demand", "champion", 2, "gus", "hijack").unwrap_err()));
    assert!(not_found(&globex.rollback("demand", "champion", "gus", "hijack").unwrap_err()));
    globex.set_alias("demand", "champion", 1, "gus", "own").unwrap();
    assert_eq!(acme.resolve(&champion).unwrap().version, 2);
    assert_eq!(acme.load(&champion).unwrap(), artifact(2, 2));
    assert_eq!(globex.load(&champion).unwrap(), artifact(3, 2));
    assert_eq!(acme.alias_history("demand", "champion").unwrap().len(), 1);
    assert_eq!(acme.versions("demand").unwrap().len(), 2);
    assert_eq!(globex.models().unwrap(), ["demand"]);
    // Identical artifact bytes are stored once per tenant, not shared across tenants.
    let same = globex.register(NewModelVersion::new("demand", artifact(1, 2), "gus")).unwrap();
    assert_eq!(globex.load(&"demand@2".parse().unwrap()).unwrap(), artifact(1, 2));
    assert_eq!(same.version, 2);
    // Every audit row names its tenant.
    assert!(audit.events().iter().all(|e| e.tenant.is_some()));
    assert!(db.verify().unwrap().is_empty());
}

#[test]
fn the_model_stores_port_hands_out_one_tenant_per_store() {
    let (db, _, _) = memory_db();
    let acme: std::sync::Arc<dyn ModelStore> = db.models(&tenant("acme")).unwrap();
    let globex = db.models(&tenant("globex")).unwrap();
    acme.register(NewModelVersion::new("demand", artifact(1, 2), "ana")).unwrap();
    assert!(globex.resolve(&"demand@1".parse().unwrap()).is_err());
    assert_eq!(db.tenant(&tenant("acme")).versions("demand").unwrap().len(), 1);
}

#[test]
fn runs_and_experiments_are_scoped_by_tenant() {
    let (db, _, _) = memory_db();
    let acme = db.runs(&tenant("acme")).unwrap();
    let globex = db.runs(&tenant("globex")).unwrap();
    let run = acme.start_run("demand", "trial", None, "ana").unwrap();
    acme.log_metric(run, "wape", 0.2, 0, "ana").unwrap();
    acme.log_artifact(run, "plot.svg", b"<svg/>", "ana").unwrap();
    // globex guesses acme's run id: every read and write is refused as not found.
    assert!(matches!(globex.run(run), Err(Error::NotFound { .. })));
    assert!(globex.metric_history(run, "wape").is_err());
    assert!(globex.artifact(run, "plot.svg").is_err());
    assert!(globex.log_metric(run, "wape", 0.01, 1, "gus").is_err());
    assert!(globex.log_param(run, "objective", "l2", "gus").is_err());
    assert!(globex.set_tag(run, "stage", "x", "gus").is_err());
    assert!(globex.log_artifact(run, "plot.svg", b"forged", "gus").is_err());
    assert!(globex.end_run(run, RunStatus::Killed, "gus").is_err());
    assert!(globex.start_run("demand", "child", Some(run), "gus").is_err(), "no parent across tenants");
    // The same experiment name is a different experiment in each tenant.
    assert!(globex.search("demand", "").is_err());
    globex.start_run("demand", "own", None, "gus").unwrap();
    assert_eq!(globex.search("demand", "").unwrap().len(), 1);
    assert_eq!(acme.search("demand", "").unwrap().len(), 1);
    assert_eq!(acme.run(run).unwrap().metrics["wape"], 0.2);
    assert_eq!(acme.run(run).unwrap().status, RunStatus::Running);
    assert_eq!(globex.experiments().unwrap().len(), 1);
}
