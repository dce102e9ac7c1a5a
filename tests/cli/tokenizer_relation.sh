#!/usr/bin/env bash
# End-to-end: `lineage tokenizer A B [--json]` on the real tokenizers of the shared test data
# (identified by sha256; skipped when missing): the relation of every MANIFEST truth in the JSON's
# top-level "relation", exit 1 for derived and 0 for independent; bad input exits 3 with one
# stderr line naming the file.
# Usage: tokenizer_relation.sh <lineage> <source-dir>
set -u
lineage=$1
src=$2
data=${LINEAGE_SHARED_TESTDATA:-$src/../shared/testdata}/tokenizers
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

check_sha() {  # FILE SHA
    [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]
}
check_sha "$data/cl100k/tokenizer.json" 1542d2ebccd8b9f7293d41f21b84b6dbc00780e467e5025b6b311f3aa97b3a20 &&
check_sha "$data/llama3/tokenizer.json" c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78 &&
check_sha "$data/qwen3/tokenizer.json" aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4 &&
check_sha "$data/deepseek_v3/tokenizer.json" 621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41 &&
check_sha "$data/mistral_v1/tokenizer.model" dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055 &&
check_sha "$data/mistral_v3/tokenizer.model" 9addc8bdce5988448ae81b729336f43a81262160ae8da760674badab9d4c7d33 &&
check_sha "$data/llama3_tiktoken/tokenizer.model" 82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55 ||
    { echo "skip: real tokenizers missing or changed under $data"; exit 77; }

expect() {  # A B RELATION EXIT
    local rc rel
    "$lineage" tokenizer --json --no-behaviour "$data/$1" "$data/$2" > "$tmp/out.json" 2>"$tmp/err"
    rc=$?
    rel=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["relation"])' "$tmp/out.json" 2>/dev/null)
    if [[ $rc -ne $4 || "$rel" != "$3" ]]; then
        echo "FAIL: $1 vs $2: relation '$rel' exit $rc (expected $3, exit $4) $(cat "$tmp/err")"
        fail=1
    fi
}
expect cl100k llama3 extended 1
expect cl100k qwen3 pruned 1
expect mistral_v1 mistral_v3 shifted 1
expect llama3_tiktoken/tokenizer.model llama3 same-vocabulary 1
expect llama3 llama3/tokenizer.json identical 1
expect deepseek_v3 cl100k independent 0
expect deepseek_v3 mistral_v1 independent 0

# Human output shows figures beside their null ranges.
"$lineage" tokenizer "$data/mistral_v1" "$data/mistral_v3" > "$tmp/human.txt" 2>&1
grep -q "unrelated pairs:" "$tmp/human.txt" || { echo "FAIL: human output lacks null ranges"; fail=1; }
grep -q "Tokenizer relation: shifted" "$tmp/human.txt" || { echo "FAIL: human output lacks the relation"; fail=1; }

expect_bad() {  # NAME FILE MUST_CONTAIN
    local rc lines
    "$lineage" tokenizer "$2" "$data/cl100k" >/dev/null 2>"$tmp/err"
    rc=$?
    lines=$(wc -l < "$tmp/err")
    if [[ $rc -ne 3 || $lines -ne 1 ]] || ! grep -qF -- "$3" "$tmp/err"; then
        echo "FAIL: $1: exit $rc, $lines stderr line(s): $(cat "$tmp/err")"
        fail=1
    fi
}
printf 'IQ== 0\nnot*base64 1\n' > "$tmp/bad.tiktoken"
expect_bad "invalid base64" "$tmp/bad.tiktoken" "bad.tiktoken: line 2: invalid base64"
printf '\x0a\x7f\x0a' > "$tmp/bad.model"
expect_bad "protobuf that does not parse" "$tmp/bad.model" "bad.model"
printf '{"model": {"type": "BPE", "vocab": {}, "merges": []}}' > "$tmp/empty.json"
expect_bad "empty vocabulary" "$tmp/empty.json" "empty.json"
printf '{"model": {"type": "BPE", "vocab": {"a": 0, "a": 1}, "merges": []}}' > "$tmp/dup.json"
expect_bad "duplicate token" "$tmp/dup.json" "dup.json"
printf '{"model": ' > "$tmp/trunc.json"
expect_bad "malformed JSON" "$tmp/trunc.json" "trunc.json"
expect_bad "missing file" "$tmp/none" "no such file"

exit $fail
