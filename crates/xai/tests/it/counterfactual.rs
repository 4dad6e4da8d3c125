//! Counterfactual answers never break a permitted range, an immutable feature or a constraint,
//! and always reach the target, whatever the model (property test on random tree ensembles).

use forecast_core::Predict;
use forecast_core::model::{LinearModel, Link};
use forecast_core::tree::TreeEnsemble;
use forecast_xai::counterfactual::{
    CounterfactualSpec, FeatureRule, LinearConstraint, SearchParams, Target, counterfactuals,
};
use ndarray::Array2;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random tree ensemble (NaN, zero-missing and categorical splits included).
fn model(seed: u64, p: usize) -> TreeEnsemble {
    crate::additivity::ensemble(seed, p, 6, 12)
}

fn spec(seed: u64, row: &[f64]) -> CounterfactualSpec {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 77);
    let features = row
        .iter()
        .enumerate()
        .map(|(j, &v)| {
            if rng.random_bool(0.25) {
                return FeatureRule::fixed(format!("f{j}"));
            }
            let rule =
                FeatureRule::range(format!("f{j}"), v - rng.random_range(0.0..4.0), v + rng.random_range(0.0..4.0));
            if rng.random_bool(0.3) { FeatureRule { lower: v - 2.0, ..rule }.with_step(0.5) } else { rule }
        })
        .collect();
    let mut constraints = Vec::new();
    if row.len() >= 2 {
        // Keep whatever order the first two features have, with the slack they have.
        let (a, b) = if row[0] >= row[1] { (0, 1) } else { (1, 0) };
        constraints.push(LinearConstraint::at_least_difference(a, b, 0.0, format!("f{a} >= f{b}")));
    }
    constraints.push(LinearConstraint::at_most(row.len() - 1, row[row.len() - 1] + 1.0, "last at most +1"));
    CounterfactualSpec { features, constraints, target: Target { lower: 0.0, upper: 0.0 } }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn answers_keep_every_range_immutable_and_constraint(seed in any::<u64>(), p in 1usize..6, up in any::<bool>()) {
        let m = model(seed, p);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let row: Vec<f64> = (0..p).map(|_| rng.random_range(1.0..9.0)).collect();
        let now = m.predict(Array2::from_shape_vec((1, p), row.clone()).unwrap().view()).unwrap()[0];
        let mut spec = spec(seed, &row);
        // The models end in exp(): a step of 1 vanishes next to a prediction of 1e20.
        let step = now.abs().max(1.0) * 0.05;
        spec.target = if up { Target::at_least(now + step) } else { Target::at_most(now - step) };
        let params = SearchParams { max_evaluations: 4_000, seed, ..Default::default() };
        let found = counterfactuals(&m, &row, &spec, params).unwrap();
        prop_assert!(!found.already_met);
        for a in &found.answers {
            let again = m.predict(Array2::from_shape_vec((1, p), a.row.clone()).unwrap().view()).unwrap()[0];
            prop_assert_eq!(again, a.prediction);
            prop_assert!(spec.target.met(a.prediction));
            for (j, f) in spec.features.iter().enumerate() {
                if a.row[j] != row[j] {
                    prop_assert!(f.mutable, "immutable f{} moved", j);
                    prop_assert!(a.row[j] >= f.lower && a.row[j] <= f.upper, "f{} = {} outside [{}, {}]", j, a.row[j], f.lower, f.upper);
                }
            }
            for c in &spec.constraints {
                prop_assert!(c.holds(&a.row), "constraint `{}` broken by {:?}", c.label, a.row);
            }
            prop_assert!(a.changes.len() <= params.max_changes && !a.changes.is_empty());
        }
        for w in found.answers.windows(2) {
            prop_assert!(w[0].changes.len() <= w[1].changes.len());
        }
    }
}

/// Whether 20,000 random admissible rows include one on target (a brute-force answerability check).
fn answerable(m: &TreeEnsemble, row: &[f64], spec: &CounterfactualSpec, seed: u64) -> bool {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xb007);
    let p = row.len();
    let mut data = Vec::new();
    for _ in 0..20_000 {
        let x: Vec<f64> = spec
            .features
            .iter()
            .zip(row)
            .map(|(f, &v)| if f.mutable { rng.random_range(f.lower..=f.upper) } else { v })
            .collect();
        if spec.constraints.iter().all(|c| c.holds(&x)) {
            data.extend(x);
        }
    }
    let x = Array2::from_shape_vec((data.len() / p, p), data).unwrap();
    m.predict(x.view()).unwrap().iter().any(|y| spec.target.met(*y))
}

/// The property above would hold vacuously if the search never answered: it answers nearly
/// every random question that random sampling shows to have an answer.
#[test]
fn the_search_answers_the_answerable_questions() {
    let (mut answerable_n, mut answered) = (0, 0);
    for seed in 0..60u64 {
        let p = 1 + seed as usize % 5;
        let m = model(seed, p);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let row: Vec<f64> = (0..p).map(|_| rng.random_range(1.0..9.0)).collect();
        let now = m.predict(Array2::from_shape_vec((1, p), row.clone()).unwrap().view()).unwrap()[0];
        let mut spec = spec(seed, &row);
        spec.target = Target::at_least(now + now.abs().max(1.0) * 0.05);
        if !answerable(&m, &row, &spec, seed) {
            continue;
        }
        answerable_n += 1;
        let found =
            counterfactuals(&m, &row, &spec, SearchParams { max_evaluations: 4_000, seed, ..Default::default() });
        answered += usize::from(!found.unwrap().answers.is_empty());
    }
    println!("answered {answered} of {answerable_n} answerable questions");
    assert!(answerable_n >= 20 && answered * 10 >= answerable_n * 9, "answered {answered} of {answerable_n}");
}

#[test]
fn sparsest_first_and_diverse_on_a_linear_model() {
    // units = 10 + 20 discount + 4 promo - 0.5 price, with price >= cost and discount <= 0.3.
    let model = LinearModel {
        impute: vec![0.0; 4],
        coefficients: vec![20.0, 4.0, -0.5, 0.0],
        intercept: 10.0,
        link: Link::Identity,
    };
    let row = [0.0, 0.0, 10.0, 8.0];
    let spec = CounterfactualSpec {
        features: vec![
            FeatureRule::range("discount", 0.0, 0.5).with_step(0.05),
            FeatureRule::range("promo", 0.0, 1.0).with_step(1.0),
            FeatureRule::range("price", 5.0, 15.0),
            FeatureRule::fixed("cost"),
        ],
        constraints: vec![
            LinearConstraint::at_least_difference(2, 3, 0.0, "price >= cost"),
            LinearConstraint::at_most(0, 0.3, "discount <= 0.3"),
        ],
        target: Target::at_least(10.0 - 5.0 + 3.0),
    };
    let found = counterfactuals(&model, &row, &spec, SearchParams::default()).unwrap();
    assert_eq!(found.prediction, 5.0);
    let names: Vec<&str> = found.answers.iter().map(|a| a.changes[0].name.as_str()).collect();
    assert!(found.answers.iter().all(|a| a.changes.len() == 1), "{names:?}");
    // discount: +3 units needs 0.15 (on its 0.05 lattice); promo: on; price: down to 4 breaks
    // price >= cost (8) and only reaches +1, so price alone is no answer.
    let discount = found.answers.iter().find(|a| a.changes[0].name == "discount").unwrap();
    assert!((discount.changes[0].to - 0.15).abs() < 1e-9, "{:?}", discount.changes);
    assert!(found.answers.iter().any(|a| a.changes[0].name == "promo" && a.changes[0].to == 1.0));
    assert!(found.answers.iter().all(|a| a.changes[0].name != "price"));
    let bad = CounterfactualSpec { target: spec.target, ..spec.clone() };
    assert!(
        counterfactuals(&model, &[0.4, 0.0, 10.0, 8.0], &bad, SearchParams::default()).is_err(),
        "row breaks discount <= 0.3"
    );
}

mod plan {
    //! The plan search through a fitted pipeline: answers keep every lever range, fixed lever and
    //! plan constraint; a +X% question on promotion and discount moves them the generator's way;
    //! the search starts from the pipeline's own forecast; bad questions are clear errors.

    use forecast_core::Panel;
    use forecast_xai::XaiError;
    use forecast_xai::counterfactual::{
        Lever, PlanAnswer, PlanConstraint, PlanQuestion, PlanTarget, Scope, SearchParams, plan_counterfactuals,
    };
    use proptest::prelude::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const HORIZON: usize = 7;

    fn column(panel: &Panel, name: &str) -> usize {
        panel.regressor_index(name).unwrap()
    }

    /// The planned values of regressor `name` of series `s` at 1-based `steps`.
    fn planned(panel: &Panel, s: usize, name: &str, steps: &[usize]) -> Vec<f64> {
        let ser = &panel.series[s];
        steps.iter().map(|k| ser.regressors[column(panel, name)][ser.len() + k - 1]).collect()
    }

    /// The pipeline's ordinary forecast of series `s` on `panel`, summed over `steps`.
    fn forecast_total(panel: &Panel, s: usize, steps: &[usize]) -> f64 {
        let f = crate::fitted().1.forecast(panel, HORIZON).unwrap();
        let sf = f.series.iter().find(|f| f.series == s).unwrap();
        steps.iter().map(|k| sf.point[k - 1]).sum()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    /// A random question on series `s`: random lever ranges around the plan, random scopes,
    /// some levers fixed, `discount <= 0.5`, `price >= cost` and a promotion-bound discount.
    fn random_question(panel: &Panel, s: usize, seed: u64, target: PlanTarget) -> PlanQuestion {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = rng.random_range(1..=HORIZON);
        let first = rng.random_range(1..=HORIZON + 1 - n);
        let steps: Vec<usize> = (first..first + n).collect();
        let price = planned(panel, s, "price", &steps);
        let discount = planned(panel, s, "discount", &steps);
        let promo = planned(panel, s, "promo", &steps);
        let (pmin, pmax) = price.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &p| (a.min(p), b.max(p)));
        let dmax = discount.iter().copied().fold(0.0, f64::max);
        let scope = |rng: &mut ChaCha8Rng| if rng.random_bool(0.5) { Scope::PerStep } else { Scope::Window };
        let mut levers = vec![
            Lever {
                scope: scope(&mut rng),
                ..Lever::per_step("price", pmin * rng.random_range(0.6..1.0), pmax * rng.random_range(1.0..1.3))
            },
            Lever { scope: scope(&mut rng), ..Lever::per_step("discount", 0.0, rng.random_range(dmax..=0.7)) }
                .with_step(0.05),
            Lever { scope: scope(&mut rng), ..Lever::per_step("promo", 0.0, 1.0) }.with_step(1.0),
        ];
        for l in &mut levers {
            if rng.random_bool(0.25) {
                *l = Lever::fixed(l.regressor.clone());
            }
        }
        if levers.iter().all(|l| !l.mutable) {
            levers[1] = Lever::window("discount", 0.0, 0.5).with_step(0.05);
        }
        // The plan keeps every constraint: the cost is below its lowest price, the promotion
        // bound at or above what the plan has.
        let cost = pmin * rng.random_range(0.7..1.0);
        let bound = discount.iter().zip(&promo).map(|(d, q)| d - 0.3 * q).fold(f64::NEG_INFINITY, f64::max);
        let constraints = vec![
            PlanConstraint::at_most("discount", 0.5, "discount <= 0.5"),
            PlanConstraint::at_least("price", cost, "price >= cost"),
            PlanConstraint::linear(
                vec![("discount".into(), 1.0), ("promo".into(), -0.3)],
                bound + rng.random_range(0.0..0.15),
                "discount - 0.3 promo <= bound",
            ),
        ];
        PlanQuestion { series: s, steps, levers, constraints, target }
    }

    /// Every rule of `q` holds for `answer`, checked on the changed panel itself.
    fn check_answer(panel: &Panel, q: &PlanQuestion, answer: &PlanAnswer, params: SearchParams) {
        let changed = answer.apply(panel).unwrap();
        let ser = &panel.series[q.series];
        let origin = ser.len();
        let mut cells = 0;
        for (j, name) in panel.regressor_names.iter().enumerate() {
            for (t, (&a, &b)) in ser.regressors[j].iter().zip(&changed.series[q.series].regressors[j]).enumerate() {
                if a.to_bits() == b.to_bits() {
                    continue;
                }
                cells += 1;
                let lever = q.levers.iter().find(|l| &l.regressor == name);
                let lever = lever.unwrap_or_else(|| panic!("{name} is no lever but moved at t {t}"));
                assert!(lever.mutable, "fixed lever {name} moved at t {t}");
                assert!(t >= origin && q.steps.contains(&(t - origin + 1)), "{name} moved outside the window at t {t}");
                assert!(
                    b >= lever.lower && b <= lever.upper,
                    "{name} = {b} outside [{}, {}]",
                    lever.lower,
                    lever.upper
                );
                if let Some(step) = lever.step {
                    let k = (b - lever.lower) / step;
                    assert!((k - k.round()).abs() < 1e-9, "{name} = {b} off its lattice of {step}");
                }
            }
        }
        assert_eq!(cells, answer.changes.len(), "{:?}", answer.changes);
        assert!(!answer.changes.is_empty());
        for other in (0..panel.series.len()).filter(|&o| o != q.series) {
            assert_eq!(panel.series[other], changed.series[other]);
        }
        for k in &q.steps {
            let at = |name: &str| changed.series[q.series].regressors[column(panel, name)][origin + k - 1];
            for c in &q.constraints {
                let lhs: f64 = c.terms.iter().map(|(name, coef)| coef * at(name)).sum();
                assert!(lhs <= c.max, "constraint `{}` broken at step {k}: {lhs} > {}", c.label, c.max);
            }
        }
        let windows = q.levers.iter().filter(|l| l.scope == Scope::Window && answer.levers.contains(&l.regressor));
        let per_step = answer
            .changes
            .iter()
            .filter(|c| q.levers.iter().any(|l| l.regressor == c.regressor && l.scope == Scope::PerStep))
            .count();
        assert!(windows.count() + per_step <= params.max_changes, "{:?}", answer.changes);
        // The total is the pipeline's own forecast of the changed panel.
        let total = forecast_total(&changed, q.series, &q.steps);
        assert!(close(total, answer.total), "{total} vs {}", answer.total);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn plan_answers_keep_lever_ranges_fixed_levers_and_constraints(
            seed in any::<u64>(), s in 0usize..6, up in any::<bool>(), pct in 2.0f64..40.0,
        ) {
            let (data, pipeline) = crate::fitted();
            let panel = &data.panel;
            let target = if up { PlanTarget::at_least_pct(pct) } else { PlanTarget::at_most_pct(-pct) };
            let q = random_question(panel, s, seed, target);
            let params = SearchParams { max_evaluations: 400, seed, ..Default::default() };
            let found = plan_counterfactuals(pipeline, panel, &q, params).unwrap();
            // The budget is checked between batches: the last batch (at most 48 plans) may pass it.
            prop_assert!(found.evaluations <= params.max_evaluations + 1 + 48, "{} evaluations", found.evaluations);
            for a in &found.answers {
                prop_assert!(found.target.met(a.total), "{} outside {:?}", a.total, found.target);
                check_answer(panel, &q, a, params);
            }
            for w in found.answers.windows(2) {
                prop_assert!(w[0].levers.len() <= w[1].levers.len());
            }
        }
    }

    /// The property above would hold vacuously if the search never answered: random questions
    /// whose levers can reach the target (their extreme plans, forecast here, do) get answers.
    #[test]
    fn the_plan_search_answers_the_answerable_questions() {
        let (data, pipeline) = crate::fitted();
        let panel = &data.panel;
        let (mut answerable, mut answered) = (0, 0);
        for seed in 0..40u64 {
            let s = seed as usize % panel.series.len();
            let up = seed % 3 != 0;
            let target = if up { PlanTarget::at_least_pct(8.0) } else { PlanTarget::at_most_pct(-8.0) };
            let q = random_question(panel, s, seed, target);
            let params = SearchParams { max_evaluations: 400, seed, ..Default::default() };
            let found = plan_counterfactuals(pipeline, panel, &q, params).unwrap();
            if !reachable(panel, &q, &found, params.max_changes) {
                continue;
            }
            answerable += 1;
            answered += usize::from(!found.answers.is_empty());
        }
        println!("answered {answered} of {answerable} answerable questions");
        assert!(answerable >= 10 && answered * 10 >= answerable * 8, "answered {answered} of {answerable}");
    }

    /// Whether one of the single-lever extreme plans (every window step of one lever at its
    /// lower or upper bound, where the constraints allow and within `max_changes` variables)
    /// reaches the target.
    fn reachable(
        panel: &Panel,
        q: &PlanQuestion,
        found: &forecast_xai::counterfactual::PlanCounterfactuals,
        max_changes: usize,
    ) -> bool {
        let ser = &panel.series[q.series];
        let fits = |l: &&Lever| l.mutable && (l.scope == Scope::Window || q.steps.len() <= max_changes);
        q.levers.iter().filter(fits).any(|l| {
            [l.lower, l.upper].into_iter().any(|v| {
                let mut p = panel.clone();
                for k in &q.steps {
                    p.series[q.series].regressors[column(panel, &l.regressor)][ser.len() + k - 1] = v;
                }
                let keeps = q.steps.iter().all(|k| {
                    let at = |name: &str| p.series[q.series].regressors[column(panel, name)][ser.len() + k - 1];
                    q.constraints.iter().all(|c| c.terms.iter().map(|(n, coef)| coef * at(n)).sum::<f64>() <= c.max)
                });
                keeps && found.target.met(forecast_total(&p, q.series, &q.steps))
            })
        })
    }

    /// A series whose plan for the next week has neither a promotion nor a discount.
    fn plain_week(panel: &Panel) -> usize {
        let week: Vec<usize> = (1..=HORIZON).collect();
        (0..panel.series.len())
            .find(|&s| {
                planned(panel, s, "promo", &week).iter().all(|&q| q == 0.0)
                    && planned(panel, s, "discount", &week).iter().all(|&d| d == 0.0)
            })
            .unwrap()
    }

    #[test]
    fn more_units_next_week_turns_the_promotion_on_or_deepens_the_discount() {
        let (data, pipeline) = crate::fitted();
        let panel = &data.panel;
        let s = plain_week(panel);
        let week: Vec<usize> = (1..=HORIZON).collect();
        let q = PlanQuestion {
            series: s,
            steps: week.clone(),
            levers: vec![
                Lever::fixed("price"),
                Lever::window("discount", 0.0, 0.5).with_step(0.05),
                Lever::window("promo", 0.0, 1.0).with_step(1.0),
            ],
            constraints: vec![PlanConstraint::at_most("discount", 0.5, "discount <= 0.5")],
            target: PlanTarget::at_least_pct(10.0),
        };
        let found = plan_counterfactuals(pipeline, panel, &q, SearchParams::default()).unwrap();
        assert!(!found.answers.is_empty(), "no answer in {} evaluations", found.evaluations);
        assert_eq!(found.answers[0].levers.len(), 1, "sparsest first: {:?}", found.answers[0].changes);
        let truth = &data.truth;
        let origin = panel.series[s].len();
        let demand = |p: &Panel| -> f64 {
            let r = &p.series[s].regressors;
            let at = |name: &str, k: usize| r[column(p, name)][origin + k];
            (0..HORIZON)
                .map(|k| truth.what_if(s, origin + k, at("price", k), at("discount", k), at("promo", k) > 0.5).unwrap())
                .sum()
        };
        let planned_demand = demand(panel);
        for a in &found.answers {
            for c in &a.changes {
                match c.regressor.as_str() {
                    "promo" => assert_eq!((c.from, c.to), (0.0, 1.0), "{c:?}"),
                    "discount" => assert!(c.to > c.from, "{c:?}"),
                    other => panic!("{other} moved"),
                }
            }
            let model = 100.0 * (a.total / found.baseline - 1.0);
            let generator = 100.0 * (demand(&a.apply(panel).unwrap()) / planned_demand - 1.0);
            println!(
                "{:?}: model {model:+.1}%, generator {generator:+.1}%",
                a.changes.iter().map(|c| (&c.regressor, c.to)).collect::<Vec<_>>()
            );
            assert!(model >= 10.0 - 1e-9, "{model}");
            // The generator's own effect of the same change: same sign, within a factor of 3.
            assert!(
                generator > 0.0 && model / generator < 3.0 && model / generator > 1.0 / 3.0,
                "model {model}% vs generator {generator}%"
            );
        }
        assert!(
            found.answers.iter().any(|a| a.levers == ["promo"]),
            "{:?}",
            found.answers.iter().map(|a| &a.levers).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_search_starts_from_the_pipelines_own_forecast() {
        let (data, pipeline) = crate::fitted();
        let panel = &data.panel;
        for s in 0..panel.series.len() {
            for steps in [vec![1, 2, 3, 4, 5, 6, 7], vec![2, 5], vec![7]] {
                let q = PlanQuestion {
                    series: s,
                    steps: steps.clone(),
                    levers: vec![Lever::window("discount", 0.0, 0.5).with_step(0.05)],
                    constraints: vec![],
                    // Met by any plan: the search stops at the baseline.
                    target: PlanTarget::at_least_units(f64::NEG_INFINITY),
                };
                let found = plan_counterfactuals(pipeline, panel, &q, SearchParams::default()).unwrap();
                assert!(found.already_met && found.answers.is_empty());
                let want = forecast_total(panel, s, &steps);
                assert!(close(found.baseline, want), "series {s} steps {steps:?}: {} vs {want}", found.baseline);
            }
        }
        // With a search too: each answer's plan, forecast on the full panel as planned, is that baseline.
        let q = PlanQuestion {
            series: 3,
            steps: (1..=HORIZON).collect(),
            levers: vec![Lever::per_step("promo", 0.0, 1.0).with_step(1.0)],
            constraints: vec![],
            target: PlanTarget::at_least_pct(5.0),
        };
        let found = plan_counterfactuals(pipeline, panel, &q, SearchParams::default()).unwrap();
        assert!(!found.answers.is_empty());
        for a in &found.answers {
            assert!(close(a.outcome.baseline_units(), forecast_total(panel, 3, &q.steps)));
            assert!(close(a.outcome.scenario_units(), a.total));
        }
    }

    fn error(q: &PlanQuestion, params: SearchParams) -> XaiError {
        let (data, pipeline) = crate::fitted();
        plan_counterfactuals(pipeline, &data.panel, q, params).unwrap_err()
    }

    #[test]
    fn bad_questions_are_clear_errors() {
        let good = PlanQuestion {
            series: 0,
            steps: vec![1, 2, 3],
            levers: vec![Lever::window("discount", 0.0, 0.5).with_step(0.05)],
            constraints: vec![],
            target: PlanTarget::at_least_pct(10.0),
        };
        let p = SearchParams::default();
        let says = |e: XaiError, words: &[&str]| {
            let text = e.to_string();
            assert!(words.iter().all(|w| text.contains(w)), "{text:?} lacks one of {words:?}");
        };
        let unknown = PlanQuestion { levers: vec![Lever::window("colour", 0.0, 1.0)], ..good.clone() };
        says(error(&unknown, p), &["levers[0].regressor", "colour", "price, discount, promo, holiday"]);
        let reversed = PlanQuestion { levers: vec![Lever::window("discount", 0.5, 0.1)], ..good.clone() };
        says(error(&reversed, p), &["levers[0] (discount) range", "[0.5, 0.1]", "lower <= upper"]);
        let series = PlanQuestion { series: 99, ..good.clone() };
        says(error(&series, p), &["series", "99", "below 6"]);
        says(error(&PlanQuestion { steps: vec![0, 1], ..good.clone() }, p), &["steps", "1-based"]);
        says(error(&PlanQuestion { steps: vec![], ..good.clone() }, p), &["steps", "at least one"]);
        says(error(&PlanQuestion { steps: vec![15], ..good.clone() }, p), &["steps", "at most 14"]);
        let twice = PlanQuestion {
            levers: vec![Lever::window("discount", 0.0, 0.5), Lever::fixed("discount")],
            ..good.clone()
        };
        says(error(&twice, p), &["levers[1]", "discount"]);
        says(error(&PlanQuestion { levers: vec![Lever::fixed("promo")], ..good.clone() }, p), &["levers", "mutable"]);
        let step = PlanQuestion { levers: vec![Lever::window("discount", 0.0, 0.5).with_step(0.0)], ..good.clone() };
        says(error(&step, p), &["step"]);
        let constraint =
            PlanQuestion { constraints: vec![PlanConstraint::at_most("colour", 1.0, "colour <= 1")], ..good.clone() };
        says(error(&constraint, p), &["constraints[0] (colour <= 1)", "colour"]);
        let broken =
            PlanQuestion { constraints: vec![PlanConstraint::at_least("price", 1e9, "price >= cost")], ..good.clone() };
        let e = error(&broken, p);
        assert!(matches!(e, XaiError::InfeasibleRow(_)), "{e}");
        says(e, &["price >= cost", "step 1"]);
        // A plan outside a per-step lever's range cannot be a start: the error names the cell.
        let panel = &crate::fitted().0.panel;
        let outside = PlanQuestion {
            series: plain_week(panel),
            levers: vec![Lever::per_step("discount", 0.3, 0.5)],
            ..good.clone()
        };
        let e = error(&outside, p);
        assert!(matches!(e, XaiError::InfeasibleRow(_)), "{e}");
        says(e, &["discount at step 1", "[0.3, 0.5]"]);
        let target = PlanQuestion { target: PlanTarget::ChangePct { lower: 20.0, upper: 10.0 }, ..good.clone() };
        says(error(&target, p), &["target", "lower <= upper"]);
        let nan = PlanQuestion { target: PlanTarget::at_least_units(f64::NAN), ..good.clone() };
        says(error(&nan, p), &["target"]);
        says(error(&good, SearchParams { max_evaluations: 0, ..p }), &["search params", "max_evaluations"]);
    }
}
