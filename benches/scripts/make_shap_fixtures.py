#!/usr/bin/env python3
"""Write the TreeSHAP fixtures of forecast-xai's integration tests.

Trains small LightGBM models on seeded synthetic retail-like data and writes, to
crates/xai/tests/fixtures/ (or --out), for each NAME below:
  NAME.txt          the LightGBM model (Booster.save_model)
  NAME_rows.csv     the rows to explain (header = feature names, empty cell = missing)
  NAME_contrib.csv  LightGBM's own predict(rows, pred_contrib=True): one column per feature and
                    a last column `bias`, printed with 17 significant digits (raw score, before
                    the objective's output transform)

  lgbm_numeric      L2 regression on numeric features, no missing values
  lgbm_nan          Poisson with NaN missing values (missing type NaN, learned default directions)
  lgbm_categorical  Tweedie with two categorical features (and NaN in the numeric ones)
  lgbm_zero         binary with sigmoid:1.5 and zero_as_missing (missing type Zero)
  lgbm_rf           random forest (average_output) with bagging, cross-entropy objective
  lgbm_nan_background.csv, lgbm_nan_interventional_rows.csv, lgbm_nan_interventional.csv
                    40 training rows as background, 30 rows (with NaN and rows on thresholds) and
                    their interventional SHAP values by the definition: every one of the 2^9
                    coalitions scored with LightGBM's predict, Shapley-weighted
  xgb_tweedie       XGBoost reg:tweedie with NaN (NAME.json; covers are `sum_hessian`). XGBoost
                    computes its contributions in float32, so they agree to about 1e-6 only.

Reference: LightGBM 4.7.0 and XGBoost 3.2.0 (python3 -c "import lightgbm, xgboost; print(lightgbm.__version__,
xgboost.__version__)").
Run from the workspace root:  python3 benches/scripts/make_shap_fixtures.py
Needs numpy, pandas, lightgbm, xgboost."""
import argparse
import math
import os

import lightgbm as lgb
import numpy as np
import pandas as pd
import xgboost as xgb

ap = argparse.ArgumentParser()
ap.add_argument("--out", default="crates/xai/tests/fixtures")
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)

rng = np.random.default_rng(18)
n = 4000
names = ["lag_7", "lag_14", "rolling_mean_28", "price", "discount", "promo", "dow", "store", "category"]
lag7 = rng.poisson(6, n).astype(float)
X = np.column_stack([
    lag7,
    rng.poisson(6, n).astype(float),
    lag7 * 0.7 + rng.uniform(0, 4, n).round(3),
    rng.uniform(1, 20, n).round(2),
    np.where(rng.random(n) < 0.3, rng.choice([0.1, 0.2, 0.3, 0.5], n), 0.0),
    (rng.random(n) < 0.2).astype(float),
    rng.integers(0, 7, n).astype(float),
    rng.integers(0, 12, n).astype(float),
    rng.integers(0, 5, n).astype(float),
])
mu = np.exp(0.4 + 0.07 * X[:, 0] + 0.02 * X[:, 1] + 0.03 * X[:, 2] - 0.03 * X[:, 3] + 1.4 * X[:, 4]
            + 0.5 * X[:, 5] + 0.2 * (X[:, 6] >= 5) + 0.5 * (X[:, 7] % 4 == 1) - 0.3 * (X[:, 8] == 2))
y = rng.poisson(mu).astype(float)
Xnan = X.copy()
Xnan[:, :6][rng.random((n, 6)) < 0.1] = np.nan

common = {"learning_rate": 0.1, "verbose": -1, "seed": 1, "deterministic": True, "num_threads": 1,
          "min_data_in_leaf": 10}


def rows_of(data):
    """Held-out rows plus edge values: missing, zero, negative zero, exact split thresholds."""
    s = data[-250:].copy()
    s[:10, 3] = np.nan
    s[10:20, 4] = 0.0
    s[20:30, 4] = -0.0
    s[30:40, 0] = np.nan
    s[40:45, 7] = 99.0  # a category never seen in training
    s[45:50, 7] = -1.0  # negative categories go right
    return s


def thresholds(b):
    """Split thresholds of every numeric split, to put rows exactly on them."""
    out = []
    for t in b.dump_model()["tree_info"]:
        stack = [t["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_feature" in node:
                if node["decision_type"] == "<=":
                    out.append((node["split_feature"], float(node["threshold"])))
                stack += [node["left_child"], node["right_child"]]
    return out


def write(name, b, data):
    s = rows_of(data)
    for i, (f, t) in enumerate(thresholds(b)[:60]):
        s[50 + i, f] = t
    b.save_model(os.path.join(a.out, name + ".txt"))
    pd.DataFrame(s, columns=names).to_csv(os.path.join(a.out, name + "_rows.csv"), index=False, na_rep="",
                                          float_format="%.17g")
    c = b.predict(s, pred_contrib=True)
    pd.DataFrame(c, columns=names + ["bias"]).to_csv(os.path.join(a.out, name + "_contrib.csv"), index=False,
                                                     float_format="%.17g")


b = lgb.train({**common, "objective": "regression", "num_leaves": 31},
              lgb.Dataset(X, y, feature_name=names), num_boost_round=40)
write("lgbm_numeric", b, X)

b = lgb.train({**common, "objective": "poisson", "num_leaves": 24},
              lgb.Dataset(Xnan, y, feature_name=names), num_boost_round=40)
write("lgbm_nan", b, Xnan)

# Interventional SHAP by its definition: phi_j = sum over coalitions S of the Shapley weight times
# v(S + j) - v(S), v(S) = mean over background rows z of LightGBM's raw score of (x on S, z elsewhere),
# evaluated over all 2^9 coalitions with LightGBM's own predict. (shap 0.51.0's interventional
# TreeExplainer misses this definition on some rows, by up to 0.15 on rows lying on a threshold.)
bg = Xnan[:40]
pd.DataFrame(bg, columns=names).to_csv(os.path.join(a.out, "lgbm_nan_background.csv"), index=False, na_rep="",
                                       float_format="%.17g")
R = rows_of(Xnan)
for i, (f, t) in enumerate(thresholds(b)[:60]):
    R[50 + i, f] = t
R = np.concatenate([R[:12], R[30:36], R[50:62]])
p = len(names)
masks = np.array([[(m >> j) & 1 for j in range(p)] for m in range(1 << p)], dtype=bool)
weight = {s: math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)}
iv = []
for x in R:
    hybrids = np.where(masks[:, None, :], x[None, None, :], bg[None, :, :]).reshape(-1, p)
    v = b.predict(hybrids, raw_score=True).reshape(len(masks), len(bg)).mean(1)
    phi = np.zeros(p)
    for m in range(1 << p):
        for j in range(p):
            if not (m >> j) & 1:
                phi[j] += weight[bin(m).count("1")] * (v[m | (1 << j)] - v[m])
    iv.append(np.append(phi, v[0]))
pd.DataFrame(R, columns=names).to_csv(os.path.join(a.out, "lgbm_nan_interventional_rows.csv"), index=False,
                                      na_rep="", float_format="%.17g")
pd.DataFrame(np.array(iv), columns=names + ["bias"]).to_csv(
    os.path.join(a.out, "lgbm_nan_interventional.csv"), index=False, float_format="%.17g")

b = lgb.train({**common, "objective": "tweedie", "num_leaves": 20, "max_cat_to_onehot": 4, "cat_smooth": 1,
               "min_data_per_group": 5},
              lgb.Dataset(Xnan, y, feature_name=names, categorical_feature=["store", "category"]),
              num_boost_round=40)
write("lgbm_categorical", b, Xnan)

Xz = np.nan_to_num(Xnan, nan=0.0)
b = lgb.train({**common, "objective": "binary", "sigmoid": 1.5, "zero_as_missing": True, "num_leaves": 15},
              lgb.Dataset(Xz, (y > 6).astype(float), feature_name=names), num_boost_round=30)
write("lgbm_zero", b, Xz)

b = lgb.train({**common, "boosting": "rf", "objective": "cross_entropy", "bagging_fraction": 0.6,
               "bagging_freq": 1, "feature_fraction": 0.7, "num_leaves": 15},
              lgb.Dataset(Xnan, (y > 6).astype(float), feature_name=names), num_boost_round=20)
write("lgbm_rf", b, Xnan)
m = xgb.train({"objective": "reg:tweedie", "max_depth": 5, "eta": 0.1, "seed": 1, "nthread": 1},
              xgb.DMatrix(Xnan, y, feature_names=names), num_boost_round=30)
m.save_model(os.path.join(a.out, "xgb_tweedie.json"))
s = rows_of(Xnan)
pd.DataFrame(s, columns=names).to_csv(os.path.join(a.out, "xgb_tweedie_rows.csv"), index=False, na_rep="",
                                      float_format="%.17g")
c = m.predict(xgb.DMatrix(s, feature_names=names), pred_contribs=True)
pd.DataFrame(c.astype(np.float64), columns=names + ["bias"]).to_csv(
    os.path.join(a.out, "xgb_tweedie_contrib.csv"), index=False, float_format="%.17g")
print("wrote", sorted(os.listdir(a.out)))
