#!/usr/bin/env python3
"""Python peer of bench/tokenizer_fingerprint.cpp: Hugging Face `tokenizers` loading the same
tokenizer.json (Tokenizer.from_file), process-CPU and wall time, minimum and median.

usage: tokenizer_fingerprint_peer.py TOKENIZER_JSON [REPEATS]"""
import os
import sys
import time

import tokenizers
from tokenizers import Tokenizer

path = sys.argv[1]
if os.path.isdir(path):
    path = os.path.join(path, "tokenizer.json")
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
wall, cpu = [], []
for _ in range(repeats):
    t0, c0 = time.perf_counter(), time.process_time()
    tok = Tokenizer.from_file(path)
    cpu.append((time.process_time() - c0) * 1e3)
    wall.append((time.perf_counter() - t0) * 1e3)
wall.sort()
cpu.sort()
print("tokenizers %-26s CPU min %6.1f / median %6.1f ms   wall min %6.1f / median %6.1f ms   (tokenizers %s, vocab %d)"
      % ("Tokenizer.from_file", cpu[0], cpu[len(cpu) // 2], wall[0], wall[len(wall) // 2], tokenizers.__version__,
         tok.get_vocab_size(with_added_tokens=True)))
