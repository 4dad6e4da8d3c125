#!/usr/bin/env python3
"""CPU seconds (user + sys) and wall seconds per million rows of `predict_slice`, 1 and 2
threads: the difference of runs with --repeats 6 and --repeats 1, so model loading and CSV
parsing cancel out. CPU time shows what a second thread costs in work even on a loaded
machine, where wall time only shows whether a core was free.

  python3 benches/scripts/predictor_cpu_per_row.py target/release/examples/predict \
      WORK/model_500x31.txt WORK/rows_200000.csv avx2 [n_rows=200000]

(WORK is the shared harness's --work directory.)"""
import os, resource, subprocess, sys, time
exe, model, rows, isa = sys.argv[1:5]
n = int(sys.argv[5]) if len(sys.argv) > 5 else 200000
LO, HI = 1, 6
def run(th, reps):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN); t0 = time.perf_counter()
    subprocess.run([exe, "--model", model, "--rows", rows, "--out", os.devnull, "--threads", str(th),
                    "--bench", "--repeats", str(reps), "--latency-calls", "0"], check=True, capture_output=True,
                   env={**os.environ, "FORECAST_PREDICTOR_ISA": isa})
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), time.perf_counter() - t0
for th in (1, 2):
    cpu = []; wall = []
    for _ in range(2):
        (c_lo, w_lo), (c_hi, w_hi) = run(th, LO), run(th, HI)
        cpu.append((c_hi - c_lo) / ((HI - LO) * n) * 1e6); wall.append((w_hi - w_lo) / ((HI - LO) * n) * 1e6)
    print(f"{isa} threads={th}: cpu s per 1M rows {min(cpu):.3f} (runs {', '.join(f'{c:.3f}' for c in cpu)}), wall s per 1M rows {min(wall):.3f}; load {os.getloadavg()[0]:.1f}")
