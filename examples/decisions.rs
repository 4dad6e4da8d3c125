//! Decisions on the built-in retail panel: reorder plans from the forecast's quantiles, the
//! sales lost to stockouts last quarter, the best discount for two items with their demand
//! curves (SVG), a promotion budget, a store-expansion what-if, and one ranked list of
//! recommendations (JSON).
//!
//! `cargo run -p forecast-examples --example decisions [-- --out out/decisions --truth --all-items]`
//!
//! The panel is the generator's, so `--truth` also prints each estimate against the ground
//! truth the data hide (demand before censoring, item elasticities, true profits), and
//! `--all-items` prices every item, not only the two charted.

use clap::Parser;
use forecast::core::data::{GeneratedData, default_data};
use forecast::core::features::FeatureSpec;
use forecast::core::forecast::GlobalForecaster;
use forecast::core::gbdt::{Gbdt, Objective};
use forecast::core::{ForecastPipeline, ParamGuard};
use forecast::decisions::expansion::{DemandPoint, ExistingStore, HuffModel, HuffStore, project_analog};
use forecast::decisions::lost_sales::{Censoring, LostSalesOptions, LostSalesReport, estimate_lost_sales};
use forecast::decisions::pricing::{
    HistorySpec, LeverCurve, LeverKind, OffsetSpec, PipelineCurve, PriceConstraints, PriceLadder, PricingDecision,
    SimulatedCurve, allocate_budget, discount_elasticity, elasticity_from_history, optimise_lever, planned_promotions,
    support_levels,
};
use forecast::decisions::recommend::expansion_recommendation;
use forecast::decisions::reorder::{ReorderSettings, plan_series};
use forecast::decisions::special::normal_cdf;
use forecast::decisions::{Action, Evidence, Recommendation, rank};
use plotters::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Debug, Parser)]
#[command(about = "Reorder plans, lost sales, discounts, expansion and recommendations on the built-in panel")]
struct Args {
    /// Output folder for the charts and recommendations.json.
    #[arg(long, default_value = "out/decisions")]
    out: PathBuf,
    /// Boosting rounds of the point GBDT.
    #[arg(long, default_value_t = 300)]
    rounds: usize,
    /// Boosting rounds of each quantile GBDT (0.1, 0.5, 0.9) behind the reorder plans.
    #[arg(long, default_value_t = 100)]
    quantile_rounds: usize,
    /// The two items to price and chart.
    #[arg(long, num_args = 2, default_values_t = ["item_01".to_string(), "item_05".to_string()])]
    items: Vec<String>,
    /// Unit cost as a share of the item's base price.
    #[arg(long, default_value_t = 0.4)]
    cost_share: f64,
    /// Print estimates against the generator's ground truth.
    #[arg(long)]
    truth: bool,
    /// Price every item (table), not only the two charted.
    #[arg(long)]
    all_items: bool,
}

fn main() -> Fallible<()> {
    let args = Args::parse();
    let started = Instant::now();
    let data = default_data();
    let panel = &data.panel;
    let censoring = Censoring::from_records(panel, &data.records)?;
    println!(
        "panel: {} series x {} days; {} stockout days censored (sales hit the stock)",
        panel.series.len(),
        panel.series[0].len(),
        censoring.count()
    );
    let pipeline = fit(&args, &data, &censoring)?;
    println!(
        "fitted a Poisson GBDT and 0.1/0.5/0.9 quantile GBDTs on uncensored days in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::create_dir_all(&args.out)?;
    let mut recommendations = reorder_plans(&data, &pipeline, &args)?;
    let lost = lost_sales(&data, &pipeline, &censoring, &args)?;
    recommendations.extend(investigate(&data, &lost, args.cost_share)?);
    let mut decisions = Vec::new();
    let items: Vec<String> =
        if args.all_items { data.truth.items.iter().map(|i| i.name.clone()).collect() } else { args.items.clone() };
    println!("\n== best discount for the planned promotion (unit cost {:.0}% of base price)", 100.0 * args.cost_share);
    for name in &items {
        let chart = args.items.contains(name);
        let priced = price_item(&data, &pipeline, &censoring, name, &args, chart)?;
        recommendations.extend(priced.recommendation.clone());
        if chart {
            decisions.push((name.clone(), priced.decision));
        }
    }
    budget(&decisions)?;
    recommendations.push(expansion(&data)?);
    let ranked = rank(recommendations);
    println!("\n== ranked recommendations (score = expected value x confidence)");
    for r in ranked.iter().take(12) {
        let rec = &r.recommendation;
        println!("{:>2}. {:>9.0} {:<22} {}", r.rank, r.score, rec.target, rec.rationale);
    }
    let json = args.out.join("recommendations.json");
    std::fs::write(&json, serde_json::to_string_pretty(&ranked)?)?;
    println!(
        "\n{} recommendations -> {}\ndone in {:.1} s",
        ranked.len(),
        json.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Point and quantile GBDTs on the panel with censored days masked.
fn fit(args: &Args, data: &GeneratedData, censoring: &Censoring) -> Fallible<ForecastPipeline> {
    let features = FeatureSpec::for_frequency(data.panel.frequency).retain_available(&data.panel.regressor_names);
    let learner = |objective, rounds| {
        Gbdt::params().objective(objective).n_rounds(rounds).min_data_in_leaf(100).lambda_l2(10.0).check()
    };
    let mut model = GlobalForecaster::new("gbdt", learner(Objective::Poisson, args.rounds)?, features);
    for alpha in [0.1, 0.5, 0.9] {
        model = model.quantile(alpha, learner(Objective::Quantile { alpha }, args.quantile_rounds)?);
    }
    Ok(model.fit_pipeline(&censoring.mask(&data.panel)?)?)
}

/// Reorder plans for store_01's first five items: lead time 2 days, daily review, 95% cycle
/// service, the position being last night's closing stock.
fn reorder_plans(data: &GeneratedData, pipeline: &ForecastPipeline, args: &Args) -> Fallible<Vec<Recommendation>> {
    let panel = &data.panel;
    let forecasts = pipeline.forecast(panel, 7)?;
    let mut closing: HashMap<(&str, &str), f64> = HashMap::new();
    for r in &data.records {
        closing.insert((&r.store, &r.item), r.on_hand.unwrap_or(0.0) - r.units);
    }
    let settings = ReorderSettings::default();
    println!("\n== reorder plans (lead time 2 + review 1 day, 95% cycle service, comonotone steps)");
    println!(
        "{:<20} {:>7} {:>7} {:>7} {:>9} {:>8} {:>9} {:>7}",
        "series", "p10", "p50", "p90", "reorder@", "safety", "position", "order"
    );
    let mut out = Vec::new();
    for sf in forecasts.series.iter().filter(|f| f.key.0[0] == "store_01").take(5) {
        let position = closing.get(&(sf.key.0[0].as_str(), sf.key.0[1].as_str())).copied().unwrap_or(0.0);
        let (plan, demand) = plan_series(sf, position, &settings)?;
        println!(
            "{:<20} {:>7.1} {:>7.1} {:>7.1} {:>9.1} {:>8.1} {:>9.0} {:>7.1}",
            plan.key.to_string(),
            plan.demand_p10,
            plan.demand_p50,
            plan.demand_p90,
            plan.reorder_point,
            plan.safety_stock,
            plan.inventory_position,
            plan.order_quantity
        );
        let item = data.truth.items.iter().find(|i| i.name == sf.key.0[1]).ok_or("unknown item")?;
        let unit_cost = args.cost_share * item.base_price;
        let price = panel.series[sf.series].regressors[0][panel.series[sf.series].len()];
        // A unit short loses its margin; a unit left over costs a week of carrying (0.5% a day).
        let rec = plan.recommendation(&demand, price - unit_cost, 0.035 * unit_cost, 0.95)?;
        out.extend(rec);
    }
    Ok(out)
}

/// Lost sales of the last quarter (the last 91 days).
fn lost_sales(
    data: &GeneratedData,
    pipeline: &ForecastPipeline,
    censoring: &Censoring,
    args: &Args,
) -> Fallible<LostSalesReport> {
    let panel = &data.panel;
    let last = panel.date(&panel.series[0], panel.series[0].len() - 1).ok_or("no last date")?;
    let from = last - chrono::TimeDelta::days(90);
    let quarter = censoring.between(panel, from, last)?;
    let report = estimate_lost_sales(pipeline, panel, &quarter, &LostSalesOptions::default())?;
    let (u, r) = (report.lost_units, report.lost_revenue.ok_or("no revenue")?);
    println!("\n== lost sales {from} .. {last}: {} stockout days in {} series", quarter.count(), report.series.len());
    println!(
        "units lost {:.0} (90% interval {:.0} .. {:.0}), revenue lost {:.0} ({:.0} .. {:.0}); sold {:.0} of an estimated {:.0} demand on those days",
        u.estimate, u.low, u.high, r.estimate, r.low, r.high, report.sales, report.demand
    );
    let mut worst: Vec<_> = report.series.iter().collect();
    worst.sort_by(|a, b| b.lost_units.estimate.total_cmp(&a.lost_units.estimate));
    for s in worst.iter().take(3) {
        println!(
            "  {:<20} {} days, {:.0} units lost ({:.0} .. {:.0})",
            s.key.to_string(),
            s.censored_periods,
            s.lost_units.estimate,
            s.lost_units.low,
            s.lost_units.high
        );
    }
    if args.truth {
        let truth: f64 = report.periods.iter().map(|p| data.truth.series[p.series].lost_sales[p.t]).sum();
        println!("truth: {truth:.0} units lost on those days; estimate {:+.1}%", 100.0 * (u.estimate / truth - 1.0));
    }
    Ok(report)
}

/// The series that lost the most margin to stockouts: look into its replenishment.
fn investigate(data: &GeneratedData, report: &LostSalesReport, cost_share: f64) -> Fallible<Option<Recommendation>> {
    let Some(worst) = report.series.iter().max_by(|a, b| {
        a.lost_revenue.map_or(0.0, |r| r.estimate).total_cmp(&b.lost_revenue.map_or(0.0, |r| r.estimate))
    }) else {
        return Ok(None);
    };
    let revenue = worst.lost_revenue.ok_or("no revenue")?;
    let margin = revenue.estimate * (1.0 - cost_share);
    let item = &data.truth.items[data.truth.series[worst.series].item];
    let rec = Recommendation::new(
        worst.key.to_string(),
        Action::InvestigateDrop { expected: worst.demand, actual: worst.sales },
        margin,
        (revenue.low / revenue.estimate).clamp(0.0, 1.0),
        format!(
            "stockouts cost {:.0} in revenue last quarter ({} days): review its replenishment",
            revenue.estimate, worst.censored_periods
        ),
        vec![
            Evidence::new("lost_units", worst.lost_units.estimate, "E[D - sales | D >= sales], summed"),
            Evidence::new("lost_revenue_low", revenue.low, "90% interval, lower end"),
            Evidence::new("unit_cost", cost_share * item.base_price, "share of the base price"),
        ],
    )?;
    Ok(Some(rec))
}

/// What pricing one item produced.
struct Priced {
    decision: PricingDecision,
    recommendation: Option<Recommendation>,
}

/// The best discount for `name`'s planned promotion in every store: the elasticity as the
/// combination (`combine_elasticities`: the mean, the simulated curve having no standard error)
/// of the pipeline's simulated curve over the item's past promotions (pooled across items, so
/// shrunk toward the pool) and the item-level offset regression on the pipeline's baseline
/// without promotions (`discount_elasticity` with `OffsetSpec::promotion_free`),
/// the level of its planned one,
/// a 25% minimum margin, at most 40% off, discounts in 5% steps.
fn price_item(
    data: &GeneratedData,
    pipeline: &ForecastPipeline,
    censoring: &Censoring,
    name: &str,
    args: &Args,
    chart: bool,
) -> Fallible<Priced> {
    let panel = &data.panel;
    let item_index = data.truth.items.iter().position(|i| i.name == name).ok_or_else(|| format!("no item {name}"))?;
    let truth = &data.truth.items[item_index];
    let unit_cost = args.cost_share * truth.base_price;
    let series: Vec<usize> = (0..panel.series.len()).filter(|&s| panel.series[s].key.0[1] == name).collect();
    let levels: Vec<f64> =
        support_levels(panel, &series, "discount")?.into_iter().filter(|d| *d <= 0.4 + 1e-9).collect();
    let cells = planned_promotions(panel, &series, "promo")?;
    let plan_curve =
        PipelineCurve::new(pipeline, panel, LeverKind::Discount, "price", Some("discount"), cells.clone())?;
    let plan = plan_curve.simulate_grid(&levels)?;
    let used = discount_elasticity(
        pipeline,
        panel,
        &censoring.mask(panel)?,
        &series,
        "promo",
        28,
        0.4,
        &OffsetSpec::promotion_free(),
        Some(censoring),
    )?;
    let (e, offset, n_past) = (used.combined.elasticity, &used.offset, used.promotions);
    let fit = plan.smoothed_with_elasticity(e)?;
    let smooth = plan.lever_curve(&fit)?;
    let constraints = PriceConstraints {
        min_margin: Some(0.25),
        max_discount: Some(0.4),
        ladder: Some(PriceLadder::Step { start: 0.0, step: 0.05 }),
        ..PriceConstraints::default()
    };
    let grid: Vec<f64> = (0..=50).map(|i| f64::from(i) * 0.01).collect();
    let decision = optimise_lever(&smooth, unit_cost, &grid, &constraints)?;
    let history = elasticity_from_history(panel, &series, &HistorySpec::retail(), Some(censoring))?;
    let best = decision.best().ok_or("no feasible discount")?;
    let h = &history.estimate;
    println!(
        "{name}: planned promotion in {} stores ({} days), planned discount {:.0}%; elasticity {e:.2} (pipeline {:.2} from {n_past} past promotions, item offset {:.2}, 95% CI {:.2} .. {:.2}; history log-log {:.2}, 95% CI {:.2} .. {:.2})",
        cells.len(),
        cells.iter().map(|c| c.periods.len()).sum::<usize>(),
        100.0 * plan_curve.planned_value(),
        used.pipeline,
        offset.elasticity,
        offset.ci_low,
        offset.ci_high,
        h.elasticity,
        h.ci_low,
        h.ci_high
    );
    println!(
        "  best {:.0}% off: {:.0} units, profit {:.0} (planned {:.0}: {:+.0}); margin {:.0}%",
        100.0 * best.outcome.value,
        best.outcome.units,
        best.profit,
        decision.planned.profit,
        decision.uplift().unwrap_or(0.0),
        100.0 * best.margin
    );
    // True expected units and profit of the planned promotion at discount d.
    let true_outcome = |d: f64| -> (f64, f64) {
        cells.iter().flat_map(|c| c.periods.clone().map(move |t| (c.series, t))).fold((0.0, 0.0), |(u, p), (s, t)| {
            let price = panel.series[s].regressors[0][t];
            let units = data.truth.what_if(s, t, price, d, true).unwrap_or(f64::NAN);
            (u + units, p + (price * (1.0 - d) - unit_cost) * units)
        })
    };
    let true_profit = |d: f64| true_outcome(d).1;
    if args.truth {
        let (d_opt, p_opt) = grid
            .iter()
            .filter(|d| **d <= 0.4 + 1e-9)
            .map(|&d| (d, true_profit(d)))
            .fold((0.0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
        println!(
            "  truth: elasticity {:.2} (used {:+.0}%, history {:+.0}%); true optimum {:.0}% off, the chosen discount earns {:.1}% of its profit",
            truth.elasticity,
            100.0 * (e / truth.elasticity - 1.0),
            100.0 * (h.elasticity / truth.elasticity - 1.0),
            100.0 * d_opt,
            100.0 * true_profit(best.outcome.value) / p_opt
        );
    }
    if chart {
        let path = args.out.join(format!("discount_{name}.svg"));
        draw_curves(&path, name, &plan, &smooth, &decision, args.truth.then_some(&true_outcome))?;
        println!("  chart -> {}", path.display());
    }
    // Confidence: how well the history regression agrees with the elasticity used (the
    // two-sided p-value of that value under the regression's estimate).
    let agreement = 2.0 * (1.0 - normal_cdf(((e - h.elasticity) / h.std_error).abs()));
    let uplift = decision.uplift().unwrap_or(0.0);
    let recommendation = (uplift > 0.0 && best.outcome.value > 0.0)
        .then(|| {
            Recommendation::new(
                name,
                Action::Discount { discount: best.outcome.value },
                uplift,
                agreement.clamp(0.0, 1.0),
                format!(
                    "run the planned promotion at {:.0}% off: {uplift:+.0} profit over the plan",
                    100.0 * best.outcome.value
                ),
                vec![
                    Evidence::new(
                        "elasticity",
                        e,
                        "combine_elasticities of the simulated curve's and the item offset regression's (their mean)",
                    ),
                    Evidence::new(
                        "elasticity_pipeline",
                        used.pipeline,
                        "simulated discount curve over past promotions",
                    ),
                    Evidence::new(
                        "elasticity_offset",
                        offset.elasticity,
                        "item Poisson regression on the pipeline's promotion-free baseline, lift free",
                    ),
                    Evidence::new("elasticity_history", h.elasticity, "log-log regression with retail controls"),
                    Evidence::new("unit_cost", unit_cost, "cost of a unit"),
                    Evidence::new("planned_profit", decision.planned.profit, "profit at the planned discount"),
                ],
            )
        })
        .transpose()?;
    Ok(Priced { decision, recommendation })
}

/// Units and profit against the discount: the pipeline's simulated points (a tree's
/// staircase), the smooth curve it is optimised on, the constraint-feasible candidates, and the
/// true profit when known.
fn draw_curves(
    path: &Path,
    name: &str,
    plan: &SimulatedCurve,
    smooth: &dyn LeverCurve,
    decision: &PricingDecision,
    truth: Option<&dyn Fn(f64) -> (f64, f64)>,
) -> Fallible<()> {
    let root = SVGBackend::new(path, (900, 640)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(320);
    let fine: Vec<f64> = (0..=80).map(|i| f64::from(i) * 0.005).collect();
    let smooth_points: Vec<(f64, f64, f64)> = fine
        .iter()
        .filter_map(|&d| smooth.outcome(d).ok().map(|o| (d, o.units, o.revenue - decision.unit_cost * o.units)))
        .collect();
    let true_points: Vec<(f64, f64, f64)> =
        truth.map(|t| fine.iter().map(|&d| (d, t(d).0, t(d).1)).collect()).unwrap_or_default();
    let units_max = plan
        .points
        .iter()
        .map(|p| p.units)
        .chain(smooth_points.iter().chain(&true_points).map(|p| p.1))
        .fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(&top)
        .caption(format!("{name}: units over the planned promotion, by discount"), ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..0.4, 0.0..units_max * 1.1)?;
    chart.configure_mesh().x_desc("discount").y_desc("units").light_line_style(WHITE).draw()?;
    let staircase: Vec<(f64, f64)> = plan.points.iter().map(|p| (p.value, p.units)).collect();
    chart
        .draw_series(LineSeries::new(staircase.clone(), BLUE.mix(0.5)))?
        .label("pipeline what-if at discount levels seen in history")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLUE.mix(0.5)));
    chart.draw_series(staircase.iter().map(|p| Circle::new(*p, 4, BLUE.filled())))?;
    chart
        .draw_series(LineSeries::new(smooth_points.iter().map(|p| (p.0, p.1)), RED.stroke_width(2)))?
        .label("constant-elasticity fit (what is optimised)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], RED));
    if !true_points.is_empty() {
        chart
            .draw_series(LineSeries::new(true_points.iter().map(|p| (p.0, p.1)), BLACK))?
            .label("true expected units (generator)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;

    let profits: Vec<f64> = smooth_points.iter().chain(&true_points).map(|p| p.2).collect();
    let (lo, hi) = profits.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
    let pad = 0.1 * (hi - lo).max(1.0);
    let mut chart = ChartBuilder::on(&bottom)
        .caption("profit (revenue - unit cost x units)", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..0.4, (lo - pad)..(hi + pad))?;
    chart.configure_mesh().x_desc("discount").y_desc("profit").light_line_style(WHITE).draw()?;
    chart
        .draw_series(LineSeries::new(smooth_points.iter().map(|p| (p.0, p.2)), RED.stroke_width(2)))?
        .label("expected profit")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], RED));
    if !true_points.is_empty() {
        chart
            .draw_series(LineSeries::new(true_points.iter().map(|p| (p.0, p.2)), BLACK))?
            .label("true profit (generator)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK));
    }
    let feasible = decision.candidates.iter().filter(|c| c.feasible()).map(|c| (c.outcome.value, c.profit));
    chart
        .draw_series(feasible.map(|p| Circle::new(p, 4, GREEN.filled())))?
        .label("feasible ladder rungs")
        .legend(|(x, y)| Circle::new((x + 8, y), 4, GREEN.filled()));
    if let Some(b) = decision.best() {
        chart
            .draw_series(std::iter::once(TriangleMarker::new((b.outcome.value, b.profit), 9, MAGENTA.filled())))?
            .label(format!("chosen: {:.0}% off", 100.0 * b.outcome.value))
            .legend(|(x, y)| TriangleMarker::new((x + 8, y), 6, MAGENTA.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Share a promotion budget of half the unconstrained markdown between the charted items.
fn budget(decisions: &[(String, PricingDecision)]) -> Fallible<()> {
    let free: f64 = decisions.iter().filter_map(|(_, d)| d.best()).map(|b| b.outcome.markdown.max(0.0)).sum();
    let items: Vec<(&str, &PricingDecision)> = decisions.iter().map(|(n, d)| (n.as_str(), d)).collect();
    let alloc = allocate_budget(&items, 0.5 * free)?;
    println!(
        "\n== promotion budget {:.0} (half of the {free:.0} markdown the best discounts would spend)",
        alloc.budget
    );
    for p in &alloc.picks {
        println!("  {:<8} {:>3.0}% off: profit {:.0}, markdown {:.0}", p.target, 100.0 * p.value, p.profit, p.spend);
    }
    println!("  total profit {:.0}, spend {:.0} (exact: {})", alloc.profit, alloc.spend, alloc.exact);
    Ok(())
}

/// A candidate store in a synthetic town around the five stores. The panel has no geography,
/// so the Huff model keeps the textbook alpha 1, beta 2 (with real store locations,
/// `HuffModel::calibrate` fits them to the stores' sales shares) and the town's spending is
/// scaled so that the model's chain sales equal the stores' last-year revenue.
fn expansion(data: &GeneratedData) -> Fallible<Recommendation> {
    let panel = &data.panel;
    let sites = [(2.0, 3.0), (8.0, 2.0), (5.0, 7.0), (1.0, 9.0), (9.0, 8.0)];
    let mut revenue = vec![0.0; sites.len()];
    for s in &panel.series {
        let store = panel.static_levels[0].iter().position(|l| *l == s.key.0[0]).unwrap_or(0);
        let n = s.len();
        revenue[store] +=
            (n - 365..n).map(|t| s.target[t] * s.regressors[0][t] * (1.0 - s.regressors[1][t])).sum::<f64>();
    }
    let total: f64 = revenue.iter().sum();
    // A 10 x 10 km town in 1 km cells, denser to the north-east.
    let points: Vec<DemandPoint> = (0..100)
        .map(|i| {
            let (x, y) = (f64::from(i % 10) + 0.5, f64::from(i / 10) + 0.5);
            DemandPoint { id: format!("cell_{i}"), location: (x, y), spending: 1.0 + 0.15 * (x + y) }
        })
        .collect();
    let mut stores: Vec<HuffStore> = sites
        .iter()
        .zip(&revenue)
        .enumerate()
        .map(|(i, (&location, &sales))| HuffStore {
            id: panel.static_levels[0][i].clone(),
            location,
            attractiveness: data.truth.store_scale[i],
            own: true,
            sales: Some(sales),
        })
        .collect();
    stores.push(HuffStore { id: "rival_a".into(), location: (6.0, 4.5), attractiveness: 1.2, own: false, sales: None });
    stores.push(HuffStore { id: "rival_b".into(), location: (3.5, 5.5), attractiveness: 0.9, own: false, sales: None });
    let model = HuffModel::default();
    let modelled: f64 =
        model.store_sales(&points, &stores)?.iter().zip(&stores).filter(|(_, s)| s.own).map(|(v, _)| v).sum();
    let points: Vec<DemandPoint> =
        points.into_iter().map(|p| DemandPoint { spending: p.spending * total / modelled, ..p }).collect();
    let candidate =
        HuffStore { id: "candidate_ne".into(), location: (8.5, 5.0), attractiveness: 1.0, own: true, sales: None };
    let report = model.add_store(&points, &stores, &candidate)?;
    let existing: Vec<ExistingStore> = stores
        .iter()
        .filter(|s| s.own)
        .map(|s| ExistingStore {
            id: s.id.clone(),
            attributes: vec![s.attractiveness, catchment(&points, s.location)],
            sales: s.sales.unwrap_or(0.0),
        })
        .collect();
    let analog = project_analog(
        &[1.0, catchment(&points, candidate.location)],
        &existing,
        &["size", "spending_within_3km"],
        3,
        None,
    )?;
    println!(
        "\n== expansion what-if: candidate at (8.5, 5.0) km (Huff alpha {}, beta {})\ncandidate sales {:.0} a year, of which {:.0} taken from our stores, net chain gain {:.0}",
        model.alpha, model.beta, report.candidate_sales, report.cannibalised, report.net_chain_gain
    );
    println!("analog projection {:.0} (analogs {:.0} .. {:.0})", analog.expected_sales, analog.low, analog.high);
    for s in report.stores.iter().filter(|s| s.own) {
        println!("  {:<9} {:>9.0} -> {:>9.0} ({:+.0})", s.id, s.before, s.after, s.change);
    }
    // Confidence from the analogs' agreement with the Huff figure.
    let confidence = (1.0 - (analog.expected_sales - report.candidate_sales).abs() / analog.expected_sales.max(1.0))
        .clamp(0.05, 0.95);
    Ok(expansion_recommendation("candidate_ne", &report, 0.35, 60_000.0, confidence)?)
}

/// Spending within 3 km of a location.
fn catchment(points: &[DemandPoint], at: (f64, f64)) -> f64 {
    points.iter().filter(|p| (p.location.0 - at.0).hypot(p.location.1 - at.1) <= 3.0).map(|p| p.spending).sum()
}
