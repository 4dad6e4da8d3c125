//! Price and discount decisions: textbook optima on constant-elasticity curves, constraints,
//! the promotion budget against brute force, the pipeline what-if's arithmetic, and the
//! generator's ground truth (elasticity and the true profit of the chosen discount).

use chrono::NaiveDate;
use forecast_core::baseline::MovingAverage;
use forecast_core::forecast::LocalForecaster;
use forecast_core::{Frequency, Panel, Series, SeriesKey};
use forecast_decisions::pricing::{
    ConstantElasticity, CrossFitSpec, ElasticityReading, HistorySpec, LeverCurve, LeverKind, LeverOnCurve, OffsetSpec,
    PipelineCurve, PriceConstraints, PriceLadder, WhatIfCells, allocate_budget, combine_elasticities,
    cross_fitted_elasticities, discount_elasticity, elasticity_from_history, elasticity_with_offset,
    historical_promotions, optimise_lever, planned_promotions, support_levels,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn discount_curve(elasticity: f64, shelf: f64) -> LeverOnCurve<ConstantElasticity> {
    let curve = ConstantElasticity { reference_price: shelf, reference_demand: 100.0, elasticity };
    LeverOnCurve { curve, lever: LeverKind::Discount, shelf_price: shelf, net_factor: 1.0, planned: 0.0 }
}

fn grid(step: f64, max: f64) -> Vec<f64> {
    (0..=((max / step).round() as usize)).map(|i| i as f64 * step).collect()
}

#[test]
fn constant_elasticity_optimum_is_the_textbook_markup() {
    // Net price p(1 - d) maximising (p(1 - d) - c) (p(1 - d))^e is c e / (1 + e).
    let (shelf, cost, e) = (10.0, 3.0, -2.0);
    let d_star = 1.0 - cost * e / (1.0 + e) / shelf;
    let decision =
        optimise_lever(&discount_curve(e, shelf), cost, &grid(0.001, 0.9), &PriceConstraints::default()).unwrap();
    let best = decision.best().unwrap();
    assert!((best.outcome.value - d_star).abs() <= 0.0005, "{} vs {d_star}", best.outcome.value);
    assert!((best.outcome.markdown - shelf * best.outcome.value * best.outcome.units).abs() < 1e-9);
    assert!(decision.uplift().unwrap() > 0.0);
    // A maximum discount below the optimum binds; a minimum margin caps the discount at
    // 1 - c / (p (1 - m)).
    let capped = PriceConstraints { max_discount: Some(0.25), ..Default::default() };
    let d = optimise_lever(&discount_curve(e, shelf), cost, &grid(0.001, 0.9), &capped).unwrap();
    assert!((d.best().unwrap().outcome.value - 0.25).abs() < 1e-12);
    let margin = PriceConstraints { min_margin: Some(0.55), ..Default::default() };
    let d = optimise_lever(&discount_curve(e, shelf), cost, &grid(0.001, 0.9), &margin).unwrap();
    let limit = 1.0 - cost / (shelf * (1.0 - 0.55));
    let v = d.best().unwrap().outcome.value;
    assert!(v <= limit + 1e-12 && v > limit - 0.001, "{v} vs {limit}");
    assert!(d.candidates.iter().any(|c| !c.feasible() && c.violations[0].contains("margin")));
    // A ladder of 10% steps snaps the grid: the best rung is the better neighbour of d*.
    let ladder = PriceConstraints { ladder: Some(PriceLadder::Step { start: 0.0, step: 0.1 }), ..Default::default() };
    let d = optimise_lever(&discount_curve(e, shelf), cost, &grid(0.01, 0.9), &ladder).unwrap();
    assert_eq!(d.candidates.len(), 10);
    assert!((d.best().unwrap().outcome.value - 0.4).abs() < 1e-12, "d* = {d_star}: 0.4 beats 0.3 and 0.5");
}

#[test]
fn price_lever_optimum_and_its_constraints() {
    let (planned, cost, e) = (8.0, 4.0, -3.0);
    let curve = LeverOnCurve {
        curve: ConstantElasticity { reference_price: planned, reference_demand: 50.0, elasticity: e },
        lever: LeverKind::Price,
        shelf_price: planned,
        net_factor: 1.0,
        planned,
    };
    let prices: Vec<f64> = (0..=1000).map(|i| 4.0 + i as f64 * 0.01).collect();
    let best = optimise_lever(&curve, cost, &prices, &PriceConstraints::default()).unwrap();
    assert!((best.best().unwrap().outcome.value - 6.0).abs() < 0.006, "c e / (1 + e) = 6");
    let limited = PriceConstraints { max_discount: Some(0.1), price_range: Some((7.5, 12.0)), ..Default::default() };
    let d = optimise_lever(&curve, cost, &prices, &limited).unwrap();
    assert!((d.best().unwrap().outcome.value - 7.5).abs() < 1e-9, "at most 10% below the planned 8, at least 7.5");
    let e = optimise_lever(&curve, cost, &[], &PriceConstraints::default()).unwrap_err();
    assert_eq!(e.parameter(), Some("grid"));
}

#[test]
fn promotion_budget_matches_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..30 {
        let n_items = rng.random_range(2..5usize);
        let decisions: Vec<_> = (0..n_items)
            .map(|_| {
                let curve = discount_curve(rng.random_range(-3.5..-1.2), rng.random_range(2.0..20.0));
                let cost = curve.shelf_price * rng.random_range(0.2..0.6);
                optimise_lever(&curve, cost, &[0.0, 0.1, 0.2, 0.3, 0.4], &PriceConstraints::default()).unwrap()
            })
            .collect();
        let names: Vec<String> = (0..n_items).map(|i| format!("item_{i}")).collect();
        let items: Vec<(&str, _)> = names.iter().map(String::as_str).zip(&decisions).collect();
        let budget = rng.random_range(0.0..600.0);
        let alloc = allocate_budget(&items, budget).unwrap();
        // Brute force over every combination.
        let mut best = f64::NEG_INFINITY;
        let k = decisions[0].candidates.len();
        for code in 0..k.pow(n_items as u32) {
            let (mut c, mut spend, mut profit) = (code, 0.0, 0.0);
            for d in &decisions {
                let cand = &d.candidates[c % k];
                c /= k;
                spend += cand.outcome.markdown.max(0.0);
                profit += cand.profit;
            }
            if spend <= budget {
                best = best.max(profit);
            }
        }
        assert!(alloc.exact);
        assert!((alloc.profit - best).abs() < 1e-9 * best.abs().max(1.0), "{} vs {best}", alloc.profit);
        assert!(alloc.spend <= budget + 1e-9);
        let picked: f64 = alloc.picks.iter().map(|p| p.profit).sum();
        assert!((picked - alloc.profit).abs() < 1e-9 * best.abs().max(1.0));
    }
    let lone = optimise_lever(&discount_curve(-2.0, 5.0), 1.0, &[0.1, 0.2], &PriceConstraints::default()).unwrap();
    let e = allocate_budget(&[("item_x", &lone)], 10.0).unwrap_err();
    assert!(e.to_string().contains("item_x"), "{e}");
}

fn shop_panel() -> Panel {
    // 40 days of 6 units, price 5, a planned 14 days; promotions on days 30..33.
    let mut promo = vec![0.0; 54];
    let mut discount = vec![0.0; 54];
    for t in 30..33 {
        promo[t] = 1.0;
        discount[t] = 0.2;
    }
    let series = Series {
        key: SeriesKey(vec!["shop".into()]),
        start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        target: vec![6.0; 40],
        regressors: vec![vec![5.0; 54], discount, promo],
        statics: vec![],
    };
    Panel::new(
        Frequency::Daily,
        vec!["store".into()],
        "units",
        vec!["price".into(), "discount".into(), "promo".into()],
        vec![],
        vec![],
        vec![series],
    )
    .unwrap()
}

#[test]
fn pipeline_what_if_counts_units_revenue_and_markdown_on_its_cells() {
    let panel = shop_panel();
    // A moving average ignores the lever: six units a day whatever the discount.
    let model = LocalForecaster::new(MovingAverage { window: 7 }).fit_pipeline(&panel).unwrap();
    let cells = vec![WhatIfCells { series: 0, periods: 42..45 }, WhatIfCells { series: 0, periods: 30..33 }];
    let curve = PipelineCurve::new(&model, &panel, LeverKind::Discount, "price", Some("discount"), cells).unwrap();
    let out = curve.simulate(0.3).unwrap();
    assert_eq!(out.units, 36.0);
    assert!((out.revenue - 36.0 * 5.0 * 0.7).abs() < 1e-9 && (out.markdown - 36.0 * 5.0 * 0.3).abs() < 1e-9);
    assert!((curve.planned_value() - 0.1).abs() < 1e-12, "planned: 0 on the future cells, 0.2 on the past ones");
    let sim = curve.simulate_grid(&[0.0, 0.2, 0.4]).unwrap();
    let fit = sim.smoothed().unwrap();
    assert!(fit.curve.elasticity.abs() < 1e-12, "flat demand has elasticity 0");
    assert_eq!(
        historical_promotions(&panel, &[0], "promo", 7).unwrap(),
        vec![WhatIfCells { series: 0, periods: 30..33 }]
    );
    assert!(planned_promotions(&panel, &[0], "promo").unwrap().is_empty());
    assert_eq!(support_levels(&panel, &[0], "discount").unwrap(), vec![0.0, 0.2]);
    let bad = vec![WhatIfCells { series: 0, periods: 50..60 }];
    let e = PipelineCurve::new(&model, &panel, LeverKind::Discount, "price", Some("discount"), bad).unwrap_err();
    assert_eq!(e.parameter(), Some("cells of series shop"));
    let e = PipelineCurve::new(&model, &panel, LeverKind::Discount, "price", None, vec![]).unwrap_err();
    assert_eq!(e.parameter(), Some("discount"));
}

#[test]
fn history_elasticity_recovers_an_exact_log_linear_demand() {
    // units = 50 net^-1.7 1.3^promo 1.2^sat 0.9^(series b), no noise: every coefficient exact.
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let make = |name: &str, level: f64| {
        let n = 400;
        let price: Vec<f64> = (0..n).map(|t| if (t / 50) % 2 == 0 { 4.0 } else { 4.4 }).collect();
        let discount: Vec<f64> = (0..n).map(|t| if t % 17 < 3 { 0.1 * (1 + t % 3) as f64 } else { 0.0 }).collect();
        let promo: Vec<f64> = (0..n).map(|t| f64::from(u8::from(t % 17 < 2))).collect();
        let target = (0..n)
            .map(|t| {
                let net: f64 = price[t] * (1.0 - discount[t]);
                let sat = (start + chrono::TimeDelta::days(t as i64)).format("%a").to_string() == "Sat";
                level * 50.0 * net.powf(-1.7) * if promo[t] > 0.0 { 1.3 } else { 1.0 } * if sat { 1.2 } else { 1.0 }
            })
            .collect();
        Series {
            key: SeriesKey(vec![name.into()]),
            start,
            target,
            regressors: vec![price, discount, promo],
            statics: vec![],
        }
    };
    let panel = Panel::new(
        Frequency::Daily,
        vec!["store".into()],
        "units",
        vec!["price".into(), "discount".into(), "promo".into()],
        vec![],
        vec![],
        vec![make("a", 1.0), make("b", 0.9)],
    )
    .unwrap();
    let spec = HistorySpec { holiday: None, post_promo_periods: 0, ..HistorySpec::retail() };
    let h = elasticity_from_history(&panel, &[0, 1], &spec, None).unwrap();
    assert!((h.estimate.elasticity + 1.7).abs() < 1e-9, "{}", h.estimate.elasticity);
    let coef = |name: &str| h.estimate.coefficients.iter().find(|c| c.name == name).unwrap().estimate;
    assert!((coef("promo") - 1.3f64.ln()).abs() < 1e-9 && (coef("sat") - 1.2f64.ln()).abs() < 1e-9);
    assert!((coef("series_b") - 0.9f64.ln()).abs() < 1e-9);
    assert_eq!(h.observations, 800);
    assert!(h.dropped_controls.is_empty(), "{:?}", h.dropped_controls);
}

/// Per item of a generator panel, relative errors against the truth of: the elasticity read
/// off the pipeline's simulated discount curve over the item's historical promotions
/// (`pipeline`, shrunk toward the pool); the item-level offset regression on the pipeline's
/// baseline (`offset`, [`OffsetSpec::retail`]); the same on a baseline without promotions with
/// the item's lift free (`promotion_free`, [`OffsetSpec::promotion_free`]); the offset
/// regression on two-fold cross-fitted baselines (`crossfit`); the rule the optimiser uses
/// (pipeline and `promotion_free` through `combine_elasticities`, their mean since the curve
/// has no standard error) and the former rule (pipeline and `offset`), each with the true
/// profit of its chosen discount; an oracle that knows every part of the mean but the
/// elasticity (the noise floor of the panel); and the true profit of the discount chosen for
/// the planned promotion (unit cost 40% of the base price) as a share of the true optimum over
/// discounts 0..=0.4. The promotion-free estimate's z-score against the truth on its
/// cluster-robust error says whether a miss is noise or bias.
struct ItemFigures {
    pipeline_error: f64,
    offset_error: f64,
    free_error: f64,
    crossfit_error: f64,
    error: f64,
    former_error: f64,
    oracle_error: f64,
    profit_ratio: f64,
    former_profit_ratio: f64,
}

/// One error or profit ratio of [`ItemFigures`].
type Readout = fn(&ItemFigures) -> f64;

fn item_figures(fit: &crate::fitted::Fitted) -> Vec<ItemFigures> {
    let (data, panel) = (&fit.data, &fit.data.panel);
    let fine = grid(0.01, 0.4);
    let groups: Vec<Vec<usize>> = (0..data.truth.items.len())
        .map(|item| (0..panel.series.len()).filter(|&s| data.truth.series[s].item == item).collect())
        .collect();
    let crossfit = cross_fitted_elasticities(
        &fit.forecaster,
        &fit.masked,
        &groups,
        &OffsetSpec::retail(),
        &CrossFitSpec::default(),
        Some(&fit.censoring),
    )
    .unwrap();
    let mut figures = Vec::new();
    for (item, truth) in data.truth.items.iter().enumerate() {
        let cost = 0.4 * truth.base_price;
        let series = &groups[item];
        let levels: Vec<f64> =
            support_levels(panel, series, "discount").unwrap().into_iter().filter(|d| *d <= 0.4 + 1e-9).collect();
        let used = discount_elasticity(
            &fit.pipeline,
            panel,
            &fit.masked,
            series,
            "promo",
            28,
            0.4,
            &OffsetSpec::promotion_free(),
            Some(&fit.censoring),
        )
        .unwrap();
        let (elasticity, free) = (used.pipeline, &used.offset);
        let offset =
            elasticity_with_offset(&fit.pipeline, &fit.masked, series, &OffsetSpec::retail(), Some(&fit.censoring))
                .unwrap();
        let crossed = &crossfit.estimates[item];
        let cells = planned_promotions(panel, series, "promo").unwrap();
        let plan =
            PipelineCurve::new(&fit.pipeline, panel, LeverKind::Discount, "price", Some("discount"), cells.clone())
                .unwrap()
                .simulate_grid(&levels)
                .unwrap();
        let combine = |other: &forecast_decisions::pricing::OffsetElasticity| {
            combine_elasticities(&[
                ElasticityReading { source: "pipeline".into(), elasticity, std_error: None },
                ElasticityReading {
                    source: "offset".into(),
                    elasticity: other.elasticity,
                    std_error: Some(other.std_error),
                },
            ])
            .unwrap()
            .elasticity
        };
        let (blend, former) = (used.combined.elasticity, combine(&offset));
        let true_profit = |d: f64| -> f64 {
            cells
                .iter()
                .flat_map(|c| c.periods.clone().map(move |t| (c.series, t)))
                .map(|(s, t)| {
                    let price = panel.series[s].regressors[0][t];
                    (price * (1.0 - d) - cost) * data.truth.what_if(s, t, price, d, true).unwrap()
                })
                .sum()
        };
        let optimum = fine.iter().map(|&d| true_profit(d)).fold(f64::NEG_INFINITY, f64::max);
        let chosen = |e: f64| {
            let curve = plan.lever_curve(&plan.smoothed_with_elasticity(e).unwrap()).unwrap();
            optimise_lever(&curve, cost, &fine, &PriceConstraints::default()).unwrap().best().unwrap().outcome.value
        };
        let d = chosen(blend);
        let profit_ratio = true_profit(d) / optimum;
        let former_profit_ratio = true_profit(chosen(former)) / optimum;
        let oracle = oracle_elasticity(fit, series, truth.base_price);
        let history = elasticity_from_history(panel, series, &HistorySpec::retail(), Some(&fit.censoring)).unwrap();
        let rel = |e: f64| e / truth.elasticity - 1.0;
        let free_se = free.cluster_std_error.unwrap_or(free.std_error);
        println!(
            "{}: elasticity truth {:.3} used {blend:.3} ({:+.1}%) former {former:.3} ({:+.1}%) pipeline {elasticity:.3} ({:+.1}%) promotion-free {:.3} ({:+.1}%, cluster se {free_se:.3}, z {:+.1}, lift {:.2} truth {:.2}) offset {:.3} ({:+.1}%) crossfit {:.3} ({:+.1}%) oracle {oracle:.3} ({:+.1}%) history {:.3}; discount {d:.2}, profit {profit_ratio:.4} of the optimum (former rule: {former_profit_ratio:.4})",
            truth.name,
            truth.elasticity,
            100.0 * rel(blend),
            100.0 * rel(former),
            100.0 * rel(elasticity),
            free.elasticity,
            100.0 * rel(free.elasticity),
            (free.elasticity - truth.elasticity) / free_se,
            free.coefficient("promo").unwrap().estimate.exp(),
            truth.promo_lift,
            offset.elasticity,
            100.0 * rel(offset.elasticity),
            crossed.elasticity,
            100.0 * rel(crossed.elasticity),
            100.0 * rel(oracle),
            history.estimate.elasticity,
        );
        figures.push(ItemFigures {
            pipeline_error: rel(elasticity).abs(),
            offset_error: rel(offset.elasticity).abs(),
            free_error: rel(free.elasticity).abs(),
            crossfit_error: rel(crossed.elasticity).abs(),
            error: rel(blend).abs(),
            former_error: rel(former).abs(),
            oracle_error: rel(oracle).abs(),
            profit_ratio,
            former_profit_ratio,
        });
    }
    figures
}

/// The Poisson maximum-likelihood elasticity of one item's uncensored days given everything
/// else the generator put in the mean (calendar, store, drift, dip, promotion lift): the best
/// any estimator could do with these days, since only the count noise is left.
pub(crate) fn oracle_elasticity(fit: &crate::fitted::Fitted, series: &[usize], base_price: f64) -> f64 {
    let (data, panel) = (&fit.data, &fit.data.panel);
    let column = |name: &str| panel.regressor_names.iter().position(|n| n == name).unwrap();
    let (price, discount, promo) = (column("price"), column("discount"), column("promo"));
    let mut days = Vec::new();
    for &s in series {
        let x = &panel.series[s].regressors;
        for (t, &units) in panel.series[s].target.iter().enumerate() {
            if units.is_finite() && !fit.censoring.is_censored(s, t) {
                let rest = data.truth.what_if(s, t, base_price, 0.0, x[promo][t] > 0.5).unwrap();
                days.push((units, rest, (x[price][t] / base_price * (1.0 - x[discount][t])).ln()));
            }
        }
    }
    let mut e = -1.5;
    for _ in 0..50 {
        let (mut score, mut information) = (0.0, 0.0);
        for &(units, rest, log_x) in &days {
            let mean = rest * (e * log_x).exp();
            score += log_x * (units - mean);
            information += log_x * log_x * mean;
        }
        e += score / information;
    }
    e
}

/// Five generator panels (the default: 5 stores, about 20 promotion episodes per item; seed 7:
/// other items; 20 stores; seeds 101 and 202). Honest regression guards, not the bar:
/// on each panel the elasticity used ([`discount_elasticity`]: the pipeline's curve and the
/// promotion-free offset) is within 20% of the truth for at least 8 items of 10 (47 of the 50
/// together) and within 30% for every item, median error under 15%, and at least 9 chosen
/// discounts of 10 earn 95% of the true optimum (every one at least 90%); the cross-fitted
/// offset is within 40% for every item. Measured (crate README): 48 of 50 items within 20%,
/// 49 of 50 discounts within 5% (worst 0.912, 20 stores item_03, a miss outside its own
/// interval); seeds 303 and 404, first run after the rule was chosen: 18 of 20 and 19 of 20.
#[test]
fn generator_discounts_are_within_five_percent_of_the_true_optimum() {
    let panels = [
        ("default", crate::fitted::default_fit()),
        ("seed 7", crate::fitted::seed7_fit()),
        ("20 stores", crate::fitted::stores20_fit()),
        ("seed 101", crate::fitted::seed101_fit()),
        ("seed 202", crate::fitted::seed202_fit()),
    ];
    let measured: Vec<(&str, Vec<ItemFigures>)> = panels
        .into_iter()
        .map(|(name, fit)| {
            println!("panel {name}");
            (name, item_figures(fit))
        })
        .collect();
    for (name, figures) in &measured {
        let within = |e: Readout| figures.iter().filter(|f| e(f) <= 0.2).count();
        let median = |e: Readout| {
            let mut v: Vec<f64> = figures.iter().map(e).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let worst = |e: Readout| figures.iter().map(e).fold(0.0, f64::max);
        let columns: [(&str, Readout); 7] = [
            ("used", |f| f.error),
            ("former", |f| f.former_error),
            ("pipeline", |f| f.pipeline_error),
            ("promotion-free", |f| f.free_error),
            ("offset", |f| f.offset_error),
            ("crossfit", |f| f.crossfit_error),
            ("oracle", |f| f.oracle_error),
        ];
        for (column, e) in columns {
            println!(
                "{name} {column}: within 20% {} of {}, median error {:.3}, worst {:.3}",
                within(e),
                figures.len(),
                median(e),
                worst(e)
            );
        }
        for (rule, p) in [("used", (|f| f.profit_ratio) as Readout), ("former", |f| f.former_profit_ratio)] {
            let five = figures.iter().filter(|f| p(f) >= 0.95).count();
            let least = figures.iter().map(p).fold(f64::INFINITY, f64::min);
            println!(
                "{name} {rule}: {five} of {} chosen discounts within 5% of the optimum, least {least:.4}",
                figures.len()
            );
        }
    }
    let mut total_within = 0;
    for (name, figures) in &measured {
        for (i, f) in figures.iter().enumerate() {
            assert!(
                f.profit_ratio >= 0.9,
                "{name} item {i}: the chosen discount earns {} of the true optimum",
                f.profit_ratio
            );
            assert!(f.error <= 0.3, "{name} item {i}: error {} (the oracle's {})", f.error, f.oracle_error);
            assert!(f.crossfit_error <= 0.4, "{name} item {i}: cross-fitted error {}", f.crossfit_error);
        }
        let within = |e: Readout| figures.iter().filter(|f| e(f) <= 0.2).count();
        assert!(within(|f| f.error) >= 8, "{name}: {} items within 20%", within(|f| f.error));
        assert!(within(|f| f.crossfit_error) >= 5, "{name}: {} cross-fitted within 20%", within(|f| f.crossfit_error));
        let five = figures.iter().filter(|f| f.profit_ratio >= 0.95).count();
        assert!(five >= 9, "{name}: {five} chosen discounts within 5% of the optimum");
        let mut errors: Vec<f64> = figures.iter().map(|f| f.error).collect();
        total_within += within(|f| f.error);
        errors.sort_by(f64::total_cmp);
        assert!(errors[errors.len() / 2] < 0.15, "{name}: median error {}", errors[errors.len() / 2]);
    }
    assert!(total_within >= 47, "{total_within} of 50 items within 20% of the truth");
}

#[test]
fn offset_elasticity_recovers_an_exact_demand_and_refuses_a_constant_price() {
    // units = 40 (net / 5)^-2 with the shelf price moving between 4.5, 5 and 5.5 every 9 days:
    // a moving average knows nothing of price, so its baseline is the recent level. Once the
    // history is deflated to the usual price (the passes after the first) that level is 40 up
    // to the deflation's own error, and the passes settle within 0.5% of the truth.
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let n = 400;
    let price: Vec<f64> = (0..n + 14).map(|t| [5.0, 4.5, 5.5][(t / 9) % 3]).collect();
    let target = (0..n).map(|t| 40.0 * (price[t] / 5.0f64).powf(-2.0)).collect();
    let series = Series {
        key: SeriesKey(vec!["shop".into()]),
        start,
        target,
        regressors: vec![price, vec![0.0; n + 14]],
        statics: vec![],
    };
    let panel = price_panel(vec![series]);
    let model = LocalForecaster::new(MovingAverage { window: 7 }).fit_pipeline(&panel).unwrap();
    let spec = OffsetSpec { iterations: 8, ..OffsetSpec::retail() };
    let o = elasticity_with_offset(&model, &panel, &[0], &spec, None).unwrap();
    assert!((o.elasticity + 2.0).abs() < 0.01, "{}", o.elasticity);
    assert!(o.std_error < 0.01 && o.ci_low <= o.elasticity && o.elasticity <= o.ci_high);
    assert_eq!(o.observations, 400 / 28 * 28 - 28);
    // A single pass reads the raw history's level, which mixes the recent prices in.
    let one =
        elasticity_with_offset(&model, &panel, &[0], &OffsetSpec { iterations: 1, ..spec.clone() }, None).unwrap();
    assert!((one.elasticity + 2.0).abs() > 2.0 * (o.elasticity + 2.0).abs(), "{} vs {}", one.elasticity, o.elasticity);
    // The shop panel's price never moves: the error says how much variation is needed.
    let shop = shop_panel();
    let flat = LocalForecaster::new(MovingAverage { window: 7 }).fit_pipeline(&shop).unwrap();
    let constant = OffsetSpec { window: 7, discount: None, ..OffsetSpec::retail() };
    let e = elasticity_with_offset(&flat, &shop, &[0], &constant, None).unwrap_err();
    assert!(e.to_string().contains("at least 0.03"), "{e}");
    let e = elasticity_with_offset(&flat, &shop, &[3], &constant, None).unwrap_err();
    assert_eq!(e.parameter(), Some("series"));
}

#[test]
fn cross_fitting_masks_each_folds_deals_and_forecasts_from_the_observed_panel() {
    // Two shops with an exact demand 40 (net / 5)^-2, the shelf price moving every 9 days and
    // a 20% discount on three days of every 17.
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let n = 400;
    let shop = |name: &str, phase: usize| {
        let price: Vec<f64> = (0..n + 14).map(|t| [5.0, 4.5, 5.5][((t + phase) / 9) % 3]).collect();
        let discount: Vec<f64> = (0..n + 14).map(|t| if (t + phase) % 17 < 3 { 0.2 } else { 0.0 }).collect();
        let target = (0..n).map(|t| 40.0 * (price[t] * (1.0 - discount[t]) / 5.0f64).powf(-2.0)).collect();
        Series { key: SeriesKey(vec![name.into()]), start, target, regressors: vec![price, discount], statics: vec![] }
    };
    let panel = price_panel(vec![shop("a", 0), shop("b", 5)]);
    let deals: Vec<usize> =
        panel.series.iter().map(|s| s.regressors[1][..n].iter().filter(|d| **d > 0.0).count()).collect();
    // A moving average learns nothing from its fit: the cross-fitted estimates are the plain
    // ones exactly, so the baselines come from the observed panel, not the masked one.
    let forecaster = LocalForecaster::new(MovingAverage { window: 7 });
    let model = forecaster.fit_pipeline(&panel).unwrap();
    let spec = OffsetSpec { iterations: 4, ..OffsetSpec::retail() };
    let groups = vec![vec![0], vec![1]];
    let crossed =
        cross_fitted_elasticities(&forecaster, &panel, &groups, &spec, &CrossFitSpec { folds: 2, seed: 3 }, None)
            .unwrap();
    let mut folds = crossed.fold_of.clone();
    folds.sort_unstable();
    assert_eq!(folds, vec![0, 1]);
    for (g, group) in groups.iter().enumerate() {
        let plain = elasticity_with_offset(&model, &panel, group, &spec, None).unwrap();
        assert_eq!(crossed.estimates[g], plain);
        assert!((plain.elasticity + 2.0).abs() < 0.05, "{}", plain.elasticity);
        assert_eq!(crossed.masked_periods[crossed.fold_of[g]], deals[g]);
    }
    let e = cross_fitted_elasticities(&forecaster, &panel, &groups, &spec, &CrossFitSpec { folds: 3, seed: 0 }, None)
        .unwrap_err();
    assert_eq!(e.parameter(), Some("folds"));
    let e = cross_fitted_elasticities(&forecaster, &panel, &[vec![0], vec![]], &spec, &CrossFitSpec::default(), None)
        .unwrap_err();
    assert_eq!(e.parameter(), Some("groups[1]"));
}

#[test]
fn promotion_free_offset_frees_the_lift() {
    // units = 40 (net / 5)^-2 x 1.5 on promotion days (3 of every 17, at 0, 10% or 30% off), the
    // shelf price moving every 9 days. A moving average knows nothing of promotions: once the
    // history is deflated by the estimated elasticity and lift it reads the flat level 40, and
    // the lift comes out as the `promo` coefficient.
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let n = 420;
    let price: Vec<f64> = (0..n + 14).map(|t| [5.0, 4.5, 5.5][(t / 9) % 3]).collect();
    let promo: Vec<f64> = (0..n + 14).map(|t| f64::from(u8::from(t % 17 < 3))).collect();
    let discount: Vec<f64> = (0..n + 14).map(|t| promo[t] * [0.0, 0.1, 0.3][(t / 17) % 3]).collect();
    let target =
        (0..n).map(|t| 40.0 * (price[t] * (1.0 - discount[t]) / 5.0f64).powf(-2.0) * 1.5f64.powf(promo[t])).collect();
    let series = Series {
        key: SeriesKey(vec!["shop".into()]),
        start,
        target,
        regressors: vec![price, discount, promo],
        statics: vec![],
    };
    let panel = Panel::new(
        Frequency::Daily,
        vec!["store".into()],
        "units",
        vec!["price".into(), "discount".into(), "promo".into()],
        vec![],
        vec![],
        vec![series],
    )
    .unwrap();
    let model = LocalForecaster::new(MovingAverage { window: 7 }).fit_pipeline(&panel).unwrap();
    let spec = OffsetSpec { iterations: 8, ..OffsetSpec::promotion_free() };
    let o = elasticity_with_offset(&model, &panel, &[0], &spec, None).unwrap();
    assert!((o.elasticity + 2.0).abs() < 0.02, "{}", o.elasticity);
    let lift = o.coefficient("promo").unwrap().estimate.exp();
    assert!((lift - 1.5).abs() < 0.02, "{lift}");
    assert!(o.clusters >= 2 && o.cluster_std_error.is_some());
    // A neutral column must be a control: its effect has to be estimated somewhere.
    let bad = OffsetSpec { neutral: vec!["discount".into()], ..spec };
    let e = elasticity_with_offset(&model, &panel, &[0], &bad, None).unwrap_err();
    assert_eq!(e.parameter(), Some("neutral discount"));
}

/// A daily panel of stores with a shelf price and a discount column.
fn price_panel(series: Vec<Series>) -> Panel {
    Panel::new(
        Frequency::Daily,
        vec!["store".into()],
        "units",
        vec!["price".into(), "discount".into()],
        vec![],
        vec![],
        series,
    )
    .unwrap()
}
