#!/bin/bash
# Side-by-side linear assignment benchmark: Lineage LAPJV vs scipy linear_sum_assignment, one core
# each, on the same matrices (written once by bench_assignment). Usage:
#   bash bench/run_assignment_bench.sh BUILD_DIR [N ...]     (default N: 11008)
# Prints one line per solver and matrix, then the speed-up; the totals must agree.
set -euo pipefail
build=${1:?usage: run_assignment_bench.sh BUILD_DIR [N ...]}
shift
sizes=("${@:-11008}")
here=$(cd "$(dirname "$0")" && pwd)
export LINEAGE_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g'); $(getconf _NPROCESSORS_ONLN) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "${sizes[@]}"; do
  "$build/bench/bench_assignment" write "$work" "$n" 20260523
  for kind in unrelated related; do
    f="$work/${kind}_$n.f64"
    l=$("$build/bench/bench_assignment" solve "$f" "$n")
    p=$(python3 "$here/assignment_peer.py" "$f" "$n")
    echo "$l"
    echo "$p"
    python3 - "$l" "$p" "$kind" "$n" <<'PY'
import sys
l, p, kind, n = sys.argv[1].split(), sys.argv[2].split(), sys.argv[3], sys.argv[4]
tl, tp = float(l[2]), float(p[2])
same = abs(float(l[3]) - float(p[3])) <= 1e-9 * max(1.0, abs(float(p[3])))
print(f"{kind} {n}x{n}: lineage {tl:.3f} s, scipy {tp:.3f} s, speed-up {tp / tl:.1f}x, "
      f"optimal totals {'agree' if same else 'DIFFER'}")
PY
  done
  rm -f "$work"/*.f64
done
