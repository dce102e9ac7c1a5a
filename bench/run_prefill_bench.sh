#!/usr/bin/env bash
# Prefill benchmark, Lineage vs PyTorch on the same generated ~1.1B Llama-shaped checkpoint in one
# session: builds bench_prefill, generates bench/data/llama-1b if missing (tools/bench/make_llama_1b.py),
# then runs both for a batch of 8 x 256 tokens and prints their lines plus the machine and its load.
# Usage: bash bench/run_prefill_bench.sh [BUILD_DIR=build] [BATCH=8] [TOKENS=256]
# Delete bench/data/llama-1b afterwards (2.2 GB).
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
batch="${2:-8}"
tokens="${3:-256}"
model="$src/bench/data/llama-1b"
threads="$(nproc)"

cmake --build "$build" --target bench_prefill -j2 >/dev/null
if [ ! -f "$model/model.safetensors" ] && [ ! -f "$model/model.safetensors.index.json" ]; then
  (cd "$src" && python3 tools/bench/make_llama_1b.py "$model")
fi
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $threads cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Page cache warm for both: read the weights once.
cat "$model"/*.safetensors > /dev/null
"$build/bench/bench_prefill" "$model" "$batch" "$tokens"
echo "load between: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$src/bench/prefill_peer.py" "$model" "$batch" "$tokens" "$threads"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
