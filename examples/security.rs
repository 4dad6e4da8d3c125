//! Login, a denied rollback, an allowed one, and an audit check that catches a tampered row.
//!
//! Run with `cargo run --example security`.

use forecast::core::model::{LinearModel, Link};
use forecast::core::{Clock, ManualClock, ModelArtifact, ModelStore, NewModelVersion, SystemClock};
use forecast::mlops::Registry;
use forecast::security::{
    Assignment, AuditLog, AuditQuery, Domain, GuardedModelStore, Resource, Scope, Security, SecurityConfig,
    Verification,
};
use std::sync::Arc;

fn model() -> ModelArtifact {
    ModelArtifact::Linear(LinearModel {
        coefficients: vec![0.8],
        intercept: 2.0,
        impute: vec![0.0],
        link: Link::Identity,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let audit = Arc::new(AuditLog::open(dir.path().join("audit.db"))?);
    // Real OWASP Argon2id parameters: each hash takes tens of milliseconds, by design.
    let security = Arc::new(
        Security::open(dir.path().join("security.db"), clock.clone(), SecurityConfig::default())?
            .with_audit(audit.clone()),
    );

    let acme = Domain::tenant("acme");
    security.create_user("ana", "orange kettle drifting north")?;
    security.assign_role("ana", &Assignment::new("analyst", acme.clone(), Scope::regions(["North"])))?;
    security.create_user("max", "seven lanterns over the harbour")?;
    security.assign_role("max", &Assignment::new("manager", acme, Scope::all()))?;

    println!("== login");
    match security.login("ana", "wrong password, twice") {
        Err(e) => println!("ana, wrong password: {e}"),
        Ok(_) => return Err("a wrong password was accepted".into()),
    }
    match security.login("nobody", "wrong password, twice") {
        Err(e) => println!("unknown user:        {e}  (same message, same Argon2 work)"),
        Ok(_) => return Err("an unknown user logged in".into()),
    }
    let (ana, token) = security.login("ana", "orange kettle drifting north")?;
    println!(
        "ana logged in: session {}, token of {} hex digits (only its SHA-256 is stored)",
        ana.id,
        token.expose().len()
    );
    let (max, _) = security.login("max", "seven lanterns over the harbour")?;

    // The SQLite registry of forecast-mlops, auditing into the same hash-chained log.
    let registry = Arc::new(Registry::open_in_memory(clock.clone(), audit.clone())?);
    let north = Resource::tenant("acme").region("North");
    let as_ana = GuardedModelStore::new(registry.clone(), security.clone(), audit.clone(), ana, north.clone());
    let as_max = GuardedModelStore::new(registry, security.clone(), audit.clone(), max, north);
    as_ana.register(NewModelVersion::new("demand", model(), "ana"))?;
    as_ana.register(NewModelVersion::new("demand", model(), "ana"))?;
    as_max.set_alias("demand", "champion", 1, "max", "first champion")?;
    as_max.set_alias("demand", "champion", 2, "max", "better backtest WAPE")?;

    println!("\n== rollback of demand@champion");
    match as_ana.rollback("demand", "champion", "ana", "v2 looks off") {
        Err(e) => println!("ana (analyst): {e}"),
        Ok(_) => return Err("an analyst rolled back a model".into()),
    }
    let back = as_max.rollback("demand", "champion", "max", "v2 over-forecasts promotions")?;
    println!("max (manager): champion moved from v{:?} back to v{:?}", back.from.unwrap_or(0), back.to.unwrap_or(0));

    println!("\n== audit trail of model operations");
    for r in audit.query(&AuditQuery::new().action("model.*"))? {
        let e = &r.event;
        println!("#{:<2} {:<4} {:<20} {:<16} {}", r.seq, e.actor, e.action, e.target, e.outcome.as_str());
    }
    let head = audit.head()?.ok_or("empty audit log")?;
    println!("verify: {:?}", audit.verify()?);
    println!("head to anchor elsewhere: #{} {}", head.seq, head.hash);

    println!("\n== someone with file access hides ana's denied rollback");
    let denied = audit.query(&AuditQuery::new().actor("ana").action("model.rollback"))?;
    let seq = denied.first().ok_or("no denied rollback recorded")?.seq;
    let raw = rusqlite::Connection::open(dir.path().join("audit.db"))?;
    raw.execute_batch("DROP TRIGGER audit_no_update;")?;
    raw.execute(
        "UPDATE audit_log SET outcome = 'success', event = replace(event, '\"denied\"', '\"success\"') WHERE seq = ?1",
        [seq as i64],
    )?;
    match audit.verify()? {
        Verification::Tampered { seq, problem } => println!("verify: tampering found at row #{seq}: {problem:?}"),
        Verification::Intact { .. } => return Err("tampering went unnoticed".into()),
    }
    Ok(())
}
