// Eigenpairs of a symmetric matrix, the largest k of them. Wide matrices (hidden 4096 and up) go to
// LAPACK's dsyevr (OpenBLAS ships LAPACK): a blocked tridiagonalisation, and only the k wanted
// vectors back-transformed. Eigen's SelfAdjointEigenSolver tridiagonalises with matrix-vector
// products, memory-bound at these sizes: ~95 s of one core at 4096^2 where dsyevr takes ~15 s
// for the top 256 (2048^2 here: 11.9 s against 1.9 s). Small matrices keep Eigen's solver.
#pragma once

#include "probes/stats/cka.h"

namespace lineage::probes::stats {

struct SymmetricEigen {
    bool ok = false;
    Eigen::VectorXd values;  // ascending
    MatrixD vectors;         // n x k, column j belongs to values[j]
};

// The k largest eigenpairs of the symmetric m (all of them when k >= rows), ascending.
SymmetricEigen symmetric_eigen_top(const MatrixD& m, Eigen::Index k);

}  // namespace lineage::probes::stats
