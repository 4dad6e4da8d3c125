//! The cost of the security guard on the model-load path, and of a login.
//!
//! `cargo bench --bench security` wires the system as a service does (one SQLite file holding
//! the audit log, tenants, security and registry; tenancy meters the registry, security guards
//! it) and measures, per call:
//!
//! - `guard/authorize`: one `Security::authorize` (the session resolved from its token hash,
//!   user, assignments and tenant status re-read);
//! - `guard/load_champion_guarded`: `demand@champion` loaded through the guarded, metered
//!   store (authorize + tenant status check + registry load);
//! - `guard/load_champion_registry`: the same load straight from the tenant's registry, so the
//!   guard's cost is the difference of the two;
//! - `login/default_params`: one successful login with the default Argon2id parameters
//!   (m = 19 MiB, t = 2, p = 1), which verifies the hash, writes a session and an audit row;
//! - `login/verify_password`: the Argon2id verification alone.

use criterion::{Criterion, criterion_group, criterion_main};
use forecast::core::model::{LinearModel, Link};
use forecast::core::tenant::TenantId;
use forecast::core::{ModelArtifact, ModelRef, ModelStore, NewModelVersion, SystemClock};
use forecast::mlops::Registry;
use forecast::security::{
    Assignment, AuditKey, AuditLog, Domain, PasswordParams, Permission, Resource, Scope, Security, SecurityConfig,
    hash_password, verify_password,
};
use forecast::tenancy::{MeteredModels, NewTenant, TenantStore};
use std::hint::black_box;
use std::sync::Arc;

const PASSWORD: &str = "orange kettle drifting north";
const N_FEATURES: usize = 64;

fn artifact(seed: usize) -> ModelArtifact {
    let coefficients = (0..N_FEATURES).map(|i| ((seed * 31 + i * 7) % 997) as f64 / 100.0).collect();
    ModelArtifact::from(LinearModel {
        coefficients,
        intercept: seed as f64,
        impute: vec![0.0; N_FEATURES],
        link: Link::Identity,
    })
}

fn security_costs(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("forecast.db");
    let clock = Arc::new(SystemClock);
    let audit = Arc::new(AuditLog::open(&path, AuditKey::from_bytes([7; 32])).expect("audit log"));
    let tenants = Arc::new(TenantStore::open(&path, clock.clone(), audit.clone()).expect("tenant store"));
    let config = SecurityConfig { password: PasswordParams::default(), ..SecurityConfig::default() };
    let security =
        Arc::new(Security::open(&path, clock.clone(), tenants.clone(), audit.clone(), config).expect("security"));
    let registry = Registry::open(&path, clock, audit).expect("registry");
    let models = MeteredModels::new(tenants.clone(), Arc::new(registry.clone()));

    security.bootstrap_admin("ops", PASSWORD).expect("bootstrap");
    let ops = security.login("ops", PASSWORD).expect("login ops").0;
    let acme = TenantId::new("acme").expect("tenant id");
    tenants
        .create_tenant(NewTenant::new("acme", "Acme retail", "pro").expect("tenant"), &security.operator(&ops))
        .expect("create tenant");
    security.create_user(&ops, "ana@acme", PASSWORD).expect("user");
    security
        .assign_role(&ops, "ana@acme", &Assignment::new("manager", Domain::tenant(&acme), Scope::all()))
        .expect("role");
    let ana = security.login("ana@acme", PASSWORD).expect("login ana").0;

    let guarded = security.model_store(&ana, &acme, &models).expect("guarded store");
    // One version: with a moving clock a second version of a name currently trips the models
    // quota's idempotency key (same key, new time: IdempotencyConflict), see the closing note.
    let v = guarded.register(NewModelVersion::new("demand", artifact(1), "ana@acme")).expect("register");
    guarded.set_alias("demand", "champion", v.version, "ana@acme", "promote").expect("alias");
    let champion: ModelRef = "demand@champion".parse().expect("reference");
    let plain = registry.tenant(&acme);
    let resource = Resource::tenant(&acme).named("demand");

    let mut group = c.benchmark_group("guard");
    group.bench_function("authorize", |b| {
        b.iter(|| black_box(security.authorize(&ana, Permission::ViewModels, &resource).expect("authorize")));
    });
    group.bench_function("load_champion_guarded", |b| {
        b.iter(|| black_box(guarded.load(&champion).expect("load")));
    });
    group.bench_function("load_champion_registry", |b| {
        b.iter(|| black_box(plain.load(&champion).expect("load")));
    });
    group.finish();

    let mut group = c.benchmark_group("login");
    group.sample_size(20);
    group.bench_function("default_params", |b| {
        b.iter(|| black_box(security.login("ana@acme", PASSWORD).expect("login")));
    });
    let stored = hash_password(PASSWORD, PasswordParams::default()).expect("hash");
    group.bench_function("verify_password", |b| {
        b.iter(|| black_box(verify_password(PASSWORD, &stored.phc).expect("verify")));
    });
    group.finish();
}

criterion_group!(benches, security_costs);
criterion_main!(benches);
