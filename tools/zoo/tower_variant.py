#!/usr/bin/env python3
"""The zoo's lifted-vision-tower variant, built on its own (the rest of the zoo is left alone).

A small vision-like encoder (Qwen2.5-VL's layout under the "visual." prefix: patch_embed.proj as a
Conv3d [width, 3, 2, p, p], blocks.{i}.norm1/attn.qkv/attn.proj/norm2/mlp.gate_proj/up_proj/
down_proj with biases and 2-D rotary attention, merger.ln_q/mlp.0/mlp.2 into the language model's
width) is stored beside a zoo language model (its tensors copied unchanged; config.json keeps the
language model's class and gains a vision_config). The encoder is trained on synthetic images
(oriented gratings and blobs, 16x16 RGB, two identical frames): half of each image's patches are
hidden and predicted from the merger's output (masked patch prediction, MSE).

  VA            A's language model + encoder E_A trained from scratch (seed 31), merger with it
  VB-tower      B's language model + E_A copied from VA, a new merger, then both fine-tuned on
                another image distribution (the lift: language model independent of VA's,
                vision tower derived from VA's, projector independent)
  VB-towerperm  as VB-tower, but E_A's width, attention heads and MLP neurons are permuted
                (function-preserving) before the fine-tune
  VB-indep      B's language model + an encoder trained from scratch with another seed (32) on
                VA's recipe: the independent counterpart (every component independent of VA's)
  VB-towerrot   as VB-tower, but E_A's width is rotated by a Haar-random orthogonal matrix
                (function-preserving: RMSNorm gains folded into the next linears first, since a
                rotation commutes with RMSNorm only without per-channel gains) before the fine-tune
  VB-projperm   B's language model + E_A and VA's merger both copied, the merger's intermediate
                neurons (mlp.0 rows, mlp.2 columns) permuted (function-preserving), then fine-tuned:
                vision tower and projector derived from VA's

--variants builds a subset; the last two load E_A and VA's merger from <out>/VA (built earlier),
so adding them leaves the first four models untouched.

zoo.json: the four models' entries (recipe, edges with components, digests) and the true relation
of every pair involving them (tools/zoo/truth.py), each with `component_truth`
({"language_model", "vision", "projector"}: derived | independent | absent) where both models
carry a tower; entries from an earlier run of this script are replaced. Rerun this script after
build_zoo.py rewrites zoo.json.

  python3 tools/zoo/tower_variant.py                 # -> zoo-cache/zoo (A and B must be built)
  python3 tools/zoo/tower_variant.py --mini --out DIR   # tiny encoder on tests/data/minizoo A, B
                                                        # (seconds; used by tests/cli/compare_tower_lift.sh)
"""
import argparse
import json
import math
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
REPO = os.path.dirname(os.path.dirname(HERE))

import torch  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402

import truth  # noqa: E402
from build_zoo import sha256_file  # noqa: E402  (the zoo's one file digest)

IMG, PATCH, FRAMES, CH, MERGE = 16, 4, 2, 3, 2
SHAPES = {
    "full": dict(width=64, blocks=4, heads=4, inter=128, pretrain_steps=600, finetune_steps=300, batch=32),
    "mini": dict(width=32, blocks=2, heads=2, inter=64, pretrain_steps=200, finetune_steps=100, batch=16),
}
LR_PRETRAIN, LR_FINETUNE = 2e-3, 3e-4
TOWER_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")
BUILD_RECORD = "tower_variant.json"  # per model folder: final loss, seconds, threads


# ---- synthetic images ------------------------------------------------------------------------
def images(n, gen, style):
    """n images [n, 3, 16, 16] in [-1, 1]: a sum of oriented gratings and Gaussian blobs. Style
    "a" (pretraining) and "b" (fine-tuning) differ in frequencies, blob sizes and palette."""
    lo, hi, blob = (0.5, 2.0, 2.5) if style == "a" else (1.5, 3.5, 1.5)
    yy, xx = torch.meshgrid(torch.arange(IMG, dtype=torch.float32), torch.arange(IMG, dtype=torch.float32),
                            indexing="ij")
    out = torch.zeros(n, CH, IMG, IMG)
    for _ in range(2):
        theta = torch.rand(n, generator=gen) * math.pi
        freq = lo + (hi - lo) * torch.rand(n, generator=gen)
        phase = torch.rand(n, generator=gen) * 2 * math.pi
        wave = torch.sin(freq[:, None, None] * 2 * math.pi / IMG *
                         (xx * torch.cos(theta)[:, None, None] + yy * torch.sin(theta)[:, None, None]) +
                         phase[:, None, None])
        colour = torch.rand(n, CH, generator=gen) * 2 - 1
        out += colour[:, :, None, None] * wave[:, None]
    cx, cy = torch.rand(n, generator=gen) * IMG, torch.rand(n, generator=gen) * IMG
    g = torch.exp(-((xx - cx[:, None, None]) ** 2 + (yy - cy[:, None, None]) ** 2) / (2 * blob ** 2))
    out += (torch.rand(n, CH, generator=gen) * 2 - 1)[:, :, None, None] * g[:, None]
    return out.clamp(-1.5, 1.5) / 1.5


def patches(img):
    """[n, 3, 16, 16] -> [n, 16 patches, 3*2*4*4] in Qwen2.5-VL's (channel, frame, y, x) order,
    patches ordered so that each 2x2 merge group is contiguous."""
    n = img.shape[0]
    g = IMG // PATCH
    x = img[:, :, None].expand(n, CH, FRAMES, IMG, IMG)
    x = x.reshape(n, CH, FRAMES, g // MERGE, MERGE, PATCH, g // MERGE, MERGE, PATCH)
    x = x.permute(0, 3, 6, 4, 7, 1, 2, 5, 8)  # gy, gx, my, mx, c, t, py, px
    return x.reshape(n, g * g, CH * FRAMES * PATCH * PATCH)


def grid_positions():
    g = IMG // PATCH
    pos = []
    for gy in range(g // MERGE):
        for gx in range(g // MERGE):
            for my in range(MERGE):
                for mx in range(MERGE):
                    pos.append((gy * MERGE + my, gx * MERGE + mx))
    return torch.tensor(pos, dtype=torch.float32)


# ---- the encoder -----------------------------------------------------------------------------
class RMSNorm(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(n))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.weight


class Block(torch.nn.Module):
    def __init__(self, s):
        super().__init__()
        w = s["width"]
        self.heads = s["heads"]
        self.norm1, self.norm2 = RMSNorm(w), RMSNorm(w)
        self.attn = torch.nn.Module()
        self.attn.qkv = torch.nn.Linear(w, 3 * w)
        self.attn.proj = torch.nn.Linear(w, w)
        self.mlp = torch.nn.Module()
        self.mlp.gate_proj = torch.nn.Linear(w, s["inter"])
        self.mlp.up_proj = torch.nn.Linear(w, s["inter"])
        self.mlp.down_proj = torch.nn.Linear(s["inter"], w)

    def forward(self, x, cos, sin):
        n, t, w = x.shape
        hd = w // self.heads
        q, k, v = self.attn.qkv(self.norm1(x)).reshape(n, t, 3, self.heads, hd).permute(2, 0, 3, 1, 4)

        def rope(z):
            a, b = z[..., : hd // 2], z[..., hd // 2:]
            return torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)

        q, k = rope(q), rope(k)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), dim=-1) @ v
        x = x + self.attn.proj(a.transpose(1, 2).reshape(n, t, w))
        h = self.norm2(x)
        return x + self.mlp.down_proj(torch.nn.functional.silu(self.mlp.gate_proj(h)) * self.mlp.up_proj(h))


class Encoder(torch.nn.Module):
    """Qwen2.5-VL-style vision tower + merger; state_dict names are the checkpoint's below "visual."."""

    def __init__(self, s, lm_hidden):
        super().__init__()
        w = s["width"]
        self.s = s
        self.patch_embed = torch.nn.Module()
        self.patch_embed.proj = torch.nn.Conv3d(CH, w, kernel_size=(FRAMES, PATCH, PATCH),
                                                stride=(FRAMES, PATCH, PATCH), bias=False)
        self.blocks = torch.nn.ModuleList([Block(s) for _ in range(s["blocks"])])
        self.merger = torch.nn.Module()
        self.merger.ln_q = RMSNorm(w)
        self.merger.mlp = torch.nn.Sequential(torch.nn.Linear(4 * w, 4 * w), torch.nn.GELU(),
                                              torch.nn.Linear(4 * w, lm_hidden))
        hd = w // s["heads"]
        pos = grid_positions()  # [16, 2] (row, col): half the rotary dims each
        inv = 1.0 / (10000 ** (torch.arange(0, hd // 2, 2, dtype=torch.float32) / (hd // 2)))
        ang = torch.cat([pos[:, :1] * inv, pos[:, 1:] * inv], dim=-1)  # [16, hd/2]
        self.register_buffer("cos", ang.cos(), persistent=False)
        self.register_buffer("sin", ang.sin(), persistent=False)

    def forward(self, p):  # p: [n, 16, 96]
        w = self.s["width"]
        x = p @ self.patch_embed.proj.weight.reshape(w, -1).t()
        for b in self.blocks:
            x = b(x, self.cos, self.sin)
        x = self.merger.ln_q(x).reshape(x.shape[0], -1, 4 * w)  # 2x2 groups
        return self.merger.mlp(x)  # [n, 4, lm_hidden]


def train(enc, head, steps, lr, style, data_seed, batch, params):
    gen = torch.Generator().manual_seed(data_seed)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    loss_v = None
    for _ in range(steps):
        p = patches(images(batch, gen, style))
        mask = torch.rand(p.shape[0], p.shape[1], generator=gen) < 0.5
        out = head(enc(p * (~mask)[..., None]))  # [n, 4 groups, 4 * 96]
        target = p.reshape(p.shape[0], -1, 4 * p.shape[-1])
        m = mask.reshape(p.shape[0], -1, 4)[..., None].expand(-1, -1, -1, p.shape[-1]).reshape(target.shape)
        loss = ((out - target) ** 2 * m).sum() / m.sum().clamp(min=1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_v = loss.item()
    return loss_v


def rotate_encoder(enc, seed):
    """Function-preserving: x -> Q x on the tower's residual width for a Haar-random orthogonal Q
    (transforms.random_orthogonal, as the language model's A-rot). RMSNorm gains are folded into
    the linears that read the normed stream (qkv, gate/up, the merger's mlp.0 groups) and set to 1,
    because only a gain-free RMSNorm commutes with Q. Writers (patch embedding rows, attn.proj and
    down_proj rows and biases) become Q W; readers W Q'."""
    from transforms import random_orthogonal
    s = enc.s
    w = s["width"]
    q = random_orthogonal(w, seed)  # [w, w]
    with torch.no_grad():
        pe = enc.patch_embed.proj.weight
        pe.copy_((q @ pe.reshape(w, -1)).reshape(pe.shape))
        for b in enc.blocks:
            for norm, readers in ((b.norm1, (b.attn.qkv,)), (b.norm2, (b.mlp.gate_proj, b.mlp.up_proj))):
                for lin in readers:
                    lin.weight.copy_(lin.weight * norm.weight[None, :] @ q.t())
                norm.weight.fill_(1.0)
            for lin in (b.attn.proj, b.mlp.down_proj):
                lin.weight.copy_(q @ lin.weight)
                lin.bias.copy_(q @ lin.bias)
        m0 = enc.merger.mlp[0]
        g = enc.merger.ln_q.weight.clone()
        for grp in range(4):
            cols = slice(grp * w, (grp + 1) * w)
            m0.weight[:, cols] = m0.weight[:, cols] * g[None, :] @ q.t()
        enc.merger.ln_q.weight.fill_(1.0)


def permute_projector(enc, seed):
    """Function-preserving: the merger's intermediate neurons (mlp.0 rows and bias, mlp.2 columns)
    permuted; GELU acts element-wise, so the output is unchanged."""
    g = torch.Generator().manual_seed(seed)
    m0, m2 = enc.merger.mlp[0], enc.merger.mlp[2]
    pn = torch.randperm(m0.weight.shape[0], generator=g)
    with torch.no_grad():
        m0.weight.copy_(m0.weight[pn])
        m0.bias.copy_(m0.bias[pn])
        m2.weight.copy_(m2.weight[:, pn])


def permute_encoder(enc, seed):
    """Function-preserving: a signed permutation of the width, a permutation of the heads and of
    every block's MLP neurons (merger ln_q and mlp.0's four column groups follow the width)."""
    s = enc.s
    w, heads, hd = s["width"], s["heads"], s["width"] // s["heads"]
    g = torch.Generator().manual_seed(seed)
    pw = torch.randperm(w, generator=g)
    sign = torch.where(torch.rand(w, generator=g) < 0.5, -1.0, 1.0)
    with torch.no_grad():
        pe = enc.patch_embed.proj.weight
        pe.copy_(pe[pw] * sign[:, None, None, None, None])
        for b in enc.blocks:
            ph = torch.randperm(heads, generator=g)
            rows = torch.cat([(part * w + h * hd + torch.arange(hd)) for part in range(3) for h in ph.tolist()])
            rows1 = torch.cat([h * hd + torch.arange(hd) for h in ph.tolist()])
            b.attn.qkv.weight.copy_(b.attn.qkv.weight[rows][:, pw] * sign[None, :])
            b.attn.qkv.bias.copy_(b.attn.qkv.bias[rows])
            b.attn.proj.weight.copy_(b.attn.proj.weight[pw][:, rows1] * sign[:, None])
            b.attn.proj.bias.copy_(b.attn.proj.bias[pw] * sign)
            pn = torch.randperm(s["inter"], generator=g)
            for lin in (b.mlp.gate_proj, b.mlp.up_proj):
                lin.weight.copy_(lin.weight[pn][:, pw] * sign[None, :])
                lin.bias.copy_(lin.bias[pn])
            b.mlp.down_proj.weight.copy_(b.mlp.down_proj.weight[pw][:, pn] * sign[:, None])
            b.mlp.down_proj.bias.copy_(b.mlp.down_proj.bias[pw] * sign)
            b.norm1.weight.copy_(b.norm1.weight[pw])
            b.norm2.weight.copy_(b.norm2.weight[pw])
        enc.merger.ln_q.weight.copy_(enc.merger.ln_q.weight[pw])
        cols = torch.cat([grp * w + pw for grp in range(4)])
        sign4 = sign.repeat(4)
        m0 = enc.merger.mlp[0]
        m0.weight.copy_(m0.weight[:, cols] * sign4[None, :])


# ---- checkpoints ---------------------------------------------------------------------------------


def save_vlm(lm_folder, enc, folder, note):
    """The language model's files and tensors unchanged, the encoder's under "visual."."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for f in TOWER_FILES[2:]:
        if os.path.exists(os.path.join(lm_folder, f)):
            shutil.copy(os.path.join(lm_folder, f), os.path.join(folder, f))
    tensors = load_file(os.path.join(lm_folder, "model.safetensors"))
    for k, v in enc.state_dict().items():
        tensors["visual." + k] = v.detach().float().contiguous().clone()
    save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(lm_folder, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    s = enc.s
    config["vision_config"] = {
        "model_type": "qwen2_5_vl", "depth": s["blocks"], "hidden_size": s["width"], "num_heads": s["heads"],
        "intermediate_size": s["inter"], "patch_size": PATCH, "temporal_patch_size": FRAMES, "in_channels": CH,
        "spatial_merge_size": MERGE, "out_hidden_size": config["hidden_size"], "hidden_act": "silu",
        "_lineage_zoo_note": note}
    with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def lm_components(layers):
    return ["embed_tokens"] + [f"layers.{i}" for i in range(layers)] + ["norm", "lm_head"]


def build(args):
    s = SHAPES["mini" if args.mini else "full"]
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    with open(os.path.join(args.lm_a, "config.json"), encoding="utf-8") as f:
        lm_cfg = json.load(f)
    lm_hidden, layers = lm_cfg["hidden_size"], lm_cfg["num_hidden_layers"]
    times, losses = {}, {}

    def record(mid):  # what --index-only needs later: the run's figures, beside the model
        with open(os.path.join(args.out, mid, BUILD_RECORD), "w", encoding="utf-8") as f:
            json.dump(dict(final_loss=round(losses[mid], 5), seconds=times[mid], threads=args.threads,
                           torch=torch.__version__), f, indent=1)
            f.write("\n")

    def fresh(seed):
        torch.manual_seed(seed)
        enc = Encoder(s, lm_hidden)
        head = torch.nn.Linear(lm_hidden, 4 * CH * FRAMES * PATCH * PATCH)
        return enc, head

    wanted = set(args.variants)
    if "VA" in wanted:
        t = time.time()
        enc_a, head_a = fresh(31)
        losses["VA"] = train(enc_a, head_a, s["pretrain_steps"], LR_PRETRAIN, "a", 131, s["batch"],
                             list(enc_a.parameters()) + list(head_a.parameters()))
        times["VA"] = round(time.time() - t, 1)
        save_vlm(args.lm_a, enc_a, os.path.join(args.out, "VA"), "encoder E_A trained from scratch (seed 31)")
        record("VA")
    else:  # VA built earlier: its encoder and merger from the checkpoint
        enc_a = Encoder(s, lm_hidden)
        stored = load_file(os.path.join(args.out, "VA", "model.safetensors"))
        enc_a.load_state_dict({k[len("visual."):]: v for k, v in stored.items() if k.startswith("visual.")})

    # (id, transform applied to the copy, merger seed or None to keep VA's merger, note)
    lifts = (("VB-tower", None, 41, "VA's encoder with a new merger, fine-tuned on other images"),
             ("VB-towerperm", lambda e: permute_encoder(e, 77), 42,
              "VA's encoder permuted (width, heads, MLP neurons) with a new merger, fine-tuned on other images"),
             ("VB-towerrot", lambda e: rotate_encoder(e, 78), 43,
              "VA's encoder rotated in its width (norm gains folded) with a new merger, fine-tuned on other images"),
             ("VB-projperm", lambda e: permute_projector(e, 79), None,
              "VA's encoder and merger, the merger's intermediate neurons permuted, fine-tuned on other images"))
    for mid, transform, merger_seed, note in lifts:
        if mid not in wanted:
            continue
        t = time.time()
        enc, head = fresh(merger_seed if merger_seed is not None else 44)  # the new merger (if any) and head
        keep = {k: v.clone() for k, v in enc.state_dict().items() if k.startswith("merger.")}
        enc.load_state_dict({**{k: v.clone() for k, v in enc_a.state_dict().items()},
                             **(keep if merger_seed is not None else {})})
        if transform:
            transform(enc)
        losses[mid] = train(enc, head, s["finetune_steps"], LR_FINETUNE, "b", 141, s["batch"],
                            list(enc.parameters()) + list(head.parameters()))
        times[mid] = round(time.time() - t, 1)
        save_vlm(args.lm_b, enc, os.path.join(args.out, mid), note)
        record(mid)

    if "VB-indep" in wanted:
        t = time.time()
        enc_i, head_i = fresh(32)
        losses["VB-indep"] = train(enc_i, head_i, s["pretrain_steps"], LR_PRETRAIN, "a", 132, s["batch"],
                                   list(enc_i.parameters()) + list(head_i.parameters()))
        times["VB-indep"] = round(time.time() - t, 1)
        save_vlm(args.lm_b, enc_i, os.path.join(args.out, "VB-indep"), "encoder trained from scratch (seed 32)")
        record("VB-indep")
    return s, lm_components(layers)


# ---- zoo.json ------------------------------------------------------------------------------------
TOWER = ["visual.patch_embed", "visual.blocks"]
PROJECTOR = ["visual.merger"]
VARIANTS = ("VA", "VB-tower", "VB-towerperm", "VB-indep", "VB-towerrot", "VB-projperm")


def entries(s, lm_comp, out, lm_a_id, lm_b_id, known, wanted=None):
    """zoo.json entries of the four models; `known` holds the zoo's existing entries by id, from
    which each model takes its language model's shape, dtype and tokenizer label."""
    wanted = set(wanted or VARIANTS)
    recipe_common = dict(encoder=s, images="synthetic gratings and blobs, 16x16 RGB, 2 frames",
                         objective="masked patch prediction from the merger output (MSE)")
    specs = [
        ("VA", "derived", [dict(parent=lm_a_id, type="derived", components=lm_comp)],
         dict(kind="tower_pretrain", lm=lm_a_id, seed=31, data_seed=131, steps=s["pretrain_steps"], lr=LR_PRETRAIN),
         f"{lm_a_id}'s language model + a vision-like encoder trained from scratch"),
        ("VB-tower", "derived", [dict(parent=lm_b_id, type="derived", components=lm_comp),
                                 dict(parent="VA", type="derived", components=TOWER)],
         dict(kind="tower_lift", lm=lm_b_id, donor="VA", merger_seed=41, data_seed=141, steps=s["finetune_steps"],
              lr=LR_FINETUNE),
         f"{lm_b_id}'s language model + VA's encoder (lifted) with a new merger, fine-tuned"),
        ("VB-towerperm", "derived", [dict(parent=lm_b_id, type="derived", components=lm_comp),
                                     dict(parent="VA", type="derived", components=TOWER)],
         dict(kind="tower_lift", lm=lm_b_id, donor="VA", permute_seed=77, merger_seed=42, data_seed=141,
              steps=s["finetune_steps"], lr=LR_FINETUNE),
         f"as VB-tower, the encoder's width, heads and MLP neurons permuted before the fine-tune"),
        ("VB-indep", "independent", [dict(parent=lm_b_id, type="derived", components=lm_comp)],
         dict(kind="tower_pretrain", lm=lm_b_id, seed=32, data_seed=132, steps=s["pretrain_steps"], lr=LR_PRETRAIN),
         f"{lm_b_id}'s language model + an encoder trained from scratch (VA's recipe, another seed)"),
        ("VB-towerrot", "derived", [dict(parent=lm_b_id, type="derived", components=lm_comp),
                                    dict(parent="VA", type="derived", components=TOWER)],
         dict(kind="tower_lift", lm=lm_b_id, donor="VA", rotate_seed=78, merger_seed=43, data_seed=141,
              steps=s["finetune_steps"], lr=LR_FINETUNE),
         f"as VB-tower, the encoder's width rotated (Haar-random orthogonal, norm gains folded) before the fine-tune"),
        ("VB-projperm", "derived", [dict(parent=lm_b_id, type="derived", components=lm_comp),
                                    dict(parent="VA", type="derived", components=TOWER + PROJECTOR)],
         dict(kind="tower_lift", lm=lm_b_id, donor="VA", projector_permute_seed=79, head_seed=44, data_seed=141,
              steps=s["finetune_steps"], lr=LR_FINETUNE),
         f"{lm_b_id}'s language model + VA's encoder and merger, the merger's intermediate neurons permuted, "
         f"fine-tuned"),
    ]
    out_entries = []
    for mid, role, edges, recipe, note in specs:
        if mid not in wanted:
            continue
        folder = os.path.join(out, mid)
        with open(os.path.join(folder, BUILD_RECORD), encoding="utf-8") as f:
            built = json.load(f)
        entry = dict(
            id=mid, path=mid, role=role, note=note, variant="vision_tower_lift",
            architecture="Qwen3ForCausalLM", recipe={**recipe, **recipe_common}, edges=edges,
            parents=[e["parent"] for e in edges], training=built,
            weights_sha256=sha256_file(os.path.join(folder, "model.safetensors")),
            tokenizer_sha256=sha256_file(os.path.join(folder, "tokenizer.json")))
        lm = known.get(recipe["lm"], {})
        for key in ("shape", "dtype", "tokenizer"):  # the language model's (the encoder is fp32)
            if key in lm:
                entry[key] = lm[key]
        out_entries.append(entry)
    return out_entries


def component_truth(x, y, by_id):
    """language_model / vision / projector: derived | independent | absent, for a pair where at
    least one model carries a tower. The language models descend from the base zoo models; the
    vision tower of VB-tower(perm, rot) and VB-projperm from VA's; mergers are trained anew except
    VB-projperm's, copied from VA's (with its intermediate neurons permuted)."""
    def lm_root(m):
        return m["edges"][0]["parent"] if m.get("variant") == "vision_tower_lift" else m["id"]

    def tower_root(m):
        if m.get("variant") != "vision_tower_lift":
            return None
        lifted = [e["parent"] for e in m["edges"] if all(c in e["components"] for c in TOWER)]
        return lifted[0] if lifted else m["id"]

    def projector_root(m):
        if m.get("variant") != "vision_tower_lift":
            return None
        lifted = [e["parent"] for e in m["edges"] if all(c in e["components"] for c in PROJECTOR)]
        return lifted[0] if lifted else m["id"]

    anc = truth.weight_ancestors(list(by_id.values()))
    lx, ly = lm_root(by_id[x]), lm_root(by_id[y])
    ax, ay = set(anc.get(lx, {lx: [lx]})), set(anc.get(ly, {ly: [ly]}))  # a partial zoo may lack the bases
    related_lm = bool(ax & ay)
    tx, ty = tower_root(by_id[x]), tower_root(by_id[y])
    vision = "absent" if tx is None or ty is None else ("derived" if tx == ty else "independent")
    px, py = projector_root(by_id[x]), projector_root(by_id[y])
    projector = "absent" if px is None or py is None else ("derived" if px == py else "independent")
    return dict(language_model="derived" if related_lm else "independent", vision=vision, projector=projector)


def load_index(out):
    path = os.path.join(out, "zoo.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return dict(format="lineage-zoo/1", name="tower-variant", models=[], pairs=[])


def merge_index(out, index, new_entries):
    path = os.path.join(out, "zoo.json")
    new_ids = {e["id"] for e in new_entries}
    index["models"] = [m for m in index["models"] if m["id"] not in new_ids] + new_entries
    by_id = {m["id"]: m for m in index["models"]}
    table = truth.pair_table(index["models"])
    kept = [p for p in index.get("pairs", []) if p["a"] not in new_ids and p["b"] not in new_ids]
    added = []
    for p in table:
        if p["a"] in new_ids or p["b"] in new_ids:
            p["component_truth"] = component_truth(p["a"], p["b"], by_id)
            # A path through disjoint components shares no weights (VB-tower took only VA's
            # encoder, VA only A's language model): such a pair is unrelated in weights.
            if p.get("weights_related") and "derived" not in p["component_truth"].values():
                p.update(relation="independent", weights_related=False,
                         note="related only through disjoint components along " + json.dumps(p.get("path")))
            added.append(p)
    index["pairs"] = kept + added
    index.setdefault("variants", {})["vision_tower_lift"] = dict(
        script="tools/zoo/tower_variant.py",
        models=sorted(new_ids | set(index.get("variants", {}).get("vision_tower_lift", {}).get("models", []))),
        finding="VB-tower, VB-towerperm and VB-towerrot vs VA: language model independent, vision tower "
                "derived, projector independent; VB-projperm vs VA: language model independent, vision tower "
                "and projector derived; VB-indep vs VA: all independent")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
    return added


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mini", action="store_true", help="a tiny encoder on tests/data/minizoo's A and B")
    ap.add_argument("--out", help="output folder (default zoo-cache/zoo; --mini needs one)")
    ap.add_argument("--lm-a", help="folder of the donor's language model (default: <out>/A, --mini: minizoo A)")
    ap.add_argument("--lm-b", help="folder of the other language model (default: <out>/B, --mini: minizoo B)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--variants", default=",".join(VARIANTS),
                    help="comma-separated models to build/index (default all; VB-towerrot and VB-projperm "
                         "alone load VA from <out>/VA)")
    ap.add_argument("--index-only", action="store_true",
                    help="build nothing; (re)write the four models' entries and pairs in zoo.json")
    args = ap.parse_args(argv)
    args.variants = [v for v in args.variants.split(",") if v]
    if set(args.variants) - set(VARIANTS):
        ap.error(f"unknown variants {sorted(set(args.variants) - set(VARIANTS))}; known: {', '.join(VARIANTS)}")
    if args.mini and not args.out:
        ap.error("--mini needs --out DIR")
    args.out = args.out or os.path.join(REPO, "zoo-cache", "zoo")
    base = os.path.join(REPO, "tests", "data", "minizoo") if args.mini else args.out
    args.lm_a = args.lm_a or os.path.join(base, "A")
    args.lm_b = args.lm_b or os.path.join(base, "B")
    for folder in (args.lm_a, args.lm_b):
        if not os.path.exists(os.path.join(folder, "model.safetensors")):
            sys.exit(f"{folder}: no model.safetensors (build the zoo's A and B first)")
    os.makedirs(args.out, exist_ok=True)
    t = time.time()
    if args.index_only:
        s = SHAPES["mini" if args.mini else "full"]
        with open(os.path.join(args.lm_a, "config.json"), encoding="utf-8") as f:
            lm_comp = lm_components(json.load(f)["num_hidden_layers"])
    else:
        s, lm_comp = build(args)
    index = load_index(args.out)
    new = entries(s, lm_comp, args.out, os.path.basename(os.path.normpath(args.lm_a)),
                  os.path.basename(os.path.normpath(args.lm_b)), {m["id"]: m for m in index["models"]},
                  args.variants)
    added = merge_index(args.out, index, new)
    print(f"{'indexed' if args.index_only else 'built'} {', '.join(args.variants)} in "
          f"{time.time() - t:.1f} s; {len(added)} pairs in {os.path.join(args.out, 'zoo.json')}", file=sys.stderr)


if __name__ == "__main__":
    main()
