//! The report's minimal-change question, in a store manager's words: what gets one item of one
//! store to +X% units over the next days? Levers: a promotion on chosen days, one discount and
//! one shelf price for the whole window; the holiday plan is fixed. The data carry no costs, so
//! the unit cost is assumed as a share of the planned shelf price and stated.

use super::{Args, UNIT};
use forecast::core::Panel;
use forecast::core::pipeline::ForecastPipeline;
use forecast::xai::counterfactual::{
    CellChange, Lever, PlanAnswer, PlanConstraint, PlanQuestion, PlanTarget, SearchParams, plan_counterfactuals,
};
use forecast::xai::format::{money, number, signed, with_unit};
use forecast::xai::report::{CounterfactualRow, CounterfactualTable};
use std::time::Instant;

/// Currency of prices, revenue and margin (the data carry none; en-US).
pub(crate) const CURRENCY: &str = "$";

type Error = Box<dyn std::error::Error>;

/// The series of `store` and `item`, or the store's best seller over its last 28 days.
fn series_of(panel: &Panel, store: &str, item: Option<&str>) -> Result<usize, String> {
    let recent = |s: usize| -> f64 {
        let t = &panel.series[s].target;
        t[t.len().saturating_sub(28)..].iter().filter(|v| v.is_finite()).sum()
    };
    (0..panel.series.len())
        .filter(|&s| {
            let key = &panel.series[s].key.0;
            key.first().is_some_and(|k| k == store) && item.is_none_or(|i| key.get(1).is_some_and(|k| k == i))
        })
        .max_by(|&a, &b| recent(a).total_cmp(&recent(b)))
        .ok_or_else(|| format!("no series with store {store} and item {item:?}"))
}

/// Values of regressor `name` of series `s` at 0-based steps `0..horizon` of `panel`'s plan.
fn plan(panel: &Panel, s: usize, name: &str, horizon: usize) -> Result<Vec<f64>, String> {
    let j = panel.regressor_index(name).ok_or_else(|| format!("the panel has no regressor {name}"))?;
    let ser = &panel.series[s];
    Ok(ser.regressors[j][ser.len()..ser.len() + horizon].to_vec())
}

/// Revenue (units x price after discount) and margin (revenue - units x cost) of per-step `units`.
fn money_of(panel: &Panel, s: usize, units: &[f64], cost: f64) -> Result<(f64, f64), String> {
    let (price, discount) = (plan(panel, s, "price", units.len())?, plan(panel, s, "discount", units.len())?);
    let revenue: f64 = units.iter().zip(price.iter().zip(&discount)).map(|(u, (p, d))| u * p * (1.0 - d)).sum();
    Ok((revenue, revenue - cost * units.iter().sum::<f64>()))
}

/// The changes of one regressor in words, e.g. "promotion on Tue Jan 02 and Wed Jan 03".
fn lever_words(regressor: &str, changes: &[&CellChange], horizon: usize) -> String {
    let value = |v: f64| match regressor {
        "discount" => format!("{} off", with_unit(100.0 * v, "%")),
        "price" => format!("shelf price {}", money(v, CURRENCY)),
        "promo" if v > 0.5 => "promotion".to_string(),
        "promo" => "no promotion".to_string(),
        other => format!("{other} {}", number(v)),
    };
    let same = changes.windows(2).all(|w| w[0].to.to_bits() == w[1].to.to_bits());
    let first = changes.first().map_or(0.0, |c| c.to);
    if same && changes.len() == horizon {
        return format!("{} for all {horizon} days", value(first));
    }
    let days: Vec<String> = changes
        .iter()
        .map(|c| c.date.map_or_else(|| format!("day {}", c.step), |d| d.format("%a %b %d").to_string()))
        .collect();
    let days = match days.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => days.join(""),
    };
    if same {
        format!("{} on {days}", value(first))
    } else {
        changes.iter().map(|c| format!("{} on day {}", value(c.to), c.step)).collect::<Vec<_>>().join(", ")
    }
}

/// One answer in words, with a warning when a discount takes the price below the unit cost.
fn answer_words(a: &PlanAnswer, panel: &Panel, horizon: usize, cost: f64) -> Result<String, Error> {
    let mut parts = Vec::new();
    for lever in &a.levers {
        let cs: Vec<&CellChange> = a.changes.iter().filter(|c| &c.regressor == lever).collect();
        parts.push(lever_words(lever, &cs, horizon));
    }
    let changed = a.apply(panel)?;
    let (price, discount) =
        (plan(&changed, a.series, "price", horizon)?, plan(&changed, a.series, "discount", horizon)?);
    let lowest = price.iter().zip(&discount).map(|(p, d)| p * (1.0 - d)).fold(f64::INFINITY, f64::min);
    let mut words = parts.join("; ");
    if let Some(c) = words.get(..1) {
        words = c.to_uppercase() + &words[1..];
    }
    if lowest < cost {
        words.push_str(&format!(
            " (sells at {} after discount, below the {} unit cost)",
            money(lowest, CURRENCY),
            money(cost, CURRENCY)
        ));
    }
    Ok(words)
}

/// Ask the question and tabulate its answers for the report; prints them with the search's
/// evaluation count and time.
pub(crate) fn minimal_change(
    pipeline: &ForecastPipeline,
    panel: &Panel,
    args: &Args,
) -> Result<CounterfactualTable, Error> {
    let s = series_of(panel, &args.question_store, args.question_item.as_deref())?;
    let key = panel.series[s].key.0.join(" ");
    let h = args.horizon;
    let prices = plan(panel, s, "price", h)?;
    let mean_price = prices.iter().sum::<f64>() / h as f64;
    let cost = (100.0 * args.cost_share * mean_price).round() / 100.0;
    let highest = prices.iter().copied().fold(cost, f64::max);
    let question = PlanQuestion {
        series: s,
        steps: (1..=h).collect(),
        levers: vec![
            Lever::per_step("promo", 0.0, 1.0).with_step(1.0),
            Lever::window("discount", 0.0, 0.5).with_step(0.05),
            Lever::window("price", cost, highest).with_step(0.01),
            Lever::fixed("holiday"),
        ],
        constraints: vec![
            PlanConstraint::at_most("discount", 0.5, "discount at most 50%"),
            PlanConstraint::at_least("price", cost, "shelf price at least the unit cost"),
        ],
        target: PlanTarget::at_least_pct(args.question_pct),
    };
    let params = SearchParams {
        max_evaluations: args.question_budget.unwrap_or(SearchParams::default().max_evaluations),
        ..SearchParams::default()
    };
    let started = Instant::now();
    let found = plan_counterfactuals(pipeline, panel, &question, params)?;
    let seconds = started.elapsed().as_secs_f64();
    let title = format!("What gets {key} to {}% units over the next {h} days?", signed(args.question_pct));
    let promo_days: Vec<String> = plan(panel, s, "promo", h)?
        .iter()
        .enumerate()
        .filter(|(_, q)| **q > 0.5)
        .map(|(k, _)| {
            panel
                .date(&panel.series[s], panel.series[s].len() + k)
                .map_or_else(|| format!("day {}", k + 1), |d| d.format("%a %b %d").to_string())
        })
        .collect();
    let discounts = plan(panel, s, "discount", h)?;
    let (dlo, dhi) = discounts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &d| (a.min(d), b.max(d)));
    let discount_words = if dlo == dhi {
        with_unit(100.0 * dlo, "%")
    } else {
        format!("{} to {}", with_unit(100.0 * dlo, "%"), with_unit(100.0 * dhi, "%"))
    };
    let notes = vec![
        format!(
            "The plan as given: {}, a discount of {discount_words}, {}.",
            if promo_days.is_empty() {
                "no promotion".to_string()
            } else {
                format!("a promotion on {}", promo_days.join(", "))
            },
            price_words(&prices),
        ),
        format!(
            "Unit cost assumed at {} ({} of the planned mean shelf price {}; the data carry no costs). \
             Constraint used: shelf price >= unit cost; margin = revenue - units x unit cost.",
            money(cost, CURRENCY),
            with_unit(100.0 * args.cost_share, "%"),
            money(mean_price, CURRENCY),
        ),
        format!(
            "Levers: a promotion on up to {} chosen days, one discount for all {h} days (0% to 50% in 5-point steps, \
             at most 50%), one shelf price for all {h} days ({} to {}); the holiday plan stays.",
            params.max_changes,
            money(cost, CURRENCY),
            money(highest, CURRENCY),
        ),
        format!(
            "Every candidate plan is forecast again through the model ({} plans searched); fewest changes first.",
            number(found.evaluations as f64)
        ),
    ];
    let origins: Vec<Option<usize>> =
        (0..panel.series.len()).map(|o| (o == s).then(|| panel.series[o].len())).collect();
    let planned = pipeline.forecast_from(panel, &origins, h)?;
    let units: Vec<f64> = planned.series.iter().flat_map(|f| f.point.iter().copied()).collect();
    let (baseline_revenue, baseline_margin) = money_of(panel, s, &units, cost)?;
    let mut rows = Vec::new();
    for a in &found.answers {
        let units: Vec<f64> = a.outcome.steps.iter().map(|k| k.scenario).collect();
        let (revenue, margin) = money_of(&a.apply(panel)?, s, &units, cost)?;
        rows.push(CounterfactualRow {
            change: answer_words(a, panel, h, cost)?,
            units: a.total,
            change_pct: 100.0 * (a.total / found.baseline - 1.0),
            revenue: Some(revenue),
            margin: Some(margin),
        });
    }
    println!("{title}");
    println!(
        "  search: {} plans forecast in {seconds:.2} s (budget {}); as planned {}",
        found.evaluations,
        params.max_evaluations,
        with_unit(found.baseline, UNIT)
    );
    for n in &notes {
        println!("  {n}");
    }
    for r in &rows {
        println!(
            "  - {}: {} ({}%), revenue {}, margin {}",
            r.change,
            with_unit(r.units, UNIT),
            signed(r.change_pct),
            r.revenue.map_or_else(|| "n/a".into(), |v| money(v, CURRENCY)),
            r.margin.map_or_else(|| "n/a".into(), |v| money(v, CURRENCY)),
        );
    }
    if rows.is_empty() {
        println!("  no change within the levers and constraints reaches the target");
    }
    Ok(CounterfactualTable {
        title,
        unit: UNIT.into(),
        currency: CURRENCY.into(),
        baseline: found.baseline,
        target: found.target.lower,
        baseline_revenue: Some(baseline_revenue),
        baseline_margin: Some(baseline_margin),
        notes,
        rows,
    })
}

/// The question's first (sparsest) answer as a summary sentence.
pub(crate) fn summary(t: &CounterfactualTable) -> String {
    let margin = |m: Option<f64>| m.map_or_else(|| "n/a".into(), |m| money(m, &t.currency));
    match t.rows.first() {
        Some(a) => format!(
            "{} The fewest changes that do it: {} ({}, {}% against the plan's {}), margin {} instead of {}{}.",
            t.title,
            lower_first(&a.change),
            with_unit(a.units, &t.unit),
            signed(a.change_pct),
            with_unit(t.baseline, &t.unit),
            margin(a.margin),
            margin(t.baseline_margin),
            if t.rows.len() > 1 { format!("; {} other answers below", t.rows.len() - 1) } else { String::new() },
        ),
        None => format!("{} No change within the levers and constraints gets there.", t.title),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_lowercase().chain(c).collect())
}

/// "shelf price $5.50", or "shelf prices $4.99 to $5.50" when they vary.
fn price_words(prices: &[f64]) -> String {
    let lo = prices.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = prices.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (a, b) = (money(lo, CURRENCY), money(hi, CURRENCY));
    if a == b { format!("shelf price {a}") } else { format!("shelf prices {a} to {b}") }
}
