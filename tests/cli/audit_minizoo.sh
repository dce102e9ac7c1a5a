#!/usr/bin/env bash
# End-to-end: `lineage audit` on the mini lineage zoo (tests/data/minizoo, known relations) under the
# bundled policy. Derived candidates must fail (exit 1); independently trained and distilled ones
# must pass (exit 0: B shares A's architecture, tokenizer and data; the distilled student behaves
# like A but inherited no weights — distillation is never derivation); the JSON record
# carries the documented fields; bad inputs get their documented exit codes.
#   bash tests/cli/audit_minizoo.sh <path-to-lineage> <source-dir>
set -uo pipefail
lineage=$1
zoo="$2/tests/data/minizoo"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lineage-audit-zoo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -d "$zoo/A" ] || { echo "audit_minizoo: SKIP: mini zoo not found at $zoo" >&2; exit 77; }
failures=0
check() {  # check NAME EXPECTED(1|not1|N) ACTUAL
    local name=$1 want=$2 got=$3 ok=0
    case $want in
        not1) [ "$got" -ne 1 ] && [ "$got" -ne 3 ] && [ "$got" -lt 70 ] && ok=1 ;;
        *) [ "$got" -eq "$want" ] && ok=1 ;;
    esac
    if [ $ok -eq 1 ]; then echo "ok   $name (exit $got)"; else echo "FAIL $name: expected $want, got exit $got" >&2; failures=$((failures + 1)); fi
}

# Candidate vs the claimed parent A: truth from tests/data/minizoo/README.md.
for pair in "A-sft 1" "A-permrot 1" "B 0" "C 0" "A-student 0"; do
    set -- $pair
    "$lineage" audit "$zoo/$1" --base "$zoo/A" --json >"$tmp/$1.json" 2>"$tmp/$1.err"
    check "$1 vs A" "$2" $?
done
# The JSON record: top-level verdict, components with name/relation/source/p_value.
python3 - "$tmp/A-sft.json" "$tmp/C.json" <<'PY' || failures=$((failures + 1))
import json, sys
for path in sys.argv[1:]:
    d = json.load(open(path))
    assert d["schema_version"] == "1.0.0", path
    assert d["verdict"] in ("pass", "fail", "inconclusive"), path
    assert d["components"], path
    for c in d["components"]:
        assert set(("name", "relation", "source", "p_value")) <= set(c), (path, c)
        assert c["relation"] in ("derived", "independent", "inconclusive"), (path, c)
        assert (c["source"] is not None) == (c["relation"] == "derived"), (path, c)
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "fail"
assert any(c["relation"] == "derived" and c["source"]["base"] == "A" for c in d["components"])
print("ok   JSON records")
PY
# Behaviour: the distilled student is flagged as behaviourally similar (inform, never derived);
# the fine-tune's similar behaviour is explained by its derived weights and not flagged as such.
python3 - "$tmp/A-student.json" "$tmp/A-sft.json" <<'PY' || failures=$((failures + 1))
import json, sys
student, sft = (json.load(open(p)) for p in sys.argv[1:])
rules = lambda d: [f["rule"] for f in d["policy_findings"]]
assert "behaviour-similar" in rules(student), rules(student)
assert not any(c["relation"] == "derived" for c in student["components"]), student["components"]
assert "behaviour-similar" not in rules(sft), rules(sft)
print("ok   behaviour findings")
PY

# No base: nothing to compare, never a pass.
"$lineage" audit "$zoo/B" >/dev/null 2>&1
check "no base" 6 $?
# Bad inputs.
"$lineage" audit "$tmp/missing" --base "$zoo/A" >/dev/null 2>&1
check "missing candidate" 3 $?
printf 'schema = 1\n[policy]\nname = "x"\n' >"$tmp/bad.toml"
"$lineage" audit "$zoo/B" --base "$zoo/A" --policy "$tmp/bad.toml" 2>"$tmp/bad.err" >/dev/null
check "malformed policy" 3 $?
grep -q "bad.toml:2: key 'policy.version'" "$tmp/bad.err" || { echo "FAIL policy error does not name file and key" >&2; failures=$((failures + 1)); }
# A reviewer's own policy: failing on a reused tokenizer turns B (same tokenizer as A) into a fail.
cat >"$tmp/strict.toml" <<'TOML'
schema = 1
[policy]
name = "strict-tokenizer"
version = "1"
[[rules]]
id = "tokenizer"
severity = "fail"
kind = "tokenizer"
relations = ["identical", "same-vocabulary", "extended", "pruned", "shifted", "reordered"]
TOML
"$lineage" audit "$zoo/B" --base "$zoo/A" --policy "$tmp/strict.toml" >"$tmp/strict.out" 2>&1
check "own policy (tokenizer reuse fails)" 1 $?
grep -q "strict-tokenizer 1" "$tmp/strict.out" || { echo "FAIL summary does not name the policy" >&2; failures=$((failures + 1)); }

[ $failures -eq 0 ] || { echo "audit_minizoo: $failures failure(s)" >&2; exit 1; }
echo "audit_minizoo: ok"
