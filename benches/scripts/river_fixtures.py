#!/usr/bin/env python3
"""Golden values for forecast-realtime's unit and integration tests, computed by River.

Run from the repository root:

    python3 -m pip install --user river==0.26.1 numpy
    python3 benches/scripts/river_fixtures.py

Writes crates/realtime/tests/fixtures/river.json. Every stream is generated here from a fixed
seed (numpy's PCG64 or Python's Mersenne Twister), so the fixture is reproducible; the Rust
tests read the streams from the fixture and compare their own output to River's.
Reference library: River 0.26.1 (the version is checked below and recorded in the file).
"""
import json
import math
import os
import random

import numpy as np
import river
from river import anomaly, drift, preprocessing, stats, utils

EXPECTED_RIVER = "0.26.1"
if river.__version__ != EXPECTED_RIVER:
    raise SystemExit(f"river {river.__version__} found, fixtures are pinned to {EXPECTED_RIVER}")

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "realtime", "tests", "fixtures", "river.json")


def f(x):
    """JSON has no NaN or infinity: keep them as strings the Rust side parses."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def py_random_stream():
    """Python's Mersenne Twister: random() after seeding with ints, to check our port."""
    out = {}
    for seed in [0, 1, 42, 12345, 2**32 + 7, 2**64 - 1]:
        rng = random.Random(seed)
        out[str(seed)] = [rng.random() for _ in range(20)]
    return out


def hst_doctest():
    # River's own HalfSpaceTrees doctest (anomaly/hst.py).
    X = [0.5, 0.45, 0.43, 0.44, 0.445, 0.45, 0.0]
    hst = anomaly.HalfSpaceTrees(n_trees=5, height=3, window_size=3, seed=42)
    for x in X[:3]:
        hst.learn_one({"x": x})
    scores = []
    for x in X:
        hst.learn_one({"x": x})
        scores.append(hst.score_one({"x": x}))
    thresholds = [[n.threshold for n in hst._tree_nodes[0] if hasattr(n, "threshold")]]
    return {"x": X, "warmup": 3, "scores": scores, "tree0_thresholds_dfs": thresholds[0]}


def multivariate_stream(seed, n, d, anomaly_rate):
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.0, size=(n, d)) @ rng.normal(0.0, 1.0, size=(d, d)) + rng.uniform(-5, 5, size=d)
    y = (rng.uniform(size=n) < anomaly_rate).astype(int)
    shift = rng.normal(0.0, 6.0, size=(n, d))
    X[y == 1] += shift[y == 1]
    return X, y


def hst_pipeline():
    # MinMaxScaler | HalfSpaceTrees(seed=42) with River's defaults, score-then-learn as in the doctests.
    X, y = multivariate_stream(7, 1500, 3, 0.03)
    names = [f"x{i}" for i in range(X.shape[1])]
    model = preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(seed=42)
    scores = []
    for row in X:
        x = dict(zip(names, row))
        scores.append(model.score_one(x))
        model.learn_one(x)
    return {"x": X.tolist(), "y": y.tolist(), "seed": 42, "scores": scores}


def minmax():
    rng = np.random.default_rng(3)
    xs = rng.normal(10, 2, size=30).tolist()
    scaler = preprocessing.MinMaxScaler()
    before, after = [], []
    for x in xs:
        before.append(f(scaler.transform_one({"x": x})["x"]))
        scaler.learn_one({"x": x})
        after.append(f(scaler.transform_one({"x": x})["x"]))
    return {"x": xs, "transform_before_learn": before, "transform_after_learn": after}


def adwin_doctest():
    # River's own ADWIN doctest stream (drift/adwin.py): change detected at index 1023.
    rng = random.Random(12345)
    stream = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    return adwin_run(stream, {})


def adwin_run(stream, params):
    adwin = drift.ADWIN(**params)
    drifts, widths, estimations, variances = [], [], [], []
    for i, v in enumerate(stream):
        adwin.update(v)
        if adwin.drift_detected:
            drifts.append(i)
        widths.append(adwin.width)
        estimations.append(adwin.estimation)
        variances.append(adwin.variance)
    return {"x": [float(v) for v in stream], "params": params, "drifts": drifts, "width": widths,
            "estimation": estimations, "variance": variances}


def adwin_gaussian():
    rng = np.random.default_rng(11)
    parts = [rng.normal(0, 1, 600), rng.normal(1.5, 1, 500), rng.normal(-1, 2, 700), rng.normal(-1, 0.5, 400)]
    return adwin_run(np.concatenate(parts).tolist(), {})


def adwin_clock1():
    rng = np.random.default_rng(12)
    parts = [rng.normal(0, 1, 300), rng.normal(0.8, 1, 300)]
    return adwin_run(np.concatenate(parts).tolist(), {"clock": 1, "delta": 0.01})


def univariate(seed, n):
    rng = np.random.default_rng(seed)
    return (rng.normal(5, 2, size=n) + np.where(rng.uniform(size=n) < 0.05, rng.normal(0, 12, size=n), 0)).tolist()


def sad():
    xs = univariate(5, 200)
    model = anomaly.StandardAbsoluteDeviation(sub_stat=stats.Mean())
    scores = []
    for x in xs:
        scores.append(model.score_one(None, x))
        model.learn_one(None, x)
    return {"x": xs, "scores": scores}


def quantiles():
    xs = univariate(6, 300)
    out = {"x": xs}
    for q in [0.5, 0.1, 0.9, 0.99]:
        est = stats.Quantile(q)
        got = []
        for x in xs:
            est.update(x)
            got.append(est.get())
        out[f"p2_{q}"] = got
    mad = stats.MAD()
    got = []
    for x in xs:
        mad.update(x)
        got.append(mad.get())
    out["mad"] = got
    rq = stats.RollingQuantile(q=0.5, window_size=25)
    got = []
    for x in xs:
        rq.update(x)
        got.append(rq.get())
    out["rolling_median_25"] = got
    return out


def moments():
    xs = univariate(8, 120)
    mean, var = stats.Mean(), stats.Var()
    rvar = utils.Rolling(stats.Var(), window_size=10)
    rmean = utils.Rolling(stats.Mean(), window_size=10)
    ew = stats.EWMean(fading_factor=0.2)
    ewv = stats.EWVar(fading_factor=0.2)
    out = {k: [] for k in ["mean", "var", "rolling_mean_10", "rolling_var_10", "ewmean_0.2", "ewvar_0.2"]}
    for x in xs:
        for s in [mean, var, rvar, rmean, ew, ewv]:
            s.update(x)
        out["mean"].append(mean.get())
        out["var"].append(var.get())
        out["rolling_mean_10"].append(rmean.get())
        out["rolling_var_10"].append(rvar.get())
        out["ewmean_0.2"].append(ew.get())
        out["ewvar_0.2"].append(ewv.get())
    out["x"] = xs
    return out


def main():
    fixture = {
        "river_version": river.__version__,
        "python_random": py_random_stream(),
        "hst_doctest": hst_doctest(),
        "hst_pipeline": hst_pipeline(),
        "minmax": minmax(),
        "adwin_doctest": adwin_doctest(),
        "adwin_gaussian": adwin_gaussian(),
        "adwin_clock1": adwin_clock1(),
        "sad": sad(),
        "quantiles": quantiles(),
        "moments": moments(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(fixture, fh)
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)")
    print("hst doctest scores", [round(s, 3) for s in fixture["hst_doctest"]["scores"]])
    print("adwin doctest drifts", fixture["adwin_doctest"]["drifts"])


if __name__ == "__main__":
    main()
