#!/usr/bin/env python3
"""Time path-dependent TreeSHAP: examples/explain.rs against the shap package's TreeExplainer on
the same LightGBM model and rows, everything on one thread.

The model: LightGBM regression, 500 trees of 31 leaves over 20 features (8% NaN), trained on
20,000 seeded synthetic rows; explained: 2,000 rows. Timed, median of --repeats runs:
  shap_lightgbm  shap.TreeExplainer(booster).shap_values(X): for a LightGBM model shap hands the
                 work to LightGBM's own C++ pred_contrib (OMP_NUM_THREADS=1)
  shap_cext      the same explainer forced onto shap's own C++ Tree SHAP (shap._cext.dense_tree_shap,
                 explainer.model.model_type = "internal"), single-threaded
  ours           examples/explain.rs --threads 1: the time it prints for the explanation itself
                 (file reading and writing excluded, as model conversion is excluded for shap)
Our output is also checked against LightGBM's pred_contrib (largest relative difference printed).
On a shared machine wall times swing with the load, so CPU times are printed too: shap's from
time.process_time(), ours as the whole explain.rs process's user + system time (file reading,
parsing and writing included, so it is the conservative figure).

References: shap 0.51.0, LightGBM 4.7.0. Run from the workspace root after
    cargo build --release --example explain
    python3 benches/scripts/treeshap_vs_shap.py [--repeats 5] [--trees 500] [--rows 2000]
Needs numpy, pandas, lightgbm, shap."""
import os

os.environ["OMP_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import lightgbm as lgb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shap  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--repeats", type=int, default=5)
ap.add_argument("--trees", type=int, default=500)
ap.add_argument("--rows", type=int, default=2000)
ap.add_argument("--bin", default="target/release/examples/explain")
a = ap.parse_args()

rng = np.random.default_rng(5)
n, p = 20_000, 20
X = rng.normal(size=(n, p)) * rng.uniform(1, 10, p)
y = X[:, 0] + 0.5 * X[:, 1] * (X[:, 2] > 0) + np.sin(X[:, 3]) + 0.1 * X[:, 4:].sum(1) + rng.normal(size=n)
X[rng.random((n, p)) < 0.08] = np.nan
names = [f"x{j}" for j in range(p)]
b = lgb.train({"objective": "regression", "num_leaves": 31, "learning_rate": 0.05, "verbose": -1, "seed": 1,
               "num_threads": 1, "deterministic": True}, lgb.Dataset(X, y, feature_name=names), a.trees)
R = X[: a.rows]


def median_time(f):
    """Median wall time and median CPU time of this process over the repeats."""
    wall, cpu = [], []
    for _ in range(a.repeats):
        t, c = time.perf_counter(), time.process_time()
        f()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


ex = shap.TreeExplainer(b)
t_lgb, c_lgb = median_time(lambda: ex.shap_values(R, check_additivity=False))
ex_c = shap.TreeExplainer(b)
ex_c.model.model_type = "internal"
t_cext, c_cext = median_time(lambda: ex_c.shap_values(R, check_additivity=False))

with tempfile.TemporaryDirectory() as d:
    model, rows, out = (os.path.join(d, f) for f in ("model.txt", "rows.csv", "shap.csv"))
    b.save_model(model)
    pd.DataFrame(R, columns=names).to_csv(rows, index=False, na_rep="", float_format="%.17g")
    ours, ours_cpu = [], []
    for _ in range(a.repeats):
        c = children_cpu()
        r = subprocess.run([a.bin, "--model", model, "--rows", rows, "--out", out, "--threads", "1"],
                           capture_output=True, text=True, check=True)
        ours_cpu.append(children_cpu() - c)
        ours.append(float(re.search(r"in ([0-9.]+) ms", r.stderr).group(1)) / 1e3)
    t_ours, c_ours = statistics.median(ours), statistics.median(ours_cpu)
    got = pd.read_csv(out, float_precision="round_trip").to_numpy()
want = b.predict(R, pred_contrib=True)
scale = np.maximum(np.abs(got), np.abs(want))
rel = np.where(got == want, 0, np.abs(got - want) / np.where(scale == 0, 1, scale)).max()
cext = np.column_stack([ex_c.shap_values(R, check_additivity=False), np.full(len(R), ex_c.expected_value)])

print(f"model: {a.trees} trees x 31 leaves, {p} features; {len(R)} rows; 1 thread; median of {a.repeats}")
print(f"shap TreeExplainer -> LightGBM pred_contrib : {t_lgb * 1e3:9.1f} ms")
print(f"shap TreeExplainer, shap's own C++ (_cext)  : {t_cext * 1e3:9.1f} ms")
print(f"examples/explain.rs (forecast-xai)          : {t_ours * 1e3:9.1f} ms")
print(f"speed-up vs shap->LightGBM {t_lgb / t_ours:.1f}x, vs shap's C++ {t_cext / t_ours:.1f}x")
print(f"CPU time: shap->LightGBM {c_lgb * 1e3:.1f} ms, shap's C++ {c_cext * 1e3:.1f} ms, "
      f"explain.rs whole process {c_ours * 1e3:.1f} ms; speed-up {c_lgb / c_ours:.1f}x and {c_cext / c_ours:.1f}x")
print(f"largest relative difference from LightGBM's pred_contrib: {rel:.2e}; "
      f"values identical: {(got == want).mean():.4f}; shap's C++ vs LightGBM: {np.abs(cext - want).max():.2e} abs")
