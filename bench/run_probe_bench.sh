#!/usr/bin/env bash
# Activation-probe benchmark, Lineage vs PyTorch side by side in one run on the same generated pair
# of Llama-shaped models: builds bench_probe, generates the pair if missing
# (bench/probe_make_models.py), warms the page cache, runs bench_probe then bench/probe_peer.py on
# the same ids and positions, and prints the machine and its load around each.
# Usage: bash bench/run_probe_bench.sh [BUILD_DIR=build] [SHAPE=small|medium|1b] [TEXTS=256] [TOKENS=128] [N=2048]
#   small: hidden 256, 4 layers, intermediate 688, vocab 4096
#   medium: hidden 512, 8 layers, intermediate 1376, vocab 8192
#   1b: hidden 2048, 16 layers, intermediate 8192, vocab 32000 (about 2 x 2.2 GB in bench/data)
# Each side runs under /usr/bin/time -v: its process CPU time (user + sys) and peak RSS are printed
# beside its own wall time, so a run on a loaded machine can still be compared.
# Delete bench/data/probe-* afterwards.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
shape="${2:-small}"
texts="${3:-256}"
tokens="${4:-128}"
n="${5:-2048}"
case "$shape" in
  small) dims="256 4 688 4096" ;;
  medium) dims="512 8 1376 8192" ;;
  1b) dims="2048 16 8192 32000 32 8" ;;
  *) echo "unknown shape $shape" >&2; exit 2 ;;
esac
models="$src/bench/data/probe-$shape"
threads="$(nproc)"
cmake --build "$build" --target bench_probe -j2 >/dev/null
[ -f "$models/b/config.json" ] || python3 "$src/bench/probe_make_models.py" "$models" $dims
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $threads cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM"
echo "shape $shape ($dims); $texts texts x $tokens tokens, n=$n positions"
cat "$models"/a/*.safetensors "$models"/b/*.safetensors > /dev/null
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Prints "<label>: CPU <user+sys> s, peak RSS <MiB> MiB" from a /usr/bin/time -v log.
resources() {
  awk -v label="$1" -F': ' '/User time/{u=$2} /System time/{s=$2} /Maximum resident/{r=$2}
    END{printf "%s: CPU %.1f s (user %.1f + sys %.1f), peak RSS %.0f MiB\n", label, u+s, u, s, r/1024}' "$2"
}
log="$(mktemp)"
/usr/bin/time -v -o "$log" "$build/bench/bench_probe" "$models/a" "$models/b" "$texts" "$tokens" "$n"
resources lineage "$log"
echo "load between: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -v -o "$log" python3 "$src/bench/probe_peer.py" "$models/a" "$models/b" "$texts" "$tokens" "$n" "$threads"
resources pytorch "$log"
rm -f "$log"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
