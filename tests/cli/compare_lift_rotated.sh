#!/usr/bin/env bash
# Blocks lifted into another residual basis under unrelated embeddings (issues #4/#8): B-lift-rot
# is the mini zoo's B with its layer 0 replaced by A's layer 0 moved into a random rotated basis
# (norm gains folded, then 5% weight noise as a stand-in for further training); B-lift-perm the same
# with a signed-permuted basis and shuffled MLP neurons. The embeddings are B's own, so the
# embedding map finds nothing; the hidden map from block weights (probes/weights/block_hidden_map.h)
# must recover the basis, name its source, and make `compare` call both derived from A, while
# A vs B (independent) gets no block map. Models are generated here with numpy (~1 CPU-second).
#   bash tests/cli/compare_lift_rotated.sh <path-to-lineage> <source-dir>
set -u
lineage=$1
src=$2
zoo="$src/tests/data/minizoo"
[ -f "$zoo/A/model.safetensors" ] || { echo "mini zoo not present"; exit 77; }
python3 -c "import numpy, safetensors, torch" 2>/dev/null || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

python3 - "$zoo" "$tmp" <<'PY' || fail "building the lifted variants"
import json, os, shutil, sys
import numpy as np
from safetensors.numpy import save_file
from safetensors.torch import load_file as load_torch

def load_file(path):  # B is stored in bfloat16, which numpy cannot read
    return {k: v.float().numpy() for k, v in load_torch(path).items()}
zoo, out = sys.argv[1], sys.argv[2]
a = load_file(os.path.join(zoo, "A", "model.safetensors"))
b = load_file(os.path.join(zoo, "B", "model.safetensors"))
d = a["model.embed_tokens.weight"].shape[1]
rng = np.random.default_rng(7)

def lifted(name, q, permute_neurons):
    t = {k: v.copy() for k, v in b.items()}
    p = "model.layers.0."
    ga, gm = a[p + "input_layernorm.weight"], a[p + "post_attention_layernorm.weight"]
    for w in ("q_proj", "k_proj", "v_proj"):
        t[p + "self_attn." + w + ".weight"] = (a[p + "self_attn." + w + ".weight"] * ga) @ q.T
    t[p + "self_attn.o_proj.weight"] = q @ a[p + "self_attn.o_proj.weight"]
    for w in ("q_norm", "k_norm"):
        t[p + "self_attn." + w + ".weight"] = a[p + "self_attn." + w + ".weight"].copy()
    gate, up = (a[p + "mlp.gate_proj.weight"] * gm) @ q.T, (a[p + "mlp.up_proj.weight"] * gm) @ q.T
    down = q @ a[p + "mlp.down_proj.weight"]
    if permute_neurons:
        n = rng.permutation(gate.shape[0])
        gate, up, down = gate[n], up[n], down[:, n]
    t[p + "mlp.gate_proj.weight"], t[p + "mlp.up_proj.weight"], t[p + "mlp.down_proj.weight"] = gate, up, down
    t[p + "input_layernorm.weight"] = np.ones(d, np.float32)
    t[p + "post_attention_layernorm.weight"] = np.ones(d, np.float32)
    for k in list(t):
        if k.startswith(p) and t[k].ndim == 2:
            w = t[k]
            t[k] = (w + 0.05 * w.std() * rng.standard_normal(w.shape)).astype(np.float32)
    t = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in t.items()}
    os.makedirs(os.path.join(out, name))
    save_file(t, os.path.join(out, name, "model.safetensors"))
    for f in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        if os.path.exists(os.path.join(zoo, "B", f)):
            shutil.copy(os.path.join(zoo, "B", f), os.path.join(out, name, f))

rot = np.linalg.qr(rng.standard_normal((d, d)))[0].astype(np.float32)
perm = np.zeros((d, d), np.float32)
perm[np.arange(d), rng.permutation(d)] = rng.choice([-1.0, 1.0], d)
lifted("B-lift-rot", rot, False)
lifted("B-lift-perm", perm, True)
PY

check() {  # A, B, expected exit code, expected verdict, expected map kind, expect a block map (1/0)
    "$lineage" compare "$1" "$2" --json >"$tmp/out.json"
    local rc=$?
    [ $rc -eq "$3" ] || fail "$(basename "$1") vs $(basename "$2"): exit $rc, expected $3"
    python3 - "$tmp/out.json" "$4" "$5" "$6" <<'PY' || fail "$(basename "$1") vs $(basename "$2") JSON"
import json, sys
d = json.load(open(sys.argv[1]))
h = d["hidden_map"]
if sys.argv[2] == "not-derived":
    assert d["verdict"] != "derived", d["verdict"]
else:
    assert d["verdict"] == sys.argv[2], d["verdict"]
assert sys.argv[3] == "any" or h["kind"] == sys.argv[3], h
block = "block weights of layer" in h.get("source", "")
assert block == (sys.argv[4] == "1"), h
PY
}
check "$zoo/A" "$tmp/B-lift-rot" 1 derived rotation 1
check "$zoo/A" "$tmp/B-lift-perm" 1 derived signed_permutation 1
"$lineage" compare "$zoo/A" "$zoo/B" --json >"$tmp/ab.json"
python3 - "$tmp/ab.json" <<'PY' || fail "A vs B JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] != "derived", d["verdict"]
assert "block weights" not in d["hidden_map"].get("source", ""), d["hidden_map"]
PY
echo "ok"
