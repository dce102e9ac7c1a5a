#!/usr/bin/env python3
"""Peer for bench/assignment.cpp: scipy.optimize.linear_sum_assignment on the same float64 matrix,
one core (OMP/OPENBLAS threads pinned to 1 by run_assignment_bench.sh; the solver is serial anyway).
With "f32" the matrix is handed over as float32 (what the probe's similarity GEMM produces; scipy
converts it to float64 itself, inside the timing, as it would in use).
Usage: assignment_peer.py FILE N [f32]   ->   "scipy <file> <wall s> <total> cpu=<s>"
       assignment_peer.py rows XFILE YFILE N K   (the peer of `bench_assignment match`: float32
       rows as written by `bench_assignment rows`, normalised, similarity = X Y' by numpy in
       float32, then linear_sum_assignment(maximize=True) on it)
       ->   "scipy-rows <yfile> <wall s> <total similarity> cpu=<s> gemm_cpu=<s> lap_cpu=<s>"
"""
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

if sys.argv[1] == "rows":
    xf, yf, n, k = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    x = np.fromfile(xf, dtype=np.float32).reshape(n, k)
    y = np.fromfile(yf, dtype=np.float32).reshape(n, k)
    t0, c0 = time.perf_counter(), time.process_time()
    s = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ (y / np.linalg.norm(y, axis=1, keepdims=True)).T
    c1 = time.process_time()
    r, col = linear_sum_assignment(s, maximize=True)
    w, c2 = time.perf_counter() - t0, time.process_time()
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    yn = y / np.linalg.norm(y, axis=1, keepdims=True)
    total = float((xn[r].astype(np.float64) * yn[col].astype(np.float64)).sum())
    print("scipy-rows %s %.4f %.10g cpu=%.4f gemm_cpu=%.4f lap_cpu=%.4f" % (yf, w, total, c2 - c0, c1 - c0, c2 - c1))
    sys.exit(0)

path, n = sys.argv[1], int(sys.argv[2])
c = np.fromfile(path, dtype=np.float64).reshape(n, n)
if len(sys.argv) > 3 and sys.argv[3] == "f32":
    c = c.astype(np.float32)
t0, c0 = time.perf_counter(), time.process_time()
r, col = linear_sum_assignment(c)
s, cpu = time.perf_counter() - t0, time.process_time() - c0
print("scipy %s %.4f %.10g cpu=%.4f" % (path, s, float(c[r, col].astype(np.float64).sum()), cpu))
