"""Weight-space edits that turn one zoo model into a derived one, on fp32 state dicts of the
Llama/Qwen3 layout (model.layers.{i}.self_attn.{q,k,v,o}_proj, mlp.{gate,up,down}_proj, ...).

Function-preserving: permute MLP neurons and attention heads, signed-permute the residual
stream, fold RMSNorm gains and rotate the residual stream by a random orthogonal matrix.
Structural: drop layers, duplicate layers (depth up-scaling), append vocabulary, upcycle the MLP
into experts, re-initialise layers, transplant layers from another model.
Numerical: weight averaging, fp8 / int8 round trips, additive noise.
Each function returns a new state dict (and the new shape where it changes).
"""
import re

import torch

READERS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "mlp.gate_proj",
           "mlp.up_proj")  # matrices whose input is a normed residual stream: (out, hidden)
WRITERS = ("self_attn.o_proj", "mlp.down_proj")  # matrices that write the residual: (hidden, in)
NORM_READERS = {"input_layernorm": ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"),
                "post_attention_layernorm": ("mlp.gate_proj", "mlp.up_proj")}


def _layer(i):
    return f"model.layers.{i}."


def clone(state):
    return {k: v.detach().clone().float() for k, v in state.items()}


def permute_neurons_heads(state, shape, seed):
    """Per layer: a random permutation of MLP neurons and of attention heads. Exact."""
    out = clone(state)
    gen = torch.Generator().manual_seed(seed)
    hd = shape["hidden"] // shape["heads"]
    for i in range(shape["layers"]):
        p = _layer(i)
        perm = torch.randperm(shape["inter"], generator=gen)
        out[p + "mlp.gate_proj.weight"] = out[p + "mlp.gate_proj.weight"][perm]
        out[p + "mlp.up_proj.weight"] = out[p + "mlp.up_proj.weight"][perm]
        out[p + "mlp.down_proj.weight"] = out[p + "mlp.down_proj.weight"][:, perm]
        heads = torch.randperm(shape["heads"], generator=gen)
        rows = (heads[:, None] * hd + torch.arange(hd)[None, :]).reshape(-1)
        for name in ("q_proj", "k_proj", "v_proj"):
            key = p + f"self_attn.{name}.weight"
            out[key] = out[key][rows]
        out[p + "self_attn.o_proj.weight"] = out[p + "self_attn.o_proj.weight"][:, rows]
    return out


def signed_permute_residual(state, shape, seed):
    """Residual stream x -> (x[perm] * sign). Norm gains are permuted (signs pass through them).
    Exact."""
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(shape["hidden"], generator=gen)
    sign = torch.where(torch.rand(shape["hidden"], generator=gen) < 0.5, -1.0, 1.0)
    out = clone(state)
    out["model.embed_tokens.weight"] = out["model.embed_tokens.weight"][:, perm] * sign
    out["lm_head.weight"] = out["lm_head.weight"][:, perm] * sign
    out["model.norm.weight"] = out["model.norm.weight"][perm]
    for i in range(shape["layers"]):
        p = _layer(i)
        for norm in NORM_READERS:
            out[p + norm + ".weight"] = out[p + norm + ".weight"][perm]
        for name in READERS:
            out[p + name + ".weight"] = out[p + name + ".weight"][:, perm] * sign
        for name in WRITERS:
            out[p + name + ".weight"] = out[p + name + ".weight"][perm] * sign[:, None]
    return out


def fold_norms(state, shape):
    """W <- W diag(gamma) for every matrix reading an RMSNorm's output; gains become 1. Exact up
    to rounding."""
    out = clone(state)
    for i in range(shape["layers"]):
        p = _layer(i)
        for norm, readers in NORM_READERS.items():
            gamma = out[p + norm + ".weight"]
            for name in readers:
                out[p + name + ".weight"] = out[p + name + ".weight"] * gamma[None, :]
            out[p + norm + ".weight"] = torch.ones_like(gamma)
    gamma = out["model.norm.weight"]
    out["lm_head.weight"] = out["lm_head.weight"] * gamma[None, :]
    out["model.norm.weight"] = torch.ones_like(gamma)
    return out


def random_orthogonal(n, seed):
    gen = torch.Generator().manual_seed(seed)
    q, r = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
    return (q * torch.sign(torch.diagonal(r))[None, :]).float()


def rotate_residual(state, shape, seed):
    """Folds the norms, then x -> x Q for a Haar-random orthogonal Q (RMSNorm with unit gain
    commutes with Q). Function-preserving up to fp32 rounding."""
    out = fold_norms(state, shape)
    q = random_orthogonal(shape["hidden"], seed)
    out["model.embed_tokens.weight"] = out["model.embed_tokens.weight"] @ q
    out["lm_head.weight"] = out["lm_head.weight"] @ q
    for i in range(shape["layers"]):
        p = _layer(i)
        for name in READERS:
            out[p + name + ".weight"] = out[p + name + ".weight"] @ q
        for name in WRITERS:
            out[p + name + ".weight"] = q.t() @ out[p + name + ".weight"]
    return out


def remap_layers(state, shape, layer_map):
    """New model whose layer j is a copy of old layer layer_map[j] (drop / duplicate)."""
    out = {k: v.clone() for k, v in state.items() if not k.startswith("model.layers.")}
    for j, src in enumerate(layer_map):
        for k, v in state.items():
            if k.startswith(_layer(src)):
                out[_layer(j) + k[len(_layer(src)):]] = v.clone()
    return out, dict(shape, layers=len(layer_map))


def extend_vocab(state, shape, pieces):
    """Appends one embedding and lm_head row per new token, each the mean of the rows of the
    old tokens it used to split into (`pieces`: list of old-id lists)."""
    out = clone(state)
    for key in ("model.embed_tokens.weight", "lm_head.weight"):
        old = out[key]
        new = torch.stack([old[torch.tensor(ids)].mean(0) for ids in pieces])
        out[key] = torch.cat([old, new], 0)
    return out, dict(shape, vocab=shape["vocab"] + len(pieces))


def upcycle_moe(state, shape, experts, top_k, noise, seed):
    """Dense MLP -> `experts` copies (+ relative Gaussian noise) in the fused Qwen3-MoE layout,
    router N(0, 0.02). With noise 0 the model computes exactly what the dense one did."""
    gen = torch.Generator().manual_seed(seed)
    out = {k: v.clone() for k, v in state.items() if ".mlp." not in k}
    for i in range(shape["layers"]):
        p = _layer(i)
        gate = state[p + "mlp.gate_proj.weight"]
        up = state[p + "mlp.up_proj.weight"]
        down = state[p + "mlp.down_proj.weight"]
        gu, dn = [], []
        for _ in range(experts):
            def jitter(w):
                return w + noise * w.std() * torch.randn(w.shape, generator=gen)
            gu.append(torch.cat([jitter(gate), jitter(up)], 0))
            dn.append(jitter(down))
        out[p + "mlp.experts.gate_up_proj"] = torch.stack(gu)
        out[p + "mlp.experts.down_proj"] = torch.stack(dn)
        out[p + "mlp.gate.weight"] = 0.02 * torch.randn(experts, shape["hidden"], generator=gen)
    return out, dict(shape, arch="qwen3_moe", experts=experts, top_k=top_k)


def average(states, weights=None):
    weights = weights or [1.0 / len(states)] * len(states)
    return {k: sum(w * s[k].float() for w, s in zip(weights, states)) for k in states[0]}


def _is_matrix(key, v):
    return v.dim() >= 2


def fp8_round_trip(state):
    """Per-tensor scaled float8_e4m3fn quantisation of every matrix, then back to fp32."""
    out = clone(state)
    for k, v in out.items():
        if _is_matrix(k, v):
            scale = v.abs().max().clamp(min=1e-12) / 448.0
            out[k] = (v / scale).to(torch.float8_e4m3fn).float() * scale
    return out


def int8_round_trip(state):
    """Per-row symmetric int8 quantisation of every matrix, then back to fp32."""
    out = clone(state)
    for k, v in out.items():
        if _is_matrix(k, v):
            scale = v.abs().amax(dim=-1, keepdim=True).clamp(min=1e-12) / 127.0
            out[k] = torch.clamp(torch.round(v / scale), -127, 127) * scale
    return out


def add_noise(state, relative_std, seed):
    """w + N(0, (relative_std * std(w))^2) on every matrix."""
    gen = torch.Generator().manual_seed(seed)
    out = clone(state)
    for k in sorted(out):
        v = out[k]
        if _is_matrix(k, v):
            out[k] = v + relative_std * v.std() * torch.randn(v.shape, generator=gen)
    return out


def replace_layers(state, donor, layers):
    """Layers `layers` of `state` replaced by the donor's (fresh init or another model's)."""
    out = clone(state)
    for i in layers:
        for k, v in donor.items():
            if k.startswith(_layer(i)):
                out[k] = v.detach().clone().float()
    return out


def layer_of(key):
    m = re.match(r"model\.layers\.(\d+)\.", key)
    return int(m.group(1)) if m else None
