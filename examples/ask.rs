//! Ask a business question about the default generated panel (5 stores x 10 items, 730 days).
//!
//! The agent plans the question with the deterministic planner, runs the tool calls (the
//! forecast and backtest tools of forecast-core, the explain, drop, what-if and segment tools of
//! forecast-xai, the reorder, lost-sales, pricing and recommendation tools of
//! forecast-decisions, and the registry tools of forecast-mlops over a temporary SQLite
//! registry holding two versions of the fitted pipeline `demand`), and
//! answers in words with the numbers and a replayable trace.
//!
//! ```text
//! cargo run --release --example ask -- "how much will store 3 sell of item 4 next week?"
//! cargo run --release --example ask -- "how accurate is the model for store 2?" --json
//! cargo run --release --example ask -- "roll back the demand model" --user max --yes
//! cargo run --release --example ask -- --repl
//! ```
//!
//! | Flag | Default | Purpose |
//! |---|---|---|
//! | `--json` | off | print one JSON object last on stdout: question, plan, answer, clarify, trace |
//! | `--repl` | off | a session: one question per line, `quit` to end; mutating steps ask for confirmation |
//! | `--yes` | off | confirm the plan's mutating steps (promote, rollback) |
//! | `--user` | `ana` | who asks: `ana` (analyst: reads only) or `max` (manager: may promote and roll back) |
//!
//! Mutating tools run only when the user's role allows it (forecast-security's
//! `PermissionCheck`) and the step is confirmed; every mutating call is audited.

use forecast::agent::{Confirmation, Executor, PlanOutcome, Planner, RulePlanner, ToolRegistry, Vocabulary};
use forecast::core::data::default_panel;
use forecast::core::features::FeatureSpec;
use forecast::core::forecast::{GlobalForecaster, Strategy};
use forecast::core::gbdt::{Gbdt, Objective};
use forecast::core::tenant::TenantId;
use forecast::core::tool::{BacktestTool, ForecastTool, ToolContext};
use forecast::core::{ManualClock, NewModelVersion, ParamGuard, PermissionCheck};
use forecast::mlops::Registry;
use forecast::mlops::tools::RegistryTools;
use forecast::security::{Assignment, AuditKey, AuditLog, Domain, Scope, Security, SecurityConfig};
use forecast::tenancy::{NewTenant, TenantStore};
use serde_json::{Value, json};
use std::io::{BufRead, Write};
use std::sync::Arc;

type Error = Box<dyn std::error::Error>;

/// Days of history the previous version (`demand@1`) was fitted without.
const PREVIOUS_GAP: usize = 28;

struct Options {
    question: Option<String>,
    json: bool,
    repl: bool,
    yes: bool,
    user: String,
}

fn options() -> Result<Options, Error> {
    let mut o = Options { question: None, json: false, repl: false, yes: false, user: "ana".into() };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => o.json = true,
            "--repl" => o.repl = true,
            "--yes" => o.yes = true,
            "--user" => o.user = args.next().ok_or("--user needs a name: ana or max")?,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown flag {flag}; accepted: --json, --repl, --yes, --user ana|max").into());
            }
            _ if o.question.is_some() => return Err("give one question (in quotes)".into()),
            _ => o.question = Some(a),
        }
    }
    if o.question.is_none() && !o.repl {
        return Err("usage: ask \"QUESTION\" [--json] [--yes] [--user ana|max] | ask --repl".into());
    }
    Ok(o)
}

/// The planner and the executor, with the tools of every crate registered.
struct Agent {
    planner: RulePlanner,
    executor: Executor,
}

fn setup(dir: &std::path::Path, user: &str) -> Result<Agent, Error> {
    let panel = default_panel();
    let last = panel.series.iter().filter_map(|s| panel.date(s, s.len().checked_sub(1)?)).max().ok_or("empty panel")?;
    // "Today" is the morning after the last observed day, so "next week" starts tomorrow.
    let today = (last + chrono::TimeDelta::days(1)).and_hms_opt(9, 0, 0).ok_or("date")?.and_utc();
    let clock = Arc::new(ManualClock::new(today));

    // Two versions of one configuration: v1 fitted 28 days ago, v2 on all history (champion).
    let features = FeatureSpec::for_frequency(panel.frequency).retain_available(&panel.regressor_names);
    let gbdt = Gbdt::params().objective(Objective::Poisson).n_rounds(80).num_leaves(31).seed(7).check()?;
    let config = GlobalForecaster::new("demand", gbdt, features).strategy(Strategy::Recursive);
    let ends: Vec<usize> = panel.series.iter().map(|s| s.len().saturating_sub(PREVIOUS_GAP)).collect();
    let previous = config.fit_pipeline_until(&panel, &ends)?;
    let pipeline = config.fit_pipeline(&panel)?;

    // Tenancy, security and the registry share one SQLite file, as in `examples/security.rs`.
    let path = dir.join("forecast.db");
    let audit = Arc::new(AuditLog::open(&path, AuditKey::generate()?)?);
    let tenants = Arc::new(TenantStore::open(&path, clock.clone(), audit.clone())?);
    let security =
        Arc::new(Security::open(&path, clock.clone(), tenants.clone(), audit.clone(), SecurityConfig::default())?);
    let acme = TenantId::new("acme")?;
    security.bootstrap_admin("ops", "seven lanterns over the harbour")?;
    let (ops, _) = security.login("ops", "seven lanterns over the harbour")?;
    tenants.create_tenant(NewTenant::new("acme", "Acme Retail", "pro")?, &security.operator(&ops))?;
    for (name, role) in [("ana", "analyst"), ("max", "manager")] {
        security.create_user(&ops, name, "orange kettle drifting north")?;
        security.assign_role(&ops, name, &Assignment::new(role, Domain::tenant(&acme), Scope::all()))?;
    }
    let (session, _) = security
        .login(user, "orange kettle drifting north")
        .map_err(|e| format!("--user {user}: {e} (users: ana, max)"))?;
    let permissions = Arc::new(security.permissions(&session, &acme));

    let registry = Registry::open(&path, clock.clone(), audit.clone())?.tenant(&acme);
    for (fitted, why) in [(previous, "fitted 28 days ago"), (pipeline.clone(), "refitted on all history")] {
        let v = registry.register(NewModelVersion::new("demand", fitted.into(), "ops"))?;
        registry.set_alias("demand", "champion", v.version, "ops", why)?;
    }

    let ctx = ToolContext::new(Arc::new(panel.clone()), Arc::new(pipeline));
    let mut tools = ToolRegistry::new();
    tools.register(Arc::new(ForecastTool::new(ctx.clone())))?;
    tools.register(Arc::new(BacktestTool::refitting(ctx.clone(), Arc::new(config))))?;
    let mlops =
        RegistryTools::new(registry, permissions.actor(), clock.clone()).data(ctx.clone()).default_model("demand");
    for tool in mlops.tools() {
        tools.register(tool)?;
    }
    // Every crate with tools exposes `tools(&ctx) -> Vec<Arc<dyn Tool>>`.
    for tool in forecast::xai::tools::tools(&ctx).into_iter().chain(forecast::decisions::tools::tools(&ctx)) {
        tools.register(tool)?;
    }

    let vocabulary = Vocabulary::from_panel(&panel, "store", "item")?.models(["demand"]);
    let planner = RulePlanner::new(vocabulary, clock.clone());
    let executor = Executor::new(Arc::new(tools), clock, audit).with_permission(permissions);
    Ok(Agent { planner, executor })
}

/// Plan, confirm (when `confirm` says so) and run one question; the JSON object of `--json`.
fn ask(agent: &Agent, question: &str, confirm: &mut dyn FnMut(&str) -> bool) -> Result<Value, Error> {
    let plan = match agent.planner.plan(question)? {
        PlanOutcome::Clarify(c) => {
            let mut clarify = c.question.clone();
            if !c.options.is_empty() {
                clarify.push_str(&format!(" (for example: {})", c.options.join(", ")));
            }
            return Ok(json!({"question": question, "plan": [], "answer": "", "clarify": clarify, "trace": []}));
        }
        PlanOutcome::Plan(plan) => plan,
    };
    let steps: Vec<Value> =
        plan.steps.iter().map(|s| json!({"id": s.id, "tool": s.tool, "args": s.args, "after": s.after})).collect();
    let missing: Vec<&str> =
        plan.steps.iter().map(|s| s.tool.as_str()).filter(|t| !agent.executor.registry().contains(t)).collect();
    if !missing.is_empty() {
        let answer = format!(
            "I understood the question, but this setup has no {} tool registered; nothing was run.",
            missing.join(", ")
        );
        return Ok(json!({"question": question, "plan": steps, "answer": answer, "clarify": null, "trace": []}));
    }
    let mut confirmation = Confirmation::none();
    for step in agent.executor.needs_confirmation(&plan) {
        if confirm(&format!("{} {}", step.tool, step.args)) {
            confirmation = confirmation.confirm(step);
        }
    }
    let run = agent.executor.run(&plan, &confirmation)?;
    Ok(json!({
        "question": question,
        "plan": steps,
        "answer": run.answer.text,
        "clarify": null,
        "trace": serde_json::to_value(&run.trace.entries)?,
    }))
}

fn print(out: &Value, as_json: bool) -> Result<(), Error> {
    if as_json {
        println!("{}", serde_json::to_string(out)?);
        return Ok(());
    }
    if let Some(c) = out["clarify"].as_str() {
        println!("? {c}");
        return Ok(());
    }
    for s in out["plan"].as_array().into_iter().flatten() {
        println!("  plan {}: {} {} after {}", s["id"], s["tool"].as_str().unwrap_or("?"), s["args"], s["after"]);
    }
    println!("{}", out["answer"].as_str().unwrap_or(""));
    Ok(())
}

fn main() -> Result<(), Error> {
    let o = options()?;
    let dir = tempfile::tempdir()?;
    let agent = setup(dir.path(), &o.user)?;
    if let Some(q) = &o.question {
        let mut confirm = |_: &str| o.yes;
        print(&ask(&agent, q, &mut confirm)?, o.json)?;
    }
    if o.repl {
        let stdin = std::io::stdin();
        let mut lines = stdin.lock().lines();
        loop {
            print!("ask> ");
            std::io::stdout().flush()?;
            let Some(line) = lines.next().transpose()? else { break };
            let q = line.trim().to_string();
            if matches!(q.as_str(), "quit" | "exit") {
                break;
            }
            if q.is_empty() {
                continue;
            }
            // Each step that changes state is confirmed on its own line (or by --yes).
            let mut confirm = |step: &str| {
                if o.yes {
                    return true;
                }
                print!("{step} changes state. Run it? [y/N] ");
                let _ = std::io::stdout().flush();
                matches!(lines.next().and_then(Result::ok).as_deref().map(str::trim), Some("y" | "Y" | "yes"))
            };
            match ask(&agent, &q, &mut confirm) {
                Ok(out) => print(&out, o.json)?,
                Err(e) => println!("error: {e}"),
            }
        }
    }
    Ok(())
}
