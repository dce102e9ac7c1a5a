// Correlation statistics of the weight probe: centred (element-wise) Pearson correlation of two
// same-shape tensors, average ranks with exact tie handling, and Spearman's rank correlation with
// its p-value from the t approximation (t = r sqrt((n-2)/(1-r^2)), n-2 degrees of freedom), as
// scipy.stats.spearmanr and the independence test of Zhu et al. (ICML 2025) compute it. Because
// the t approximation has no floor, p-values are floored at 1/n!, the exact permutation p-value
// of a perfect rank agreement, so a perfect match reports finite, honest evidence.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace lineage::probes::stats {

enum class Alternative { greater, two_sided };

struct CorrelationTest {
    double r = 0.0;        // correlation coefficient
    double log_p = 0.0;    // natural log of the p-value
    double neg_log10_p = 0.0;
    std::int64_t n = 0;
};

// Centred Pearson correlation (mean-subtracted, accumulated in double). 0 when a side is constant.
double pearson(std::span<const float> a, std::span<const float> b);
double pearson(std::span<const double> a, std::span<const double> b);

// Average ranks (1-based, ties share the mean of their positions), as scipy.stats.rankdata.
std::vector<double> average_ranks(std::span<const double> values);

double spearman(std::span<const double> a, std::span<const double> b);

// Spearman's rho with its t-approximation p-value (floored at 1/n!).
CorrelationTest spearman_test(std::span<const double> a, std::span<const double> b,
                              Alternative alternative = Alternative::greater);

// The p-value of a correlation r over n pairs by the t approximation (floored at 1/n!).
double log_p_from_correlation(double r, std::int64_t n, Alternative alternative);

// Convenience: two permutations (matchings) as integer vectors.
CorrelationTest spearman_test(std::span<const std::int32_t> a, std::span<const std::int32_t> b,
                              Alternative alternative = Alternative::greater);

}  // namespace lineage::probes::stats
