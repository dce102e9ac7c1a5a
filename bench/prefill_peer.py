#!/usr/bin/env python3
"""PyTorch peer of bench/prefill.cpp: the same prefill (batch of B sequences x T tokens, the same
seeded ids, next-token logits of the last position) on the same checkpoint, with transformers'
LlamaForCausalLM in fp32 on the CPU (bf16 weights upcast at load, as Lineage computes in fp32).
Prints one line: tokens/s, seconds, and peak RSS.

Usage: prefill_peer.py MODEL_DIR [BATCH] [TOKENS] [THREADS]
"""
import resource
import sys
import time

import numpy as np
import torch
import transformers


def main():
    model_dir = sys.argv[1]
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 256
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    torch.set_num_threads(threads)
    t0 = time.time()
    model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32,
                                                              attn_implementation="sdpa").eval()
    load = time.time() - t0
    vocab = model.config.vocab_size
    # the same ids as bench/prefill.cpp: (i * 7919 + j * 104729 + 13) % vocab
    ids = np.array([[(i * 7919 + j * 104729 + 13) % vocab for j in range(tokens)] for i in range(batch)], dtype=np.int64)
    x = torch.from_numpy(ids)
    with torch.inference_mode():
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.time()
        out = model(x, use_cache=False, logits_to_keep=1)
        secs = time.time() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    last = out.logits[:, -1].float()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"pytorch {torch.__version__} fp32 ({threads} threads): {batch}x{tokens} tokens in {secs:.2f} s = "
          f"{batch * tokens / secs:.1f} tokens/s, CPU time {cpu:.1f} s; load {load:.1f} s; peak RSS {rss:.0f} MiB; "
          f"checksum {last.sum().item():.4f} argmax {last.argmax(-1).tolist()}")


if __name__ == "__main__":
    main()
