#!/usr/bin/env bash
# End-to-end: `lineage batch run` over the mini zoo (tests/data/minizoo) against base A, then
# `batch collect`. Checks: verdicts match the zoo's truth; a `kill -9` of the batch mid-run leaves
# every finished item intact and no half-written one; the rerun skips what was done, redoes the
# rest, and its reports are byte-identical to an uninterrupted run; two runs on one folder never
# audit an item twice; failed items are redone; bad manifests get exit 3.
#   bash tests/cli/batch_local.sh <path-to-lineage> <source-dir>
set -uo pipefail
lineage=$1
zoo="$2/tests/data/minizoo"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lineage-batch-local.XXXXXX")
bg=""
trap '[ -n "$bg" ] && kill -9 $bg 2>/dev/null; rm -rf "$tmp"' EXIT
[ -d "$zoo/A" ] || { echo "batch_local: SKIP: mini zoo not found at $zoo" >&2; exit 77; }
export SOURCE_DATE_EPOCH=1700000000  # byte-identical reports across runs
failures=0
fail() { echo "FAIL $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }

# The manifest: derived (A-sft, A-permrot) and independent (B, C) candidates, JSON and TSV alike.
# Relative paths are read from the manifest's folder.
ln -s "$zoo" "$tmp/zoo"
printf '# candidates of the mini zoo\nid\tpath\tbases\nsft\tzoo/A-sft\nperm\tzoo/A-permrot\nB\tzoo/B\nC\tzoo/C\tzoo/A\n' >"$tmp/m.tsv"
flags=(--base "$zoo/A" --no-activations)

# 1. Reference: one uninterrupted run (two workers).
"$lineage" batch run "$tmp/m.tsv" --out "$tmp/ref" "${flags[@]}" --jobs 2 >"$tmp/ref.out" 2>"$tmp/ref.err"
rc=$?
[ $rc -eq 0 ] && ok "uninterrupted run (exit 0)" || { fail "uninterrupted run exit $rc"; cat "$tmp/ref.err" >&2; }
for pair in "sft fail" "perm fail" "B pass" "C pass"; do
    set -- $pair
    v=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$tmp/ref/items/$1/done.json" 2>/dev/null)
    [ "$v" = "$2" ] && ok "$1: $v" || fail "$1: expected $2, got '$v'"
done

# 2. kill -9 mid-run: one worker, killed once the first item is done and the second has started.
"$lineage" batch run "$tmp/m.tsv" --out "$tmp/run" "${flags[@]}" --jobs 1 >"$tmp/k.out" 2>"$tmp/k.err" &
bg=$!
for _ in $(seq 1 600); do
    ndone=$(ls "$tmp"/run/items/*/done.json 2>/dev/null | wc -l)
    nwork=$(ls "$tmp/run/work" 2>/dev/null | wc -l)
    [ "$ndone" -ge 1 ] && [ "$nwork" -ge 1 ] && break
    kill -0 $bg 2>/dev/null || break
    sleep 0.05
done
{ kill -9 $bg; wait $bg; } 2>/dev/null
bg=""
sleep 0.5  # the audit child dies with its parent (PR_SET_PDEATHSIG)
finished=$(cd "$tmp/run/items" && ls -d * 2>/dev/null | sort | tr '\n' ' ')
nfinished=$(echo $finished | wc -w)
echo "     killed with finished: [$finished] and $(ls "$tmp/run/work" | wc -l) attempt(s) in progress"
if [ "$nfinished" -ge 1 ] && [ "$nfinished" -lt 4 ]; then ok "killed mid-run"; else fail "kill did not land mid-run ($nfinished items finished)"; fi
for d in "$tmp"/run/items/*/; do
    [ -f "$d/done.json" ] && [ -f "$d/report.json" ] && [ -f "$d/report.html" ] || fail "half-written item $d"
done
ls "$tmp"/run/locks/*.lock >/dev/null 2>&1 && ok "stale lock left by the killed run" || echo "     (no lock left behind)"
pgrep -f "$tmp/run/work" >/dev/null && fail "an audit child outlived the killed batch"
stamps_before=$(stat -c '%n %Y %i' "$tmp"/run/items/*/done.json)

# 3. Resume: skips the finished items, redoes the interrupted one, takes over the stale lock.
"$lineage" batch run "$tmp/m.tsv" --out "$tmp/run" "${flags[@]}" --jobs 2 >"$tmp/r.out" 2>"$tmp/r.err"
rc=$?
[ $rc -eq 0 ] || { fail "resume exit $rc"; cat "$tmp/r.err" >&2; }
grep -q "$nfinished done before" "$tmp/r.out" && ok "resume skipped $nfinished finished item(s)" || fail "resume: $(cat "$tmp/r.out")"
stamps_after=$(echo "$stamps_before" | while read -r f _; do stat -c '%n %Y %i' "$f"; done)
[ "$stamps_before" = "$stamps_after" ] && ok "finished items untouched by the resume" || fail "finished items were rewritten"
[ -z "$(ls "$tmp/run/work")" ] && [ -z "$(ls "$tmp/run/locks")" ] && ok "no attempts or locks left" || fail "leftovers: $(ls "$tmp/run/work" "$tmp/run/locks")"
same=1
for id in sft perm B C; do
    for f in report.json report.md report.html; do
        cmp -s "$tmp/ref/items/$id/$f" "$tmp/run/items/$id/$f" || { same=0; fail "$id/$f differs from the uninterrupted run"; }
    done
done
[ $same -eq 1 ] && ok "reports byte-identical to the uninterrupted run"

# 4. A third run does nothing.
"$lineage" batch run "$tmp/m.tsv" --out "$tmp/run" "${flags[@]}" >"$tmp/3.out" 2>&1
grep -q "0 done now, 4 done before" "$tmp/3.out" && ok "rerun of a finished batch does nothing" || fail "third run: $(cat "$tmp/3.out")"

# 5. Two runs at once on one folder: each item audited exactly once.
"$lineage" batch run "$tmp/m.tsv" --out "$tmp/twice" "${flags[@]}" >"$tmp/t1.out" 2>"$tmp/t1.err" &
p1=$!
"$lineage" batch run "$tmp/m.tsv" --out "$tmp/twice" "${flags[@]}" >"$tmp/t2.out" 2>"$tmp/t2.err"
wait $p1
audited=$(cat "$tmp/t1.err" "$tmp/t2.err" | grep -c ": auditing ")
ndone=$(ls "$tmp"/twice/items/*/done.json | wc -l)
[ "$audited" -eq 4 ] && [ "$ndone" -eq 4 ] && ok "two concurrent runs: 4 audits for 4 items" || fail "two concurrent runs audited $audited times ($ndone done)"

# 6. A failing item (unreadable checkpoint) is recorded with its error, and redone on rerun.
mkdir -p "$tmp/broken"
cp "$zoo/B/config.json" "$tmp/broken/"
head -c 100 "$zoo/B/model.safetensors" >"$tmp/broken/model.safetensors"
printf 'bad\t%s/broken\nB\t%s/B\n' "$tmp" "$zoo" >"$tmp/bad.tsv"
"$lineage" batch run "$tmp/bad.tsv" --out "$tmp/bad" "${flags[@]}" >/dev/null 2>"$tmp/bad.err"
rc=$?
[ $rc -eq 1 ] && ok "a failed item makes batch run exit 1" || fail "failed item: exit $rc"
python3 - "$tmp/bad/items/bad/failed.json" <<'PY' && ok "failed.json carries exit code 3 and the error" || fail "failed.json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["state"] == "failed" and r["exit_code"] == 3, r
assert "model.safetensors" in r["error"], r["error"]
PY
cp "$zoo/B/model.safetensors" "$tmp/broken/model.safetensors"
"$lineage" batch run "$tmp/bad.tsv" --out "$tmp/bad" "${flags[@]}" >"$tmp/bad2.out" 2>&1
grep -q "1 done now, 1 done before, 0 failed" "$tmp/bad2.out" && ok "the fixed item is redone" || fail "redo: $(cat "$tmp/bad2.out")"

# 7. collect: CSV, JSON, HTML.
"$lineage" batch collect "$tmp/run" >"$tmp/c.out" 2>&1 || fail "collect exit $?"
python3 - "$tmp/run" <<'PY' && ok "collect: summary.csv, summary.json, index.html" || fail "collect output"
import csv, json, os, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, "summary.csv"), newline="")))
assert [r["id"] for r in rows] == ["sft", "perm", "B", "C"], rows
assert {r["id"]: r["verdict"] for r in rows} == {"sft": "fail", "perm": "fail", "B": "pass", "C": "pass"}
s = json.load(open(os.path.join(d, "summary.json")))
assert s["counts"]["done"] == 4 and s["counts"]["fail"] == 2 and s["counts"]["pass"] == 2, s["counts"]
html = open(os.path.join(d, "index.html")).read()
for r in rows:
    assert f'href="items/{r["id"]}/report.html"' in html
    assert os.path.exists(os.path.join(d, r["report"]))
PY

# 8. Bad manifests and arguments.
printf 'x\t%s/nowhere\n' "$tmp" >"$tmp/missing.tsv"
"$lineage" batch run "$tmp/missing.tsv" --out "$tmp/o" 2>"$tmp/e.err" >/dev/null
rc=$?
[ $rc -eq 3 ] && grep -q "missing.tsv:1: path" "$tmp/e.err" && ok "missing path: exit 3 naming file:line" || fail "missing path: exit $rc $(cat "$tmp/e.err")"
"$lineage" batch run "$tmp/m.tsv" --out "$tmp/o" --shard 4/4 >/dev/null 2>&1
rc=$?; [ $rc -eq 2 ] && ok "bad --shard: exit 2" || fail "bad --shard: exit $rc"
"$lineage" batch collect "$tmp/nothing" >/dev/null 2>&1
rc=$?; [ $rc -eq 3 ] && ok "collect of a non-batch folder: exit 3" || fail "collect non-batch: exit $rc"

# 9. submit without a cluster: --dry-run writes the script; a stand-in sbatch gets the array of
# unfinished shards only and its job id is printed.
"$lineage" batch submit "$tmp/m.tsv" --out "$tmp/run" "${flags[@]}" --slurm --dry-run --shards 2 \
    --partition gpu --gres gpu:1 --time 01:00:00 >/dev/null 2>"$tmp/dry.err"
rc=$?
script="$tmp/run/slurm/batch.sbatch"
if [ $rc -eq 0 ] && grep -q '^#SBATCH --array=0-1$' "$script" && grep -q '^#SBATCH --gres=gpu:1$' "$script" &&
   grep -q -- '--shard "${SLURM_ARRAY_TASK_ID}/${SHARDS}"' "$script" && bash -n "$script"; then
    ok "submit --dry-run writes a valid sbatch script"
else
    fail "submit --dry-run: exit $rc $(cat "$tmp/dry.err")"
fi
printf '#!/bin/sh\necho "$@" >"%s/sbatch.args"\necho "4711;cluster"\n' "$tmp" >"$tmp/sbatch"
chmod +x "$tmp/sbatch"
rm -rf "$tmp/run/items/perm"  # one unfinished item: shard 1 of 2
job=$(LINEAGE_SBATCH="$tmp/sbatch" "$lineage" batch submit "$tmp/m.tsv" --out "$tmp/run" "${flags[@]}" --slurm --shards 2 --only-unfinished 2>/dev/null)
[ "$job" = "4711" ] && grep -q -- "--parsable --array=1 $script" "$tmp/sbatch.args" &&
    ok "submit --only-unfinished: array 1 only, job id printed" || fail "submit: job '$job', args $(cat "$tmp/sbatch.args" 2>/dev/null)"

# 10. Registries pass through to every audit: A as a fingerprint instead of a checkpoint.
if "$lineage" fingerprint "$zoo/A" -o "$tmp/A.h5" >/dev/null 2>&1 && "$lineage" registry add "$tmp/reg.h5" "$tmp/A.h5" >/dev/null 2>&1; then
    printf 'sft\t%s/A-sft\nB\t%s/B\n' "$zoo" "$zoo" >"$tmp/reg.tsv"
    "$lineage" batch run "$tmp/reg.tsv" --out "$tmp/reg" --registry "$tmp/reg.h5" --no-activations >/dev/null 2>&1
    python3 - "$tmp/reg" "$tmp/reg.h5" <<'PY' && ok "--registry: verdicts from the fingerprint (sft fail, B pass)" || fail "--registry pass-through"
import json, sys
d, reg = sys.argv[1:]
for item, verdict in (("sft", "fail"), ("B", "pass")):
    r = json.load(open(f"{d}/items/{item}/done.json"))
    assert r["verdict"] == verdict, (item, r["verdict"])
    assert r["args"][r["args"].index("--registry") + 1] == reg, r["args"]
assert "(fingerprint)" in open(f"{d}/items/sft/report.json").read()
PY
else
    echo "     (no fingerprint/registry commands in this build: --registry pass-through not exercised)"
fi

[ $failures -eq 0 ] || { echo "batch_local: $failures failure(s)" >&2; exit 1; }
echo "batch_local: ok"
