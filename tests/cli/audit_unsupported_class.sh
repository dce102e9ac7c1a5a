#!/usr/bin/env bash
# A checkpoint whose architectures[0] is a class Lineage does not know: it is still inspected,
# tokenizer-compared and weight-compared, and the audit report says plainly, per probe, what was
# not run and why (English and Korean; Markdown, HTML and JSON). The candidate is the mini zoo's
# A-sft with its config.json naming "FooBarForCausalLM"; its weights descend from A, so the audit
# fails on the weights alone.
#   bash tests/cli/audit_unsupported_class.sh <path-to-lineage> <source-dir>
set -u
lineage=$1
src=$2
zoo="$src/tests/data/minizoo"
[ -f "$zoo/A-sft/model.safetensors" ] || { echo "mini zoo not present"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir "$tmp/X"
cp "$zoo/A-sft/model.safetensors" "$zoo/A-sft/tokenizer.json" "$tmp/X/"
[ -f "$zoo/A-sft/tokenizer_config.json" ] && cp "$zoo/A-sft/tokenizer_config.json" "$tmp/X/"
sed -e 's/"Qwen3ForCausalLM"/"FooBarForCausalLM"/' -e 's/"model_type": *"qwen3"/"model_type": "foobar"/' \
    "$zoo/A-sft/config.json" >"$tmp/X/config.json"
grep -q FooBarForCausalLM "$tmp/X/config.json" || fail "could not rename the class"

"$lineage" inspect "$tmp/X" >"$tmp/inspect.txt" || fail "inspect: exit $?"
grep -q FooBarForCausalLM "$tmp/inspect.txt" || fail "inspect does not name the class"
"$lineage" tokenizer "$zoo/A" "$tmp/X" >"$tmp/tok.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "tokenizer compare: exit $rc, expected 1 (derived relation)"
grep -qi "identical" "$tmp/tok.txt" || fail "tokenizer compare does not find the identical tokenizer"
"$lineage" compare "$zoo/A" "$tmp/X" >"$tmp/compare.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "compare: exit $rc, expected 1 (derived)"
"$lineage" run "$tmp/X" --ids 1,2,3 >"$tmp/run.txt" 2>&1
rc=$?
[ $rc -eq 4 ] || fail "run: exit $rc, expected 4 (unsupported)"

for lang in en ko; do
    "$lineage" audit "$tmp/X" --base "$zoo/A" --lang $lang --out "$tmp/report-$lang" >"$tmp/audit-$lang.txt" 2>&1
    rc=$?
    [ $rc -eq 1 ] || { cat "$tmp/audit-$lang.txt"; fail "audit ($lang): exit $rc, expected 1 (fail on the weights)"; }
done
md="$tmp/report-en/report.md"
grep -q "Not run: activation probe" "$md" || fail "the English report has no 'Not run: activation probe' entry"
grep -q "the architecture class FooBarForCausalLM (X) is not in Lineage's reference transformer" "$md" \
    || fail "the English report does not name the class and the reason"
grep -q "FooBarForCausalLM (X)" "$tmp/report-en/report.html" || fail "the HTML report does not name the class"
python3 - "$tmp/report-en/report.json" <<'PY' || fail "the JSON report has no not-run entry"
import json, sys
found = []
def walk(o):
    if isinstance(o, dict):
        if str(o.get("title", "")).startswith("Not run: activation probe") and "FooBarForCausalLM" in str(o.get("text", "")):
            found.append(o)
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(json.load(open(sys.argv[1])))
assert found, "no entry"
PY
grep -q "실행하지 않음: 활성값 프로브" "$tmp/report-ko/report.md" || fail "the Korean report has no not-run entry"
grep -q "아키텍처 클래스 FooBarForCausalLM (X)" "$tmp/report-ko/report.md" || fail "the Korean report does not name the class"
# Weights and tokenizer were still judged: the weight evidence section lists derived components.
grep -q "| embeddings | derived |" "$md" || fail "the weights were not compared"
echo "ok"
