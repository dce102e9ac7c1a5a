#!/bin/bash
# Side-by-side linear assignment benchmark: Lineage LAPJV vs scipy linear_sum_assignment, one core
# each, on the same matrices (written once by bench_assignment: cosine-similarity costs, see
# bench/assignment.cpp). Usage:
#   bash bench/run_assignment_bench.sh BUILD_DIR [N ...]     (default N: 11008)
# Environment: KINDS (default "unrelated related related_hard"), REPEATS (default 3: each solver
# runs that many times per matrix and the minimum wall and CPU times are kept, since the machine
# may be shared), F32=1 to also run every matrix in float32 (the probe's precision).
# ROWS=1 first runs the neuron-matching comparison from the rows (see rows_compare; KINDS=none
# then skips the matrix runs). Prints one line per run, then the speed-ups (wall and process-CPU); the optimal totals must agree.
set -euo pipefail
build=${1:?usage: run_assignment_bench.sh BUILD_DIR [N ...]}
shift
sizes=("${@:-11008}")
kinds=(${KINDS:-unrelated related related_hard})
repeats=${REPEATS:-3}
here=$(cd "$(dirname "$0")" && pwd)
bench=$build/bench/bench_assignment
[ -x "$bench" ] || bench=$build/bench_assignment
export LINEAGE_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g'); $(getconf _NPROCESSORS_ONLN) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
compare() {  # compare KIND N PRECISION: min-of-REPEATS for both solvers, then the ratio
  local f=$work/$1_$2.f64 out=$work/runs.txt
  : >"$out"
  for ((r = 0; r < repeats; ++r)); do
    "$bench" solve "$f" "$2" "$3" | tee -a "$out"
    python3 "$here/assignment_peer.py" "$f" "$2" "$3" | tee -a "$out"
  done
  python3 - "$out" "$1" "$2" "$3" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
kind, n, prec, load = sys.argv[2:6]
def best(who):
    rs = [r for r in rows if r[0] == who]
    cpu = lambda r: float(next(f for f in r if f.startswith("cpu="))[4:])
    return min(float(r[2]) for r in rs), min(cpu(r) for r in rs), float(rs[0][3])
wl, cl, tl = best("lineage")
wp, cp, tp = best("scipy")
same = abs(tl - tp) <= (1e-9 if prec == "f64" else 1e-5) * max(1.0, abs(tp))
print(f"{kind} {n}x{n} {prec}: lineage {wl:.4f} s (CPU {cl:.4f}), scipy {wp:.3f} s (CPU {cp:.3f}), "
      f"speed-up {wp / wl:.1f}x wall, {cp / max(cl, 1e-9):.1f}x CPU; optimal totals "
      f"{'agree' if same else 'DIFFER'}; load {load}")
PY
}
# ROWS=1: neuron matching from the rows (similarity GEMM included, K = ROWS_K, default 256):
# Lineage fused (certificate while the GEMM blocks are produced), materialised (matrix + solve) and
# GEMM alone, against numpy GEMM + scipy, on related and unrelated rows.
rows_compare() {  # rows_compare N K KIND
  local x=$work/x_$1_$2.f32 y=$work/y_$3_$1_$2.f32 out=$work/rows.txt
  : >"$out"
  for ((r = 0; r < repeats; ++r)); do
    for how in gemm fused materialised; do "$bench" match "$x" "$y" "$1" "$2" "$how" | tee -a "$out"; done
    python3 "$here/assignment_peer.py" rows "$x" "$y" "$1" "$2" | tee -a "$out"
  done
  python3 - "$out" "$3" "$1" "$2" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
kind, n, k, load = sys.argv[2:6]
def cpu(r, key="cpu"):
    return float(next(f for f in r if f.startswith(key + "="))[len(key) + 1:])
def best(who, key="cpu"):
    rs = [r for r in rows if r[0] == who]
    return min(float(r[2]) for r in rs), min(cpu(r, key) for r in rs), float(rs[0][3])
g, f, m, p = best("lineage-gemm"), best("lineage-fused"), best("lineage-materialised"), best("scipy-rows")
plap = min(cpu(r, "lap_cpu") for r in rows if r[0] == "scipy-rows")
same = abs(f[2] - p[2]) <= 1e-4 * max(1.0, abs(p[2])) and abs(m[2] - p[2]) <= 1e-4 * max(1.0, abs(p[2]))
print(f"rows {kind} {n}x{k}: lineage fused {f[0]:.3f} s (CPU {f[1]:.3f}), materialised {m[0]:.3f} s (CPU {m[1]:.3f}), "
      f"GEMM alone {g[0]:.3f} s (CPU {g[1]:.3f}); numpy+scipy {p[0]:.3f} s (CPU {p[1]:.3f}, of it LAP {plap:.3f}); "
      f"matching beyond the GEMM: lineage fused {max(f[1] - g[1], 0):.3f} s CPU vs scipy LAP {plap:.3f} s; "
      f"whole: {p[1] / f[1]:.1f}x CPU, {p[0] / f[0]:.1f}x wall; totals {'agree' if same else 'DIFFER'}; load {load}")
PY
}
if [ "${ROWS:-0}" = 1 ]; then
  for n in "${sizes[@]}"; do
    "$bench" rows "$work" "$n" "${ROWS_K:-256}" 20260523
    for kind in ${ROWS_KINDS:-related unrelated}; do rows_compare "$n" "${ROWS_K:-256}" "$kind"; done
    rm -f "$work"/*.f32
  done
  [ "${KINDS:-}" = none ] && exit 0
fi
for n in "${sizes[@]}"; do
  "$bench" write "$work" "$n" 20260523
  for kind in "${kinds[@]}"; do
    compare "$kind" "$n" f64
    if [ "${F32:-0}" = 1 ]; then compare "$kind" "$n" f32; fi
  done
  rm -f "$work"/*.f64
done
