#!/usr/bin/env bash
# End-to-end: `lineage chain` on the mini zoo's chains (tests/data/minizoo/zoo.json "chains", built by
# tools/zoo/build_zoo.py --mini). B's run (init, step 250, final) is proven and bound to B; the same
# run with A spliced in at step 250 is broken at step 250; E's run, presented as from scratch but
# starting from A fine-tuned 50 steps, has an origin that is not independent (caught through base
# A, as a checkpoint or as a registry fingerprint, and without any base by the initialisation
# check); a wrong submitted model unbinds. Reports
# are written (JSON carries the verdict and the checkpoints' digests); bad manifests exit 3 and
# bad usage 2. Links are decided by the link probe unless --full-links.
#   bash tests/cli/chain_minizoo.sh <path-to-lineage> <source-dir>
set -uo pipefail
lineage=$1
zoo="$(cd "$2" && pwd)/tests/data/minizoo"  # absolute: manifest paths resolve from their folder
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lineage-chain-zoo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -d "$zoo/checkpoints/B/step-000000" ] || { echo "chain_minizoo: SKIP: mini zoo chains not found" >&2; exit 77; }
failures=0
check() {  # check NAME EXPECTED ACTUAL
    if [ "$3" -eq "$2" ]; then echo "ok   $1 (exit $3)"; else echo "FAIL $1: expected exit $2, got $3" >&2; failures=$((failures + 1)); fi
}
tokens() { echo $(($1 * 8 * 64)); }  # mini zoo: batch 8 x 64 tokens per step

printf 'step\tpath\ttokens_seen\tlog\n0\t%s\t0\tinit\n250\t%s\t%s\tloss 3.66\n500\t%s\t%s\tloss 3.24\n' \
    "$zoo/checkpoints/B/step-000000" "$zoo/checkpoints/B/step-000250" "$(tokens 250)" "$zoo/B" \
    "$(tokens 500)" >"$tmp/chain-B.tsv"
printf '0\t%s\t0\n250\t%s\t%s\n500\t%s\t%s\n' "$zoo/checkpoints/B/step-000000" "$zoo/A" \
    "$(tokens 250)" "$zoo/B" "$(tokens 500)" >"$tmp/chain-B-spliced.tsv"
cat >"$tmp/chain-E.json" <<EOF
{"checkpoints": [{"step": 50, "path": "$zoo/checkpoints/E/step-000050", "tokens_seen": $(tokens 50)},
                 {"step": 100, "path": "$zoo/E", "tokens_seen": $(tokens 100)}],
 "submitted": "$zoo/E"}
EOF

SOURCE_DATE_EPOCH=0 "$lineage" chain --manifest "$tmp/chain-B.tsv" --base "$zoo/A" --base "$zoo/C" \
    --submitted "$zoo/B" --out "$tmp/proven" >"$tmp/proven.txt" 2>"$tmp/proven.err"
check "chain-B proven" 0 $?
"$lineage" chain --manifest "$tmp/chain-B-spliced.tsv" --base "$zoo/C" --json >"$tmp/spliced.json" 2>"$tmp/spliced.err"
check "chain-B-spliced broken" 1 $?
grep -q "step 250" "$tmp/spliced.json" || { echo "FAIL spliced: break not located at step 250" >&2; failures=$((failures + 1)); }
"$lineage" chain --manifest "$tmp/chain-E.json" --base "$zoo/A" --base "$zoo/B" >"$tmp/e.txt" 2>&1
check "chain-E origin not independent (base A given)" 1 $?
grep -q "descends from base A" "$tmp/e.txt" || { echo "FAIL chain-E: base A not named" >&2; failures=$((failures + 1)); }
"$lineage" chain --manifest "$tmp/chain-E.json" --lang ko >"$tmp/e-nobase.txt" 2>&1
check "chain-E origin not independent (no base: initialisation check)" 1 $?
"$lineage" chain "$zoo/checkpoints/B/step-000000" "$zoo/checkpoints/B/step-000250" "$zoo/B" \
    --submitted "$zoo/A" >"$tmp/unbound.txt" 2>&1
check "chain-B with A submitted is not bound" 1 $?

# A fingerprint registry in place of the base checkpoint (when this build has `fingerprint`).
if "$lineage" --help 2>/dev/null | grep -q fingerprint; then
    "$lineage" fingerprint "$zoo/A" -o "$tmp/A.h5" >/dev/null 2>&1
    "$lineage" chain --manifest "$tmp/chain-E.json" --registry "$tmp/A.h5" >"$tmp/e-reg.txt" 2>&1
    check "chain-E origin not independent (registry with A)" 1 $?
    grep -q "A (fingerprint)" "$tmp/e-reg.txt" || { echo "FAIL chain-E: registry base not named" >&2; failures=$((failures + 1)); }
fi

# The report: files written, verdict and digests in the JSON, reproducible with SOURCE_DATE_EPOCH.
python3 - "$tmp/proven/report.json" <<'PY' || failures=$((failures + 1))
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "pass", d["verdict"]
arts = d["reproducibility"]["artifacts"] if "reproducibility" in d else d["repro"]["artifacts"]
roles = [a["role"] for a in arts]
assert roles.count("checkpoint") == 3 and roles.count("base") == 2 and "submitted" in roles, roles
assert all(a["digest"].startswith("sha256:") for a in arts), arts
steps = [c["name"] for c in d["components"]]
assert "step 250" in steps and "step 500" in steps, steps
PY
for f in report.md report.html; do [ -s "$tmp/proven/$f" ] || { echo "FAIL: $f missing" >&2; failures=$((failures + 1)); }; done
SOURCE_DATE_EPOCH=0 "$lineage" chain --manifest "$tmp/chain-B.tsv" --base "$zoo/A" --base "$zoo/C" \
    --submitted "$zoo/B" --out "$tmp/proven2" >/dev/null 2>&1
cmp -s "$tmp/proven/report.json" "$tmp/proven2/report.json" || { echo "FAIL: rerun differs" >&2; failures=$((failures + 1)); }

# Links: the link probe decides B's two links; --full-links (the full weight probe on every link)
# gives the same verdict.
grep -q "2 of 2 links shown dependent by the link probe" "$tmp/proven/report.json" ||
    { echo "FAIL: B's links not decided by the link probe" >&2; failures=$((failures + 1)); }
"$lineage" chain --manifest "$tmp/chain-B.tsv" --full-links --json >"$tmp/full-links.json" 2>/dev/null
check "chain-B proven with --full-links" 0 $?
grep -q "full weight probe on every link" "$tmp/full-links.json" ||
    { echo "FAIL: --full-links not recorded" >&2; failures=$((failures + 1)); }

# Bad inputs.
printf '0\t%s\n0\t%s\n' "$zoo/B" "$zoo/B" >"$tmp/bad.tsv"
"$lineage" chain --manifest "$tmp/bad.tsv" >/dev/null 2>"$tmp/bad.err"
check "steps out of order" 3 $?
"$lineage" chain "$zoo/B" >/dev/null 2>&1
check "one checkpoint" 2 $?
"$lineage" chain "$zoo/B" "$zoo/A" --manifest "$tmp/chain-B.tsv" >/dev/null 2>&1
check "folders and manifest" 2 $?
"$lineage" chain "$tmp/nope" "$zoo/B" >/dev/null 2>&1
check "missing checkpoint" 3 $?

[ $failures -eq 0 ] || { echo "chain_minizoo: $failures failure(s)" >&2; exit 1; }
echo "chain_minizoo: ok"
