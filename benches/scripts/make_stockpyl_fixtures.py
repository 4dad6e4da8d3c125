#!/usr/bin/env python3
"""Golden fixtures for forecast-decisions from stockpyl.

Runs stockpyl 1.0.2 (`python3 -m pip install --user stockpyl==1.0.2`) on seeded random inputs
for every policy the inventory calculator offers, and writes
crates/decisions/tests/fixtures/stockpyl_inventory.json: a list of cases, each with the
calculator request (stockpyl's parameter names) and stockpyl's outputs under the calculator's
result keys. It also simulates base-stock, (s, S) and (r, Q) policies with stockpyl's simulator
on seeded demand paths and writes crates/decisions/tests/fixtures/stockpyl_simulation.json.

Run from the repository root: python3 benches/scripts/make_stockpyl_fixtures.py
"""
import importlib.metadata
import json
import math
import random
import warnings

import numpy as np
from stockpyl import eoq, newsvendor, rq, ss, wagner_whitin
from stockpyl.sim import simulation
from stockpyl.supply_chain_network import single_stage_system

STOCKPYL_VERSION = "1.0.2"
assert importlib.metadata.version("stockpyl") == STOCKPYL_VERSION, importlib.metadata.version("stockpyl")

rng = random.Random(20240613)
cases = []


def u(lo, hi):
    return rng.uniform(lo, hi)


def lu(lo, hi):
    """Log-uniform: spreads inputs over orders of magnitude."""
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def add(policy, params, expected, note=""):
    expected = {k: (float(v) if not isinstance(v, list) else [float(x) for x in v]) for k, v in expected.items()}
    for v in expected.values():
        for x in (v if isinstance(v, list) else [v]):
            assert math.isfinite(x), (policy, params, expected)
    case = {"request": {"policy": policy, **params}, "expected": expected}
    if note:
        case["note"] = note
    cases.append(case)


# newsvendor_normal, with and without lead_time, optimal and given levels.
for i in range(60):
    h, p = lu(0.05, 20), lu(0.1, 200)
    mean = lu(0.5, 5000)
    sd = mean * lu(0.02, 1.5)
    params = {"holding_cost": h, "stockout_cost": p, "demand_mean": mean, "demand_sd": sd}
    if i % 3:
        params["lead_time"] = rng.choice([1, 2, 3, 7, 0.5, u(0, 10)])
    if i % 4 == 3:
        params["base_stock_level"] = mean * u(0.2, 3) * (params.get("lead_time", 0) + 1)
    s, cost = newsvendor.newsvendor_normal(**params)
    add("newsvendor_normal", params, {"base_stock_level": s, "expected_cost": cost})

# newsvendor_poisson: stockpyl takes no lead time; lead_time L here means mean (L + 1) mu, which
# is stockpyl's own convention for newsvendor_poisson_explicit and newsvendor_normal.
for i in range(50):
    h, p = lu(0.05, 20), lu(0.1, 200)
    mean = lu(0.3, 800)
    params = {"holding_cost": h, "stockout_cost": p, "demand_mean": mean}
    lead = 0
    if i % 5 == 4:
        lead = rng.choice([1, 2, 4])
        params["lead_time"] = lead
    if i % 4 == 3:
        params["base_stock_level"] = int(round(mean * (lead + 1) * u(0.3, 2)))
    args = dict(params)
    args.pop("lead_time", None)
    args["demand_mean"] = mean * (lead + 1)
    s, cost = newsvendor.newsvendor_poisson(**args)
    add("newsvendor_poisson", params, {"base_stock_level": s, "expected_cost": cost},
        "lead_time via demand_mean * (lead_time + 1)" if lead else "")

# EOQ family.
for i in range(40):
    k, h, d = lu(0.5, 2000), lu(0.01, 50), lu(1, 1e6)
    params = {"fixed_cost": k, "holding_cost": h, "demand_rate": d}
    if i % 4 == 3:
        params["order_quantity"] = math.sqrt(2 * k * d / h) * u(0.2, 3)
    q, cost = eoq.economic_order_quantity(**params)
    add("economic_order_quantity", params, {"order_quantity": q, "cost": cost})

for i in range(40):
    k, h, p, d = lu(0.5, 2000), lu(0.01, 50), lu(0.05, 500), lu(1, 1e6)
    params = {"fixed_cost": k, "holding_cost": h, "stockout_cost": p, "demand_rate": d}
    if i % 4 == 3:
        params["order_quantity"] = math.sqrt(2 * k * d / h) * u(0.2, 3)
        params["stockout_fraction"] = u(0, 1)
    q, x, cost = eoq.economic_order_quantity_with_backorders(**params)
    add("economic_order_quantity_with_backorders", params, {"order_quantity": q, "stockout_fraction": x, "cost": cost})

for i in range(40):
    k, h, d = lu(0.5, 2000), lu(0.01, 50), lu(1, 1e5)
    params = {"fixed_cost": k, "holding_cost": h, "demand_rate": d, "production_rate": d * lu(1.01, 20)}
    if i % 4 == 3:
        params["order_quantity"] = math.sqrt(2 * k * d / h) * u(0.2, 3)
    q, cost = eoq.economic_production_quantity(**params)
    add("economic_production_quantity", params, {"order_quantity": q, "cost": cost})

# (s, S) power approximation (stockpyl has no lead time).
for i in range(40):
    h, p, k = lu(0.05, 10), lu(0.5, 100), lu(1, 1000)
    mean = lu(1, 2000)
    sd = mean * lu(0.05, 1.2)
    params = {"holding_cost": h, "stockout_cost": p, "fixed_cost": k, "demand_mean": mean, "demand_sd": sd}
    s, S = ss.s_s_power_approximation(**params)
    add("s_s_power_approximation", params, {"reorder_point": s, "order_up_to_level": S})

# (r, Q): exact cost of given (r, Q) and the four heuristics.
def rq_inputs():
    h = lu(0.05, 5)
    p = h * lu(2, 200)
    k = lu(1, 500)
    mean = lu(5, 5000)
    sd = mean * lu(0.05, 0.8)
    lead = rng.choice([1, 2, 0.25, 0.5, u(0.1, 6)])
    return {"holding_cost": h, "stockout_cost": p, "fixed_cost": k, "demand_mean": mean, "demand_sd": sd, "lead_time": lead}


for i in range(40):
    params = rq_inputs()
    q0, _ = eoq.economic_order_quantity(params["fixed_cost"], params["holding_cost"], params["demand_mean"])
    mu_l = params["demand_mean"] * params["lead_time"]
    sd_l = params["demand_sd"] * math.sqrt(params["lead_time"])
    params["reorder_point"] = mu_l + sd_l * u(-1.5, 3)
    params["order_quantity"] = q0 * u(0.3, 3)
    cost = rq.r_q_cost(**params)
    add("r_q", params, {"cost": cost})

skipped = {}
for method, fn in [("eil", rq.r_q_eil_approximation), ("eoqb", rq.r_q_eoqb_approximation),
                   ("eoq_ss", rq.r_q_eoqss_approximation), ("loss_function", rq.r_q_loss_function_approximation)]:
    made = 0
    while made < 30:
        params = rq_inputs()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                out = fn(**params)
            except (RuntimeWarning, ValueError) as e:
                skipped[method] = skipped.get(method, 0) + 1
                continue
        if not all(math.isfinite(x) for x in out):
            skipped[method] = skipped.get(method, 0) + 1
            continue
        expected = {"reorder_point": out[0], "order_quantity": out[1]}
        exact = rq.r_q_cost(out[0], out[1], **params)
        expected["exact_cost"] = exact
        expected["cost"] = out[2] if method == "eil" else exact
        add("r_q", {**params, "method": method}, expected)
        made += 1

# Wagner-Whitin.
for i in range(40):
    T = rng.randint(1, 16)
    demand = [rng.choice([0, rng.randint(1, 200), round(u(0, 150), 3)]) for _ in range(T)]
    params = {"demand": demand}
    params["holding_cost"] = lu(0.1, 5) if i % 3 else [lu(0.1, 5) for _ in range(T)]
    params["fixed_cost"] = lu(10, 1000) if i % 4 else [lu(10, 1000) for _ in range(T)]
    if i % 5 == 4:
        params["purchase_cost"] = [u(0, 3) for _ in range(T)]
    if i % 6 == 5:
        params["num_periods"] = T
    qs, cost, theta, nxt = wagner_whitin.wagner_whitin(T, params["holding_cost"], params["fixed_cost"], demand,
                                                       params.get("purchase_cost", 0))
    add("wagner_whitin", params, {"order_quantities": list(qs), "cost": cost, "costs_to_go": list(theta),
                                  "next_order_periods": list(nxt)})

with open("crates/decisions/tests/fixtures/stockpyl_inventory.json", "w") as f:
    json.dump({"stockpyl_version": STOCKPYL_VERSION, "generator": "benches/scripts/make_stockpyl_fixtures.py",
               "skipped_inputs_where_stockpyl_gave_no_finite_answer": skipped, "cases": cases}, f, indent=1)
print(f"{len(cases)} inventory cases; skipped {skipped}")

# Simulation: single stage, backorders, deterministic demand list = a seeded path.
sims = []
np_rng = np.random.default_rng(7)
for i in range(12):
    periods = int(np_rng.integers(20, 120))
    mean = float(np_rng.uniform(5, 60))
    sd = mean * float(np_rng.uniform(0.1, 0.6))
    demand = [float(max(0, round(x))) for x in np_rng.normal(mean, sd, periods)]
    if i % 4 == 3:
        demand = [float(x) for x in np_rng.normal(mean, sd, periods).clip(0)]
    lead = int(np_rng.integers(0, 5))
    h, p = float(np_rng.uniform(0.2, 3)), float(np_rng.uniform(2, 30))
    kind = ["BS", "sS", "rQ"][i % 3]
    policy = {"policy_type": kind}
    base = mean * (lead + 1) + sd * math.sqrt(lead + 1)
    if kind == "BS":
        policy["base_stock_level"] = round(base, 2)
    elif kind == "sS":
        policy["reorder_point"] = round(base, 2)
        policy["order_up_to_level"] = round(base + 2 * mean, 2)
    else:
        policy["reorder_point"] = round(base, 2)
        policy["order_quantity"] = round(3 * mean, 2)
    net = single_stage_system(holding_cost=h, stockout_cost=p, demand_type="D", demand_list=demand,
                              shipment_lead_time=lead, **policy)
    total = simulation(net, num_periods=periods, progress_bar=False)
    node = net.nodes[0]
    prod = node.product_indices[0]
    sv = node.state_vars[:periods]
    sims.append({
        "demand": demand, "lead_time": lead, "holding_cost": h, "stockout_cost": p, "policy": policy,
        "total_cost": total,
        "holding_cost_total": float(sum(s.holding_cost_incurred for s in sv)),
        "stockout_cost_total": float(sum(s.stockout_cost_incurred for s in sv)),
        "fill_rate": float(sv[-1].fill_rate[prod]),
        "inventory_level": [float(s.inventory_level[prod]) for s in sv],
        "order_quantity": [float(s.order_quantity[None][next(iter(s.order_quantity[None]))]) for s in sv],
        "demand_met_from_stock": [float(s.demand_met_from_stock[prod]) for s in sv],
    })

with open("crates/decisions/tests/fixtures/stockpyl_simulation.json", "w") as f:
    json.dump({"stockpyl_version": STOCKPYL_VERSION, "generator": "benches/scripts/make_stockpyl_fixtures.py",
               "semantics": "single_stage_system, demand_type 'D' (the path), shipment_lead_time = lead_time, "
                            "initial inventory = the policy's order-up-to level, backorders",
               "runs": sims}, f, indent=1)
print(f"{len(sims)} simulation runs")
