//! The cross-crate hand-offs of `examples/enterprise.rs`, in small: a pipeline registered
//! through security and tenancy is served and hot-swapped by the realtime engine; a decay seen
//! on the stream leads to a retrain whose challenger the significance rule promotes; a tenant's
//! stored branding reaches its xai report; the security port decides the agent's mutating
//! tools; one tenant's manager is refused the other's model, data and report, and the audit
//! chain verifies after the whole flow. Panels are small (a few series, a year of days).

use crate::system::{System, id, system};
use chrono::TimeDelta;
use forecast::agent::{
    Confirmation, Executor, PlanOutcome, Planner, RulePlanner, StepStatus, ToolRegistry, Vocabulary,
};
use forecast::core::data::{PromoPattern, RegimeShift, RetailGenerator};
use forecast::core::features::FeatureSpec;
use forecast::core::forecast::GlobalForecaster;
use forecast::core::gbdt::{Gbdt, Objective};
use forecast::core::{
    AuditOutcome, Clock, ForecastPipeline, ModelRef, ModelStore, NewModelVersion, Panel, ParamGuard, PermissionCheck,
};
use forecast::mlops::tools::RegistryTools;
use forecast::realtime::engine::{BandParams, EngineParams, ModelWatcher, ScoringEngine, ServedModel};
use forecast::realtime::source::{Next, Pace, Replay, Source};
use forecast::retrain::{DecayTrigger, Decision, Promoter, PromotionPolicy, compare};
use forecast::security::{AuditQuery, Permission, Resource, SecurityError, Session};
use forecast::tenancy::Branding;
use forecast::xai::{explain_forecast, narrative::forecast_narrative, report};
use std::sync::Arc;

const DAYS: usize = 364;
const WEEK: usize = 7;
/// Days before the end when customers change (in the decay test).
const SHIFT_AGO: usize = 35;

fn generator(seed: u64) -> RetailGenerator {
    RetailGenerator::new(seed).stores(1).items(4).days(DAYS).future_days(WEEK)
}

fn panel(seed: u64) -> Panel {
    generator(seed).generate().panel
}

/// Two stores whose customers change `SHIFT_AGO` days before the end: three times as price
/// sensitive, and a weekly three-day promotion at 40% off.
fn shifted_panel(seed: u64) -> Panel {
    let shift = RegimeShift {
        at: DAYS - SHIFT_AGO,
        elasticity_scale: 3.0,
        promotions: Some(PromoPattern { every: 7, length: 3, discount: 0.4, participation: 0.9 }),
    };
    generator(seed).stores(2).regime_shift(shift).generate().panel
}

fn recipe(panel: &Panel) -> GlobalForecaster {
    let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
    let params = Gbdt::params().objective(Objective::Poisson).n_rounds(40).num_leaves(7).seed(3).check().unwrap();
    GlobalForecaster::new("demand", params, features).horizon(WEEK)
}

fn fit_until(panel: &Panel, day: usize) -> ForecastPipeline {
    recipe(panel).fit_pipeline_until(panel, &vec![day; panel.series.len()]).unwrap()
}

fn cut(panel: &Panel, days: usize) -> Panel {
    let mut p = panel.clone();
    p.series.iter_mut().for_each(|s| s.target.truncate(days));
    p
}

fn champion() -> ModelRef {
    "demand@champion".parse().unwrap()
}

/// An engine serving `pipeline` (registry `version`), warm-started on all but the last
/// `replayed` days of `panel`'s targets, and a replay of those days.
fn engine(
    s: &System,
    panel: &Panel,
    pipeline: ForecastPipeline,
    version: u32,
    replayed: usize,
) -> (ScoringEngine, Replay) {
    let days = panel.series.iter().map(|s| s.target.len()).min().unwrap();
    let history = Arc::new(cut(panel, days - replayed));
    let model = ServedModel::prepare(Arc::new(pipeline), Some(version), &BandParams::default(), &history).unwrap();
    let clock: Arc<dyn Clock> = s.clock.clone();
    let params = EngineParams { max_batch: 4, ..EngineParams::default() };
    let engine = ScoringEngine::new(model, history.clone(), params, clock.clone()).unwrap();
    let first = history.date(&history.series[0], days - replayed).unwrap();
    let replay = Replay::new(Arc::new(panel.clone()), Pace::AsFastAsPossible, clock)
        .unwrap()
        .lookahead(60)
        .starting_from(first)
        .unwrap();
    (engine, replay)
}

/// Up to `n` events through the engine (flushed): each scored event's (version, actual, forecast).
fn stream(engine: &mut ScoringEngine, replay: &mut Replay, n: usize) -> Vec<(Option<u32>, f64, f64)> {
    let mut out = Vec::new();
    for _ in 0..n {
        match replay.poll_next().unwrap() {
            Next::Event(e) => out.extend(engine.ingest(e).unwrap()),
            Next::Pending { .. } => out.extend(engine.tick().unwrap()),
            Next::Closed => break,
        }
    }
    out.extend(engine.flush().unwrap());
    out.into_iter().map(|s| (s.version, s.value, s.forecast)).collect()
}

fn promoter<'a>(s: &'a System, store: &'a dyn ModelStore, permission: &'a dyn PermissionCheck) -> Promoter<'a> {
    Promoter { store, permission, audit: s.audit.as_ref(), clock: s.clock.as_ref() }
}

/// Registered through the analyst's guarded, metered store; the engine follows the manager's
/// view of `demand@champion` and swaps between batches when the manager promotes v2.
#[test]
fn registry_champion_is_served_and_hot_swapped() {
    let s = system();
    let (ana, max) = (s.user("ana@acme", "analyst"), s.user("max@acme", "manager"));
    let p = panel(5);
    let analyst = s.models(&ana, "acme").unwrap();
    let v1 = analyst.register(NewModelVersion::new("demand", fit_until(&p, DAYS - 28).into(), "ana")).unwrap();
    let v2 = analyst.register(NewModelVersion::new("demand", fit_until(&p, DAYS - 14).into(), "ana")).unwrap();
    let managed: Arc<dyn ModelStore> = Arc::new(s.models(&max, "acme").unwrap());
    managed.set_alias("demand", "champion", v1.version, "max", "first").unwrap();

    let served = managed.load(&champion()).unwrap().into_pipeline().unwrap();
    let (mut engine, mut replay) = engine(&s, &p, served, v1.version, WEEK);
    let watcher = ModelWatcher::new(managed.clone(), champion(), TimeDelta::hours(1), Some(v1.version)).unwrap();
    let notify = watcher.notifier();
    engine.watch(watcher);
    let before = stream(&mut engine, &mut replay, 8);
    assert_eq!(before.len(), 8);
    assert!(before.iter().all(|(v, _, f)| *v == Some(v1.version) && f.is_finite()));

    promoter(&s, managed.as_ref(), &s.security.permissions(&max, &id("acme")))
        .promote("demand", "champion", v2.version, "fresher")
        .unwrap();
    notify.notify();
    engine.tick().unwrap();
    assert_eq!(engine.model().version(), Some(v2.version));
    assert_eq!(engine.stats().swaps, 1);
    let after = stream(&mut engine, &mut replay, 8);
    assert_eq!(after.len(), 8, "the series states carried over the swap");
    assert!(after.iter().all(|(v, _, _)| *v == Some(v2.version)));
    assert_eq!(engine.stats().rejected, 0);
}

/// Customers change five weeks before the end (see [`shifted_panel`]); the champion was fitted
/// a week before that. Its streamed error in its first week in service sets its live level;
/// over the last two weeks the decay trigger fires on that level; a challenger refitted through
/// the day before those two weeks (three weeks of the new regime) wins the Diebold-Mariano
/// rule on the same events and is promoted by the manager (not by the analyst); the engine
/// following the alias swaps to it; the same rule keeps the champion against itself; one step
/// rolls it back.
#[test]
fn decay_triggers_retrain_and_significant_challenger_is_promoted() {
    let s = system();
    let (ana, max) = (s.user("ana@acme", "analyst"), s.user("max@acme", "manager"));
    let p = shifted_panel(3);
    let shift = DAYS - SHIFT_AGO;
    let before = fit_until(&p, shift - WEEK);
    let analyst = s.models(&ana, "acme").unwrap();
    let managed: Arc<dyn ModelStore> = Arc::new(s.models(&max, "acme").unwrap());
    let v1 = analyst.register(NewModelVersion::new("demand", before.clone().into(), "ana")).unwrap().version;
    let manager_perms = s.security.permissions(&max, &id("acme"));
    promoter(&s, managed.as_ref(), &manager_perms).promote("demand", "champion", v1, "initial").unwrap();
    let pairs = |v: &[(Option<u32>, f64, f64)]| v.iter().map(|(_, a, f)| (*a, *f)).unzip::<f64, f64, Vec<_>, Vec<_>>();
    let wape = |v: &[(Option<u32>, f64, f64)]| {
        let (a, f) = pairs(v);
        a.iter().zip(&f).map(|(a, f)| (a - f).abs()).sum::<f64>() / a.iter().sum::<f64>()
    };

    let (mut e0, mut r0) = engine(&s, &cut(&p, shift), before.clone(), v1, WEEK);
    let first = stream(&mut e0, &mut r0, usize::MAX);
    assert_eq!(first.len(), WEEK * p.series.len());
    let level = wape(&first);
    let replayed = 2 * WEEK;
    let (mut e1, mut r1) = engine(&s, &p, before, v1, replayed);
    let watcher = ModelWatcher::new(managed.clone(), champion(), TimeDelta::minutes(1), Some(v1)).unwrap();
    e1.watch(watcher);
    let served = stream(&mut e1, &mut r1, usize::MAX);
    assert_eq!(served.len(), replayed * p.series.len());
    let (actual, forecast) = pairs(&served);
    let n = actual.len();
    let decay = DecayTrigger { window: n, min_points: n / 2, ..DecayTrigger::wape(level) };
    let event = decay.check(&actual, &forecast, s.clock.as_ref()).unwrap();
    assert!(event.is_some(), "no decay: live WAPE {:.3} against the first week's {level:.3}", wape(&served));

    let challenger = fit_until(&p, DAYS - replayed);
    let (mut e2, mut r2) = engine(&s, &p, challenger.clone(), 0, replayed);
    let shadow = stream(&mut e2, &mut r2, usize::MAX);
    let losses = |v: &[(Option<u32>, f64, f64)]| v.iter().map(|(_, a, f)| (a - f).abs()).collect::<Vec<_>>();
    let comparison = compare(&losses(&served), &losses(&shadow), &PromotionPolicy::default(), 0).unwrap();
    assert_eq!(comparison.decision, Decision::Promote, "{}", comparison.reason);
    let same = compare(&losses(&served), &losses(&served), &PromotionPolicy::default(), 0).unwrap();
    assert_eq!(same.decision, Decision::Keep);

    let v2 = analyst.register(NewModelVersion::new("demand", challenger.into(), "ana")).unwrap().version;
    let analyst_perms = s.security.permissions(&ana, &id("acme"));
    assert!(promoter(&s, &analyst, &analyst_perms).promote("demand", "champion", v2, "mine").is_err());
    assert_eq!(managed.resolve(&champion()).unwrap().version, v1);
    let moved =
        promoter(&s, managed.as_ref(), &manager_perms).promote("demand", "champion", v2, &comparison.reason).unwrap();
    assert_eq!((moved.from, moved.to), (Some(v1), Some(v2)));
    s.clock.advance(TimeDelta::minutes(1));
    e1.tick().unwrap();
    assert_eq!(e1.model().version(), Some(v2), "the engine follows the promotion: {:?}", e1.last_swap_error());
    // One step back, and the history says who did what.
    let back = promoter(&s, managed.as_ref(), &manager_perms).rollback("demand", "champion", "hold").unwrap();
    assert_eq!(back.to, Some(v1));
    assert_eq!(managed.alias_history("demand", "champion").unwrap().len(), 3);
}

/// The branding tenancy stores for a tenant is what its xai report renders; the other
/// tenant's report shows its own.
#[test]
fn tenant_branding_reaches_the_report() {
    let s = system();
    let acme_brand = Branding {
        primary_colour: "#14532D".into(),
        accent_colour: "#16A34A".into(),
        ..Branding::new("Acme Demand Desk", "en-GB")
    };
    s.tenants.scope(&id("acme")).unwrap().acting_as("ops").set_branding(&acme_brand).unwrap();
    let p = panel(5);
    let pipeline = fit_until(&p, DAYS);
    let e = explain_forecast(&pipeline, &p, &[0], WEEK).unwrap();
    let render = |tenant: &str| {
        let branding = s.tenants.scope(&id(tenant)).unwrap().branding().unwrap();
        let mut r = report::Report::new("next week", s.clock.now().to_rfc3339(), branding);
        r.summary.push(forecast_narrative(&e, &p, "store_01 / item_01", "units", 3));
        (report::to_html(&r), report::to_json(&r).unwrap())
    };
    let (html, json) = render("acme");
    assert!(html.contains("Acme Demand Desk") && html.contains("#14532D"), "branding missing from the HTML");
    assert!(json.contains("Acme Demand Desk") && json.contains("en-GB"));
    let (other, _) = render("globex");
    assert!(!other.contains("Acme Demand Desk") && !other.contains("#14532D"));
}

/// The agent's `rollback` tool, confirmed, runs only when forecast-security's permission port
/// allows it: denied (and audited) for an analyst, done for a manager.
#[test]
fn security_port_decides_the_agents_mutating_tool() {
    let s = system();
    let (ana, max) = (s.user("ana@acme", "analyst"), s.user("max@acme", "manager"));
    let p = Arc::new(panel(5));
    let pipeline = Arc::new(fit_until(&p, DAYS));
    let registry = s.registry.tenant(&id("acme"));
    for _ in 0..2 {
        let v = registry.register(NewModelVersion::new("demand", (*pipeline).clone().into(), "ops")).unwrap();
        registry.set_alias("demand", "champion", v.version, "ops", "setup").unwrap();
    }
    let ask = |session: &Session| {
        let permissions = Arc::new(s.security.permissions(session, &id("acme")));
        let tools = RegistryTools::new(s.registry.tenant(&id("acme")), permissions.actor(), s.clock.clone())
            .data(forecast::core::tool::ToolContext::new(p.clone(), pipeline.clone()))
            .default_model("demand");
        let mut registry = ToolRegistry::new();
        for t in tools.tools() {
            registry.register(t).unwrap();
        }
        let planner =
            RulePlanner::new(Vocabulary::from_panel(&p, "store", "item").unwrap().models(["demand"]), s.clock.clone());
        let executor = Executor::new(Arc::new(registry), s.clock.clone(), s.audit.clone()).with_permission(permissions);
        let PlanOutcome::Plan(plan) = planner.plan("roll back the demand model").unwrap() else { panic!("no plan") };
        let mut confirmation = Confirmation::none();
        for step in executor.needs_confirmation(&plan) {
            confirmation = confirmation.confirm(step);
        }
        let run = executor.run(&plan, &confirmation).unwrap();
        run.trace.entries.iter().find(|e| e.tool == "rollback").map(|e| e.status).unwrap()
    };
    assert_eq!(ask(&ana), StepStatus::Denied);
    assert_eq!(registry.resolve(&champion()).unwrap().version, 2, "the analyst changed nothing");
    let denied = s.audit.query(&AuditQuery::new().actor("ana@acme").outcome(AuditOutcome::Denied)).unwrap();
    assert!(!denied.is_empty(), "the refusal is audited");
    assert_eq!(ask(&max), StepStatus::Succeeded);
    assert_eq!(registry.resolve(&champion()).unwrap().version, 1);
}

/// Globex's manager is refused acme's model store, data scope and report, each refusal is
/// audited, its own tenant stays reachable, and the chain verifies over the whole flow.
#[test]
fn cross_tenant_reads_are_refused_and_the_audit_chain_verifies() {
    let s = system();
    let ana = s.user("ana@acme", "analyst");
    let gus = s.user("gus@globex", "manager");
    let p = panel(5);
    s.models(&ana, "acme")
        .unwrap()
        .register(NewModelVersion::new("demand", fit_until(&p, DAYS).into(), "ana"))
        .unwrap();
    let acme = id("acme");
    let refused = |r: Result<(), SecurityError>| matches!(r, Err(SecurityError::PermissionDenied { .. }));
    assert!(refused(s.models(&gus, "acme").map(drop)), "model");
    assert!(refused(s.security.data_scope(&gus, &acme).map(drop)), "data");
    let report = Resource::tenant(&acme).named("report");
    assert!(refused(s.security.require(&gus, Permission::ViewForecasts, &report).map(drop)), "report");
    // The same gates let each tenant's own people through.
    assert!(s.security.require(&ana, Permission::ViewForecasts, &report).is_ok());
    assert!(s.security.data_scope(&gus, &id("globex")).is_ok());
    assert!(s.models(&gus, "globex").unwrap().resolve(&"demand@1".parse().unwrap()).is_err(), "no shared versions");
    assert_eq!(s.denials("gus@globex").len(), 3, "{:?}", s.denials("gus@globex"));
    assert!(s.audit.verify().unwrap().is_intact());
    assert!(s.registry.verify().unwrap().is_empty());
}
