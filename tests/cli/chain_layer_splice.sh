#!/bin/bash
# End-to-end: the mid-run splice attack on `lineage chain`'s base comparisons. A synthetic run
# (numpy, written here): an initialisation, then training steps; at step 2 half of the layers (2
# and 3 of 4) are replaced by an unrelated base model's layers and training goes on. Every link
# still shows dependence when its layers are combined, so only per-layer continuity can see the
# splice (and, in a second run, one layer merged 50/50 with the base: only its tensors' jump): by
# default (base comparisons carried by continuity) the checkpoint after the spliced link
# must be compared with the base, found derived from it, and the chain called broken at step 2
# (exit 1); an unspliced run of the same model must be proven (exit 0) with its later checkpoints'
# base comparisons carried ("carried by continuity from the origin" in the report);
# --bases-every-checkpoint compares every checkpoint; --origin-bases-only (origin only) cannot see
# the splice. Usage: chain_layer_splice.sh <lineage> <source-dir>. Skips (77) without numpy/safetensors.
set -u
lineage=$1
python3 -c "import numpy, safetensors" 2>/dev/null || exit 77
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY' || exit 1
import json, os, sys
import numpy as np
from safetensors.numpy import save_file

root = sys.argv[1]
V, D, L, I, H, std = 512, 64, 4, 176, 4, 0.02

def init(seed):
    r = np.random.default_rng(seed)
    t = {"model.embed_tokens.weight": std * r.standard_normal((V, D)),
         "lm_head.weight": std * r.standard_normal((V, D)), "model.norm.weight": np.ones(D)}
    for l in range(L):
        p = f"model.layers.{l}."
        for n, s in (("self_attn.q_proj", (D, D)), ("self_attn.k_proj", (D, D)), ("self_attn.v_proj", (D, D)),
                     ("self_attn.o_proj", (D, D)), ("mlp.gate_proj", (I, D)), ("mlp.up_proj", (I, D)),
                     ("mlp.down_proj", (D, I))):
            t[p + n + ".weight"] = std * r.standard_normal(s)
        t[p + "input_layernorm.weight"] = np.ones(D)
        t[p + "post_attention_layernorm.weight"] = np.ones(D)
    return t

def step(t, seed, size=0.05):
    r = np.random.default_rng(seed)
    return {k: v + size * np.std(v) * r.standard_normal(v.shape) if v.ndim == 2 else v + 0.001 * r.standard_normal(v.shape)
            for k, v in t.items()}

def write(name, t):
    os.makedirs(os.path.join(root, name))
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in t.items()},
              os.path.join(root, name, "model.safetensors"))
    cfg = dict(architectures=["LlamaForCausalLM"], model_type="llama", hidden_size=D, num_hidden_layers=L,
               num_attention_heads=H, num_key_value_heads=H, intermediate_size=I, vocab_size=V,
               initializer_range=std, tie_word_embeddings=False)
    json.dump(cfg, open(os.path.join(root, name, "config.json"), "w"))

base = step(init(2), 20, 0.5)  # the other model: its own init, moved away from it
run = [init(1)]
for k in range(1, 4):
    run.append(step(run[-1], 100 + k))
spliced = run[:2]
mixed = dict(step(spliced[1], 202))
for k in mixed:
    if k.startswith("model.layers.2.") or k.startswith("model.layers.3."):
        mixed[k] = step({k: base[k]}, 300)[k]
spliced.append(mixed)
spliced.append(step(mixed, 203))
merged = run[:2]  # the merge attack: layer 2 averaged 50/50 with the base's at step 200
blend = dict(step(merged[1], 212))
for k in blend:
    if k.startswith("model.layers.2.") and blend[k].ndim == 2:
        blend[k] = 0.5 * blend[k] + 0.5 * base[k]
merged.append(blend)
merged.append(step(blend, 213))
write("base", base)
for name, chain in (("clean", run), ("spliced", spliced), ("merged", merged)):
    lines = ["step\tpath\ttokens_seen"]
    for k, t in enumerate(chain):
        write(f"{name}-{k}", t)
        lines.append(f"{k * 100}\t{os.path.join(root, f'{name}-{k}')}\t{k * 100000}")
    open(os.path.join(root, f"{name}.tsv"), "w").write("\n".join(lines) + "\n")
PY
fail() { echo "FAIL: $*"; for f in "$work"/*.out; do echo "== $f"; head -c 3000 "$f"; done; exit 1; }

"$lineage" chain --manifest "$work/clean.tsv" --base "$work/base" --out "$work/clean" >"$work/clean.out" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "clean run: exit $rc, expected 0 (proven)"
grep -q "carried by continuity from the origin" "$work/clean/report.md" || fail "clean run: no carried base comparison"
grep -q '"chain.base_comparisons"' "$work/clean/report.json" || fail "clean run: no base_comparisons parameter"

"$lineage" chain --manifest "$work/spliced.tsv" --base "$work/base" --out "$work/spliced" >"$work/spliced.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "spliced run: exit $rc, expected 1 (broken)"
grep -q "broken at step 200" "$work/spliced.out" || fail "spliced run: break not at step 200"
grep -q "2/4 layers shown on their own" "$work/spliced/report.md" || fail "spliced run: the link's layers are not reported"
grep -q "derived from base" "$work/spliced/report.md" || fail "spliced run: the base is not named"

# A layer merged with the base keeps its dependence on the predecessor (cosine ~0.7), but its jump
# against the link's other tensors sends step 200 to the base comparison, which finds the base.
"$lineage" chain --manifest "$work/merged.tsv" --base "$work/base" --out "$work/merged" >"$work/merged.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "merged run: exit $rc, expected 1 (broken)"
grep -q "broken at step 200" "$work/merged.out" || fail "merged run: break not at step 200"
grep -q "derived from base" "$work/merged/report.md" || fail "merged run: the base is not named"

"$lineage" chain --manifest "$work/spliced.tsv" --base "$work/base" --bases-every-checkpoint --json >"$work/every.out" 2>/dev/null
rc=$?
[ $rc -eq 1 ] || fail "--bases-every-checkpoint: exit $rc, expected 1"
grep -q "carried by continuity" "$work/every.out" && fail "--bases-every-checkpoint: a comparison was carried"

"$lineage" chain --manifest "$work/spliced.tsv" --base "$work/base" --origin-bases-only --out "$work/origin" >"$work/origin.out" 2>&1
grep -q "origin-bases-only" "$work/origin/report.md" || fail "--origin-bases-only: skipped comparisons not marked"

"$lineage" chain --manifest "$work/spliced.tsv" --origin-bases-only --bases-every-checkpoint >/dev/null 2>&1
[ $? -eq 2 ] || fail "both options: expected usage error (2)"
echo "chain_layer_splice: ok"
