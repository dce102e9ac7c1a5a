#!/bin/bash
# Registry screening benchmark: builds a registry of N fingerprints (default 50) from the given
# models (round-robin over them, each model's fingerprint added under distinct names), then times
# one candidate against it with bench_registry_screen (read once vs two-stage screening).
# Usage: bash bench/run_registry_bench.sh BUILD_DIR CANDIDATE N SOURCE... [-- BENCH_ARGS...]
#   SOURCE: a model folder (config.json inside) or a folder of model folders (e.g. a zoo).
#   REG_BENCH_CACHE=DIR keeps the per-model fingerprint files between runs (default: a temp dir).
# A candidate large enough for reading to matter (not committed; minutes to make):
#   python3 bench/probe_make_models.py /tmp/reg-bench/1b 2048 16 8192 32000   # ~1.1B, bf16: a, b
set -euo pipefail
build=${1:?usage: run_registry_bench.sh BUILD_DIR CANDIDATE N SOURCE... [-- BENCH_ARGS...]}
cand=${2:?candidate}
n=${3:?number of fingerprints}
shift 3
models=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  if [ -f "$1/config.json" ]; then models+=("${1%/}")
  else for m in "$1"/*/; do [ -f "$m/config.json" ] && models+=("${m%/}"); done; fi
  shift
done
[ "${1:-}" = "--" ] && shift
lineage=$build/lineage
bench=$build/bench/bench_registry_screen
[ -x "$bench" ] || bench=$build/bench_registry_screen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=${REG_BENCH_CACHE:-$work}
mkdir -p "$cache"
echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g'); $(getconf _NPROCESSORS_ONLN) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
i=0
while [ $i -lt "$n" ]; do
  for m in "${models[@]}"; do
    [ $i -lt "$n" ] || break
    key=$(echo "$m" | md5sum | cut -c1-8)-$(basename "$m")
    [ -f "$cache/$key.h5" ] || "$lineage" fingerprint "$m" -o "$cache/$key.h5" >/dev/null
    "$lineage" registry add "$work/reg.h5" "$cache/$key.h5" --name "e$i-$(basename "$m")" >/dev/null
    i=$((i + 1))
  done
done
"$lineage" registry list "$work/reg.h5" | tail -1
"$bench" "$cand" "$work/reg.h5" "$@"
