#!/usr/bin/env python3
"""Generates two Llama-shaped models with random weights (seeds 1 and 2) for bench/probe.cpp and
bench/probe_peer.py: OUT/a and OUT/b. Weights N(0, 0.02), norms 1, fp32 (bf16 for >= 1B shapes).
Only the shapes and the work matter, not the numbers.

Usage: python3 bench/probe_make_models.py OUT HIDDEN LAYERS INTERMEDIATE VOCAB [HEADS] [KV_HEADS]
"""
import os
import sys

import torch
import transformers


def main():
    out, hidden, layers, inter, vocab = sys.argv[1], *map(int, sys.argv[2:6])
    heads = int(sys.argv[6]) if len(sys.argv) > 6 else max(1, hidden // 64)
    kv = int(sys.argv[7]) if len(sys.argv) > 7 else max(1, heads // 4)
    torch.set_num_threads(2)
    dtype = torch.bfloat16 if hidden * hidden * layers * 12 > 5e8 else torch.float32
    for name, seed in (("a", 1), ("b", 2)):
        torch.manual_seed(seed)
        cfg = transformers.LlamaConfig(vocab_size=vocab, hidden_size=hidden, intermediate_size=inter,
                                       num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv,
                                       max_position_embeddings=4096, rms_norm_eps=1e-5, tie_word_embeddings=False)
        model = transformers.LlamaForCausalLM(cfg).to(dtype)
        with torch.no_grad():
            for pname, p in model.named_parameters():
                if pname.endswith("norm.weight"):
                    p.fill_(1.0)
                else:
                    p.normal_(0.0, 0.02)
        model.save_pretrained(os.path.join(out, name))
    print(f"{out}: two models, hidden {hidden}, {layers} layers, {dtype}", file=sys.stderr)


if __name__ == "__main__":
    main()
