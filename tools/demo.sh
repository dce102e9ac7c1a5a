#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, and runs Lineage's main job — an
# audit — on bundled demo models: a fine-tune of a small model trained from scratch (from the
# committed mini zoo), audited against its true base and an unrelated model, with the report
# written to demo-report/ (report.html, report.md, report.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" --target lineage
zoo=tests/data/minizoo
set +e
./build/lineage audit "$zoo/A-sft" --base "$zoo/A" --base "$zoo/C" --out demo-report --lang "${LINEAGE_LANG:-en}"
code=$?
set -e
echo
echo "Report: $(pwd)/demo-report/report.html (exit code $code: 0 pass, 1 fail, 6 inconclusive)"
# The demo's candidate is derived, so the audit is expected to fail (exit 1).
[ "$code" -eq 1 ]
