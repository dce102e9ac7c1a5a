#!/usr/bin/env bash
# A lifted vision tower, end to end: tools/zoo/tower_variant.py --mini stores a small Qwen2.5-VL-style
# encoder ("visual." prefix) beside the mini zoo's A and B (VA: A + its own encoder; VB-tower: B +
# VA's encoder with a new merger, fine-tuned; VB-towerperm: the same with the encoder's width, heads
# and MLP neurons permuted before the fine-tune; VB-towerrot: rotated instead; VB-projperm: VA's
# encoder and merger with the merger's neurons permuted; VB-indep: B + an encoder of its own).
# `compare` must say "language model independent, vision tower derived" for every lift (through the
# permutation- and rotation-robust tower pass), projector derived for VB-projperm only, and
# independent for VB-indep; `audit` under
# independent-foundation must FAIL the permuted lift on its vision component and PASS VB-indep.
# The models are generated here (~10 CPU-seconds), not committed.
#   bash tests/cli/compare_tower_lift.sh <path-to-lineage> <source-dir>
set -u
lineage=$1
src=$2
zoo="$src/tests/data/minizoo"
[ -f "$zoo/A/model.safetensors" ] || { echo "mini zoo not present"; exit 77; }
python3 -c "import torch, safetensors" 2>/dev/null || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

python3 "$src/tools/zoo/tower_variant.py" --mini --out "$tmp" 2>"$tmp/build.log" || { cat "$tmp/build.log"; fail "building the tower variant"; }
python3 - "$tmp/zoo.json" <<'PY' || fail "zoo.json truths"
import json, sys
z = json.load(open(sys.argv[1]))
t = {(p["a"], p["b"]): p["component_truth"] for p in z["pairs"]}
assert t[("VA", "VB-tower")] == {"language_model": "independent", "vision": "derived", "projector": "independent"}, t
assert t[("VA", "VB-towerperm")]["vision"] == "derived", t
assert t[("VA", "VB-indep")]["vision"] == "independent", t
PY

"$lineage" inspect "$tmp/VB-tower" >"$tmp/inspect.txt" || fail "inspect VB-tower: exit $?"

check_compare() {  # candidate, verdict, vision verdict, exit code[, projector: derived|not-derived]
    "$lineage" compare "$tmp/VA" "$tmp/$1" --json >"$tmp/$1.json"
    local rc=$?
    [ $rc -eq "$4" ] || fail "VA vs $1: exit $rc, expected $4"
    python3 - "$tmp/$1.json" "$2" "$3" "${5:-not-derived}" <<'PY' || fail "VA vs $1 JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == sys.argv[2], d["verdict"]
assert d["language_model_verdict"] == "independent", d["language_model_verdict"]
towers = {t["tower"]: t for t in d["towers"]}
assert towers["vision"]["verdict"] == sys.argv[3], towers["vision"]
if sys.argv[4] == "derived":
    assert towers["projector"]["verdict"] == "derived", towers["projector"]
else:
    assert towers["projector"]["verdict"] != "derived", towers["projector"]
PY
}
check_compare VB-tower derived derived 1
check_compare VB-towerperm derived derived 1
check_compare VB-indep independent independent 0
check_compare VB-towerrot derived derived 1          # the copied tower rotated, then fine-tuned
check_compare VB-projperm derived derived 1 derived  # tower and projector copied, projector permuted
grep -q "permuted" "$tmp/VB-towerperm.json" || fail "the permuted lift is not explained as one"

"$lineage" audit "$tmp/VB-towerperm" --base "$tmp/VA" --policy "$src/policies/independent-foundation.toml" \
    --out "$tmp/report-perm" >"$tmp/audit-perm.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$tmp/audit-perm.txt"; fail "audit VB-towerperm: exit $rc, expected 1 (fail)"; }
grep -q "FAIL" "$tmp/audit-perm.txt" || fail "audit VB-towerperm does not say FAIL"
grep -q "| vision | derived |" "$tmp/report-perm/report.md" || fail "the report does not find the vision component derived"
grep -q "| projector | independent |" "$tmp/report-perm/report.md" || fail "the report does not find the projector independent"
grep -qE "\| layers\.[0-9]+\.(mlp|attention) \| derived" "$tmp/report-perm/report.md" && fail "a language-model component is called derived"

"$lineage" audit "$tmp/VB-indep" --base "$tmp/VA" --out "$tmp/report-indep" >"$tmp/audit-indep.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$tmp/audit-indep.txt"; fail "audit VB-indep: exit $rc, expected 0 (pass)"; }
echo "ok"
