//! The inventory calculator: one JSON request in stockpyl's parameter names, one JSON result.
//!
//! A request is a JSON object naming a `policy` and its parameters, either beside it or inside
//! a `parameters` (or `params`) object. `null` means "not given", as `None` does in stockpyl.
//! An unknown parameter, a missing one, or a value out of range is an error that names it.
//!
//! | policy | parameters | result keys |
//! |---|---|---|
//! | `newsvendor_normal` | `holding_cost`, `stockout_cost`, `demand_mean`, `demand_sd`, (optional `lead_time`, `base_stock_level`) | `base_stock_level`, `expected_cost` |
//! | `newsvendor_poisson` | `holding_cost`, `stockout_cost`, `demand_mean`, (optional `lead_time`, `base_stock_level`, `demand_sd`) | `base_stock_level`, `expected_cost` |
//! | `economic_order_quantity` | `fixed_cost`, `holding_cost`, `demand_rate`, (optional `order_quantity`, `stockout_cost`) | `order_quantity`, `cost` |
//! | `economic_order_quantity_with_backorders` | `fixed_cost`, `holding_cost`, `stockout_cost`, `demand_rate`, (optional `order_quantity` with `stockout_fraction`) | `order_quantity`, `stockout_fraction`, `cost` |
//! | `economic_production_quantity` | `fixed_cost`, `holding_cost`, `demand_rate`, `production_rate`, (optional `order_quantity`, `stockout_cost`) | `order_quantity`, `cost` |
//! | `s_s_power_approximation` | `holding_cost`, `stockout_cost`, `fixed_cost`, `demand_mean`, `demand_sd`, (optional `lead_time`) | `reorder_point`, `order_up_to_level` |
//! | `r_q` | `holding_cost`, `stockout_cost`, `fixed_cost`, `demand_mean`, `demand_sd`, `lead_time`, then `reorder_point` and `order_quantity`, or `method` (`eil`, `eoqb`, `eoq_ss`, `loss_function`), (optional `tol`) | `cost`; or `reorder_point`, `order_quantity`, `cost`, `exact_cost` |
//! | `wagner_whitin` | `holding_cost`, `fixed_cost` (numbers or lists), `demand` (list), (optional `num_periods`, `purchase_cost`) | `order_quantities`, `cost`, `costs_to_go`, `next_order_periods` |
//!
//! Conventions are stockpyl 1.0.2's:
//! - `newsvendor_normal` with `lead_time` L protects `L + 1` periods (mean `(L + 1) mu`, sd
//!   `sqrt(L + 1) sigma`); `expected_cost` is `h E[(S - D)+] + p E[(D - S)+]` at the level.
//!   `newsvendor_poisson` treats `lead_time` the same way (stockpyl's takes none: L = 0).
//!   Poisson demand has standard deviation `sqrt(demand_mean)`, so a `demand_sd` there is
//!   accepted and reported in `notes` as unused; so is `stockout_cost` for the EOQ and EPQ.
//! - `cost` of the EOQ family is the average cost per period; `stockout_fraction` is the share
//!   of each cycle spent in backorder, `h / (h + p)` at the optimum.
//! - `r_q`'s `lead_time` is in periods and lead-time demand is `N(mu L, sigma^2 L)`; `cost`
//!   of a given `(r, Q)` is stockpyl's `r_q_cost`; for `eil` the `cost` is the EIL
//!   approximation's own figure (stockpyl returns it) and `exact_cost` the exact one; the other
//!   methods return no cost in stockpyl, so `cost` is the exact cost of their `(r, Q)`.
//! - `wagner_whitin` lists are indexed as stockpyl returns them: element 0 is unused and
//!   element `t` is period `t` (so `order_quantities` has `num_periods + 1` entries and
//!   `costs_to_go` `num_periods + 2`). Input lists may have `num_periods` or `num_periods + 1`
//!   entries (then element 0 is ignored), and numbers apply to every period.

use crate::error::{DecisionError, Result};
use crate::inventory::{
    LotSizingCosts, RqInputs, RqMethod, economic_order_quantity, economic_order_quantity_with_backorders,
    economic_production_quantity, newsvendor_normal, newsvendor_poisson, r_q_approximation, r_q_cost,
    s_s_power_approximation, wagner_whitin,
};
use serde_json::{Map, Value, json};

/// The policies the calculator knows.
pub const POLICIES: [&str; 8] = [
    "newsvendor_normal",
    "newsvendor_poisson",
    "economic_order_quantity",
    "economic_order_quantity_with_backorders",
    "economic_production_quantity",
    "s_s_power_approximation",
    "r_q",
    "wagner_whitin",
];

/// Evaluate a request given as JSON text.
///
/// # Errors
/// [`DecisionError::InvalidRequest`] for text that is not a JSON object, and any error of
/// [`evaluate`].
pub fn evaluate_str(text: &str) -> Result<Value> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| DecisionError::InvalidRequest { reason: format!("not valid JSON ({e}); expected an object such as {{\"policy\": \"economic_order_quantity\", \"fixed_cost\": 8, \"holding_cost\": 0.225, \"demand_rate\": 1300}}") })?;
    evaluate(&value)
}

/// Evaluate a request: run the named policy on its parameters and return the result object.
///
/// # Errors
/// [`DecisionError::InvalidRequest`] when the request is not an object or names no policy;
/// [`DecisionError::UnknownName`] for an unknown policy or method;
/// [`DecisionError::MissingParameter`], [`DecisionError::UnknownParameter`] and
/// [`DecisionError::InvalidParameter`] naming the parameter; [`DecisionError::NoSolution`] when
/// a heuristic has no answer for these inputs.
pub fn evaluate(request: &Value) -> Result<Value> {
    let Value::Object(obj) = request else {
        return Err(DecisionError::InvalidRequest { reason: "expected a JSON object with a `policy` key".into() });
    };
    let policy = match obj.get("policy") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(DecisionError::invalid("policy", other, format!("a string, one of: {}", POLICIES.join(", "))));
        }
        None => {
            return Err(DecisionError::MissingParameter {
                name: "policy".into(),
                context: "the request".into(),
                expected: format!("one of: {}", POLICIES.join(", ")),
            });
        }
    };
    let mut params = Map::new();
    for (k, v) in obj {
        match (k.as_str(), v) {
            ("policy", _) => {}
            ("parameters" | "params", Value::Object(inner)) => params.extend(inner.clone()),
            _ => {
                params.insert(k.clone(), v.clone());
            }
        }
    }
    let mut p = Params { policy, map: params, used: Vec::new(), notes: Vec::new() };
    let mut out = match policy {
        "newsvendor_normal" => newsvendor_normal_request(&mut p)?,
        "newsvendor_poisson" => newsvendor_poisson_request(&mut p)?,
        "economic_order_quantity" => eoq_request(&mut p)?,
        "economic_order_quantity_with_backorders" => eoqb_request(&mut p)?,
        "economic_production_quantity" => epq_request(&mut p)?,
        "s_s_power_approximation" => ss_request(&mut p)?,
        "r_q" => rq_request(&mut p)?,
        "wagner_whitin" => ww_request(&mut p)?,
        other => {
            return Err(DecisionError::UnknownName {
                what: "policy",
                name: other.to_owned(),
                known: POLICIES.join(", "),
            });
        }
    };
    p.finish()?;
    out.insert("policy".into(), Value::String(policy.to_owned()));
    if !p.notes.is_empty() {
        out.insert("notes".into(), json!(p.notes));
    }
    for (k, v) in &out {
        check_finite(k, v)?;
    }
    Ok(Value::Object(out))
}

fn check_finite(key: &str, v: &Value) -> Result<()> {
    match v {
        Value::Null => {
            Err(DecisionError::NoSolution { what: key.to_owned(), reason: "the result is not a finite number".into() })
        }
        Value::Array(items) => items.iter().try_for_each(|i| check_finite(key, i)),
        _ => Ok(()),
    }
}

/// A request's parameters, tracking which were read so that leftovers are reported.
struct Params<'a> {
    policy: &'a str,
    map: Map<String, Value>,
    used: Vec<&'static str>,
    notes: Vec<String>,
}

impl Params<'_> {
    fn raw(&mut self, name: &'static str) -> Option<&Value> {
        self.used.push(name);
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn opt(&mut self, name: &'static str) -> Result<Option<f64>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_f64().map(Some).ok_or_else(|| DecisionError::invalid(name, n, "a number")),
            Some(other) => Err(DecisionError::invalid(name, other, "a number")),
        }
    }

    fn req(&mut self, name: &'static str, expected: &str) -> Result<f64> {
        self.opt(name)?.ok_or_else(|| DecisionError::MissingParameter {
            name: name.into(),
            context: self.policy.to_owned(),
            expected: expected.to_owned(),
        })
    }

    fn ignored(&mut self, name: &'static str, why: &str) -> Result<()> {
        if self.opt(name)?.is_some() {
            self.notes.push(format!("`{name}` is not used by {}: {why}", self.policy));
        }
        Ok(())
    }

    /// A number or a list of numbers.
    fn series(&mut self, name: &'static str) -> Result<Option<Vec<f64>>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Number(n)) => {
                Ok(Some(vec![n.as_f64().ok_or_else(|| DecisionError::invalid(name, n, "a number"))?]))
            }
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| v.as_f64().ok_or_else(|| DecisionError::invalid(format!("{name}[{i}]"), v, "a number")))
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(other) => Err(DecisionError::invalid(name, other, "a number or a list of numbers")),
        }
    }

    fn finish(&self) -> Result<()> {
        let mut accepted: Vec<&str> = self.used.clone();
        accepted.sort_unstable();
        accepted.dedup();
        match self.map.keys().find(|k| !accepted.contains(&k.as_str())) {
            Some(k) => Err(DecisionError::UnknownParameter {
                name: k.clone(),
                context: self.policy.to_owned(),
                accepted: accepted.join(", "),
            }),
            None => Ok(()),
        }
    }
}

const COST: &str = "a number > 0";

fn newsvendor_normal_request(p: &mut Params) -> Result<Map<String, Value>> {
    let h = p.req("holding_cost", COST)?;
    let s = p.req("stockout_cost", COST)?;
    let mean = p.req("demand_mean", "mean demand per period, > 0")?;
    let sd = p.req("demand_sd", "standard deviation of demand per period, > 0")?;
    let lead_time = p.opt("lead_time")?.unwrap_or(0.0);
    let level = p.opt("base_stock_level")?;
    let sol = newsvendor_normal(h, s, mean, sd, lead_time, level)?;
    Ok(obj(json!({
        "base_stock_level": sol.base_stock_level,
        "expected_cost": sol.expected_cost,
        "critical_ratio": sol.critical_ratio,
        "lead_time_demand_mean": mean * (lead_time + 1.0),
        "lead_time_demand_sd": sd * (lead_time + 1.0).sqrt(),
    })))
}

fn newsvendor_poisson_request(p: &mut Params) -> Result<Map<String, Value>> {
    let h = p.req("holding_cost", COST)?;
    let s = p.req("stockout_cost", COST)?;
    let mean = p.req("demand_mean", "mean demand per period, > 0")?;
    p.ignored("demand_sd", "Poisson demand has standard deviation sqrt(demand_mean)")?;
    let lead_time = p.opt("lead_time")?.unwrap_or(0.0);
    let level = p.opt("base_stock_level")?;
    let sol = newsvendor_poisson(h, s, mean, lead_time, level)?;
    Ok(obj(json!({
        "base_stock_level": sol.base_stock_level,
        "expected_cost": sol.expected_cost,
        "critical_ratio": sol.critical_ratio,
        "lead_time_demand_mean": mean * (lead_time + 1.0),
    })))
}

fn eoq_request(p: &mut Params) -> Result<Map<String, Value>> {
    let k = p.req("fixed_cost", "fixed cost per order, >= 0")?;
    let h = p.req("holding_cost", COST)?;
    let d = p.req("demand_rate", "demand per period, >= 0")?;
    let q = p.opt("order_quantity")?;
    p.ignored("stockout_cost", "the plain EOQ allows no stockouts")?;
    let sol = economic_order_quantity(k, h, d, q)?;
    Ok(obj(json!({ "order_quantity": sol.order_quantity, "cost": sol.cost })))
}

fn eoqb_request(p: &mut Params) -> Result<Map<String, Value>> {
    let k = p.req("fixed_cost", "fixed cost per order, >= 0")?;
    let h = p.req("holding_cost", COST)?;
    let s = p.req("stockout_cost", COST)?;
    let d = p.req("demand_rate", "demand per period, >= 0")?;
    let q = p.opt("order_quantity")?;
    let x = p.opt("stockout_fraction")?;
    let sol = economic_order_quantity_with_backorders(k, h, s, d, q, x)?;
    Ok(obj(
        json!({ "order_quantity": sol.order_quantity, "stockout_fraction": sol.stockout_fraction, "cost": sol.cost }),
    ))
}

fn epq_request(p: &mut Params) -> Result<Map<String, Value>> {
    let k = p.req("fixed_cost", "fixed cost per order, >= 0")?;
    let h = p.req("holding_cost", COST)?;
    let d = p.req("demand_rate", "demand per period, >= 0")?;
    let rate = p.req("production_rate", "production per period, > demand_rate")?;
    let q = p.opt("order_quantity")?;
    p.ignored("stockout_cost", "the EPQ allows no stockouts")?;
    let sol = economic_production_quantity(k, h, d, rate, q)?;
    Ok(obj(json!({ "order_quantity": sol.order_quantity, "cost": sol.cost })))
}

fn ss_request(p: &mut Params) -> Result<Map<String, Value>> {
    let h = p.req("holding_cost", COST)?;
    let s = p.req("stockout_cost", COST)?;
    let k = p.req("fixed_cost", "fixed cost per order, > 0")?;
    let mean = p.req("demand_mean", "mean demand per period, > 0")?;
    let sd = p.req("demand_sd", "standard deviation of demand per period, > 0")?;
    let lead_time = p.opt("lead_time")?.unwrap_or(0.0);
    let sol = s_s_power_approximation(h, s, k, mean, sd, lead_time)?;
    Ok(obj(json!({ "reorder_point": sol.reorder_point, "order_up_to_level": sol.order_up_to_level })))
}

fn rq_request(p: &mut Params) -> Result<Map<String, Value>> {
    let inputs = RqInputs {
        holding_cost: p.req("holding_cost", COST)?,
        stockout_cost: p.req("stockout_cost", COST)?,
        fixed_cost: p.req("fixed_cost", "fixed cost per order, > 0")?,
        demand_mean: p.req("demand_mean", "mean demand per period, > 0")?,
        demand_sd: p.req("demand_sd", "standard deviation of demand per period, > 0")?,
        lead_time: p.req("lead_time", "lead time in periods, > 0")?,
    };
    let r = p.opt("reorder_point")?;
    let q = p.opt("order_quantity")?;
    let tol = p.opt("tol")?.unwrap_or(crate::inventory::rq::DEFAULT_TOL);
    let method = match p.raw("method") {
        None => None,
        Some(Value::String(m)) => Some(m.clone()),
        Some(other) => return Err(DecisionError::invalid("method", other, "one of: eil, eoqb, eoq_ss, loss_function")),
    };
    match (r, q) {
        (Some(r), Some(q)) => {
            if method.is_some() {
                p.notes.push("`method` is not used when reorder_point and order_quantity are given".into());
            }
            Ok(obj(json!({ "reorder_point": r, "order_quantity": q, "cost": r_q_cost(r, q, &inputs)? })))
        }
        (Some(_), None) | (None, Some(_)) => {
            let missing = if r.is_none() { "reorder_point" } else { "order_quantity" };
            Err(DecisionError::MissingParameter {
                name: missing.into(),
                context: "r_q".into(),
                expected: "give reorder_point and order_quantity together (to price them), or neither (to optimise with `method`)".into(),
            })
        }
        (None, None) => {
            let name = method.ok_or_else(|| DecisionError::MissingParameter {
                name: "method".into(),
                context: "r_q".into(),
                expected: "one of: eil, eoqb, eoq_ss, loss_function (or give reorder_point and order_quantity)".into(),
            })?;
            let m = RqMethod::parse(&name)?;
            let sol = r_q_approximation(m, &inputs, tol)?;
            let exact = r_q_cost(sol.reorder_point, sol.order_quantity, &inputs)?;
            Ok(obj(json!({
                "method": name,
                "reorder_point": sol.reorder_point,
                "order_quantity": sol.order_quantity,
                "cost": sol.cost,
                "exact_cost": exact,
            })))
        }
    }
}

fn ww_request(p: &mut Params) -> Result<Map<String, Value>> {
    let demand = p.series("demand")?.ok_or_else(|| DecisionError::MissingParameter {
        name: "demand".into(),
        context: "wagner_whitin".into(),
        expected: "a list of demands, one per period".into(),
    })?;
    let periods = match p.opt("num_periods")? {
        None if p.map.get("demand").is_some_and(Value::is_number) => {
            return Err(DecisionError::MissingParameter {
                name: "num_periods".into(),
                context: "wagner_whitin".into(),
                expected: "the number of periods when demand is a single number".into(),
            });
        }
        None => demand.len(),
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 1e6 => n as usize,
        Some(n) => return Err(DecisionError::invalid("num_periods", n, "a whole number of periods >= 0")),
    };
    let per_period = |name: &str, list: Vec<f64>, scalar: bool| -> Result<Vec<f64>> {
        if scalar {
            Ok(vec![list[0]; periods])
        } else if list.len() == periods {
            Ok(list)
        } else if list.len() == periods + 1 {
            Ok(list[1..].to_vec())
        } else {
            Err(DecisionError::LengthMismatch {
                what: format!("{name} (num_periods or num_periods + 1 values)"),
                expected: periods,
                got: list.len(),
            })
        }
    };
    let is_scalar = |p: &Params, name: &str| p.map.get(name).is_some_and(Value::is_number);
    let demand_scalar = is_scalar(p, "demand");
    let demand = per_period("demand", demand, demand_scalar)?;
    let mut costs = LotSizingCosts::constant(periods, 0.0, 0.0, 0.0);
    for (name, slot) in [("holding_cost", 0usize), ("fixed_cost", 1), ("purchase_cost", 2)] {
        let (list, scalar) = match p.series(name)? {
            Some(l) => (l, is_scalar(p, name)),
            None if slot == 2 => (vec![0.0], true),
            None => {
                return Err(DecisionError::MissingParameter {
                    name: name.into(),
                    context: "wagner_whitin".into(),
                    expected: "a number >= 0 or a list with one per period".into(),
                });
            }
        };
        let values = per_period(name, list, scalar)?;
        match slot {
            0 => costs.holding_cost = values,
            1 => costs.fixed_cost = values,
            _ => costs.purchase_cost = values,
        }
    }
    let plan = wagner_whitin(&demand, &costs)?;
    let mut order_quantities = vec![0.0];
    order_quantities.extend(&plan.order_quantities);
    let mut costs_to_go = vec![0.0];
    costs_to_go.extend(&plan.costs_to_go);
    let mut next = vec![0usize];
    next.extend(plan.next_order_periods.iter().map(|s| s + 1));
    Ok(obj(json!({
        "order_quantities": order_quantities,
        "cost": plan.cost,
        "costs_to_go": costs_to_go,
        "next_order_periods": next,
        "indexing": "stockpyl's: element 0 is unused, element t is period t",
    })))
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_unknown_parameters_are_named() {
        let e = evaluate_str(r#"{"policy":"newsvendor_normal","holding_cost":1,"stockout_cost":2,"demand_mean":5}"#)
            .unwrap_err();
        assert_eq!(e.parameter(), Some("demand_sd"));
        let e = evaluate_str(
            r#"{"policy":"economic_order_quantity","fixed_cost":1,"holding_cost":2,"demand_rate":5,"demnd":1}"#,
        )
        .unwrap_err();
        assert_eq!(e.parameter(), Some("demnd"));
        let e = evaluate_str(r#"{"policy":"r_q","holding_cost":1,"stockout_cost":2,"fixed_cost":3,"demand_mean":5,"demand_sd":1,"lead_time":1}"#)
            .unwrap_err();
        assert_eq!(e.parameter(), Some("method"));
        let e =
            evaluate_str(r#"{"policy":"economic_order_quantity","fixed_cost":"8","holding_cost":2,"demand_rate":5}"#)
                .unwrap_err();
        assert_eq!(e.parameter(), Some("fixed_cost"));
        assert!(matches!(evaluate_str(r#"{"policy":"eoq"}"#).unwrap_err(), DecisionError::UnknownName { .. }));
    }

    #[test]
    fn nested_parameters_and_nulls_are_accepted() {
        let v = evaluate_str(r#"{"policy":"economic_order_quantity","parameters":{"fixed_cost":8,"holding_cost":0.225,"demand_rate":1300,"order_quantity":null}}"#)
            .unwrap();
        let q = v["order_quantity"].as_f64().unwrap();
        assert!((q - (2.0f64 * 8.0 * 1300.0 / 0.225).sqrt()).abs() < 1e-9);
    }

    #[test]
    fn unused_parameters_are_reported_not_dropped() {
        let v = evaluate_str(
            r#"{"policy":"newsvendor_poisson","holding_cost":1,"stockout_cost":3,"demand_mean":6,"demand_sd":2}"#,
        )
        .unwrap();
        assert!(v["notes"][0].as_str().unwrap().contains("demand_sd"));
    }
}
