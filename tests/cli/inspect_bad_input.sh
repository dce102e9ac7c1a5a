#!/usr/bin/env bash
# End-to-end: `lineage inspect` on malformed checkpoints (built here with printf, no blobs) exits 3
# with exactly one line on stderr naming the file; on the bundled demo it exits 0; --json is valid.
# Usage: inspect_bad_input.sh <lineage> <source-dir>
set -u
lineage=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# st FILE HEADER DATA_LEN: safetensors file with the real header length and DATA_LEN zero bytes.
st() {
    local file=$1 header=$2 n=${#2} i
    mkdir -p "$(dirname "$file")"
    { for i in 0 1 2 3 4 5 6 7; do printf "\\$(printf '%03o' $(( (n >> (8 * i)) & 255 )))"; done
      printf '%s' "$header"
      head -c "$3" /dev/zero; } > "$file"
}

expect_bad() {  # NAME PATH MUST_CONTAIN
    local out rc lines
    "$lineage" inspect "$2" >/dev/null 2>"$tmp/err"
    rc=$?
    lines=$(wc -l < "$tmp/err")
    if [[ $rc -ne 3 || $lines -ne 1 ]] || ! grep -qF -- "$3" "$tmp/err"; then
        echo "FAIL: $1: exit $rc, $lines stderr line(s): $(cat "$tmp/err")"
        fail=1
    fi
}

e='{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'
st "$tmp/trunc/model.safetensors" "{\"w\":$e}" 4;               expect_bad "truncated data" "$tmp/trunc" "tensor 'w'"
st "$tmp/trail/model.safetensors" "{\"w\":$e}" 12;              expect_bad "trailing bytes" "$tmp/trail" "trailing"
st "$tmp/dtype/model.safetensors" '{"w":{"dtype":"X9","shape":[1],"data_offsets":[0,1]}}' 1
expect_bad "unknown dtype" "$tmp/dtype" "unknown dtype"
st "$tmp/json/model.safetensors" '{"w":' 0;                    expect_bad "invalid JSON" "$tmp/json" "JSON"
printf 'abc' > "$tmp/short.safetensors";                        expect_bad "too short" "$tmp/short.safetensors" "truncated"
mkdir -p "$tmp/empty";                                          expect_bad "empty folder" "$tmp/empty" "no weights found"
st "$tmp/shard/a.safetensors" "{\"w\":$e}" 8
printf '{"weight_map":{"w":"../a.safetensors"}}' > "$tmp/shard/model.safetensors.index.json"
expect_bad "index escaping the folder" "$tmp/shard" "plain file name"
mkdir -p "$tmp/cfg"; cp "$src/demo/tiny-llama/model.safetensors" "$tmp/cfg/"
sed 's/"hidden_size": 64/"hidden_size": 48/' "$src/demo/tiny-llama/config.json" > "$tmp/cfg/config.json"
expect_bad "config/tensor shape mismatch" "$tmp/cfg" "config.json"
expect_bad "missing path" "$tmp/does-not-exist" "does-not-exist"

# The demo checkpoint is fine, in both output forms.
if ! "$lineage" inspect "$src/demo/tiny-llama" > "$tmp/out.txt" 2>"$tmp/err"; then
    echo "FAIL: demo: $(cat "$tmp/err")"; fail=1
fi
grep -q "LlamaForCausalLM" "$tmp/out.txt" || { echo "FAIL: demo output lacks the architecture"; fail=1; }
if ! "$lineage" inspect --json "$src/demo/tiny-llama" > "$tmp/out.json"; then echo "FAIL: demo --json"; fail=1; fi
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="lineage-inspect/1" and d["parameters"]["total"]>0' "$tmp/out.json" \
        || { echo "FAIL: --json output is not the expected document"; fail=1; }
fi
exit $fail
