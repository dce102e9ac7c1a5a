// Permutation-robust tower statistics (see tower_compare_matching.h).
#include "probes/weights/tower_compare_matching.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "probes/stats/assignment.h"
#include "probes/stats/distributions.h"

namespace lineage::probes::weights {
namespace {

constexpr std::int64_t kMaxVectors = 256;      // B vectors matched per orientation (a strided subset)
constexpr std::int64_t kMaxCandidates = 4096;  // A vectors searched (a strided subset)
constexpr int kNullShuffles = 3;               // shuffles of A's coordinates for the null
constexpr int kMapNullShuffles = 4;

// Rows centred and scaled to unit length (zero rows stay zero).
MatrixF unit_rows(const MatrixF& m) {
    MatrixF out = m.colwise() - m.rowwise().mean();
    for (Eigen::Index r = 0; r < out.rows(); ++r) {
        const float n = out.row(r).norm();
        if (n > 0) out.row(r) /= n;
    }
    return out;
}

// At most `cap` rows, evenly strided.
MatrixF strided_rows(const MatrixF& m, std::int64_t cap) {
    if (m.rows() <= cap) return m;
    MatrixF out(cap, m.cols());
    for (std::int64_t i = 0; i < cap; ++i) out.row(i) = m.row(i * m.rows() / cap);
    return out;
}

// Columns of `m` permuted by `perm` (column j of the result = column perm[j] of m).
MatrixF permute_cols(const MatrixF& m, const std::vector<std::int32_t>& perm) {
    MatrixF out(m.rows(), m.cols());
    for (Eigen::Index j = 0; j < m.cols(); ++j) out.col(j) = m.col(perm[static_cast<std::size_t>(j)]);
    return out;
}

// Each B row's best |correlation| with A's rows (both already unit rows).
std::vector<double> best_abs(const MatrixF& unit_b, const MatrixF& unit_a) {
    const MatrixF c = unit_b * unit_a.transpose();
    std::vector<double> best(static_cast<std::size_t>(c.rows()));
    for (Eigen::Index i = 0; i < c.rows(); ++i) best[static_cast<std::size_t>(i)] = c.row(i).cwiseAbs().maxCoeff();
    return best;
}

double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

double sd(const std::vector<double>& v, double m) {
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return v.size() < 2 ? 0.0 : std::sqrt(s / static_cast<double>(v.size() - 1));
}

// Mean of the one-to-one matching's |correlation| between the rows of two unit-row matrices of
// the same height, with the matching and its signs.
double assignment_fit(const MatrixF& unit_b, const MatrixF& unit_a, std::vector<std::int32_t>* a_of_b,
                      std::vector<float>* sign) {
    const MatrixF c = unit_b * unit_a.transpose();
    const MatrixF abs_c = c.cwiseAbs();
    const stats::Assignment as =
        stats::solve_assignment(abs_c.data(), abs_c.rows(), abs_c.cols(), stats::Objective::maximize);
    if (a_of_b) *a_of_b = as.row_to_col;
    if (sign) {
        sign->assign(static_cast<std::size_t>(c.rows()), 1.0f);
        for (Eigen::Index i = 0; i < c.rows(); ++i) {
            const std::int32_t j = as.row_to_col[static_cast<std::size_t>(i)];
            if (j >= 0 && c(i, j) < 0) (*sign)[static_cast<std::size_t>(i)] = -1.0f;
        }
    }
    return as.total / static_cast<double>(std::max<Eigen::Index>(1, c.rows()));
}

// One orientation: the rows of `b` matched against the rows of `a` (A's columns put in B's order
// first when `align_cols`).
MatchingTest match_rows(MatrixF a, const MatrixF& b, const TowerHiddenMap& map, bool align_cols, stats::Rng& rng) {
    if (align_cols && map.recovered) {
        MatrixF aligned(a.rows(), a.cols());
        for (Eigen::Index j = 0; j < a.cols(); ++j)
            aligned.col(j) = a.col(map.a_of_b[static_cast<std::size_t>(j)]) * map.sign[static_cast<std::size_t>(j)];
        a = std::move(aligned);
    }
    const MatrixF ub = unit_rows(strided_rows(b, kMaxVectors));
    const MatrixF ua = unit_rows(strided_rows(a, kMaxCandidates));
    MatchingTest t;
    t.vectors = ub.rows();
    t.statistic = mean(best_abs(ub, ua));
    std::vector<double> null;
    for (int s = 0; s < kNullShuffles; ++s) {
        const auto perm = stats::random_permutation(a.cols(), rng);
        const auto draws = best_abs(ub, unit_rows(permute_cols(strided_rows(a, kMaxCandidates), perm)));
        null.insert(null.end(), draws.begin(), draws.end());
    }
    t.null_mean = mean(null);
    t.null_sd = sd(null, t.null_mean);
    const double se = std::max(t.null_sd, 1e-6) / std::sqrt(static_cast<double>(std::max<std::int64_t>(1, t.vectors)));
    t.neg_log10_p = stats::neg_log10(stats::log_normal_sf((t.statistic - t.null_mean) / se));
    return t;
}

}  // namespace

bool TowerHiddenMap::identity() const {
    if (!recovered) return false;
    for (std::size_t i = 0; i < a_of_b.size(); ++i)
        if (a_of_b[i] != static_cast<std::int32_t>(i) || sign[i] < 0) return false;
    return true;
}

std::int64_t tower_width(const std::vector<const TensorRef*>& tower_tensors_b) {
    std::map<std::int64_t, int> counts;
    for (const TensorRef* t : tower_tensors_b)
        if (t->shape.size() == 1) ++counts[t->shape[0]];
    std::int64_t width = 0;
    int best = 0;
    for (const auto& [n, c] : counts)
        if (c > best) best = c, width = n;
    return width;
}

TowerHiddenMap tower_hidden_map(const MatrixF& anchor_a, const MatrixF& anchor_b, bool width_on_rows,
                                const VerdictRule& rule, stats::Rng& rng) {
    // Vectors along the fixed axis, one per width index.
    const MatrixF a = width_on_rows ? anchor_a : MatrixF(anchor_a.transpose());
    const MatrixF b = width_on_rows ? anchor_b : MatrixF(anchor_b.transpose());
    TowerHiddenMap m;
    const MatrixF ub = unit_rows(b), ua = unit_rows(a);
    m.fit = assignment_fit(ub, ua, &m.a_of_b, &m.sign);
    std::vector<double> null;
    for (int s = 0; s < kMapNullShuffles; ++s)
        null.push_back(assignment_fit(ub, unit_rows(permute_cols(a, stats::random_permutation(a.cols(), rng))),
                                      nullptr, nullptr));
    m.null_mean = mean(null);
    // The null fit is a mean over the width's matched pairs: its spread, from the draws, with a
    // floor of one pair's spread over sqrt(width) so that four draws never make it vanish.
    const double floor_sd = 1.0 / std::sqrt(static_cast<double>(std::max<Eigen::Index>(1, a.cols()))) /
                            std::sqrt(static_cast<double>(std::max<Eigen::Index>(1, a.rows())));
    const double spread = std::max(sd(null, m.null_mean), floor_sd);
    m.neg_log10_p = stats::neg_log10(stats::log_normal_sf((m.fit - m.null_mean) / spread));
    m.recovered = m.neg_log10_p >= rule.derived_neg_log10_p && m.fit >= rule.hidden_map_min_fit;
    if (!m.recovered) {
        for (std::size_t i = 0; i < m.a_of_b.size(); ++i) m.a_of_b[i] = static_cast<std::int32_t>(i), m.sign[i] = 1.0f;
    }
    return m;
}

MatchingTest neuron_matching_test(const MatrixF& a, const MatrixF& b, const TowerHiddenMap& map, std::int64_t width,
                                  stats::Rng& rng) {
    // Rows as vectors: A's columns aligned when they are the tower's width; columns as vectors:
    // the transposes, A's rows aligned likewise.
    MatchingTest by_rows = match_rows(a, b, map, width > 0 && a.cols() == width, rng);
    MatchingTest by_cols = match_rows(a.transpose(), b.transpose(), map, width > 0 && a.rows() == width, rng);
    by_cols.rows = false;
    MatchingTest best = by_rows.neg_log10_p >= by_cols.neg_log10_p ? by_rows : by_cols;
    best.neg_log10_p = std::max(0.0, best.neg_log10_p - std::log10(2.0));
    return best;
}

bool matching_beyond(const MatchingTest& t, const VerdictRule& rule) {
    return t.neg_log10_p >= rule.derived_neg_log10_p && t.statistic - t.null_mean >= rule.pearson_min_effect;
}

}  // namespace lineage::probes::weights
