"""The zoo's contents as data: corpora caps, tokenizers, and one recipe per model.

A recipe is a dict with an `id`, a `kind` (what build_zoo does), its inputs (parents, data,
seeds, steps) and `edges`: the TRUE lineage of the model, one entry per parent:
  {"parent": id, "type": "derived" | "distilled", "components": [...] | "all", "layer_map": [...]}
`layer_map[j]` is the parent layer that the model's layer j descends from (None: not derived).
Nothing in build_zoo decides a relation; zoo.json's pair table is computed from these edges.
"""

FULL_SHAPE = dict(arch="qwen3", vocab=4096, hidden=128, layers=4, heads=4, inter=512)
MINI_SHAPE = dict(arch="qwen3", vocab=512, hidden=64, layers=2, heads=4, inter=192)

ALL = "all"


def _pretrain(id_, shape, tokenizer, data, seed, data_seed, steps, lr, dtype, checkpoints=(),
              note=""):
    return dict(id=id_, kind="pretrain", role="base", shape=shape, tokenizer=tokenizer,
                data=data, seed=seed, data_seed=data_seed, steps=steps, lr=lr, dtype=dtype,
                checkpoints=list(checkpoints), edges=[], note=note)


def _finetune(id_, parent, data, seed, data_seed, steps, lr, dtype, note="", **extra):
    r = dict(id=id_, kind="finetune", role="derived", parent=parent, data=data, seed=seed,
             data_seed=data_seed, steps=steps, lr=lr, dtype=dtype, note=note,
             edges=[dict(parent=parent, type="derived", components=ALL)])
    r.update(extra)
    return r


def _edit(id_, parent, edit, dtype, note="", heal_steps=0, **params):
    r = dict(id=id_, kind="edit", role="derived", parent=parent, edit=edit, params=params,
             dtype=dtype, heal_steps=heal_steps, note=note,
             edges=[dict(parent=parent, type="derived", components=ALL)])
    return r


def full(smoke=False):
    """smoke=True: the same recipes with 1/25 of the steps and small corpora (a code check)."""
    s = FULL_SHAPE
    seq, batch = 128, 12
    base_steps = 500
    quarter = [0, base_steps // 4, base_steps // 2]
    settings = dict(name="smoke" if smoke else "full", seq_len=seq, batch=batch, threads=1,
                    caps=dict(en_docs=2_500_000, en_man=1_500_000, ko=3_000_000, sft=1_000_000))
    tokenizers = [
        dict(id="T1", vocab=4096, corpora=["en_docs", "ko"],
             note="shared byte-level BPE: English docs + Korean"),
        dict(id="T2", vocab=6144, corpora=["en_man", "ko"],
             note="C's own byte-level BPE: man pages + Korean, other size"),
    ]
    c_shape = dict(s, arch="llama", vocab=6144)
    d_shape = dict(s, hidden=192, inter=768)
    models = [
        _pretrain("A", s, "T1", "en_docs", 1, 101, base_steps, 3e-3, "float32", quarter,
                  "base A"),
        _pretrain("B", s, "T1", "en_docs", 2, 102, base_steps, 3e-3, "bfloat16", quarter,
                  "hardest negative: A's architecture, tokenizer and data; other seed and order"),
        _pretrain("C", c_shape, "T2", "en_docs", 3, 103, base_steps, 3e-3, "float32", quarter,
                  "Llama class with its own tokenizer"),
        _pretrain("D", d_shape, "T1", "en_docs", 4, 104, 250, 2.5e-3, "bfloat16", (),
                  "wider (hidden 192), shared tokenizer"),
        _finetune("A-sft", "A", "sft", 11, 111, 150, 1e-3, "bfloat16",
                  "supervised fine-tune on chat-formatted man-page Q&A"),
        _finetune("A-ft-man", "A", "en_man", 12, 112, 150, 1e-3, "float32",
                  "fine-tune on man pages (second fine-tune, for the merge)"),
        _finetune("A-cpt-ko", "A", "ko", 13, 113, base_steps, 2e-3, "bfloat16",
                  "continued pretraining on Korean for as many tokens as A saw"),
        dict(id="A-lora", kind="lora", role="derived", parent="A", data="sft", seed=14,
             data_seed=114, steps=150, lr=3e-3, rank=8, alpha=16, dtype="float32",
             note="LoRA r=8 on every linear layer, trained then merged",
             edges=[dict(parent="A", type="derived", components=ALL)]),
        _edit("A-perm", "A", "permute", "float32",
              "MLP neurons and heads permuted per layer, residual stream signed-permuted",
              seed=15),
        _edit("A-rot", "A", "rotate", "float32",
              "norms folded, residual stream rotated by a random orthogonal matrix", seed=16),
        _edit("A-drop", "A", "drop_layers", "float32",
              "layer 2 dropped, then 60 healing steps", heal_steps=60, keep=[0, 1, 3]),
        _edit("A-dus", "A", "duplicate_layers", "float32",
              "depth up-scaling 4 -> 6 layers (0,1,2,1,2,3), then 120 steps", heal_steps=120,
              layer_map=[0, 1, 2, 1, 2, 3]),
        _edit("A-vocab", "A", "extend_vocab", "float32",
              "256 Korean words appended to T1 (ids 4096..), rows initialised from their old "
              "pieces, 150 steps on Korean", heal_steps=150, new_tokens=256),
        _edit("A-moe", "A", "upcycle_moe", "bfloat16",
              "dense MLP upcycled to 4 experts (top-2, Qwen3-MoE), noise 1%, 100 steps",
              heal_steps=100, experts=4, top_k=2, noise=0.01, seed=17),
        dict(id="A-merge", kind="merge", role="derived", parents=["A-sft", "A-ft-man"],
             dtype="float32", note="uniform weight average of two fine-tunes of A",
             edges=[dict(parent="A-sft", type="derived", components=ALL),
                    dict(parent="A-ft-man", type="derived", components=ALL)]),
        _edit("A-fp8", "A", "fp8", "bfloat16", "float8_e4m3 per-tensor round trip"),
        _edit("A-int8", "A", "int8", "float32", "int8 per-row round trip"),
        _edit("A-noise", "A", "noise", "float32",
              "Gaussian noise with std = 1.0 x each matrix's std added", relative_std=1.0, seed=18),
        _edit("A-reinit", "A", "reinit_layers", "float32",
              "layers 2-3 re-initialised, then the whole model trained 150 steps",
              heal_steps=150, layers=[2, 3], seed=19),
        dict(id="A-student", kind="distill", role="distilled", teacher="A", shape=s,
             tokenizer="T1", data="en_docs", seed=21, data_seed=121, steps=250, lr=3e-3,
             dtype="bfloat16", note="fresh weights distilled from A's logits (KL)",
             edges=[dict(parent="A", type="distilled", components=[])]),
        dict(id="BA-lift", kind="lift", role="derived", parent="B", donor="A", layers=[0, 1],
             data="en_docs", seed=22, data_seed=122, steps=150, lr=1e-3, dtype="float32",
             note="B with its layers 0-1 replaced by A's (a lifted block stack), then 150 steps",
             edges=[dict(parent="B", type="derived",
                         components=["embed_tokens", "layers.2", "layers.3", "norm", "lm_head"],
                         layer_map=[None, None, 2, 3]),
                    dict(parent="A", type="derived", components=["layers.0", "layers.1"],
                         layer_map=[0, 1, None, None])]),
        dict(id="E", kind="finetune", role="chain", parent="B", data="en_man", seed=23,
             data_seed=123, steps=200, lr=2e-3, dtype="float32", checkpoints=[50, 100],
             note="a run presented as 'from scratch' whose first checkpoint (step 50) is a "
                  "fine-tune of B",
             edges=[dict(parent="B", type="derived", components=ALL)]),
    ]
    for m in models:
        if m["id"] == "A-reinit":
            m["edges"][0].update(components=["embed_tokens", "layers.0", "layers.1", "norm",
                                             "lm_head"], layer_map=[0, 1, None, None])
        if m["id"] == "A-drop":
            m["edges"][0]["layer_map"] = [0, 1, 3]
        if m["id"] == "A-dus":
            m["edges"][0]["layer_map"] = [0, 1, 2, 1, 2, 3]
        if m["id"] == "A-moe":
            m["edges"][0]["components"] = ["embed_tokens", "attention", "mlp->experts", "norms",
                                           "lm_head"]
        if m["id"] == "A-vocab":
            m["edges"][0]["components"] = ["all (embed_tokens/lm_head rows 0..4095)"]
    chains = [
        dict(id="chain-A", truth="proven", steps=[0, 125, 250, 500],
             models=["A@0", "A@125", "A@250", "A"]),
        dict(id="chain-B", truth="proven", steps=[0, 125, 250, 500],
             models=["B@0", "B@125", "B@250", "B"]),
        dict(id="chain-C", truth="proven", steps=[0, 125, 250, 500],
             models=["C@0", "C@125", "C@250", "C"]),
        dict(id="chain-A-spliced", truth="broken", broken_at=250, steps=[0, 125, 250, 500],
             models=["A@0", "A@125", "B@250", "A"],
             note="A's run with B's step-250 checkpoint spliced in"),
        dict(id="chain-E-not-from-scratch", truth="origin-not-independent", steps=[50, 100, 200],
             models=["E@50", "E@100", "E"], origin_parent="B",
             note="claims to start from scratch, but its first checkpoint is B fine-tuned 50 steps"),
    ]
    if smoke:
        for m in models:
            for key in ("steps", "heal_steps"):
                if m.get(key):
                    m[key] = max(4, m[key] // 25)
            if m.get("checkpoints"):
                m["checkpoints"] = [c // 25 for c in m["checkpoints"]]
        for c in chains:
            c["models"] = [x if "@" not in x else
                           x.split("@")[0] + "@" + str(int(x.split("@")[1]) // 25)
                           for x in c["models"]]
    return settings, tokenizers, models, chains


def mini():
    s = MINI_SHAPE
    steps = 500
    settings = dict(name="mini", seq_len=64, batch=8, threads=1,
                    caps=dict(en_docs=300_000, en_man=150_000, ko=120_000, sft=100_000))
    tokenizers = [dict(id="T1", vocab=512, corpora=["en_docs"], note="shared byte-level BPE"),
                  dict(id="T2", vocab=640, corpora=["en_man"], note="C's own byte-level BPE")]
    models = [
        _pretrain("A", s, "T1", "en_docs", 1, 101, steps, 5e-3, "float32", (), "base A"),
        _pretrain("B", s, "T1", "en_docs", 2, 102, steps, 5e-3, "bfloat16", [0, 250],
                  "A's architecture, tokenizer and data; other seed and order"),
        _pretrain("C", dict(s, arch="llama", vocab=640), "T2", "en_docs", 3, 103, steps, 5e-3,
                  "bfloat16", (), "Llama class with its own tokenizer"),
        _finetune("A-sft", "A", "sft", 11, 111, 150, 2e-3, "bfloat16", "chat-format fine-tune"),
        _edit("A-permrot", "A", "permute_rotate", "bfloat16",
              "neurons/heads permuted, norms folded, residual rotated", seed=15),
        dict(id="A-student", kind="distill", role="distilled", teacher="A", shape=s,
             tokenizer="T1", data="en_docs", seed=21, data_seed=121, steps=steps, lr=5e-3,
             dtype="bfloat16", note="fresh weights distilled from A's logits (KL)",
             edges=[dict(parent="A", type="distilled", components=[])]),
        _finetune("E", "A", "en_docs", 23, 123, 100, 2e-3, "bfloat16",
                  "a run presented as 'from scratch' whose first checkpoint (step 50) is a "
                  "fine-tune of A", role="chain", checkpoints=[50]),
    ]
    # Chains for `lineage chain` in CI (bf16 checkpoints only, 1.5 MB): B's run proven, B's run
    # with A in place of its step-250 checkpoint, and E's run presented as from scratch.
    chains = [
        dict(id="chain-B", truth="proven", steps=[0, 250, 500], models=["B@0", "B@250", "B"]),
        dict(id="chain-B-spliced", truth="broken", broken_at=250, steps=[0, 250, 500],
             models=["B@0", "A", "B"], note="B's run with A in place of its step-250 checkpoint"),
        dict(id="chain-E-not-from-scratch", truth="origin-not-independent", steps=[50, 100],
             models=["E@50", "E"], origin_parent="A",
             note="claims to start from scratch, but its first checkpoint is A fine-tuned 50 steps"),
    ]
    return settings, tokenizers, models, chains
