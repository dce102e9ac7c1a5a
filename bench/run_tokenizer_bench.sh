#!/bin/bash
# Tokenizer benchmark, Lineage beside Hugging Face `tokenizers` in one run (issues 3 and 6):
# load + build time of a tokenizer.json (default: Qwen3's, found in the shared test data),
# single-threaded encode throughput on the same text file, and load + fingerprint against cl100k
# (bench_tokenizer_fingerprint). Prints the machine, then both sides' results.
#
# usage: bench/run_tokenizer_bench.sh [BUILD_DIR] [TOKENIZER_JSON_OR_FOLDER ...]
#   BUILD_DIR defaults to ./build; bench_tokenizer_load is built there if missing.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
shift || true
tokenizers=("$@")
if [ ${#tokenizers[@]} -eq 0 ]; then
  tokenizers=("$src/../shared/testdata/tokenizers/qwen3/tokenizer.json")
fi
bench="$build/bench/bench_tokenizer_load"
fingerprint="$build/bench/bench_tokenizer_fingerprint"
if [ ! -x "$bench" ] || [ ! -x "$fingerprint" ]; then
  cmake --build "$build" --target bench_tokenizer_load bench_tokenizer_fingerprint -j2 >/dev/null
fi
reference="$src/../shared/testdata/tokenizers/cl100k/tokenizer.json"

# The encode text: the goldens' multilingual texts and an English licence, repeated (~125 kB).
text="$(mktemp /tmp/lineage_tokenizer_bench.XXXXXX)"
trap 'rm -f "$text"' EXIT
python3 - "$src" "$text" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
texts = json.load(open(os.path.join(src, 'tests/data/tokenizer_goldens/texts.json'), encoding='utf-8'))['texts']
licence = open('/usr/share/common-licenses/GPL-3', encoding='utf-8').read() if os.path.exists('/usr/share/common-licenses/GPL-3') else ''
open(out, 'w', encoding='utf-8').write((licence + '\n' + '\n'.join(texts) + '\n') * 3)
PY

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for t in "${tokenizers[@]}"; do
  echo "== $t ($(sha256sum "$([ -d "$t" ] && echo "$t/tokenizer.json" || echo "$t")" | cut -c1-16))"
  "$bench" "$t" "$text" 7
  python3 "$src/bench/tokenizer_load_peer.py" "$t" "$text" 3
  # Load + fingerprint against cl100k (issue 6), with its own peer run and phase breakdown.
  [ -f "$reference" ] && (cd "$src" && "$fingerprint" "$t" "$reference" 9)
done
