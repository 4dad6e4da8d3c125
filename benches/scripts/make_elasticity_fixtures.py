#!/usr/bin/env python3
"""Golden fixture for forecast-decisions' log-log price elasticity: statsmodels 0.15.0 OLS.

`python3 -m pip install --user statsmodels==0.15.0`, then from the repository root:
  python3 benches/scripts/make_elasticity_fixtures.py
writes crates/decisions/tests/fixtures/statsmodels_elasticity.json with seeded (price, units,
controls) data sets and statsmodels' params, bse, conf_int(alpha) and rsquared.
"""
import importlib.metadata
import json

import numpy as np
import statsmodels.api as sm

VERSION = "0.15.0"
assert importlib.metadata.version("statsmodels") == VERSION

rng = np.random.default_rng(31)
sets = []
for i in range(8):
    n = int(rng.integers(12, 300))
    k = i % 3  # number of controls
    base = float(rng.uniform(2, 40))
    price = base * np.exp(rng.normal(0, 0.15, n))
    controls = rng.normal(0, 1, (n, k)) if k else np.zeros((n, 0))
    if k >= 2:
        controls[:, 1] = (rng.uniform(size=n) < 0.2).astype(float)  # a promotion flag
    e = float(rng.uniform(-3, -0.3))
    beta = rng.normal(0, 0.4, k)
    log_units = 3 + e * np.log(price) + controls @ beta + rng.normal(0, float(rng.uniform(0.05, 0.5)), n)
    units = np.exp(log_units)
    X = sm.add_constant(np.column_stack([np.log(price), controls]), has_constant="add")
    fit = sm.OLS(np.log(units), X).fit()
    confidence = [0.9, 0.95, 0.99][i % 3]
    ci = fit.conf_int(alpha=1 - confidence)
    sets.append({
        "price": price.tolist(), "units": units.tolist(), "controls": controls.tolist(),
        "control_names": [f"c{j}" for j in range(k)], "confidence": confidence,
        "params": fit.params.tolist(), "bse": fit.bse.tolist(), "ci_low": float(ci[1][0]), "ci_high": float(ci[1][1]),
        "rsquared": float(fit.rsquared), "df_resid": float(fit.df_resid),
    })
with open("crates/decisions/tests/fixtures/statsmodels_elasticity.json", "w") as f:
    json.dump({"statsmodels_version": VERSION, "generator": "benches/scripts/make_elasticity_fixtures.py", "sets": sets}, f)
print(len(sets), "data sets")
