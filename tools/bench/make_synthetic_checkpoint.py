#!/usr/bin/env python3
"""Writes a synthetic checkpoint shaped like Llama-2-7B (bf16, sharded like save_pretrained with
max_shard_size=5GB): 32 layers, hidden 4096, intermediate 11008, vocab 32000 -> 6.74 B parameters,
13.5 GB. Values are a 64 MiB block of seeded random bf16 (no NaN/Inf) tiled over every tensor, so
writing is disk-bound. Only shapes and sizes matter to the reading benchmark.

    python3 tools/bench/make_synthetic_checkpoint.py [--out bench/data/synthetic-7b] [--layers 32]
"""
import argparse
import json
import os
import pathlib
import struct

import numpy as np


def tensors(layers, hidden=4096, inter=11008, vocab=32000):
    yield "model.embed_tokens.weight", (vocab, hidden)
    for i in range(layers):
        b = f"model.layers.{i}."
        for p in ("q_proj", "k_proj", "v_proj", "o_proj"):
            yield b + f"self_attn.{p}.weight", (hidden, hidden)
        yield b + "mlp.gate_proj.weight", (inter, hidden)
        yield b + "mlp.up_proj.weight", (inter, hidden)
        yield b + "mlp.down_proj.weight", (hidden, inter)
        yield b + "input_layernorm.weight", (hidden,)
        yield b + "post_attention_layernorm.weight", (hidden,)
    yield "model.norm.weight", (hidden,)
    yield "lm_head.weight", (vocab, hidden)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parents[2] / "bench/data/synthetic-7b"))
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--shard-bytes", type=int, default=5 * 10**9)
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(7)
    block = (rng.standard_normal(32 << 20, dtype=np.float32) * 0.02).view(np.uint32)
    block = ((block + 0x7FFF + ((block >> 16) & 1)) >> 16).astype(np.uint16).tobytes()  # f32 -> bf16 RNE

    shards, current, size = [], [], 0
    for name, shape in tensors(args.layers):
        nbytes = 2 * int(np.prod(shape))
        if current and size + nbytes > args.shard_bytes:
            shards.append(current)
            current, size = [], 0
        current.append((name, shape, nbytes))
        size += nbytes
    shards.append(current)

    weight_map, total = {}, 0
    for k, shard in enumerate(shards):
        fname = f"model-{k + 1:05d}-of-{len(shards):05d}.safetensors"
        header, off = {"__metadata__": {"format": "pt"}}, 0
        for name, shape, nbytes in shard:
            header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [off, off + nbytes]}
            off += nbytes
            weight_map[name] = fname
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)  # align the data region to 8 bytes, as safetensors does
        with open(out / fname, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text)
            remaining = off
            while remaining:
                n = min(remaining, len(block))
                f.write(block[:n])
                remaining -= n
        total += off
        print(f"{fname}: {off / 1e9:.2f} GB")
    (out / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=1))
    (out / "config.json").write_text(json.dumps({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
        "intermediate_size": 11008, "num_hidden_layers": args.layers, "num_attention_heads": 32,
        "num_key_value_heads": 32, "vocab_size": 32000, "max_position_embeddings": 4096,
        "rms_norm_eps": 1e-5, "tie_word_embeddings": False, "torch_dtype": "bfloat16"}, indent=1))
    print(f"total {total / 1e9:.2f} GB in {len(shards)} shards at {out}")


if __name__ == "__main__":
    main()
