#!/usr/bin/env python3
"""Generates a ~1.1B-parameter Llama-shaped model with random weights for bench/prefill.cpp.

Shape: hidden 2048, 16 layers, 32 heads (8 KV heads, head_dim 64), intermediate 8192,
vocab 32000, untied lm_head, stored in bf16 (2.2 GB) with save_pretrained into bench/data/llama-1b
(git-ignored; delete it after benchmarking). Weights are drawn N(0, 0.02) like transformers'
initialisation; the numbers are meaningless, only the shapes and the work matter.

Usage: python3 tools/bench/make_llama_1b.py [OUT_DIR]
"""
import os
import sys
import time

import torch
import transformers

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join("bench", "data", "llama-1b")
SEED = 1234


def main():
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    cfg = transformers.LlamaConfig(vocab_size=32000, hidden_size=2048, intermediate_size=8192,
                                   num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
                                   max_position_embeddings=4096, rms_norm_eps=1e-5, tie_word_embeddings=False,
                                   bos_token_id=1, eos_token_id=2)
    t0 = time.time()
    with torch.device("meta"):
        model = transformers.LlamaForCausalLM(cfg)
    model = model.to_empty(device="cpu").to(torch.bfloat16)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.fill_(1.0)
            else:
                p.normal_(0.0, 0.02)
    n = sum(p.numel() for p in model.parameters())
    model.save_pretrained(OUT)
    print(f"{OUT}: {n / 1e9:.3f} B parameters, bf16, written in {time.time() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
