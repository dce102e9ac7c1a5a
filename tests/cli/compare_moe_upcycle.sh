#!/usr/bin/env bash
# `lineage compare` on sparse upcycling, end to end: the mini zoo's dense model A is upcycled into a
# 4-expert Qwen3-MoE (every expert a 1%-noised copy of A's MLP, fused 3-D experts, fresh router) by
# the zoo's own transform (tools/zoo/transforms.upcycle_moe, as the full zoo's A-moe); compare must
# call it derived and find, expert by expert, that every expert of every layer descends from A's
# dense MLP. B upcycled the same way is not upcycled from A. `inspect` and `run` read the MoE model.
#   bash tests/cli/compare_moe_upcycle.sh <path-to-lineage> <source-dir>
set -u
lineage=$1
src=$2
zoo="$src/tests/data/minizoo"
[ -f "$zoo/A/model.safetensors" ] || { echo "mini zoo not present"; exit 77; }
python3 -c "import torch, transformers, safetensors" 2>/dev/null || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

python3 - "$src" "$zoo" "$tmp" <<'PY' || fail "building the upcycled models"
import json, os, shutil, sys
sys.path.insert(0, os.path.join(sys.argv[1], "tools", "zoo"))
from safetensors.torch import load_file
import hf_models, transforms
zoo, tmp = sys.argv[2], sys.argv[3]
for name in ("A", "B"):
    cfg = json.load(open(os.path.join(zoo, name, "config.json")))
    shape = dict(arch="qwen3", vocab=cfg["vocab_size"], hidden=cfg["hidden_size"], layers=cfg["num_hidden_layers"],
                 heads=cfg["num_attention_heads"], inter=cfg["intermediate_size"])
    state = {k: v.float() for k, v in load_file(os.path.join(zoo, name, "model.safetensors")).items()}
    moe_state, moe_shape = transforms.upcycle_moe(state, shape, 4, 2, 0.01, 17)
    out = os.path.join(tmp, name + "-moe")
    hf_models.from_state(moe_shape, moe_state).save_pretrained(out, safe_serialization=True)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        if os.path.exists(os.path.join(zoo, name, f)):
            shutil.copy(os.path.join(zoo, name, f), out)
PY

"$lineage" inspect "$tmp/A-moe" >"$tmp/inspect.txt" || fail "inspect A-moe: exit $?"
grep -q "Qwen3MoeForCausalLM" "$tmp/inspect.txt" || fail "inspect does not name the MoE class"

"$lineage" compare "$zoo/A" "$tmp/A-moe" --json >"$tmp/derived.json"
rc=$?
[ $rc -eq 1 ] || fail "A vs A-moe: exit $rc, expected 1 (derived)"
python3 - "$tmp/derived.json" <<'PY' || fail "A vs A-moe JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "derived", d["verdict"]
layers = d["expert_layers"]
assert len(layers) == 2, layers
for e in layers:
    assert e["kind"] == "dense_vs_experts" and e["upcycled"] and e["descended"] == 4, e
PY

"$lineage" compare "$zoo/A" "$tmp/B-moe" --json >"$tmp/indep.json"
python3 - "$tmp/indep.json" <<'PY' || fail "A vs B-moe JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] != "derived", d["verdict"]
for e in d["expert_layers"]:
    assert not e["upcycled"] and e["descended"] == 0, e
PY
echo "ok"
