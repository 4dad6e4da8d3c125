#!/usr/bin/env python3
"""Check examples/inventory.rs against stockpyl 1.0.2 on fresh random inputs (not the fixture's).

Builds nothing: run `cargo build -p forecast-examples --example inventory` first. Then
  python3 benches/scripts/check_inventory_example.py [SEED]
re-uses the fixture generator's input ranges with another seed, calls the example once per
request, and reports the largest relative difference per policy (the target is 1e-6).
"""
import json
import subprocess
import sys

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 99
src = open("benches/scripts/make_stockpyl_fixtures.py").read()
# Re-run the generator's case section with another seed, without writing any file.
src = src.split("with open(\"crates/decisions/tests/fixtures/stockpyl_inventory.json\"")[0]
src = src.replace("random.Random(20240613)", f"random.Random({seed})")
ns = {}
exec(compile(src, "make_stockpyl_fixtures.py", "exec"), ns)
cases = ns["cases"]

worst = {}
failures = 0
for case in cases:
    out = subprocess.run(["target/debug/examples/inventory", json.dumps(case["request"])], capture_output=True, text=True)
    policy = case["request"]["policy"] + ("/" + case["request"]["method"] if "method" in case["request"] else "")
    if out.returncode != 0:
        failures += 1
        print("ERROR", case["request"], out.stdout.strip())
        continue
    got = json.loads(out.stdout)
    for key, want in case["expected"].items():
        wants = want if isinstance(want, list) else [want]
        gots = got[key] if isinstance(got[key], list) else [got[key]]
        assert len(wants) == len(gots), (case, key)
        for g, w in zip(gots, wants):
            rel = abs(g - w) / max(abs(w), 1e-12)
            worst[policy] = max(worst.get(policy, 0.0), rel)
            if rel > 1e-6:
                failures += 1
                print("DIFF", case["request"], key, g, w)
for policy, rel in sorted(worst.items()):
    print(f"{policy:45s} max relative difference {rel:.2e}")
print(f"{len(cases)} requests, {failures} failures")
sys.exit(1 if failures else 0)
