#!/bin/bash
# Registry screening benchmark: builds a registry of N fingerprints (default 50) from the models of
# a zoo folder (each model's fingerprint added under N/models names, so entries differ in content
# only per model), then times one candidate against it with bench_registry_screen.
# Usage: bash bench/run_registry_bench.sh BUILD_DIR ZOO_DIR CANDIDATE [N]
set -euo pipefail
build=${1:?usage: run_registry_bench.sh BUILD_DIR ZOO_DIR CANDIDATE [N]}
zoo=${2:?zoo folder}
cand=${3:?candidate}
n=${4:-50}
lineage=$build/lineage
bench=$build/bench/bench_registry_screen
[ -x "$bench" ] || bench=$build/bench_registry_screen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g'); $(getconf _NPROCESSORS_ONLN) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
models=()
for m in "$zoo"/*/; do [ -f "$m/config.json" ] && models+=("${m%/}"); done
i=0
while [ $i -lt "$n" ]; do
  for m in "${models[@]}"; do
    [ $i -lt "$n" ] || break
    [ -f "$work/$(basename "$m").h5" ] || "$lineage" fingerprint "$m" -o "$work/$(basename "$m").h5" >/dev/null
    "$lineage" registry add "$work/reg.h5" "$work/$(basename "$m").h5" --name "e$i-$(basename "$m")" >/dev/null
    i=$((i + 1))
  done
done
"$lineage" registry list "$work/reg.h5" | tail -1
"$bench" "$cand" "$work/reg.h5" 3
