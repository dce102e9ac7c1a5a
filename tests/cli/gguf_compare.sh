#!/usr/bin/env bash
# End-to-end on GGUF files (tests/data/gguf, made by make_gguf_fixtures.py with llama.cpp's gguf-py):
# `lineage inspect X.gguf` reads the file (format gguf, Hugging Face names, synthesised config);
# `lineage compare A A.gguf` judges the f16 and Q8_0 conversions of minizoo A derived (exit 1), as
# well as a Llama whose q/k rows llama.cpp permuted; `lineage tokenizer A A.gguf` finds the embedded
# tokenizer the same vocabulary; a malformed GGUF file exits 3 with one stderr line naming it.
# Usage: gguf_compare.sh <lineage> <source-dir>
set -u
lineage=$1
src=$2
data=$src/tests/data/gguf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

"$lineage" inspect "$data/A-Q8_0.gguf" > "$tmp/inspect.txt" 2>&1
rc=$?
if [[ $rc -ne 0 ]] || ! grep -q "Format  *gguf" "$tmp/inspect.txt" || ! grep -q "Qwen3ForCausalLM" "$tmp/inspect.txt" ||
   ! grep -q "model.layers.1.self_attn.q_proj.weight  *Q8_0" "$tmp/inspect.txt"; then
    echo "FAIL: inspect A-Q8_0.gguf (exit $rc)"; cat "$tmp/inspect.txt"; fail=1
fi

compare() {  # A B
    local rc verdict
    "$lineage" compare --json "$1" "$2" > "$tmp/cmp.json" 2> "$tmp/err"
    rc=$?
    verdict=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$tmp/cmp.json" 2>/dev/null)
    if [[ $rc -ne 1 || "$verdict" != "derived" ]]; then
        echo "FAIL: compare $1 $2: verdict '$verdict' exit $rc (expected derived, exit 1) $(cat "$tmp/err")"
        fail=1
    fi
}
compare "$src/tests/data/minizoo/A" "$data/A-f16.gguf"
compare "$src/tests/data/minizoo/A" "$data/A-Q8_0.gguf"
compare "$src/tests/data/models/llama_fp32" "$data/llama-Q8_0.gguf"

"$lineage" tokenizer --json --no-behaviour "$src/tests/data/minizoo/A" "$data/A-f16.gguf" > "$tmp/tok.json" 2> "$tmp/err"
rel=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["relation"])' "$tmp/tok.json" 2>/dev/null)
if [[ "$rel" != "identical" && "$rel" != "same-vocabulary" ]]; then
    echo "FAIL: tokenizer A A-f16.gguf: relation '$rel' $(cat "$tmp/err")"; fail=1
fi

head -c 100 "$data/A-Q8_0.gguf" > "$tmp/cut.gguf"
"$lineage" inspect "$tmp/cut.gguf" > /dev/null 2> "$tmp/err"
rc=$?
if [[ $rc -ne 3 || $(wc -l < "$tmp/err") -ne 1 ]] || ! grep -q "cut.gguf" "$tmp/err"; then
    echo "FAIL: truncated GGUF: exit $rc, stderr: $(cat "$tmp/err")"; fail=1
fi
exit $fail
