#!/usr/bin/env bash
# The two wrappers/families added for issue 14 through the command line, on their tiny fixtures
# (tests/data/models_families): Gemma3ForConditionalGeneration is inspected with its SigLIP tower
# and projector as components of their own, runs text-only, and a copy of it compared with it is
# derived on every component (language model, vision tower, projector; in compare and in the audit
# report); VAETKI (VaetkiForCausalLM)
# is inspected with its MLA, MoE and sandwich-norm roles, runs, and a copy of it is derived.
#   bash tests/cli/gemma3_vision_vaetki.sh <path-to-lineage> <source-dir>
set -u
lineage=$1
src=$2
fam="$src/tests/data/models_families"
[ -f "$fam/gemma3_vision/model.safetensors" ] && [ -f "$fam/vaetki_mla/model.safetensors" ] \
    || { echo "family fixtures not present"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Gemma 3 vision-language wrapper.
"$lineage" inspect "$fam/gemma3_vision" >"$tmp/inspect.txt" || fail "inspect gemma3_vision: exit $?"
grep -q "Gemma3ForConditionalGeneration" "$tmp/inspect.txt" || fail "inspect does not name the class"
grep -Eq "^ +vision +[0-9,]+" "$tmp/inspect.txt" || fail "inspect has no vision component"
grep -Eq "^ +projector +[0-9,]+" "$tmp/inspect.txt" || fail "inspect has no projector component"
grep -Eq "vision_tower\..* (attn_norm|q_proj|mlp_up)" "$tmp/inspect.txt" && fail "a vision tensor took a language-model role"
"$lineage" run "$fam/gemma3_vision" --ids 1,17,100 >"$tmp/run.txt" 2>&1 || fail "run gemma3_vision: exit $?"
grep -q "generated ids" "$tmp/run.txt" || fail "run gemma3_vision generated nothing"
mkdir "$tmp/G"
cp "$fam/gemma3_vision/config.json" "$fam/gemma3_vision/model.safetensors" "$tmp/G/"
"$lineage" compare "$fam/gemma3_vision" "$tmp/G" >"$tmp/compare.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "compare gemma3_vision with its copy: exit $rc, expected 1 (derived)"
grep -q "^language model alone: derived" "$tmp/compare.txt" || fail "language model not derived"
grep -q "^tower vision: derived" "$tmp/compare.txt" || fail "vision tower not judged derived on its own"
grep -q "^tower projector: derived" "$tmp/compare.txt" || fail "projector not judged derived on its own"
"$lineage" audit "$tmp/G" --base "$fam/gemma3_vision" --out "$tmp/report" >"$tmp/audit.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "audit of the copy: exit $rc, expected 1 (fail: derived)"
for component in vision projector "layers.0.attention"; do
    grep -Eq "^\| $component \| derived \|" "$tmp/report/report.md" \
        || fail "the audit report has no derived '$component' component"
done

# VAETKI.
"$lineage" inspect "$fam/vaetki_mla" >"$tmp/vinspect.txt" || fail "inspect vaetki_mla: exit $?"
for role in kv_a_proj q_b_proj post_attn_norm post_mlp_norm router shared_expert_up expert_gate; do
    grep -q " $role " "$tmp/vinspect.txt" || fail "inspect vaetki_mla has no $role tensor"
done
"$lineage" run "$fam/vaetki_mla" --ids 1,2,3 >"$tmp/vrun.txt" 2>&1 || fail "run vaetki_mla: exit $?"
mkdir "$tmp/V"
cp "$fam/vaetki_mla/config.json" "$fam/vaetki_mla/model.safetensors" "$tmp/V/"
"$lineage" compare "$fam/vaetki_mla" "$tmp/V" >"$tmp/vcompare.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "compare vaetki_mla with its copy: exit $rc, expected 1 (derived)"
echo "ok"
