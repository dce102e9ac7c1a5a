#!/usr/bin/env bash
# End-to-end fingerprint registry on the mini lineage zoo (tests/data/minizoo): fingerprint A,
# build a registry with add/list/show/remove, and audit every candidate with --registry: each
# verdict (exit code) must equal the audit against A's checkpoint (--base, weights and tokenizer;
# fingerprints carry no activation signatures, so both run with --no-activations), and the report
# must say that the conclusion came from a fingerprint. Damaged registries exit 3; a name clash 2.
#   bash tests/cli/registry_minizoo.sh <path-to-lineage> <source-dir>
# LINEAGE_TEST_MINIZOO overrides the zoo folder.
set -uo pipefail
lineage=$1
zoo="${LINEAGE_TEST_MINIZOO:-$2/tests/data/minizoo}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lineage-registry-zoo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -f "$zoo/A/model.safetensors" ] || { echo "registry_minizoo: SKIP: mini zoo not found at $zoo" >&2; exit 77; }
failures=0
check() {  # check NAME EXPECTED ACTUAL
    if [ "$3" -eq "$2" ]; then echo "ok   $1 (exit $3)"; else echo "FAIL $1: expected $2, got $3" >&2; failures=$((failures + 1)); fi
}

"$lineage" fingerprint "$zoo/A" -o "$tmp/A.h5" >"$tmp/fp.out" 2>&1; check "fingerprint A" 0 $?
grep -q "of the model's bf16 size" "$tmp/fp.out" || { echo "FAIL fingerprint prints its size" >&2; failures=$((failures + 1)); }
"$lineage" fingerprint "$zoo/B" -o "$tmp/B.h5" --name zoo-B >/dev/null 2>&1; check "fingerprint B --name" 0 $?
reg="$tmp/reg.h5"
"$lineage" registry add "$reg" "$tmp/A.h5" >/dev/null; check "registry add A" 0 $?
"$lineage" registry add "$reg" "$tmp/B.h5" >/dev/null; check "registry add B" 0 $?
"$lineage" registry add "$reg" "$tmp/A.h5" >/dev/null 2>&1; check "registry add A again (clash)" 2 $?
"$lineage" registry list "$reg" >"$tmp/list.out"; check "registry list" 0 $?
grep -q "^A " "$tmp/list.out" && grep -q "^zoo-B " "$tmp/list.out" || { echo "FAIL list names both entries" >&2; failures=$((failures + 1)); }
"$lineage" registry show "$reg" A >"$tmp/show.out"; check "registry show A" 0 $?
grep -q "source digest  sha256:" "$tmp/show.out" && grep -q "made by        lineage" "$tmp/show.out" \
    || { echo "FAIL show prints digest and tool version" >&2; failures=$((failures + 1)); }
"$lineage" registry remove "$reg" zoo-B >/dev/null; check "registry remove zoo-B" 0 $?
"$lineage" registry show "$reg" zoo-B >/dev/null 2>&1; check "registry show removed entry" 3 $?

# Same verdicts from the fingerprint as from the checkpoint.
for c in A-sft A-permrot B C A-student; do
    "$lineage" audit "$zoo/$c" --base "$zoo/A" --no-activations >/dev/null 2>&1; want=$?
    "$lineage" audit "$zoo/$c" --registry "$reg" --no-activations --json >"$tmp/$c.json" 2>"$tmp/$c.err"
    check "$c: --registry verdict equals --base verdict" "$want" $?
done
python3 - "$tmp/A-sft.json" <<'PY' || failures=$((failures + 1))
import json, sys
d = json.load(open(sys.argv[1]))
text = json.dumps(d)
assert "A (fingerprint)" in text, "the report names the base as a fingerprint"
assert "conclusions from a fingerprint" in text, "the report says the conclusion came from a fingerprint"
PY

# Damaged registries are bad input (exit 3), never a crash or a verdict.
head -c 2000 "$reg" >"$tmp/trunc.h5"
"$lineage" registry list "$tmp/trunc.h5" >/dev/null 2>&1; check "truncated registry: list" 3 $?
"$lineage" audit "$zoo/B" --registry "$tmp/trunc.h5" >/dev/null 2>&1; check "truncated registry: audit" 3 $?
echo "not hdf5" >"$tmp/text.h5"
"$lineage" audit "$zoo/B" --registry "$tmp/text.h5" >/dev/null 2>&1; check "not a registry: audit" 3 $?
[ $failures -eq 0 ] || { echo "registry_minizoo: $failures failure(s)" >&2; exit 1; }
echo "registry_minizoo: all checks passed"
