#!/usr/bin/env bash
# `lineage run` end to end on the tiny Llama fixture (tests/data/models/llama_fp32): 20 greedy
# tokens from --ids identical to transformers' generate() (golden in the fixture), --dump-hidden
# writes the HDF5 file atomically, and bad input maps to the documented exit codes:
# 2 usage, 3 bad input (ids out of range, prompt longer than the context, --prompt without a
# tokenizer), 4 unknown architecture. (--device cuda, exit 5 without a GPU: device_cuda_absent.sh.)
# Usage: run_ids.sh <lineage> <source-dir>
set -u
lineage="$1"
src="$2"
model="$src/tests/data/models/llama_fp32"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prompt="944,625,684,897,578,775,833,225,55,300,285,873,912,5,499,821,131,797,119,467,816,303,341,278"
expected="117,865,614,757,955,341,609,306,609,306,609,84,72,254,785,73,1,501,596,206"

out="$("$lineage" run "$model" --ids "$prompt" --max-new-tokens 20 --device cpu --dump-hidden "$tmp/h.h5")" \
  || fail "run exited $?"
echo "$out" | grep -q "generated ids (20): $expected" || fail "greedy tokens differ: $out"
echo "$out" | grep -q "tokens/s" || fail "no throughput line"
[ -s "$tmp/h.h5" ] || fail "no HDF5 dump"
[ ! -e "$tmp/h.h5.tmp" ] || fail "temporary dump left behind"
head -c 8 "$tmp/h.h5" | od -c | grep -q "H   D   F" || fail "dump is not HDF5"

expect_exit() {
  local code="$1"; shift
  "$lineage" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  [ "$got" -eq "$code" ] || fail "lineage $* exited $got, expected $code: $(cat "$tmp/err")"
  [ "$(wc -l <"$tmp/err")" -le 2 ] || fail "lineage $*: more than a short error: $(cat "$tmp/err")"
}
expect_exit 3 run "$model" --ids 1,2,1000 --device cpu
expect_exit 3 run "$model" --ids 1,2 --max-new-tokens 300 --device cpu
expect_exit 3 run "$model" --prompt "hello" --device cpu
expect_exit 2 run "$model" --device cpu
expect_exit 2 run "$model" --ids 1,x,3 --device cpu
expect_exit 2 run "$model" --ids 1 --device tpu

mkdir "$tmp/falcon"
cp "$model/model.safetensors" "$tmp/falcon/"
sed 's/"LlamaForCausalLM"/"FalconForCausalLM"/' "$model/config.json" > "$tmp/falcon/config.json"
expect_exit 4 run "$tmp/falcon" --ids 1,2 --device cpu
grep -q "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM" "$tmp/err" \
  || fail "unsupported-architecture message does not list the supported ones: $(cat "$tmp/err")"
echo "run_ids: ok"
