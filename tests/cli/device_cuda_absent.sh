#!/usr/bin/env bash
# --device selection end to end (issue 12), on the tiny Llama fixture (tests/data/models/llama_fp32):
# - without a usable CUDA device (no GPU, no driver, or a build without CUDA): --device auto runs
#   on the CPU, says so in exactly one stderr line, and generates the same ids as --device cpu;
#   --device cuda exits 5 with a one-line message naming the cause;
# - with a device: --device cuda and --device auto run on it ("device: cuda:0 ...") and generate
#   the same greedy ids as the CPU reference.
# Usage: device_cuda_absent.sh <lineage> <source-dir>
set -u
lineage="$1"
src="$2"
model="$src/tests/data/models/llama_fp32"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ids="944,625,684,897,578,775,833,225,55,300,285,873"

"$lineage" run "$model" --ids "$ids" --max-new-tokens 8 --device cpu >"$tmp/cpu.out" 2>"$tmp/cpu.err" \
  || fail "--device cpu exited $?: $(cat "$tmp/cpu.err")"
cpu_ids="$(grep "generated ids" "$tmp/cpu.out")"
[ -n "$cpu_ids" ] || fail "--device cpu printed no generated ids"

"$lineage" run "$model" --ids "$ids" --max-new-tokens 8 --device auto >"$tmp/auto.out" 2>"$tmp/auto.err" \
  || fail "--device auto exited $?: $(cat "$tmp/auto.err")"
[ "$(grep "generated ids" "$tmp/auto.out")" = "$cpu_ids" ] || fail "--device auto generated other ids than cpu"

if grep -q "no CUDA device available, running on the CPU" "$tmp/auto.err"; then
  [ "$(wc -l <"$tmp/auto.err")" -eq 1 ] || fail "--device auto: expected one stderr line, got: $(cat "$tmp/auto.err")"
  grep -q "^device: cpu" "$tmp/auto.out" || fail "--device auto did not run on the CPU: $(cat "$tmp/auto.out")"
  "$lineage" run "$model" --ids "$ids" --max-new-tokens 8 --device cuda >"$tmp/cuda.out" 2>"$tmp/cuda.err"
  rc=$?
  [ "$rc" -eq 5 ] || fail "--device cuda without a device exited $rc, expected 5: $(cat "$tmp/cuda.err")"
  [ "$(wc -l <"$tmp/cuda.err")" -le 2 ] || fail "--device cuda: more than a short error: $(cat "$tmp/cuda.err")"
  grep -qi "no CUDA device" "$tmp/cuda.err" || fail "--device cuda: message does not name the cause: $(cat "$tmp/cuda.err")"
  echo "device_cuda_absent: ok (no CUDA device: auto -> cpu, cuda -> exit 5)"
else
  grep -q "^device: cuda:0" "$tmp/auto.out" || fail "--device auto: neither the CPU line nor a CUDA device: $(cat "$tmp/auto.out")"
  "$lineage" run "$model" --ids "$ids" --max-new-tokens 8 --device cuda >"$tmp/cuda.out" 2>"$tmp/cuda.err" \
    || fail "--device cuda with a device exited $?: $(cat "$tmp/cuda.err")"
  [ "$(grep "generated ids" "$tmp/cuda.out")" = "$cpu_ids" ] || fail "--device cuda generated other ids than cpu"
  echo "device_cuda_absent: ok (CUDA device present: $(grep "^device:" "$tmp/cuda.out"))"
fi
