#!/usr/bin/env bash
# Calibrates the activation probe on lineage zoos (tools/zoo) and evaluates it out of sample:
#   1. bench_probe_zoo measure: every pair of each zoo, with the code `lineage probe` runs (each
#      model's pass computed once per sampling plan), one JSON line per pair in OUT/<zoo>.jsonl;
#   2. bench_probe_zoo evaluate: every pair re-decided with independent ranges fitted
#      leave-one-model-out (without any pair holding either of its models), and every other zoo
#      with the ranges of the first zoo (no model in common); confusion tables to OUT/calibration.md;
#      the ranges of all the first zoo's independent pairs, with provenance (pairs, models by
#      weights sha256), to probes/activation/null_ranges.json.
# Then copy the values into builtin_null_ranges() (probes/activation/null_ranges.cpp; a test checks).
#   bash bench/probe_calibrate.sh BUILD_DIR FIT_ZOO_DIR [OTHER_ZOO_DIR...]
# e.g. bash bench/probe_calibrate.sh build zoo-cache/zoo tests/data/minizoo   (~15 min on 2 cores)
# OUT defaults to bench/out/probe-calibration; set OUT=... to change; pairs already in a .jsonl file
# there are reused (a stopped run resumes). NOT_FITTED (default A@0,B@0,C@0: random initialisations,
# whose near-uniform outputs "agree") lists models whose pairs never enter a fit; they are still
# evaluated. LINEAGE_PROBE_ZOO_SKIP lists model ids measure leaves out altogether.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="$1"; shift
out="${OUT:-$src/bench/out/probe-calibration}"
mkdir -p "$out"
cmake --build "$build" --target bench_probe_zoo -j2 >/dev/null
files=()
fit=""
for zoo in "$@"; do
  name="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]+"/zoo.json")).get("name","zoo"))' "$zoo")"
  [ -n "$fit" ] || fit="$name"
  [ -s "$out/$name.jsonl" ] || "$build/bench/bench_probe_zoo" measure "$zoo" "$out/$name.jsonl.part" 2> "$out/$name.log" \
    && { [ -s "$out/$name.jsonl" ] || mv "$out/$name.jsonl.part" "$out/$name.jsonl"; }
  files+=("$out/$name.jsonl")
done
"$build/bench/bench_probe_zoo" evaluate "${files[@]}" --fit "$fit" --not-fitted "${NOT_FITTED:-A@0,B@0,C@0}" \
  --ranges-out "$src/probes/activation/null_ranges.json" --table "$out/calibration.md"
