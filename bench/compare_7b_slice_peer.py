#!/usr/bin/env python3
"""Peer for bench/run_compare_7b_slice.sh: the weights-only MLP matching test the way the reference
implementation of Zhu et al. (ICML 2025, "Independence Tests for Language Models", github
salzhu/model-tracing) does it, on the CPU: per layer, the cosine-similarity matrix of the two
models' gate_proj rows in float64 (their cossim on .type(torch.float64)), scipy's
linear_sum_assignment(maximize=True) on it, the same for up_proj, then scipy.stats.spearmanr of
the two matchings; layers combined by Fisher's method (chi2 with 2k degrees of freedom).
Written for this benchmark from that description (no code copied). One thread (torch and BLAS),
as the Lineage side gets.

Usage: compare_7b_slice_peer.py MODEL_A MODEL_B [LAYERS]   (default: every layer in the config)
Prints one line per layer: "peer layer <l> wall=<s> cpu=<s> gemm_cpu=<s> lap_cpu=<s> p=<p>",
then "peer total wall=<s> cpu=<s> layers=<k> fisher_p=<p>".
"""
import json
import os
import sys
import time

import numpy as np
import scipy.stats
import torch
from safetensors import safe_open
from scipy.optimize import linear_sum_assignment

torch.set_num_threads(1)


def cossim(x, y):
    x = x / torch.linalg.norm(x, dim=-1, keepdim=True)
    y = y / torch.linalg.norm(y, dim=-1, keepdim=True)
    return x @ y.T


def main():
    a_dir, b_dir = sys.argv[1], sys.argv[2]
    layers = json.load(open(os.path.join(a_dir, "config.json")))["num_hidden_layers"]
    if len(sys.argv) > 3:
        layers = min(layers, int(sys.argv[3]))
    fa = safe_open(os.path.join(a_dir, "model.safetensors"), framework="pt")
    fb = safe_open(os.path.join(b_dir, "model.safetensors"), framework="pt")
    t0, c0 = time.perf_counter(), time.process_time()
    chi2 = 0.0
    for l in range(layers):
        lt0, lc0 = time.perf_counter(), time.process_time()
        gemm = lap = 0.0
        matches = []
        for n in ("gate_proj", "up_proj"):
            name = f"model.layers.{l}.mlp.{n}.weight"
            g0 = time.process_time()
            s = cossim(fa.get_tensor(name).type(torch.float64), fb.get_tensor(name).type(torch.float64)).numpy()
            g1 = time.process_time()
            matches.append(linear_sum_assignment(s, maximize=True)[1])
            gemm += g1 - g0
            lap += time.process_time() - g1
            del s
        p = scipy.stats.spearmanr(matches[0], matches[1]).pvalue
        chi2 -= 2 * np.log(max(p, 1e-300))
        print("peer layer %d wall=%.2f cpu=%.2f gemm_cpu=%.2f lap_cpu=%.2f p=%.3g" %
              (l, time.perf_counter() - lt0, time.process_time() - lc0, gemm, lap, p), flush=True)
    fisher = scipy.stats.chi2.sf(chi2, 2 * layers)
    print("peer total wall=%.2f cpu=%.2f layers=%d fisher_p=%.3g" %
          (time.perf_counter() - t0, time.process_time() - c0, layers, fisher))


if __name__ == "__main__":
    main()
