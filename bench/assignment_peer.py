#!/usr/bin/env python3
"""Peer for bench/assignment.cpp: scipy.optimize.linear_sum_assignment on the same float64 matrix,
one core (OMP/OPENBLAS threads pinned to 1 by run_assignment_bench.sh; the solver is serial anyway).
With "f32" the matrix is handed over as float32 (what the probe's similarity GEMM produces; scipy
converts it to float64 itself, inside the timing, as it would in use).
Usage: assignment_peer.py FILE N [f32]   ->   "scipy <file> <wall s> <total> cpu=<s>"
"""
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

path, n = sys.argv[1], int(sys.argv[2])
c = np.fromfile(path, dtype=np.float64).reshape(n, n)
if len(sys.argv) > 3 and sys.argv[3] == "f32":
    c = c.astype(np.float32)
t0, c0 = time.perf_counter(), time.process_time()
r, col = linear_sum_assignment(c)
s, cpu = time.perf_counter() - t0, time.process_time() - c0
print("scipy %s %.4f %.10g cpu=%.4f" % (path, s, float(c[r, col].astype(np.float64).sum()), cpu))
