// Linear CKA in Gram form, for the activation probe: each representation of the n probe positions
// is reduced to its centred Gram matrix Kc = H K H (n x n, the Gram of column-centred features,
// computed as one GEMM), so the memory per layer is O(n^2) whatever the hidden size, and the
// features themselves can be dropped as soon as the layer has been seen. From two such sides:
//   linear (biased) CKA   <Kc, Lc>_F / (|Kc|_F |Lc|_F)                     (Kornblith et al. 2019)
//   debiased CKA          HSIC_u(K, L) / sqrt(HSIC_u(K, K) HSIC_u(L, L))    (Song et al. 2012)
// with HSIC_u on the off-diagonal K~ = Kc - diag(Kc) exactly as probes/stats/cka.h computes it
// from features (a test checks both forms agree). Both are invariant to orthogonal maps and
// isotropic scaling of either side's features, and to translations.
// The row-shuffled null permutes the positions of one side (P Lc P^T): O(n^2) per draw.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace lineage::probes::activation {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// One representation's centred Gram matrix and the sums both estimators need.
struct GramSide {
    MatrixF kc;                 // (n, n) centred Gram, symmetric
    Eigen::VectorXd diag;       // (n) kc_ii
    Eigen::VectorXd row_sums;   // (n) K~ 1 (off-diagonal row sums)
    double offdiag_sum = 0.0;   // 1' K~ 1
    double frob_sq = 0.0;       // |kc|_F^2
    double hsic_u_self = 0.0;   // HSIC_u(K, K)

    std::int64_t n() const { return kc.rows(); }
};

// Completes a side from a Gram matrix of UNcentred features (any symmetric n x n, n >= 4):
// centres it (H K H) in place and fills the sums.
GramSide gram_side_from_gram(MatrixF gram);

// Gram side of features X (n x d, row-major floats with row stride `stride` floats): columns are
// centred (means in double), then Kc = Xc Xc^T as one GEMM.
GramSide gram_side_from_features(const float* x, std::int64_t n, std::int64_t d, std::int64_t stride);

struct CkaPair {
    double linear = 0.0;    // biased linear CKA
    double debiased = 0.0;  // unbiased-HSIC CKA (~0 for unrelated representations)
};

// CKA of two sides over the same n positions (same order). InternalError when n differs.
CkaPair cka_from_grams(const GramSide& a, const GramSide& b);

// Row-shuffled null of one pair: `shuffles` draws of the CKA with b's positions permuted.
struct GramNull {
    std::vector<double> debiased, linear;  // one value per draw
    double debiased_mean = 0, debiased_sd = 0, debiased_max = 0;
    double linear_mean = 0, linear_sd = 0, linear_max = 0;
    std::uint64_t seed = 0;
};
GramNull gram_permutation_null(const GramSide& a, const GramSide& b, int shuffles, std::uint64_t seed);

}  // namespace lineage::probes::activation
