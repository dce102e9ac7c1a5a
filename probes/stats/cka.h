// Centered kernel alignment (linear kernel) between two representations of the same n samples:
// X (n x p) and Y (n x q), rows = samples. Lineage uses the unbiased estimator (Song et al. 2012's
// unbiased HSIC, as in Nguyen et al. / Murphy et al.'s "debiased CKA"), whose expectation is ~0 for
// independent data even when p, q are comparable to n, where biased CKA is strongly positive.
// Linear CKA is invariant to orthogonal maps and isotropic scaling of either side's features, so
// comparing Gram matrices over *aligned input dimensions* ignores head permutations/rotations.
//
// Two forms: the Gram form (n x n kernels, O(n^2 (p+q))) and the feature-space form for tall
// inputs (O(n p q), never forms n x n), chosen automatically. The permutation null shuffles the
// samples (rows) of one side; each shuffle is O(n^2) on precomputed off-diagonal Gram matrices.
// Used by the weight probe (attention invariant) and later by the activation probe.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace lineage::probes::stats {

using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Unbiased linear CKA of X (n x p) and Y (n x q); n >= 4. Returns 0 when a side is degenerate.
double unbiased_cka(const MatrixD& x, const MatrixD& y);

// Biased (classic) linear CKA, for comparison and descriptive output.
double linear_cka(const MatrixD& x, const MatrixD& y);

struct CkaNull {
    double observed = 0.0;
    std::vector<double> null_draws;  // CKA with Y's rows shuffled
    double p_value = 1.0;            // (1 + #{null >= observed}) / (1 + shuffles), or h / draws
                                     // when stopped early (see below)
    bool stopped_early = false;      // kSequentialStop draws reached the observed value
    double null_mean = 0.0, null_sd = 0.0, null_max = 0.0;
    std::uint64_t seed = 0;
};

// Observed unbiased CKA and its row-shuffle permutation null (up to `shuffles` draws, seeded).
// Sequential Monte Carlo (Besag & Clifford 1991): once kSequentialStop draws have reached the
// observed value the test stops with p = h / draws, a valid p-value that is at least
// kSequentialStop / shuffles, so it can never be the smallest attainable one; a statistic beyond
// its null (p = 1 / (shuffles + 1)) always runs every draw. Unrelated layer pairs, whose CKA sits
// inside the null, stop after ~2 * kSequentialStop draws instead of `shuffles`.
inline constexpr int kSequentialStop = 20;
CkaNull unbiased_cka_permutation_test(const MatrixD& x, const MatrixD& y, int shuffles,
                                      std::uint64_t seed);

}  // namespace lineage::probes::stats
