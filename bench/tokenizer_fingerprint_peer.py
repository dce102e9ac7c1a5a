#!/usr/bin/env python3
"""Python peer of bench/tokenizer_fingerprint.cpp: Hugging Face `tokenizers` loading the same
tokenizer.json (Tokenizer.from_file), wall and process-CPU medians.

usage: tokenizer_fingerprint_peer.py TOKENIZER_JSON [REPEATS]"""
import sys
import time

import tokenizers
from tokenizers import Tokenizer

path = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
wall, cpu = [], []
for _ in range(repeats):
    t0, c0 = time.perf_counter(), time.process_time()
    tok = Tokenizer.from_file(path)
    cpu.append((time.process_time() - c0) * 1e3)
    wall.append((time.perf_counter() - t0) * 1e3)
wall.sort()
cpu.sort()
print("tokenizers Tokenizer.from_file       %7.1f ms wall, %7.1f ms CPU (medians of %d; tokenizers %s, vocab %d)"
      % (wall[len(wall) // 2], cpu[len(cpu) // 2], repeats, tokenizers.__version__,
         tok.get_vocab_size(with_added_tokens=True)))
