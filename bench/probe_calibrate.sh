#!/usr/bin/env bash
# Measures the range the activation probe's figures take between independent models and writes
# probes/activation/null_ranges.json. Runs `lineage probe --json` on every pair a zoo's zoo.json
# marks "independent" (the distilled student is NOT independent for this purpose: its outputs are
# related by construction), for each zoo folder given.
#   bash bench/probe_calibrate.sh path/to/lineage ZOO_DIR [ZOO_DIR...] > null_ranges.json
# Then copy the values into builtin_null_ranges() (probes/activation/null_ranges.cpp).
set -euo pipefail
lineage=$1; shift
python3 - "$lineage" "$@" <<'PY'
import json, subprocess, sys, os
lineage, zoos = sys.argv[1], sys.argv[2:]
stats = {"peak_cka_debiased": [], "diagonal_cka_debiased": [], "diagonal_cka_linear": [],
         "top1_agreement": [], "js_divergence": []}
pairs_done = []
for zoo in zoos:
    z = json.load(open(os.path.join(zoo, "zoo.json")))
    paths = {m["id"]: os.path.join(zoo, m["path"]) for m in z["models"]}
    for p in z["pairs"]:
        if p["relation"] != "independent" or p["a"] not in paths or p["b"] not in paths:
            continue
        if not (os.path.isdir(paths[p["a"]]) and os.path.isdir(paths[p["b"]])):
            continue
        out = subprocess.run([lineage, "probe", paths[p["a"]], paths[p["b"]], "--json", "--device", "cpu"],
                             capture_output=True, text=True)
        if out.returncode not in (0, 1, 6):
            print(f"{p['a']} vs {p['b']}: exit {out.returncode}: {out.stderr.strip()}", file=sys.stderr)
            continue
        d = json.loads(out.stdout)
        f = d["figures"]
        for k in stats:
            if k in f:
                stats[k].append(f[k]["value"])
        pairs_done.append(f"{z.get('name', zoo)}:{p['a']}-{p['b']}")
        print(f"{p['a']} vs {p['b']}: peak {f['peak_cka_debiased']['value']:.4f} verdict {d['verdict']}", file=sys.stderr)
result = {
    "_comment": "Ranges of the activation probe's figures between independent models. Written by "
                "bench/probe_calibrate.sh; builtin_null_ranges() in null_ranges.cpp holds the same values (a test checks).",
    "measured_on": f"{len(pairs_done)} independent zoo pairs: " + ", ".join(pairs_done),
    "statistics": {k: {"lo": round(min(v), 4), "hi": round(max(v), 4), "pairs": len(v)} if v else
                   {"lo": 0.0, "hi": 0.0, "pairs": 0} for k, v in stats.items()},
}
print(json.dumps(result, indent=2))
PY
