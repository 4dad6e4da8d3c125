//! The wired path: tenancy in front of security in front of the registry, in one SQLite file.
//! Logins, a denied and an allowed rollback, a cross-tenant attempt, a suspended tenant, the
//! audit trail read per tenant, and an audit check that catches a rewritten and a truncated log.
//!
//! Run with `cargo run --example security`.

use forecast::core::model::{LinearModel, Link};
use forecast::core::tenant::TenantId;
use forecast::core::{Clock, ManualClock, ModelArtifact, ModelStore, NewModelVersion, SystemClock};
use forecast::mlops::Registry;
use forecast::security::{
    Assignment, AuditKey, AuditLog, AuditQuery, Domain, Scope, Security, SecurityConfig, Verification,
};
use forecast::tenancy::{MeteredModels, NewTenant, TenantStore};
use std::sync::Arc;

fn model(w: f64) -> ModelArtifact {
    ModelArtifact::Linear(LinearModel {
        coefficients: vec![w],
        intercept: 2.0,
        impute: vec![0.0],
        link: Link::Identity,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("forecast.db");
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    // The audit key lives outside the database (a secret manager); without it the chain
    // cannot be recomputed.
    let key = AuditKey::generate()?;
    let audit = Arc::new(AuditLog::open(&path, key.clone())?);
    let tenants = Arc::new(TenantStore::open(&path, clock.clone(), audit.clone())?);
    // Real OWASP Argon2id parameters: each hash takes tens of milliseconds, by design.
    let security =
        Arc::new(Security::open(&path, clock.clone(), tenants.clone(), audit.clone(), SecurityConfig::default())?);
    let registry = Registry::open(&path, clock.clone(), audit.clone())?;
    let models = MeteredModels::new(tenants.clone(), Arc::new(registry.clone()));

    println!("== setup by the platform operator");
    security.bootstrap_admin("ops", "seven lanterns over the harbour")?;
    let (ops, _) = security.login("ops", "seven lanterns over the harbour")?;
    let operator = security.operator(&ops);
    let (acme, globex) = (TenantId::new("acme")?, TenantId::new("globex")?);
    tenants.create_tenant(NewTenant::new("acme", "Acme Retail", "pro")?, &operator)?;
    tenants.create_tenant(NewTenant::new("globex", "Globex Stores", "pro")?, &operator)?;
    let grant = |user: &str, role: &str, tenant: &TenantId| -> Result<(), Box<dyn std::error::Error>> {
        security.create_user(&ops, user, "orange kettle drifting north")?;
        security.assign_role(&ops, user, &Assignment::new(role, Domain::tenant(tenant), Scope::all()))?;
        Ok(())
    };
    grant("ana@acme", "analyst", &acme)?;
    grant("max@acme", "manager", &acme)?;
    grant("gus@globex", "manager", &globex)?;

    println!("\n== login");
    for (user, password) in [("ana@acme", "wrong password, twice"), ("nobody@acme", "wrong password, twice")] {
        match security.login(user, password) {
            Err(e) => println!("{user:<12} {e}  (same message, same Argon2 work)"),
            Ok(_) => return Err("a wrong login was accepted".into()),
        }
    }
    let (ana, token) = security.login("ana@acme", "orange kettle drifting north")?;
    println!(
        "ana@acme logged in: session {}, token of {} hex digits (only its SHA-256 is stored)",
        ana.id(),
        token.expose().len()
    );
    let (max, _) = security.login("max@acme", "orange kettle drifting north")?;
    let (gus, _) = security.login("gus@globex", "orange kettle drifting north")?;

    // Each session's store: security checks the session, tenancy the plan, the registry serves
    // the one tenant's rows.
    let as_ana = security.model_store(&ana, &acme, &models)?;
    let as_max = security.model_store(&max, &acme, &models)?;
    as_ana.register(NewModelVersion::new("demand", model(0.8), "ana"))?;
    as_ana.register(NewModelVersion::new("demand", model(0.9), "ana"))?;
    as_max.set_alias("demand", "champion", 1, "max", "first champion")?;
    as_max.set_alias("demand", "champion", 2, "max", "better backtest WAPE")?;

    println!("\n== rollback of demand@champion");
    match as_ana.rollback("demand", "champion", "ana", "v2 looks off") {
        Err(e) => println!("ana (analyst): {e}"),
        Ok(_) => return Err("an analyst rolled back a model".into()),
    }
    let back = as_max.rollback("demand", "champion", "max", "v2 over-forecasts promotions")?;
    println!("max (manager): champion moved from v{} back to v{}", back.from.unwrap_or(0), back.to.unwrap_or(0));

    println!("\n== another tenant");
    match security.model_store(&gus, &acme, &models) {
        Err(e) => println!("gus@globex on acme's models: {e}"),
        Ok(_) => return Err("a globex manager reached acme's models".into()),
    }
    tenants.suspend_tenant(&globex, "unpaid invoice", &operator)?;
    match security.model_store(&gus, &globex, &models) {
        Err(e) => println!("gus@globex after globex was suspended: {e}"),
        Ok(_) => return Err("a suspended tenant's session still worked".into()),
    }

    println!("\n== acme's audit trail, as max reads it");
    for r in security.audit_trail(&max, Some(&acme), &AuditQuery::new().action("model.*"))? {
        let e = &r.event;
        println!("#{:<3} {:<9} {:<21} {:<16} {}", r.seq, e.actor, e.action, e.target, e.outcome.as_str());
    }
    let checkpoint = audit.checkpoint()?.ok_or("empty audit log")?;
    println!("verify: {}", if audit.verify()?.is_intact() { "intact" } else { "TAMPERED" });
    println!("signed checkpoint to keep elsewhere: #{} {}", checkpoint.seq, &checkpoint.signature[..16]);

    println!("\n== someone with file access hides ana's denied rollback");
    let denied = audit.query(&AuditQuery::new().actor("ana@acme").action("model.rollback"))?;
    let seq = denied.first().ok_or("no denied rollback recorded")?.seq;
    let raw = rusqlite::Connection::open(&path)?;
    raw.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")?;
    raw.execute(
        "UPDATE audit_log SET outcome = 'success', event = replace(event, '\"denied\"', '\"success\"') WHERE seq = ?1",
        [seq as i64],
    )?;
    // Re-opening, as a later process would: the keyed chain still catches the edit.
    match AuditLog::open(&path, key.clone())?.verify()? {
        Verification::Tampered { seq, problem } => println!("verify: tampering found at row #{seq}: {problem:?}"),
        Verification::Intact { .. } => return Err("tampering went unnoticed".into()),
    }
    println!("\n== ... and then cuts the log short instead");
    raw.execute("DELETE FROM audit_log WHERE seq >= ?1", [seq as i64])?;
    match AuditLog::open(&path, key)?.verify_against(&checkpoint)? {
        Verification::Tampered { seq, problem } => println!("verify against the checkpoint: #{seq}: {problem:?}"),
        Verification::Intact { .. } => return Err("truncation went unnoticed".into()),
    }
    Ok(())
}
