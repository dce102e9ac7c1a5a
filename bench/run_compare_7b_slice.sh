#!/bin/bash
# Whole weights-only comparison on 7B-shaped checkpoints cut to LAYERS layers: `lineage compare`
# (every statistic, verdict and all) against the reference implementation's approach for its
# neuron-matching test (bench/compare_7b_slice_peer.py: float64 cosine + scipy
# linear_sum_assignment on gate and on up per layer, then Spearman), side by side in one run, one
# core each (LINEAGE_THREADS=1, BLAS and torch threads 1). Models are generated into a temporary
# folder by bench/compare_7b_slice_make.py (never committed; ~1.3 GB each at 2 layers).
#   bash bench/run_compare_7b_slice.sh BUILD_DIR [LAYERS]      (default 2)
# Environment: REPEATS (default 1; min of repeats kept), PEER_LAYERS (default 1: the peer's cost per
# layer does not depend on the layer, and one unrelated layer costs it minutes on one core),
# COMPARE=0 skips the whole `lineage compare` runs (only neuron matching per layer pair, through
# bench_compare_7b_slice, against the peer), FULL=1 also runs Lineage with every neuron matched (LINEAGE_NEURON_ROWS=0), WORK=DIR keeps the
# models there (reused if present).
# Prints each run's wall and CPU time (user+sys of the process) and the verdicts, then the per-layer
# extrapolation to 32 layers. The extrapolation is stated, not measured: Lineage's 2-layer time is
# charged in full to its 2 layers (embedding statistics included, so it overstates a layer), and
# the peer's per-layer time is multiplied by 32.
set -euo pipefail
build=${1:?usage: run_compare_7b_slice.sh BUILD_DIR [LAYERS]}
layers=${2:-2}
repeats=${REPEATS:-1}
peer_layers=${PEER_LAYERS:-1}
here=$(cd "$(dirname "$0")" && pwd)
lineage=$build/lineage
export LINEAGE_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
work=${WORK:-}
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
[ -f "$work/B/model.safetensors" ] || python3 "$here/compare_7b_slice_make.py" "$work" "$layers"
echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g'); $(getconf _NPROCESSORS_ONLN) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
out=$work/runs.txt
: >"$out"
run_lineage() {  # run_lineage LABEL PAIR [env...]
  local label=$1 pair=$2
  shift 2
  for ((r = 0; r < repeats; ++r)); do
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    env "$@" /usr/bin/time -f "%U %S" -o "$work/time.txt" "$lineage" compare "$work/A" "$work/$pair" --json \
      >"$work/out.json" 2>"$work/err.txt" || rc=$?
    t1=$(date +%s.%N)
    local cpu verdict nm
    cpu=$(awk '{print $1 + $2}' "$work/time.txt")
    verdict=$(python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(j.get('verdict'), j.get('p_value'))" "$work/out.json" 2>/dev/null || echo "?")
    nm=$(grep -o '"neuron_matching[^,]*' "$work/out.json" | head -1 || true)
    echo "lineage $label A-vs-$pair wall=$(echo "$t1 - $t0" | bc) cpu=$cpu exit=$rc verdict=$verdict $nm" | tee -a "$out"
  done
}
# Neuron matching per layer pair (bench_compare_7b_slice): the part that grows with depth.
slice_bench=$build/bench/bench_compare_7b_slice
[ -x "$slice_bench" ] || slice_bench=$build/bench_compare_7b_slice
for pair in A-ft B; do
  for ((r = 0; r < repeats; ++r)); do "$slice_bench" "$work/A" "$work/$pair" | sed "s/^cell /cell A-vs-$pair /" | tee -a "$out"; done
done
if [ "${COMPARE:-1}" = 1 ]; then
  run_lineage subset A-ft
  run_lineage subset B
fi
if [ "${FULL:-0}" = 1 ]; then
  run_lineage all-neurons A-ft LINEAGE_NEURON_ROWS=0
  run_lineage all-neurons B LINEAGE_NEURON_ROWS=0
fi
for pair in A-ft B; do
  python3 "$here/compare_7b_slice_peer.py" "$work/A" "$work/$pair" "$peer_layers" | sed "s/^peer /peer A-vs-$pair /" | tee -a "$out"
done
python3 - "$out" "$layers" <<'PY'
import re, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
layers = int(sys.argv[2])
def field(r, k):
    return float(next(f for f in r if f.startswith(k + "="))[len(k) + 1:])
for pair in ("A-ft", "B"):
    cells = [r for r in rows if r[0] == "cell" and r[1] == "A-vs-" + pair]
    peer = [r for r in rows if r[0] == "peer" and r[1] == "A-vs-" + pair and r[2] == "layer"]
    if cells and peer:
        diag = [r for r in cells if r[4] == "diagonal"]
        scr = [r for r in cells if r[4] != "diagonal"]
        dc, dw = min(field(r, "cpu") for r in diag), min(field(r, "wall") for r in diag)
        sc = min(field(r, "cpu") for r in scr) if scr else 0.0
        pc = sum(field(r, "cpu") for r in peer) / len(peer)
        pw = sum(field(r, "wall") for r in peer) / len(peer)
        band = 32 * dc + 122 * sc  # 32 layers: 32 diagonal + 122 off-diagonal band cells
        print(f"A vs {pair}: neuron matching per layer (diagonal cell) {dc:.2f} s CPU / {dw:.1f} s wall, "
              f"screened cell {sc:.2f} s CPU; peer per layer {pc:.1f} s CPU / {pw:.1f} s wall -> like for like "
              f"(one cell per layer, as the peer) {pc / dc:.1f}x CPU, {pw / dw:.1f}x wall; 32 layers with the "
              f"band (32 + 122 cells) ~{band:.0f} s CPU vs peer ~{32 * pc:.0f} s CPU: {32 * pc / band:.1f}x (extrapolated)")
    lin = [r for r in rows if r[0] == "lineage" and r[1] == "subset" and r[2] == "A-vs-" + pair]
    peer = [r for r in rows if r[0] == "peer" and r[1] == "A-vs-" + pair and r[2] == "layer"]
    if not lin or not peer:
        continue
    lw, lc = min(field(r, "wall") for r in lin), min(field(r, "cpu") for r in lin)
    pw = sum(field(r, "wall") for r in peer) / len(peer)
    pc = sum(field(r, "cpu") for r in peer) / len(peer)
    lw32, lc32 = lw / layers * 32, lc / layers * 32
    print(f"A vs {pair}: lineage {layers} layers {lw:.1f} s wall / {lc:.1f} s CPU -> 32 layers ~{lw32:.0f} s wall / "
          f"{lc32:.0f} s CPU; peer per layer {pw:.1f} s wall / {pc:.1f} s CPU -> 32 layers ~{32 * pw:.0f} s wall / "
          f"{32 * pc:.0f} s CPU; speed-up ~{32 * pw / lw32:.1f}x wall, ~{32 * pc / lc32:.1f}x CPU (extrapolated)")
PY
