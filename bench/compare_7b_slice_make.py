#!/usr/bin/env python3
"""Writes three 7B-shaped Llama checkpoints cut to a few layers (bench/run_compare_7b_slice.sh):
hidden 4096, intermediate 11008, 32 heads, vocabulary 32000, bf16 safetensors - the shapes of
Llama-2-7B, with LAYERS decoder layers instead of 32. Generated at bench time (never committed):

  A           Gaussian weights (std 0.02, norm gains 1 +- 0.1), seed 1
  A-ft        A fine-tune-like: every matrix + Gaussian noise of 0.3x its std, then the MLP
              neurons of every layer permuted (gate/up rows and down columns together), so the
              identity is useless and both matchings must recover the permutation
  B           independent of A, seed 2 (the hard negative: same architecture and shapes)
  BA-lift     (with LIFT=1) A's blocks lifted into a randomly rotated residual basis (norm gains
              folded into the matrices that read them) plus 0.1x-std noise, under B's own
              embeddings, lm_head and final norm: no embedding map exists, only the block map
              can align it

Usage: compare_7b_slice_make.py DIR [LAYERS]   (default 2 layers; ~1.3 GB per model on disk)
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

D, I, V, H = 4096, 11008, 32000, 32


def model(seed, layers):
    g = torch.Generator().manual_seed(seed)
    def w(*shape):
        return (torch.randn(*shape, generator=g) * 0.02).to(torch.bfloat16)
    def gain():
        return (1 + 0.1 * torch.randn(D, generator=g)).to(torch.bfloat16)
    t = {"model.embed_tokens.weight": w(V, D), "lm_head.weight": w(V, D), "model.norm.weight": gain()}
    for l in range(layers):
        p = f"model.layers.{l}."
        for n, s in (("self_attn.q_proj", (D, D)), ("self_attn.k_proj", (D, D)), ("self_attn.v_proj", (D, D)),
                     ("self_attn.o_proj", (D, D)), ("mlp.gate_proj", (I, D)), ("mlp.up_proj", (I, D)),
                     ("mlp.down_proj", (D, I))):
            t[p + n + ".weight"] = w(*s)
        t[p + "input_layernorm.weight"] = gain()
        t[p + "post_attention_layernorm.weight"] = gain()
    return t


def fine_tuned(a, layers, seed=7):
    g = torch.Generator().manual_seed(seed)
    b = {}
    for k, v in a.items():
        x = v.float()
        if x.ndim == 2:
            x = x + 0.3 * x.std() * torch.randn(x.shape, generator=g)
        b[k] = x
    for l in range(layers):
        p = torch.randperm(I, generator=g)
        m = f"model.layers.{l}.mlp."
        b[m + "gate_proj.weight"] = b[m + "gate_proj.weight"][p]
        b[m + "up_proj.weight"] = b[m + "up_proj.weight"][p]
        b[m + "down_proj.weight"] = b[m + "down_proj.weight"][:, p]
    return {k: v.to(torch.bfloat16).contiguous() for k, v in b.items()}


def lifted(a, b, layers, seed=11):
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(D, D, generator=g))
    out = {k: b[k] for k in ("model.embed_tokens.weight", "lm_head.weight", "model.norm.weight")}
    def noisy(x):
        return x + 0.1 * x.std() * torch.randn(x.shape, generator=g)
    for l in range(layers):
        p = f"model.layers.{l}."
        attn_g = a[p + "input_layernorm.weight"].float()
        mlp_g = a[p + "post_attention_layernorm.weight"].float()
        for n in ("q_proj", "k_proj", "v_proj"):
            out[p + f"self_attn.{n}.weight"] = noisy((a[p + f"self_attn.{n}.weight"].float() * attn_g) @ q)
        for n in ("gate_proj", "up_proj"):
            out[p + f"mlp.{n}.weight"] = noisy((a[p + f"mlp.{n}.weight"].float() * mlp_g) @ q)
        out[p + "self_attn.o_proj.weight"] = noisy(q.T @ a[p + "self_attn.o_proj.weight"].float())
        out[p + "mlp.down_proj.weight"] = noisy(q.T @ a[p + "mlp.down_proj.weight"].float())
        out[p + "input_layernorm.weight"] = torch.ones(D)
        out[p + "post_attention_layernorm.weight"] = torch.ones(D)
    return {k: v.to(torch.bfloat16).contiguous() for k, v in out.items()}


def write(root, name, tensors, layers):
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    save_file(tensors, os.path.join(d, "model.safetensors"))
    cfg = dict(architectures=["LlamaForCausalLM"], model_type="llama", hidden_size=D, num_hidden_layers=layers,
               num_attention_heads=H, num_key_value_heads=H, intermediate_size=I, vocab_size=V,
               rms_norm_eps=1e-5, tie_word_embeddings=False, torch_dtype="bfloat16")
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)


def main():
    root = sys.argv[1]
    layers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    a = model(1, layers)
    write(root, "A", a, layers)
    write(root, "A-ft", fine_tuned(a, layers), layers)
    b = model(2, layers)
    write(root, "B", b, layers)
    if os.environ.get("LIFT") == "1":
        write(root, "BA-lift", lifted(a, b, layers), layers)


if __name__ == "__main__":
    main()
