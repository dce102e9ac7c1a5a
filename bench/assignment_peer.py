#!/usr/bin/env python3
"""Peer for bench/assignment.cpp: scipy.optimize.linear_sum_assignment on the same float64 matrix,
one core (OMP/OPENBLAS threads pinned to 1 by run_assignment_bench.sh; the solver is serial anyway).
Usage: assignment_peer.py FILE N   ->   "scipy <file> <seconds> <total>"
"""
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

path, n = sys.argv[1], int(sys.argv[2])
c = np.fromfile(path, dtype=np.float64).reshape(n, n)
t0 = time.perf_counter()
r, col = linear_sum_assignment(c)
s = time.perf_counter() - t0
print("scipy %s %.3f %.10g" % (path, s, float(c[r, col].sum())))
