//! The whole system wired through the facade, on one SQLite file in `out/enterprise/`: two
//! retailers on different plans with their own branding; users of the four roles log in; each
//! tenant ingests its sales CSV, trains and registers a pipeline and promotes a champion; a week
//! is replayed through the realtime engine with alerts; the accuracy decay it shows triggers a
//! retrain, the challenger is promoted by the Diebold-Mariano rule (the engine hot-swaps to it)
//! and then rolled back by a manager after an analyst's attempt is refused; xai writes each
//! tenant's branded report; decisions plan next week's reorders and rank the recommendations;
//! the agent answers five questions; metering bills both tenants; the audit chain verifies; one
//! tenant's attempts on the other's model, data and report are refused.
//!
//! `cargo run --release --example enterprise`
//!
//! Rerunnable: a second run opens the same database and continues from its state, one week later
//! (tenants, plans and users are found, not re-created; registry versions, metering and the audit
//! chain continue). The scenario of each run is the same: customers changed four weeks before
//! "today" (three times as price sensitive, a weekly three-day promotion at 40% off), and the
//! champion was fitted a week before that. Its error in its first week in service is its live
//! level; the decay trigger holds the week just ended against that level (both one-step-ahead
//! errors on the stream, so they compare). Delete `out/enterprise/` to start over. The audit key is kept in
//! `out/enterprise/audit.key` for the demo only; a service keeps it in a secret store.

use chrono::{NaiveDate, TimeDelta};
use forecast::agent::{Confirmation, Executor, PlanOutcome, Planner, RulePlanner, ToolRegistry, Vocabulary};
use forecast::core::data::{GeneratedData, PromoPattern, RegimeShift};
use forecast::core::gbdt::{Gbdt, Objective};
use forecast::core::tenant::TenantId;
use forecast::core::tool::{BacktestTool, ForecastTool, ToolContext};
use forecast::core::{ForecastPipeline, ManualClock, NewModelVersion};
use forecast::decisions::reorder::{ReorderSettings, plan_series};
use forecast::decisions::{Recommendation, rank};
use forecast::mlops::Registry;
use forecast::mlops::tools::RegistryTools;
use forecast::prelude::*;
use forecast::realtime::alert::{AlertManager, AlertSink, ChannelSink, Route};
use forecast::realtime::engine::{BandParams, EngineParams, ModelWatcher, ScoringEngine, ServedModel};
use forecast::realtime::source::{AnomalyKind, AnomalyPlan, AnomalySpec, Next, Pace, Replay, Source, inject};
use forecast::retrain::{DecayTrigger, Decision, Promoter, PromotionPolicy, compare};
use forecast::security::{
    Assignment, AuditKey, AuditLog, Domain, Permission, Resource, Scope, Security, SecurityConfig, SecurityError,
    Session,
};
use forecast::tenancy::{BillingPeriod, Branding, MeteredModels, NewTenant, Plan, TenantStore, UsageEvent};
use forecast::tenancy::{TenancyError, features, limits};
use forecast::xai::{explain_forecast, narrative::forecast_narrative, report};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

const DIR: &str = "out/enterprise";
const MODEL: &str = "demand";
const PASSWORD: &str = "orange kettle drifting north";
const OPS_PASSWORD: &str = "seven lanterns over the harbour";
/// First day of every tenant's sales history.
const HISTORY_START: (i32, u32, u32) = (2025, 1, 1);
/// Days of history of the first run; each later run adds a week.
const FIRST_RUN_DAYS: usize = 420;
/// Days before "today" when customers changed.
const SHIFT_AGO: usize = 28;
/// Days forecast, replayed and planned.
const WEEK: usize = 7;
/// How often the engine asks the registry where the champion alias points.
const WATCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// One retailer of the scenario.
struct TenantSpec {
    id: &'static str,
    name: &'static str,
    plan: &'static str,
    timezone: &'static str,
    seed: u64,
    stores: usize,
    items: usize,
    branding: Branding,
}

fn tenants() -> [TenantSpec; 2] {
    let brand = |name: &str, primary: &str, accent: &str, locale: &str| Branding {
        primary_colour: primary.into(),
        accent_colour: accent.into(),
        ..Branding::new(name, locale)
    };
    [
        TenantSpec {
            id: "northwind",
            name: "Northwind Grocers",
            plan: "growth",
            timezone: "Europe/London",
            seed: 11,
            stores: 2,
            items: 5,
            branding: brand("Northwind Forecasts", "#14532D", "#16A34A", "en-GB"),
        },
        TenantSpec {
            id: "globex",
            name: "Globex Markets",
            plan: "enterprise",
            timezone: "America/New_York",
            seed: 23,
            stores: 3,
            items: 4,
            branding: brand("Globex Demand Desk", "#1E3A8A", "#F59E0B", "en-US"),
        },
    ]
}

/// The stores every tenant's services share, all in one SQLite file.
struct Platform {
    clock: Arc<ManualClock>,
    audit: Arc<AuditLog>,
    tenants: Arc<TenantStore>,
    security: Arc<Security>,
    registry: Registry,
    models: MeteredModels,
}

fn open(dir: &Path) -> Fallible<Platform> {
    std::fs::create_dir_all(dir)?;
    let key_file = dir.join("audit.key");
    let key = match std::fs::read_to_string(&key_file) {
        Ok(hex) => AuditKey::from_hex(hex.trim())?,
        Err(_) => {
            let key = AuditKey::generate()?;
            std::fs::write(&key_file, key.to_hex())?;
            key
        }
    };
    let path = dir.join("forecast.db");
    let clock = Arc::new(ManualClock::new(today(0)?));
    let audit = Arc::new(AuditLog::open(&path, key)?);
    let tenants = Arc::new(TenantStore::open(&path, clock.clone(), audit.clone())?);
    let security =
        Arc::new(Security::open(&path, clock.clone(), tenants.clone(), audit.clone(), SecurityConfig::default())?);
    let registry = Registry::open(&path, clock.clone(), audit.clone())?;
    let models = MeteredModels::new(tenants.clone(), Arc::new(registry.clone()));
    Ok(Platform { clock, audit, tenants, security, registry, models })
}

/// 08:00 UTC of the day after run `run`'s last day of history.
fn today(run: usize) -> Fallible<chrono::DateTime<chrono::Utc>> {
    let (y, m, d) = HISTORY_START;
    let start = NaiveDate::from_ymd_opt(y, m, d).ok_or("history start")?;
    let day = start + TimeDelta::days((FIRST_RUN_DAYS + WEEK * run) as i64);
    Ok(day.and_hms_opt(8, 0, 0).ok_or("time")?.and_utc())
}

/// The four people of a tenant, by role.
struct People {
    admin: Session,
    manager: Session,
    analyst: Session,
    viewer: Session,
}

/// The platform operator's session: bootstrapped on the first run, logged in after.
fn operator(p: &Platform) -> Fallible<Session> {
    match p.security.bootstrap_admin("ops", OPS_PASSWORD) {
        Ok(_) => println!("[setup] platform operator `ops` bootstrapped"),
        Err(SecurityError::AlreadyBootstrapped) => println!("[setup] platform operator `ops` found"),
        Err(e) => return Err(e.into()),
    }
    Ok(p.security.login("ops", OPS_PASSWORD)?.0)
}

/// The tenant, its plan and branding, and its four users: found or created.
fn onboard(p: &Platform, ops: &Session, t: &TenantSpec) -> Fallible<People> {
    let operator = p.security.operator(ops);
    let id = TenantId::new(t.id)?;
    if t.plan == "growth" && p.tenants.plan("growth").is_err() {
        // Pro with the agent: a plan defined by the operator.
        let growth = Plan { name: "growth".into(), ..Plan::pro().feature(features::AGENT) };
        p.tenants.define_plan(&growth, &operator)?;
    }
    let found = match p.tenants.tenant(&id) {
        Ok(_) => "found",
        Err(TenancyError::TenantNotFound { .. }) => {
            p.tenants.create_tenant(NewTenant::new(t.id, t.name, t.plan)?.timezone(t.timezone), &operator)?;
            "created"
        }
        Err(e) => return Err(e.into()),
    };
    p.tenants.scope(&id)?.acting_as("ops").set_branding(&t.branding)?;
    let mut created = 0;
    let mut login = |user: &str, role: &str| -> Fallible<Session> {
        let name = format!("{user}@{}", t.id);
        if p.security.user(ops, &name).is_err() {
            p.security.create_user(ops, &name, PASSWORD)?;
            p.security.assign_role(ops, &name, &Assignment::new(role, Domain::tenant(&id), Scope::all()))?;
            created += 1;
        }
        Ok(p.security.login(&name, PASSWORD)?.0)
    };
    let people = People {
        admin: login("ada", "admin")?,
        manager: login("max", "manager")?,
        analyst: login("ana", "analyst")?,
        viewer: login("vic", "viewer")?,
    };
    println!(
        "[{}] tenant {found} on plan `{}`, branded `{}`; {created} users created, admin/manager/analyst/viewer logged in",
        t.id, t.plan, t.branding.display_name
    );
    Ok(people)
}

/// The tenant's sales as the generator makes them: `days` of history (customers change
/// `SHIFT_AGO` days before the end) and a week of planned prices and promotions.
fn generate(t: &TenantSpec, days: usize) -> Fallible<GeneratedData> {
    let (y, m, d) = HISTORY_START;
    let shift = RegimeShift {
        at: days - SHIFT_AGO,
        elasticity_scale: 3.0,
        promotions: Some(PromoPattern { every: 7, length: 3, discount: 0.4, participation: 0.9 }),
    };
    Ok(RetailGenerator::new(t.seed)
        .stores(t.stores)
        .items(t.items)
        .start(NaiveDate::from_ymd_opt(y, m, d).ok_or("history start")?)
        .days(days)
        .future_days(WEEK)
        .regime_shift(shift)
        .generate())
}

/// The GBDT pipeline recipe: a Poisson point model and 0.1 / 0.5 / 0.9 quantile heads.
fn recipe(panel: &Panel) -> Fallible<GlobalForecaster> {
    let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
    let params =
        |objective, rounds| Gbdt::params().objective(objective).n_rounds(rounds).num_leaves(15).seed(7).check();
    let mut model = GlobalForecaster::new(MODEL, params(Objective::Poisson, 80)?, features).horizon(WEEK);
    for alpha in [0.1, 0.5, 0.9] {
        model = model.quantile(alpha, params(Objective::Quantile { alpha }, 40)?);
    }
    Ok(model)
}

/// The panel with each series' targets cut after `days` periods (regressors kept).
fn cut(panel: &Panel, days: usize) -> Panel {
    let mut p = panel.clone();
    p.series.iter_mut().for_each(|s| s.target.truncate(days));
    p
}

/// One model's week on the stream: per event its absolute error, the pooled pairs, alerts.
struct Week {
    actual: Vec<f64>,
    forecast: Vec<f64>,
    alerts: usize,
    notifications: usize,
    engine: ScoringEngine,
}

/// Replay the week of `panel` that ends after day `end` (with injected spikes and drops) through
/// an engine serving `pipeline`, warm-started on the days before; `watch` follows the registry's
/// champion.
fn replay_week(
    panel: &Panel,
    end: usize,
    pipeline: ForecastPipeline,
    version: u32,
    watch: Option<Arc<dyn ModelStore>>,
    clock: &Arc<ManualClock>,
    seed: u64,
) -> Fallible<Week> {
    let panel = &cut(panel, end);
    let history = Arc::new(cut(panel, end - WEEK));
    let specs = [AnomalyKind::Spike, AnomalyKind::Drop]
        .map(|k| {
            let mut s = AnomalySpec::default_for(k);
            s.per_1000 *= 20.0;
            s
        })
        .to_vec();
    let (injected, _) = inject(panel, &AnomalyPlan { skip_first: end - WEEK, ..AnomalyPlan::with_specs(seed, specs) })?;
    let model = ServedModel::prepare(Arc::new(pipeline), Some(version), &BandParams::default(), &history)?;
    let dyn_clock: Arc<dyn forecast::core::Clock> = clock.clone();
    let params = EngineParams { max_batch: 64, ..EngineParams::default() };
    let mut engine = ScoringEngine::new(model, history.clone(), params, dyn_clock.clone())?;
    if let Some(store) = watch {
        engine.watch(ModelWatcher::new(store, format!("{MODEL}@champion").parse()?, WATCH_EVERY, Some(version))?);
    }
    let (sink, notified) = ChannelSink::new();
    let route = Route { group_by: vec!["store".into()], group_wait: TimeDelta::zero(), ..Route::default() };
    let sinks = vec![("default".to_string(), Arc::new(sink) as Arc<dyn AlertSink>)];
    let mut alerts = AlertManager::new(dyn_clock.clone(), vec![route], vec![], sinks)?;
    let first_day = history.date(&history.series[0], end - WEEK).ok_or("no replay date")?;
    let mut source =
        Replay::new(Arc::new(injected), Pace::AsFastAsPossible, dyn_clock)?.lookahead(60).starting_from(first_day)?;
    let mut week = Week { actual: Vec::new(), forecast: Vec::new(), alerts: 0, notifications: 0, engine };
    loop {
        // At the end of the stream the open batch is flushed, then the loop ends.
        let (scored, closed) = match source.poll_next()? {
            Next::Event(event) => (week.engine.ingest(event)?, false),
            Next::Pending { .. } => (week.engine.tick()?, false),
            Next::Closed => (week.engine.flush()?, true),
        };
        for s in scored {
            week.actual.push(s.value);
            week.forecast.push(s.forecast);
            for a in s.alerts {
                week.alerts += 1;
                alerts.fire(a)?;
            }
        }
        if closed {
            break;
        }
    }
    alerts.tick();
    week.notifications = notified.try_iter().count();
    Ok(week)
}

/// `v3`, or `none` for an alias that pointed nowhere.
fn version_label(v: Option<u32>) -> String {
    v.map_or_else(|| "none".into(), |v| format!("v{v}"))
}

/// The registry version the engine serves.
fn served_version(engine: &ScoringEngine) -> String {
    version_label(engine.model().version())
}

fn abs_errors(w: &Week) -> Vec<f64> {
    w.actual.iter().zip(&w.forecast).map(|(a, f)| (a - f).abs()).collect()
}

fn wape(w: &Week) -> f64 {
    abs_errors(w).iter().sum::<f64>() / w.actual.iter().map(|a| a.abs()).sum::<f64>()
}

/// Everything one tenant does in a run.
fn run_tenant(p: &Platform, ops: &Session, t: &TenantSpec, run: usize, out: &Path) -> Fallible<()> {
    let people = onboard(p, ops, t)?;
    let id = TenantId::new(t.id)?;
    let scope = p.tenants.scope(&id)?.acting_as(format!("ana@{}", t.id));
    let log = |step: &str, line: String| println!("[{}] {step:<9} {line}", t.id);

    // Ingest: the generated sales written as CSV, read back through the validating ingest.
    let days = FIRST_RUN_DAYS + WEEK * run;
    let data = generate(t, days)?;
    let dir = out.join(t.id);
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join("sales.csv");
    data.write_csv(&csv)?;
    p.security.require(&people.analyst, Permission::ViewData, &Resource::tenant(&id).named("data"))?;
    let (panel, report) = read_csv(&csv, &CsvSpec::retail(), &IngestOptions::default())?;
    log(
        "ingest",
        format!(
            "{} -> {} series, {} rows; {} issues",
            csv.display(),
            panel.series.len(),
            report.rows_read,
            report.issues.len()
        ),
    );

    // Train on the history up to a week before customers changed; register; promote.
    let started = Instant::now();
    let recipe = recipe(&panel)?;
    let shift = days - SHIFT_AGO;
    let fitted = shift - WEEK;
    let backtest = Backtest::new(2, WEEK).run(&cut(&panel, fitted), &[&recipe])?;
    let backtest_wape = backtest.models[0].metrics.as_ref().ok_or("no backtest metrics")?.wape;
    let pipeline = recipe.fit_pipeline_until(&panel, &vec![fitted; panel.series.len()])?;
    let analyst_models = p.security.model_store(&people.analyst, &id, &p.models)?;
    let mut new = NewModelVersion::new(MODEL, pipeline.clone().into(), "ana");
    new.metrics.insert("backtest_wape".into(), backtest_wape);
    new.tags.insert("fitted_until_day".into(), fitted.to_string());
    new.tags.insert("run".into(), run.to_string());
    let champion = analyst_models.register(new)?.version;
    let manager_models: Arc<dyn ModelStore> = Arc::new(p.security.model_store(&people.manager, &id, &p.models)?);
    let manager_perms = p.security.permissions(&people.manager, &id);
    let manager = Promoter {
        store: manager_models.as_ref(),
        permission: &manager_perms,
        audit: p.audit.as_ref(),
        clock: p.clock.as_ref(),
    };
    manager.promote(MODEL, "champion", champion, &format!("backtest WAPE {backtest_wape:.3}"))?;
    log(
        "train",
        format!(
            "fitted in {:.1?}; backtest WAPE {backtest_wape:.3}; registered {MODEL}@{champion}, promoted to champion",
            started.elapsed()
        ),
    );

    // The champion's first week in service (before customers changed) sets its live level;
    // the week just ended is scored by the champion the viewer reads from the registry.
    let viewer_models = p.security.model_store(&people.viewer, &id, &p.models)?;
    let served = viewer_models.load(&format!("{MODEL}@champion").parse()?)?.into_pipeline()?;
    let first = replay_week(&panel, shift, served.clone(), champion, None, &p.clock, t.seed)?;
    let baseline = wape(&first);
    let mut week = replay_week(&panel, days, served, champion, Some(manager_models.clone()), &p.clock, t.seed)?;
    let stats = week.engine.stats();
    log(
        "stream",
        format!(
            "{} events scored in {} batches, {} alerts in {} notifications; week WAPE {:.3} (first week in service {baseline:.3})",
            stats.scored,
            stats.batches,
            week.alerts,
            week.notifications,
            wape(&week)
        ),
    );

    // Decay -> retrain -> significance rule -> promotion -> hot swap.
    let n = week.actual.len();
    let decay = DecayTrigger { window: n, min_points: n / 2, ..DecayTrigger::wape(baseline) };
    let Some(trigger) = decay.check(&week.actual, &week.forecast, p.clock.as_ref())? else {
        log("retrain", "no decay this week: the champion stays".into());
        return finish(p, &people, t, &scope, &panel, &data, &week, &dir);
    };
    log("decay", trigger.reason.clone());
    let challenger_pipeline = recipe.fit_pipeline_until(&panel, &vec![days - WEEK; panel.series.len()])?;
    let shadow = replay_week(&panel, days, challenger_pipeline.clone(), 0, None, &p.clock, t.seed)?;
    let comparison = compare(&abs_errors(&week), &abs_errors(&shadow), &PromotionPolicy::default(), 0)?;
    let mut new = NewModelVersion::new(MODEL, challenger_pipeline.into(), "ana");
    new.metrics.insert("shadow_wape".into(), wape(&shadow));
    new.parent = Some(champion);
    new.tags.insert("run".into(), run.to_string());
    let challenger = analyst_models.register(new)?.version;
    log(
        "retrain",
        format!(
            "challenger {MODEL}@{challenger} (refitted through last week) shadow WAPE {:.3}: {:?}, {}",
            wape(&shadow),
            comparison.decision,
            comparison.reason
        ),
    );
    if comparison.decision == Decision::Promote {
        manager.promote(MODEL, "champion", challenger, &serde_json::to_string(&comparison)?)?;
        p.clock.advance(WATCH_EVERY);
        week.engine.tick()?;
        log(
            "swap",
            format!("engine now serves {} (swaps {})", served_version(&week.engine), week.engine.stats().swaps),
        );

        // An analyst may not roll back; a manager may, in one step.
        let analyst_perms = p.security.permissions(&people.analyst, &id);
        let analyst = Promoter { store: &analyst_models, permission: &analyst_perms, ..manager };
        match analyst.rollback(MODEL, "champion", "I prefer the old one") {
            Err(e) => log("rollback", format!("ana (analyst) refused: {e}")),
            Ok(_) => return Err("an analyst rolled back the champion".into()),
        }
        let back =
            manager.rollback(MODEL, "champion", "promotion week: hold the old model until the buyers sign off")?;
        p.clock.advance(WATCH_EVERY);
        week.engine.tick()?;
        log(
            "rollback",
            format!(
                "max (manager): champion {} -> {}; engine serves {}",
                version_label(back.from),
                version_label(back.to),
                served_version(&week.engine)
            ),
        );
    }
    finish(p, &people, t, &scope, &panel, &data, &week, &dir)
}

/// Report, decisions, agent and metering with the champion in service.
#[allow(clippy::too_many_arguments)]
fn finish(
    p: &Platform,
    people: &People,
    t: &TenantSpec,
    scope: &forecast::tenancy::TenantScope<'_>,
    panel: &Panel,
    data: &GeneratedData,
    week: &Week,
    dir: &Path,
) -> Fallible<()> {
    let id = TenantId::new(t.id)?;
    let log = |step: &str, line: String| println!("[{}] {step:<9} {line}", t.id);
    let models = p.security.model_store(&people.viewer, &id, &p.models)?;
    let live = models.resolve(&format!("{MODEL}@champion").parse()?)?;
    let pipeline = models.load(&format!("{MODEL}@{}", live.version).parse()?)?.into_pipeline()?;

    // The branded explanation report of the best seller's next week.
    scope.entitlements()?.require(features::EXPLANATIONS)?;
    p.security.require(&people.analyst, Permission::ViewForecasts, &Resource::tenant(&id).named("report"))?;
    let best = (0..panel.series.len())
        .max_by(|&a, &b| panel.series[a].target.iter().sum::<f64>().total_cmp(&panel.series[b].target.iter().sum()))
        .ok_or("empty panel")?;
    let e = explain_forecast(&pipeline, panel, &[best], WEEK)?;
    let label = panel.series[best].key.0.join(" / ");
    let branding = scope.branding()?;
    let mut r = report::Report::new(format!("{label}: the next {WEEK} days"), p.clock.now().to_rfc3339(), branding);
    r.summary.push(forecast_narrative(&e, panel, &label, "units", 3));
    r.summary.push(format!(
        "Served by {MODEL}@{}; last week's streamed WAPE {:.1}%.",
        live.version,
        100.0 * wape(week)
    ));
    std::fs::write(dir.join("report.html"), report::to_html(&r))?;
    std::fs::write(dir.join("report.json"), report::to_json(&r)?)?;
    log(
        "report",
        format!(
            "{} written, branded `{}` ({})",
            dir.join("report.html").display(),
            r.branding.display_name,
            r.branding.primary_colour
        ),
    );

    // Next week's reorder plan and the ranked recommendations.
    let forecasts = pipeline.forecast(panel, WEEK)?;
    let mut closing = std::collections::HashMap::new();
    for rec in &data.records {
        closing.insert((rec.store.as_str(), rec.item.as_str()), rec.on_hand.unwrap_or(0.0) - rec.units);
    }
    let (mut recommendations, mut plans): (Vec<Recommendation>, Vec<_>) = (Vec::new(), Vec::new());
    for sf in &forecasts.series {
        let position = closing.get(&(sf.key.0[0].as_str(), sf.key.0[1].as_str())).copied().unwrap_or(0.0);
        let (plan, demand) = plan_series(sf, position, &ReorderSettings::default())?;
        let s = &panel.series[sf.series];
        let price = s.regressors[0].get(s.len()).copied().unwrap_or(f64::NAN);
        // Unit cost 60% of the price; a unit left over costs a week of carrying at 0.5% a day.
        recommendations.extend(plan.recommendation(&demand, 0.4 * price, 0.035 * 0.6 * price, 0.95)?);
        plans.push(plan);
    }
    std::fs::write(dir.join("reorder_plan.json"), serde_json::to_string_pretty(&plans)?)?;
    let ranked = rank(recommendations);
    std::fs::write(dir.join("recommendations.json"), serde_json::to_string_pretty(&ranked)?)?;
    let top = ranked
        .first()
        .map_or_else(|| "none".into(), |r| format!("{} ({})", r.recommendation.target, r.recommendation.rationale));
    log(
        "decide",
        format!(
            "{} reorder lines, {} units in all; {} recommendations, first: {top}",
            plans.len(),
            plans.iter().map(|p| p.order_quantity).sum::<f64>().round(),
            ranked.len()
        ),
    );

    // The agent, on the analyst's permissions.
    scope.entitlements()?.require(features::AGENT)?;
    let asked = ask(p, people, &id, panel, pipeline, t)?;

    // Metering and the month's invoice so far.
    let now = p.clock.now();
    let day = now.date_naive();
    let usage = [
        UsageEvent::new(format!("stream-{day}"), limits::API_CALLS, week.engine.stats().scored, now),
        UsageEvent::new(format!("agent-{day}"), limits::API_CALLS, asked as u64, now),
    ];
    let ingested = scope.ingest_batch(&usage)?;
    let tenant = scope.tenant()?;
    let invoice = scope.invoice(BillingPeriod::containing(now, tenant.timezone))?;
    log(
        "bill",
        format!(
            "{} usage events ({} duplicates); {} invoice so far: {} lines, total {}",
            ingested.accepted,
            ingested.duplicates,
            invoice.period.key(),
            invoice.lines.len(),
            invoice.currency.format_minor(invoice.total_minor)
        ),
    );
    let trail = p.security.audit_trail(&people.admin, Some(&id), &forecast::security::AuditQuery::new())?;
    log("audit", format!("the admin reads {} audit rows of {}", trail.len(), t.id));
    Ok(())
}

/// Five questions to the agent, as the analyst; returns how many were answered.
fn ask(
    p: &Platform,
    people: &People,
    id: &TenantId,
    panel: &Panel,
    pipeline: ForecastPipeline,
    t: &TenantSpec,
) -> Fallible<usize> {
    let ctx = ToolContext::new(Arc::new(panel.clone()), Arc::new(pipeline));
    let mut tools = ToolRegistry::new();
    tools.register(Arc::new(ForecastTool::new(ctx.clone())))?;
    tools.register(Arc::new(BacktestTool::refitting(ctx.clone(), Arc::new(recipe(panel)?))))?;
    let permissions = Arc::new(p.security.permissions(&people.analyst, id));
    let registry = RegistryTools::new(p.registry.tenant(id), format!("ana@{}", t.id), p.clock.clone())
        .data(ctx.clone())
        .default_model(MODEL);
    for tool in registry
        .tools()
        .into_iter()
        .chain(forecast::xai::tools::tools(&ctx))
        .chain(forecast::decisions::tools::tools(&ctx))
    {
        tools.register(tool)?;
    }
    let planner = RulePlanner::new(Vocabulary::from_panel(panel, "store", "item")?.models([MODEL]), p.clock.clone());
    let executor = Executor::new(Arc::new(tools), p.clock.clone(), p.audit.clone()).with_permission(permissions);
    let questions = [
        "how much will store_01 sell of item_01 next week?",
        "how much should store_01 reorder of item_02 for next week?",
        "why is the forecast for store_02 item_01 next week so high?",
        "how accurate is the model for store_01?",
        "show the history of the demand model",
    ];
    let mut answered = 0;
    for q in questions {
        let answer = match planner.plan(q)? {
            PlanOutcome::Clarify(c) => format!("(asks back) {}", c.question),
            PlanOutcome::Plan(plan) => {
                answered += 1;
                executor.run(&plan, &Confirmation::none())?.answer.text
            }
        };
        println!("[{}] agent     Q: {q}\n{:>12}A: {}", t.id, "", answer.lines().next().unwrap_or(""));
    }
    Ok(answered)
}

/// One tenant's manager tries the other's model, data and report: each must be refused.
fn cross_tenant(p: &Platform, from: &TenantSpec, to: &TenantSpec) -> Fallible<()> {
    let theirs = TenantId::new(to.id)?;
    let manager = p.security.login(&format!("max@{}", from.id), PASSWORD)?.0;
    let attempts: [(&str, Result<(), SecurityError>); 3] = [
        ("model", p.security.model_store(&manager, &theirs, &p.models).map(drop)),
        ("data", p.security.data_scope(&manager, &theirs).map(drop)),
        (
            "report",
            p.security
                .require(&manager, Permission::ViewForecasts, &Resource::tenant(&theirs).named("report"))
                .map(drop),
        ),
    ];
    for (what, attempt) in attempts {
        match attempt {
            Err(e) => println!("[isolation] max@{} on {}'s {what}: refused ({e})", from.id, to.id),
            Ok(()) => return Err(format!("max@{} read {}'s {what}", from.id, to.id).into()),
        }
    }
    Ok(())
}

fn main() -> Fallible<()> {
    let started = Instant::now();
    let out = PathBuf::from(DIR);
    let p = open(&out)?;
    let first = TenantId::new(tenants()[0].id)?;
    // Each run tags the versions it registers; the next run is one past the last tagged.
    let runs = p.registry.tenant(&first).versions(MODEL)?;
    let run = runs.iter().filter_map(|v| v.tags.get("run")?.parse::<usize>().ok()).max().map_or(0, |r| r + 1);
    p.clock.set(today(run)?);
    println!(
        "[setup] {} run {} ({}), database {}",
        if run == 0 { "first" } else { "continued" },
        run + 1,
        p.clock.now().date_naive(),
        out.join("forecast.db").display()
    );
    let ops = operator(&p)?;
    let specs = tenants();
    for t in &specs {
        run_tenant(&p, &ops, t, run, &out)?;
    }
    cross_tenant(&p, &specs[1], &specs[0])?;
    match p.audit.verify()? {
        v if v.is_intact() => println!("[audit] chain of {} rows intact", p.audit.query(&Default::default())?.len()),
        v => return Err(format!("audit chain broken: {v:?}").into()),
    }
    println!("[done] {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
