"""Fixtures for forecast-retrain's golden tests.

- Successive halving: the schedule (n_candidates_, n_resources_, min_resources_,
  n_possible_iterations_, n_required_iterations_) of scikit-learn's HalvingGridSearchCV and
  HalvingRandomSearchCV (scikit-learn 1.9.1) with factor 3 for several inputs.
- Diebold-Mariano: statistic and p-value of the PyPI package `dieboldmariano` 1.1.0
  (`dm_test`, acf variance, Harvey correction), on fixed vectors, absolute-error and squared
  loss, horizons 1 to 4, two-sided and one-sided.

Run: python3 benches/scripts/make_retrain_fixtures.py
Writes crates/retrain/tests/fixtures/halving_sklearn.json and diebold_mariano.json.
"""
import json
import os

import numpy as np
import sklearn
import dieboldmariano
from dieboldmariano import dm_test
from sklearn.dummy import DummyRegressor
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV, HalvingRandomSearchCV, KFold

assert sklearn.__version__ == "1.9.1", sklearn.__version__
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "retrain", "tests", "fixtures")


def schedule(search, n_samples, case):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n_samples, 2))
    y = rng.normal(size=n_samples)
    search.fit(x, y)
    case.update(
        n_candidates=[int(v) for v in search.n_candidates_],
        n_resources=[int(v) for v in search.n_resources_],
        min_resources_=int(search.min_resources_),
        max_resources_=int(search.max_resources_),
        n_possible_iterations=int(search.n_possible_iterations_),
        n_required_iterations=int(search.n_required_iterations_),
    )
    return case


def grid(n):
    # DummyRegressor's `constant` is ignored by the mean strategy: any n distinct values.
    return {"constant": [float(i) for i in range(n)]}


halving = []
cv = KFold(2)
for n_cand, min_res, max_res, aggressive in [
    (20, 10, 300, False), (27, 6, 600, False), (81, 5, 1000, False), (100, 20, 180, False),
    (100, 20, 180, True), (243, 2, 1000, False), (9, 50, 200, False), (1, 4, 40, False),
    (50, "exhaust", 1000, False), (10, "exhaust", 90, False), (200, "exhaust", 5000, False),
]:
    s = HalvingGridSearchCV(DummyRegressor(), grid(n_cand), factor=3, resource="n_samples",
                            min_resources=min_res, max_resources=max_res, cv=cv,
                            aggressive_elimination=aggressive)
    halving.append(schedule(s, max_res, dict(search="grid", candidates=n_cand, min_resources=min_res,
                                             max_resources=max_res, aggressive=aggressive)))
for min_res, max_res, aggressive in [(10, 300, False), (4, 1000, False), (30, 900, True), (7, 100, False)]:
    s = HalvingRandomSearchCV(DummyRegressor(), grid(10_000), n_candidates="exhaust", factor=3,
                              resource="n_samples", min_resources=min_res, max_resources=max_res, cv=cv,
                              aggressive_elimination=aggressive, random_state=0)
    halving.append(schedule(s, max_res, dict(search="random", candidates="exhaust", min_resources=min_res,
                                             max_resources=max_res, aggressive=aggressive)))

rng = np.random.default_rng(42)
dm = []
for n, h, loss_name, shift in [(12, 1, "abs", 0.3), (28, 1, "sq", 0.0), (28, 3, "abs", 0.5), (60, 4, "sq", 0.2),
                               (8, 2, "abs", 1.0), (100, 1, "sq", -0.1), (35, 7, "abs", 0.4)]:
    actual = rng.gamma(4.0, 10.0, size=n)
    champion = actual + rng.normal(0, 6, size=n) + shift * 6
    challenger = actual + rng.normal(0, 5, size=n)
    loss = (lambda u, v: abs(u - v)) if loss_name == "abs" else (lambda u, v: (u - v) ** 2)
    # d = loss(champion) - loss(challenger): positive when the challenger is better.
    stat, p_two = dm_test(list(actual), list(champion), list(challenger), loss=loss, h=h)
    stat2, p_one = dm_test(list(actual), list(challenger), list(champion), loss=loss, h=h, one_sided=True)
    assert abs(stat + stat2) < 1e-12
    d = [loss(a, c) - loss(a, k) for a, c, k in zip(actual, champion, challenger)]
    dm.append(dict(d=d, horizon=h, loss=loss_name, statistic=stat, p_two_sided=p_two, p_challenger_better=p_one))

os.makedirs(OUT, exist_ok=True)
meta = {"scikit-learn": sklearn.__version__, "dieboldmariano": "1.1.0"}
with open(os.path.join(OUT, "halving_sklearn.json"), "w") as f:
    json.dump({"source": meta, "cases": halving}, f, indent=1)
with open(os.path.join(OUT, "diebold_mariano.json"), "w") as f:
    json.dump({"source": meta, "cases": dm}, f, indent=1)
print(len(halving), "halving cases,", len(dm), "dm cases")
