#!/usr/bin/env bash
# End-to-end: legacy PyTorch and quantised checkpoints (tests/data/pytorch, made by its
# make_fixtures.py). `lineage inspect` reads a pytorch_model.bin folder; `lineage compare` judges
# minizoo B and its torch.save copy derived, and minizoo A and its GPTQ / AWQ / FP8 versions derived
# (identical up to quantisation); a hostile pickle exits 3 with one stderr line naming the file and
# runs nothing (the marker file its payload would create never appears); a pre-1.6 file exits 4.
# Usage: pytorch_compare.sh <lineage> <source-dir>
set -u
lineage=$1
src=$2
data=$src/tests/data/pytorch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

"$lineage" inspect "$data/B-bin" > "$tmp/inspect.txt" 2>&1
rc=$?
if [[ $rc -ne 0 ]] || ! grep -q "pytorch_model.bin" "$tmp/inspect.txt"; then
    echo "FAIL: inspect B-bin: exit $rc"; head -5 "$tmp/inspect.txt"; fail=1
fi

expect_derived() {  # A B
    "$lineage" compare "$1" "$2" --json > "$tmp/c.json" 2> "$tmp/c.err"
    local rc=$?
    if [[ $rc -ne 1 ]] || ! grep -q '"verdict": "derived"' "$tmp/c.json"; then
        echo "FAIL: compare $(basename "$1") $(basename "$2"): exit $rc (expected 1, derived)"
        head -3 "$tmp/c.err"; fail=1
    fi
}
expect_derived "$src/tests/data/minizoo/B" "$data/B-bin"
for q in A-gptq A-awq A-fp8; do expect_derived "$src/tests/data/minizoo/A" "$data/$q"; done

expect_exit() {  # NAME PATH CODE MUST_CONTAIN
    "$lineage" inspect "$2" > /dev/null 2> "$tmp/err"
    local rc=$? lines
    lines=$(wc -l < "$tmp/err")
    if [[ $rc -ne $3 || $lines -ne 1 ]] || ! grep -qF -- "$4" "$tmp/err" || ! grep -qF -- "$2" "$tmp/err"; then
        echo "FAIL: $1: exit $rc (expected $3), $lines stderr line(s): $(cat "$tmp/err")"; fail=1
    fi
}

# Committed hostile files (their payload would touch /tmp/lineage_evil_pickle_ran).
rm -f /tmp/lineage_evil_pickle_ran
for f in evil_system evil_eval evil_stack_global evil_inst evil_unknown_global; do
    expect_exit "$f" "$data/$f.bin" 3 "is not allowed"
done
if [[ -e /tmp/lineage_evil_pickle_ran ]]; then echo "FAIL: a hostile pickle ran its payload"; fail=1; fi

# A hostile pickle written here (stdlib only), whose marker lies in this test's own folder.
if command -v python3 > /dev/null; then
    python3 - "$tmp" <<'PY' || { echo "FAIL: could not write the hostile file"; fail=1; }
import os, pickle, sys, zipfile
tmp = sys.argv[1]
class Payload:
    def __reduce__(self):
        return (os.system, ("touch " + os.path.join(tmp, "marker"),))
os.makedirs(os.path.join(tmp, "evil"))
with zipfile.ZipFile(os.path.join(tmp, "evil", "pytorch_model.bin"), "w") as z:
    z.writestr("archive/data.pkl", pickle.dumps({"model.embed_tokens.weight": Payload()}, protocol=2))
PY
    expect_exit "hostile folder" "$tmp/evil" 3 "global 'posix.system' is not allowed"
    if [[ -e "$tmp/marker" ]]; then echo "FAIL: the hostile pickle ran its payload"; fail=1; fi
fi

expect_exit "pre-1.6 torch file" "$data/legacy.pt" 4 "legacy (pre-1.6, non-zip)"
exit $fail
