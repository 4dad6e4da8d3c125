#!/usr/bin/env python3
"""statsforecast's forecasts on the panels of examples/stats_vs_statsforecast.rs.

    cargo run --release --example stats_vs_statsforecast -- panels DIR
    python3 benches/scripts/stats_vs_statsforecast.py DIR [--fixture PATH] [--fixture-series N]
    cargo run --release --example stats_vs_statsforecast -- compare DIR

Reads DIR/manifest.csv and DIR/<panel>.csv (unique_id, ds, y). For every series, fits each
model on all but the last `horizon` values and forecasts them, one series at a time through
the model classes (AutoETS, AutoTheta, CrostonClassic, CrostonSBA, TSB(alpha_d=0.2,
alpha_p=0.1)). Writes DIR/statsforecast.csv (panel, unique_id, model, step, forecast),
DIR/statsforecast_ets.csv (panel, unique_id, the chosen ETS model as statsforecast's
"method", e.g. ETS(M,Ad,M)) and prints the wall-clock and CPU seconds per panel and model.

With --fixture, also writes the first N series of each panel (default 4) with their values
and statsforecast's forecasts as JSON: the fixture of forecast-core's integration test
tests/it/stats_vs_statsforecast.rs.

Needs statsforecast 2.1.1 (python3 -m pip install --user -r /work/shared/bench/requirements-peers.txt).
"""
import argparse
import csv
import json
import os
import time
import warnings

import numpy as np
import pandas as pd
import statsforecast
from statsforecast.models import AutoETS, AutoTheta, CrostonClassic, CrostonSBA, TSB

VERSION = "2.1.1"

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--fixture")
ap.add_argument("--fixture-series", type=int, default=4)
a = ap.parse_args()
if statsforecast.__version__ != VERSION:
    raise SystemExit(f"statsforecast {statsforecast.__version__} installed; this script pins {VERSION}")
warnings.simplefilter("ignore")


def models(panel, season):
    out = {"AutoETS": lambda: AutoETS(season_length=season), "AutoTheta": lambda: AutoTheta(season_length=season)}
    if panel == "intermittent":
        out.update({
            "CrostonClassic": CrostonClassic,
            "CrostonSBA": CrostonSBA,
            "TSB": lambda: TSB(alpha_d=0.2, alpha_p=0.1),
        })
    return out


manifest = pd.read_csv(os.path.join(a.dir, "manifest.csv"))
rows, ets_rows, fixture = [], [], {"statsforecast_version": VERSION, "panels": []}
for _, spec in manifest.iterrows():
    panel, season, h = spec["panel"], int(spec["season"]), int(spec["horizon"])
    df = pd.read_csv(os.path.join(a.dir, f"{panel}.csv"))
    series = [(uid, g["y"].to_numpy(dtype=np.float64)) for uid, g in df.groupby("unique_id", sort=False)]
    fixture_series = [{"id": uid, "y": y.tolist(), "forecasts": {}} for uid, y in series[: a.fixture_series]]
    for alias, make in models(panel, season).items():
        started, cpu = time.perf_counter(), time.process_time()
        for i, (uid, y) in enumerate(series):
            model = make().fit(y[:-h])
            mean = model.predict(h)["mean"]
            rows.extend((panel, uid, alias, k + 1, repr(float(v))) for k, v in enumerate(mean))
            if alias == "AutoETS":
                ets_rows.append((panel, uid, model.model_["method"]))
            if i < a.fixture_series:
                fixture_series[i]["forecasts"][alias] = [float(v) for v in mean]
                if alias == "AutoETS":
                    fixture_series[i]["ets_model"] = model.model_["method"]
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"{panel} {alias}: {len(series)} series in {wall:.2f} s wall, {cpu:.2f} s CPU ({1e3 * cpu / len(series):.2f} ms CPU each)")
    fixture["panels"].append({"name": panel, "season": season, "horizon": h, "series": fixture_series})

with open(os.path.join(a.dir, "statsforecast.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["panel", "unique_id", "model", "step", "forecast"])
    w.writerows(rows)
with open(os.path.join(a.dir, "statsforecast_ets.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["panel", "unique_id", "method"])
    w.writerows(ets_rows)
if a.fixture:
    with open(a.fixture, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {a.fixture}")
