#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, and runs Lineage's main job on the
# bundled demo checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" --target lineage
./build/lineage inspect demo/tiny-llama
