#!/bin/bash
# End-to-end `lineage compare` on tiny synthetic safetensors checkpoints written by numpy here:
# A vs A with permuted MLP neurons and a little noise must be "derived" (exit 1, JSON verdict),
# A vs an independently initialised model must not be (exit 0 or 6), and a missing path exits 3.
# Usage: compare_synthetic.sh <lineage> <source-dir>. Skips (77) without numpy/safetensors.
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
V, D, L, I, H = 128, 32, 3, 64, 4

def model(seed):
    r = np.random.default_rng(seed)
    t = {"model.embed_tokens.weight": r.standard_normal((V, D)), "lm_head.weight": r.standard_normal((V, D)),
         "model.norm.weight": 1 + 0.1 * r.standard_normal(D)}
    for l in range(L):
        p = f"model.layers.{l}."
        for n, s in (("self_attn.q_proj", (D, D)), ("self_attn.k_proj", (D, D)), ("self_attn.v_proj", (D, D)),
                     ("self_attn.o_proj", (D, D)), ("mlp.gate_proj", (I, D)), ("mlp.up_proj", (I, D)),
                     ("mlp.down_proj", (D, I))):
            t[p + n + ".weight"] = r.standard_normal(s)
        t[p + "input_layernorm.weight"] = 1 + 0.1 * r.standard_normal(D)
        t[p + "post_attention_layernorm.weight"] = 1 + 0.1 * r.standard_normal(D)
    return t

def write(name, t):
    os.makedirs(os.path.join(root, name))
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in t.items()},
              os.path.join(root, name, "model.safetensors"))
    cfg = dict(architectures=["LlamaForCausalLM"], model_type="llama", hidden_size=D, num_hidden_layers=L,
               num_attention_heads=H, num_key_value_heads=H, intermediate_size=I, vocab_size=V)
    json.dump(cfg, open(os.path.join(root, name, "config.json"), "w"))

a = model(1)
b = {k: v.copy() for k, v in a.items()}
r = np.random.default_rng(7)
for l in range(L):
    p = r.permutation(I)
    for n in ("gate_proj", "up_proj"):
        b[f"model.layers.{l}.mlp.{n}.weight"] = b[f"model.layers.{l}.mlp.{n}.weight"][p]
    b[f"model.layers.{l}.mlp.down_proj.weight"] = b[f"model.layers.{l}.mlp.down_proj.weight"][:, p]
for k in b:
    if b[k].ndim == 2:
        b[k] = b[k] + 0.3 * r.standard_normal(b[k].shape)
write("A", a)
write("A-derived", b)
write("other", model(2))
PY
fail=0
"$lineage" compare "$work/A" "$work/A-derived" --json > "$work/d.json"
rc=$?
if [ $rc -ne 1 ] || ! grep -q '"verdict": "derived"' "$work/d.json"; then
  echo "derived pair: exit $rc (expected 1)"; head -5 "$work/d.json"; fail=1
fi
grep -q '"p_value"' "$work/d.json" || { echo "no p_value in JSON"; fail=1; }
"$lineage" compare "$work/A" "$work/other" > "$work/i.txt"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 6 ]; then echo "independent pair: exit $rc (expected 0 or 6)"; head -5 "$work/i.txt"; fail=1; fi
"$lineage" compare "$work/A" "$work/missing" > /dev/null 2>&1
rc=$?
[ $rc -eq 3 ] || { echo "missing checkpoint: exit $rc (expected 3)"; fail=1; }
exit $fail
