#!/usr/bin/env python3
"""Check examples/explain.rs against LightGBM's own predict(X, pred_contrib=True) on many random
models and rows that are not in the repository.

Each case draws an objective (regression, l1, huber, fair, quantile, mape, poisson, gamma,
tweedie, binary with a random sigmoid, cross_entropy), a boosting type (gbdt, or rf with
bagging), num_leaves up to 255, max_depth, missing values (NaN, or zero_as_missing), categorical
features, feature and bagging fractions; trains on seeded synthetic data; writes the model and
rows (edge values included: NaN, 0, -0, +-1e-36, exact thresholds, unseen and negative
categories, huge values) to a temporary folder; runs the example; and compares every value with
LightGBM's: the largest relative error and the share of values that are bit-identical.

Reference: LightGBM 4.7.0. Run from the workspace root after
    cargo build --release --example explain
    python3 benches/scripts/check_explain_vs_lightgbm.py [--cases 40] [--seed 1] [--exact]
(--exact runs the example's Algorithm 2 mode, which should be bit-identical; the default is its
Linear TreeSHAP, which agrees to rounding.)
Needs numpy, pandas, lightgbm. Exits 1 if any value is off by more than 1e-9 relative."""
import argparse
import os
import subprocess
import sys
import tempfile

import lightgbm as lgb
import numpy as np
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("--cases", type=int, default=40)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--bin", default="target/release/examples/explain")
ap.add_argument("--exact", action="store_true")
a = ap.parse_args()

OBJECTIVES = ["regression", "regression_l1", "huber", "fair", "quantile", "mape", "poisson", "gamma", "tweedie",
              "binary", "cross_entropy"]


def case(rng, k, out):
    n, p = int(rng.integers(300, 3000)), int(rng.integers(2, 14))
    X = rng.normal(size=(n, p)) * rng.uniform(0.1, 50, p)
    n_cat = int(rng.integers(0, 3)) if p > 3 else 0
    for j in range(n_cat):
        X[:, j] = rng.integers(0, int(rng.integers(3, 40)), n)
    y = np.abs(X[:, -1] + X[:, 0] * 0.3 + rng.normal(size=n)) + 0.1
    objective = OBJECTIVES[int(rng.integers(len(OBJECTIVES)))]
    if objective in ("binary", "cross_entropy"):
        y = (y > np.median(y)).astype(float)
    zero = rng.random() < 0.25
    if zero:
        X[rng.random((n, p)) < 0.1] = 0.0
    else:
        X[rng.random((n, p)) < rng.uniform(0, 0.2)] = np.nan
    params = {"objective": objective, "verbose": -1, "seed": k, "num_threads": 1, "deterministic": True,
              "num_leaves": int(rng.choice([2, 7, 31, 63, 255])), "max_depth": int(rng.choice([-1, -1, 3, 6, 12])),
              "learning_rate": float(rng.uniform(0.03, 0.3)), "min_data_in_leaf": int(rng.integers(1, 30)),
              "feature_fraction": float(rng.uniform(0.5, 1.0)), "zero_as_missing": zero}
    if objective == "binary":
        params["sigmoid"] = float(rng.choice([1.0, 0.5, 1.7, 3.0]))
    if rng.random() < 0.2:
        params.update(boosting="rf", bagging_fraction=0.6, bagging_freq=1)
    elif rng.random() < 0.3:
        params.update(bagging_fraction=0.7, bagging_freq=1)
    cats = list(range(n_cat))
    b = lgb.train(params, lgb.Dataset(X, y, categorical_feature=cats or "auto"),
                  num_boost_round=int(rng.integers(1, 80)))
    R = X[rng.integers(0, n, 300)].copy()
    R[rng.random(R.shape) < 0.05] = np.nan
    R[rng.random(R.shape) < 0.03] = 0.0
    R[rng.random(R.shape) < 0.02] = -0.0
    R[rng.random(R.shape) < 0.01] = 1e-36
    R[rng.random(R.shape) < 0.01] = -1e-36
    R[rng.random(R.shape) < 0.005] = 1e30
    for j in range(n_cat):
        R[rng.random(len(R)) < 0.05, j] = -1
        R[rng.random(len(R)) < 0.05, j] = 1000
    th = []
    for t in b.dump_model()["tree_info"]:
        stack = [t["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_feature" in node:
                if node["decision_type"] == "<=":
                    th.append((node["split_feature"], float(node["threshold"])))
                stack += [node["left_child"], node["right_child"]]
    for i, (f, t) in enumerate(th[:100]):
        R[i, f] = t
    model, rows, shap = (os.path.join(out, f"case{k}.{e}") for e in ("txt", "rows.csv", "shap.csv"))
    b.save_model(model)
    names = b.feature_name()
    pd.DataFrame(R, columns=names).to_csv(rows, index=False, na_rep="", float_format="%.17g")
    subprocess.run([a.bin, "--model", model, "--rows", rows, "--out", shap, "--threads", "1"]
                   + (["--exact"] if a.exact else []), check=True, capture_output=True)
    got = pd.read_csv(shap, float_precision="round_trip")
    assert list(got.columns) == names + ["bias"], got.columns
    want = b.predict(R, pred_contrib=True)
    got = got.to_numpy()
    scale = np.maximum(np.abs(got), np.abs(want))
    rel = np.where(got == want, 0.0, np.abs(got - want) / np.where(scale == 0, 1, scale))
    i = np.unravel_index(rel.argmax(), rel.shape)
    params["worst"] = f"{got[i]!r} vs {want[i]!r} (row {i[0]}, column {i[1]}, row scale {np.abs(want[i[0]]).max():.3g})"
    return rel.max(), (got == want).mean(), params


worst = 0.0
rng = np.random.default_rng(a.seed)
with tempfile.TemporaryDirectory() as out:
    for k in range(a.cases):
        err, same, params = case(rng, k, out)
        worst = max(worst, err)
        flag = "" if err <= 1e-9 else "  <-- FAIL: " + params["worst"]
        print(f"case {k:3}: {params['objective']:<13} leaves {params['num_leaves']:>3} "
              f"{params.get('boosting', 'gbdt'):<4} zero_as_missing={params['zero_as_missing']!s:<5} "
              f"max rel err {err:.1e}, identical {same:.4f}{flag}")
print(f"worst relative error over {a.cases} cases: {worst:.2e}")
sys.exit(0 if worst <= 1e-9 else 1)
