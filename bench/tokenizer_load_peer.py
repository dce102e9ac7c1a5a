#!/usr/bin/env python3
"""Python peer of bench/tokenizer_load.cpp: the same measurements with Hugging Face `tokenizers`
(Tokenizer.from_file load time; single-threaded encode of the same text file line by line, with
add_special_tokens=False, after a warm-up pass).

usage: tokenizer_load_peer.py TOKENIZER_JSON_OR_FOLDER TEXT_FILE [REPEATS]"""
import os
import sys
import time

import tokenizers
from tokenizers import Tokenizer


def main():
    path = sys.argv[1]
    if os.path.isdir(path):
        path = os.path.join(path, 'tokenizer.json')
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    times, cpu_times = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        tok = Tokenizer.from_file(path)
        cpu_times.append((time.process_time() - c0) * 1e3)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    cpu_times.sort()
    with open(sys.argv[2], 'rb') as f:
        raw = f.read()
    text = raw.decode('utf-8')
    parts = text.split('\n')  # split exactly as the C++ side does: after each '\n'
    lines = [p + '\n' for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    tokens = sum(len(tok.encode(line, add_special_tokens=False).ids) for line in lines)  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    tokens = sum(len(tok.encode(line, add_special_tokens=False).ids) for line in lines)
    encode_cpu_ms = (time.process_time() - c0) * 1e3
    encode_ms = (time.perf_counter() - t0) * 1e3
    c0 = time.process_time()
    whole_tokens = len(tok.encode(text, add_special_tokens=False).ids)
    whole_cpu_ms = (time.process_time() - c0) * 1e3
    print('tokenizers load+build %7.1f ms wall, %7.1f ms CPU (medians of %d)  tokenizers %s, vocab %d'
          % (times[len(times) // 2], cpu_times[len(cpu_times) // 2], repeats, tokenizers.__version__,
             tok.get_vocab_size(with_added_tokens=True)))
    print('tokenizers encode     %7.2f MB/s wall, %7.2f MB/s CPU  (%d bytes, %d lines, %d tokens)'
          % (len(raw) / 1e6 / (encode_ms / 1e3), len(raw) / 1e6 / (encode_cpu_ms / 1e3), len(raw),
             len(lines), tokens))
    print('tokenizers encode     %7.2f MB/s CPU as one call over the whole text (%d tokens)'
          % (len(raw) / 1e6 / (whole_cpu_ms / 1e3), whole_tokens))


if __name__ == '__main__':
    main()
