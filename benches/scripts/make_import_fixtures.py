#!/usr/bin/env python3
"""Write the model-import fixtures of forecast-core's integration tests.

Trains small LightGBM and XGBoost models on seeded synthetic retail-like data and writes, to
crates/forecast-core/tests/fixtures/ (or --out):
  lgbm_poisson.txt   LightGBM, Poisson objective, NaN missing values, a categorical feature
  lgbm_zero.txt      LightGBM, L2 objective, zero_as_missing=True
  xgb_tweedie.json   XGBoost, reg:tweedie, NaN missing values
  xgb_logistic.json  XGBoost, binary:logistic
  <name>.csv         the scoring rows (header = feature names, empty cell = missing) plus a last
                     column `expected`: the originating library's own prediction, printed with
                     17 significant digits.
Run from the workspace root:  python3 benches/scripts/make_import_fixtures.py
Needs numpy, pandas, lightgbm, xgboost."""
import argparse
import os

import lightgbm as lgb
import numpy as np
import pandas as pd
import xgboost as xgb

ap = argparse.ArgumentParser()
ap.add_argument("--out", default="crates/forecast-core/tests/fixtures")
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)

rng = np.random.default_rng(7)
n = 3000
names = ["lag_7", "price", "discount", "dow", "store"]
X = np.column_stack([
    rng.poisson(5, n).astype(float),
    rng.uniform(1, 20, n).round(2),
    np.where(rng.random(n) < 0.3, rng.choice([0.1, 0.2, 0.3, 0.5], n), 0.0),
    rng.integers(0, 7, n).astype(float),
    rng.integers(0, 6, n).astype(float),
])
mu = np.exp(0.5 + 0.08 * X[:, 0] - 0.03 * X[:, 1] + 1.5 * X[:, 2] + 0.2 * (X[:, 3] >= 5) + 0.6 * (X[:, 4] % 3 == 1) - 0.4 * (X[:, 4] == 5))
y = rng.poisson(mu).astype(float)
X[rng.random((n, 5)) < 0.08] = np.nan
X[:, 4] = np.where(np.isnan(X[:, 4]), 0, X[:, 4])  # categories stay non-missing

# Scoring rows: held-out rows plus edge values (missing, zero, negative zero, exact thresholds).
S = X[-200:].copy()
S[:20, 1] = np.nan
S[20:40, 2] = 0.0
S[40:50, 2] = -0.0
S[50:60, 0] = np.nan


def write(name, rows, expected):
    df = pd.DataFrame(rows, columns=names)
    df["expected"] = [f"{v:.17g}" for v in expected]
    df.to_csv(os.path.join(a.out, name + ".csv"), index=False, na_rep="", float_format="%.17g")


common = {"num_leaves": 15, "learning_rate": 0.1, "verbose": -1, "seed": 1, "deterministic": True, "num_threads": 1,
          "min_data_in_leaf": 10}
b = lgb.train({**common, "objective": "poisson"},
              lgb.Dataset(X, y, feature_name=names, categorical_feature=["store"]), num_boost_round=20)
b.save_model(os.path.join(a.out, "lgbm_poisson.txt"))
write("lgbm_poisson", S, b.predict(S))

Xz = np.nan_to_num(X, nan=0.0)
Sz = np.nan_to_num(S, nan=0.0)
b = lgb.train({**common, "objective": "regression", "zero_as_missing": True},
              lgb.Dataset(Xz, y, feature_name=names), num_boost_round=20)
b.save_model(os.path.join(a.out, "lgbm_zero.txt"))
write("lgbm_zero", Sz, b.predict(Sz))

d = xgb.DMatrix(X, y, feature_names=names)
m = xgb.train({"objective": "reg:tweedie", "max_depth": 4, "eta": 0.1, "seed": 1, "nthread": 1}, d, num_boost_round=20)
m.save_model(os.path.join(a.out, "xgb_tweedie.json"))
write("xgb_tweedie", S, m.predict(xgb.DMatrix(S, feature_names=names)))

m = xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": 1, "nthread": 1},
              xgb.DMatrix(X, (y > 3).astype(float), feature_names=names), num_boost_round=15)
m.save_model(os.path.join(a.out, "xgb_logistic.json"))
write("xgb_logistic", S, m.predict(xgb.DMatrix(S, feature_names=names)))
print("wrote", sorted(os.listdir(a.out)))
