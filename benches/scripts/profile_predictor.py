#!/usr/bin/env python3
"""Where the time goes: per-row instructions, branch mispredictions and cache misses of our
compiled predictor and of lleaves' compiled code, on the same LightGBM model and rows.

Hardware counters are not available on every machine (a KVM guest without a virtual PMU
reports `perf stat -e instructions` as <not supported>), so the figures come from Valgrind's
cachegrind: exact instruction counts, plus its simulated caches and branch predictor, which
are stable however loaded the machine is. Each figure is a difference of two runs that differ
only in the work measured, divided by the rows scored, so start-up, model loading and CSV or
Python overhead cancel out:

  ours, batch       predict --bench --repeats 3  minus  --repeats 1    (2 batches of ROWS)
  ours, single row  predict --bench --latency-calls N  minus  0 calls  (N calls)
  lleaves, batch    3 calls of the compiled entry point  minus  1 call (2 batches of ROWS)
  lleaves, 1 row    N calls of the compiled entry point on one row each  minus  0 calls

Valgrind does not run AVX-512 code (it reports no AVX-512 to the program), so our AVX2 and
scalar paths are profiled, and lleaves is compiled for `--lleaves-cpu` (default znver3, an
AVX2 machine without AVX-512) into its own cache file.

Usage (from the workspace root, after `cargo build --release --example predict` and the shared
harness has written its model and rows):
  python3 benches/scripts/profile_predictor.py --work /tmp/forecast-bench \\
      --ours target/release/examples/predict [--rows 20000] [--calls 2000] [--python python3]

Needs valgrind (3.19 used here) and, for lleaves, a Python with lleaves 1.3.0 and numpy
(the shared harness's requirements.txt). Prints a markdown table."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "forecast-bench"))
ap.add_argument("--model", default="model_500x31.txt", help="model file inside --work")
ap.add_argument("--source-rows", default="rows_200000.csv", help="rows CSV inside --work")
ap.add_argument("--rows", type=int, default=20000, help="rows per profiled batch")
ap.add_argument("--calls", type=int, default=2000, help="single-row calls")
ap.add_argument("--ours", default="target/release/examples/predict")
ap.add_argument("--isa", default="avx2,scalar", help="our instruction sets to profile")
ap.add_argument("--python", default=sys.executable, help="a Python with lleaves and numpy")
ap.add_argument("--lleaves-cpu", default="znver3")
ap.add_argument("--no-lleaves", action="store_true")
ap.add_argument("--l1", default="32768,8,64", help="simulated L1 data cache: size,assoc,line")
ap.add_argument("--l2", default="524288,8,64", help="simulated last-level cache (the L2 of a Zen 2/3 core)")
a = ap.parse_args()

model = os.path.join(a.work, a.model)
rows_csv = os.path.join(a.work, f"profile_rows_{a.rows}.csv")
with open(os.path.join(a.work, a.source_rows)) as src, open(rows_csv, "w") as dst:
    for i, line in enumerate(src):
        if i > a.rows:
            break
        dst.write(line)

FIELDS = {"I   refs": "instructions", "I1  misses": "i1_misses", "D1  misses": "d1_misses",
          "LLd misses": "l2d_misses", "LLi misses": "l2i_misses", "Mispredicts": "branch_misses"}


def cachegrind(cmd, env=None):
    """Summary counts of one run under cachegrind."""
    full = ["valgrind", "--tool=cachegrind", "--cache-sim=yes", "--branch-sim=yes",
            f"--D1={a.l1}", f"--LL={a.l2}", "--cachegrind-out-file=/dev/null"] + cmd
    r = subprocess.run(full, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if r.returncode != 0:
        sys.exit(f"{' '.join(full)} failed:\n{r.stderr[-3000:]}")
    out = {}
    for line in r.stderr.splitlines():
        m = re.match(r"==\d+== (.+?):\s+([\d,]+)", line)
        if m and m.group(1).strip() in FIELDS:
            out[FIELDS[m.group(1).strip()]] = int(m.group(2).replace(",", ""))
    return out


def per_row(big, small, n):
    return {k: (big[k] - small[k]) / n for k in big}


results = []
for isa in a.isa.split(","):
    base = [a.ours, "--model", model, "--rows", rows_csv, "--out", os.devnull, "--bench"]
    env = {"FORECAST_PREDICTOR_ISA": isa}
    one = cachegrind(base + ["--repeats", "1", "--latency-calls", "0"], env)
    three = cachegrind(base + ["--repeats", "3", "--latency-calls", "0"], env)
    calls = cachegrind(base + ["--repeats", "1", "--latency-calls", str(a.calls)], env)
    results.append((f"ours {isa}, batch", per_row(three, one, 2 * a.rows)))
    results.append((f"ours {isa}, single row", per_row(calls, one, a.calls)))

DRIVER = r"""
import sys, ctypes, numpy as np, lleaves
model, rows_csv, cache, cpu, mode, n = sys.argv[1:7]
n = int(n)
m = lleaves.Model(model_file=model)
m.compile(cache=cache, target_cpu=cpu, target_cpu_features="")
R = np.ascontiguousarray(np.genfromtxt(rows_csv, delimiter=",", skip_header=1), dtype=np.float64)
out = np.zeros(len(R))
f = m._c_entry_func
ptr = lambda x: x.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
if mode == "batch":
    for _ in range(n):
        f(ptr(R), ptr(out), 0, len(R))
else:
    for i in range(n):
        f(ptr(R), ptr(out), i % len(R), i % len(R) + 1)
"""
if not a.no_lleaves:
    driver = os.path.join(a.work, "lleaves_profile_driver.py")
    with open(driver, "w") as fh:
        fh.write(DRIVER)
    cache = model + f".lleaves.{a.lleaves_cpu}.so"
    args = lambda mode, n: [a.python, driver, model, rows_csv, cache, a.lleaves_cpu, mode, str(n)]
    run = lambda mode, n: cachegrind(args(mode, n))
    subprocess.run(args("batch", 1), check=True)  # compile into the cache, outside Valgrind
    one, three, zero, calls = run("batch", 1), run("batch", 3), run("row", 0), run("row", a.calls)
    results.append((f"lleaves ({a.lleaves_cpu}), batch", per_row(three, one, 2 * a.rows)))
    results.append((f"lleaves ({a.lleaves_cpu}), single row", per_row(calls, zero, a.calls)))

l1 = int(a.l1.split(",")[0]) // 1024
l2 = int(a.l2.split(",")[0]) // 1024
print(f"| per row | instructions | branch mispredicts | L1d misses ({l1} KB) | L2 misses ({l2} KB), data + instr | L1i misses |")
print("|---|---|---|---|---|---|")
for name, r in results:
    print(f"| {name} | {r['instructions']:,.0f} | {r['branch_misses']:,.1f} | {r['d1_misses']:,.1f} "
          f"| {r['l2d_misses'] + r['l2i_misses']:,.2f} | {r['i1_misses']:,.1f} |")
