#!/usr/bin/env bash
# Time our GBDT and LightGBM on the same synthetic CSV, back to back, and print the ratio.
#
#   benches/scripts/gbdt_vs_lightgbm.sh [ROWS] [FEATURES] [ROUNDS] [THREADS] [REPEATS]
#   (defaults: 1000000 30 500 2 3; both use 31 leaves, 255 bins, learning rate 0.05)
#
# Each repeat runs LightGBM (../shared/bench/lgbm_on_features.py --time-only) then ours
# (examples/gbdt_speed.rs). Fit seconds include binning on both sides (LightGBM's Dataset
# construction). Prints each run, then one JSON line with the medians and ours / LightGBM.
# Set CSV=FILE to keep the data file (default: a temporary file, deleted at exit) and
# LGBM_SCRIPT to point at another copy of lgbm_on_features.py.
set -euo pipefail
ROWS=${1:-1000000}
FEATURES=${2:-30}
ROUNDS=${3:-500}
THREADS=${4:-2}
REPEATS=${5:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LGBM_SCRIPT=${LGBM_SCRIPT:-$ROOT/../shared/bench/lgbm_on_features.py}
[ -f "$LGBM_SCRIPT" ] || LGBM_SCRIPT=/work/shared/bench/lgbm_on_features.py
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CSV=${CSV:-$TMP/gbdt_speed.csv}

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --example gbdt_speed
BIN=$ROOT/target/release/examples/gbdt_speed
COMMON=(--rows "$ROWS" --features "$FEATURES" --threads "$THREADS")
"$BIN" "${COMMON[@]}" --rounds 1 --write-csv "$CSV" >/dev/null

ours=()
lgbm=()
for r in $(seq "$REPEATS"); do
    l=$(python3 "$LGBM_SCRIPT" --time-only --train "$CSV" --rounds "$ROUNDS" --leaves 31 --bins 255 \
        --threads "$THREADS" --lr 0.05 --repeats 1)
    echo "run $r lightgbm: $l"
    lgbm+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["lightgbm_fit_s_median"])' "$l")")
    o=$("$BIN" "${COMMON[@]}" --rounds "$ROUNDS" --leaves 31 --bins 255 --lr 0.05)
    echo "run $r ours:     $o"
    ours+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ours_fit_s"])' "$o")")
done
python3 - "${#ours[@]}" "${ours[@]}" "${lgbm[@]}" <<'PY'
import json, statistics, sys
n = int(sys.argv[1])
ours, lgbm = [float(v) for v in sys.argv[2:2 + n]], [float(v) for v in sys.argv[2 + n:]]
mo, ml = statistics.median(ours), statistics.median(lgbm)
print(json.dumps({"ours_fit_s_median": mo, "lightgbm_fit_s_median": ml, "ratio_ours_over_lightgbm": round(mo / ml, 3),
                  "ours_runs": ours, "lightgbm_runs": lgbm, "limit": 1.5}))
PY
