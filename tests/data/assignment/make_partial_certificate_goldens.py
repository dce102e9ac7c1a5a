#!/usr/bin/env python3
"""Goldens for the partial-certificate path of Lineage's assignment solver (probes/stats/assignment.cpp),
computed with scipy.optimize.linear_sum_assignment, never with Lineage.

Each matrix is a neuron-matching cost like the probe builds: cosine similarity of the rows of X
(n x k Gaussian) and of Y = X + noise with the rows permuted, so most rows' best column is their
planted partner but a few collide (the certificate fails on those rows only) -- plus one square
maximisation and one rectangular case. Values are rounded to 4 decimals and scipy solves the
rounded matrix exactly as written.

Writes partial_certificate_cases.txt beside this script, in the format of lap_cases.txt:
  "case <rows> <cols> <maximize 0|1> <optimal_total> <collisions>" then one line per row.
<collisions> = rows whose best column (first on ties) an earlier row already wanted.
Usage: python3 tests/data/assignment/make_partial_certificate_goldens.py
"""
import os

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

SEED = 20261123


def normalised(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def collisions(m, maximize):
    best = (m.argmax(1) if maximize else m.argmin(1)) if m.shape[0] <= m.shape[1] else None
    if best is None:
        return -1
    seen, clash = set(), 0
    for j in best:
        clash += j in seen
        seen.add(j)
    return clash


def main():
    rng = np.random.default_rng(SEED)
    lines = [f"# scipy {scipy.__version__} numpy {np.__version__} seed {SEED}"]
    # (rows, cols, k, noise, maximize)
    # noise 0.7 at k = 16: ~6% of rows collide (the row-minima start); 1.3: ~30% (column reduction).
    shapes = [(120, 120, 16, 0.6, 0), (120, 120, 16, 0.7, 0), (120, 120, 16, 0.7, 1), (90, 130, 16, 0.7, 0), (120, 120, 16, 1.3, 0)]
    for rows, cols, k, noise, maximize in shapes:
        x = rng.standard_normal((cols, k))
        y = x + noise * rng.standard_normal((cols, k))
        perm = rng.permutation(cols)
        sim = normalised(x[:rows]) @ normalised(y[perm]).T
        m = np.round(sim if maximize else -sim, 4) + 0.0  # + 0.0 turns -0.0 into 0.0
        ri, ci = linear_sum_assignment(m, maximize=bool(maximize))
        total = float(m[ri, ci].sum())
        lines.append(f"case {rows} {cols} {maximize} {total!r} {collisions(m, maximize)}")
        for row in m:
            lines.append(" ".join(f"{v:.4f}" for v in row))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "partial_certificate_cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
