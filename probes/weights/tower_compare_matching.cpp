// Permutation-robust tower statistics (see tower_compare_matching.h).
#include "probes/weights/tower_compare_matching.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <Eigen/QR>

#include "probes/stats/assignment.h"
#include "probes/stats/distributions.h"
#include "probes/stats/procrustes.h"

namespace lineage::probes::weights {
namespace {

constexpr std::int64_t kMaxVectors = 256;      // B vectors matched per orientation (a strided subset)
constexpr std::int64_t kMaxCandidates = 4096;  // A vectors searched (a strided subset)
constexpr int kNullShuffles = 3;               // shuffles of A's coordinates for the null
constexpr int kMapNullShuffles = 4;
constexpr double kRotationMargin = 0.05;       // over every null draw, as the language model's map
constexpr int kRotationFolds = 4;              // held-out folds of the rotation's fit

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

// Every column centred and scaled to unit spread across the rows (constant columns become zero).
MatrixF standardised_columns(const MatrixF& m) {
    MatrixF out = m.rowwise() - m.colwise().mean();
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
        const float n = out.col(j).norm();
        if (n > 0) out.col(j) /= n;
    }
    return out;
}

// One orientation: the rows of `b` matched against the rows of `a` (A's columns put in B's basis
// first when `align_groups` > 0: that many blocks of the tower's width). `standardise`: every
// coordinate standardised across the rows first (projector_matching_test).
MatchingTest match_rows(MatrixF a, MatrixF b, const TowerHiddenMap& map, std::int64_t align_groups, bool standardise,
                        stats::Rng& rng) {
    if (align_groups > 0 && map.recovered) a = map.align_columns(a, align_groups);
    if (standardise) a = standardised_columns(a), b = standardised_columns(b);
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

stats::MatrixD as_double(const MatrixF& m) { return m.cast<double>(); }

// The rows in fold `which` (`in` true) or in every other fold.
stats::MatrixD select_rows(const stats::MatrixD& m, const std::vector<char>& fold, char which, bool in) {
    Eigen::Index n = 0;
    for (char f : fold) n += (f == which) == in;
    stats::MatrixD out(n, m.cols());
    for (Eigen::Index i = 0, k = 0; i < m.rows(); ++i)
        if ((fold[static_cast<std::size_t>(i)] == which) == in) out.row(k++) = m.row(i);
    return out;
}

// The orthogonal Procrustes map fitted on all folds of the samples (rows) but one and scored on
// that one, averaged over the folds: held out, as the language model's map is judged
// (probes/weights/hidden_alignment.cpp). kRotationFolds folds rather than its two: an anchor has
// few samples for its width (96 for 64 in the zoo, 1176 for 1280 in Qwen2.5-VL), and a rotation
// fitted on fewer samples than the width is undetermined on the rest.
double heldout_rotation_fit(const stats::MatrixD& x, const stats::MatrixD& y, const std::vector<char>& fold) {
    double fit = 0.0;
    for (char k = 0; k < static_cast<char>(kRotationFolds); ++k) {
        const stats::MatrixD r =
            stats::orthogonal_procrustes(select_rows(x, fold, k, false), select_rows(y, fold, k, false));
        fit += stats::mapped_fit(select_rows(x, fold, k, true), r, select_rows(y, fold, k, true)) / kRotationFolds;
    }
    return fit;
}

// Step 1's orthogonal map: samples are the anchor's fixed axis (`a`, `b`: width x samples).
void fit_rotation(const MatrixF& a, const MatrixF& b, const VerdictRule& rule, stats::Rng& rng, TowerHiddenMap& m) {
    const stats::MatrixD x = as_double(a.transpose()), y = as_double(b.transpose());
    if (x.rows() < 8) return;
    std::vector<char> fold(static_cast<std::size_t>(x.rows()));
    for (std::size_t i = 0; i < fold.size(); ++i) fold[i] = static_cast<char>(i % kRotationFolds);
    stats::shuffle(std::span(fold), rng);
    m.rotation_fit = heldout_rotation_fit(x, y, fold);
    std::vector<double> null;
    for (int s = 0; s < kMapNullShuffles; ++s) {
        const auto perm = stats::random_permutation(x.rows(), rng);
        stats::MatrixD xs(x.rows(), x.cols());
        for (Eigen::Index i = 0; i < x.rows(); ++i) xs.row(i) = x.row(perm[static_cast<std::size_t>(i)]);
        null.push_back(heldout_rotation_fit(xs, y, fold));
    }
    const double null_mean = mean(null);
    m.rotation_null_max = *std::max_element(null.begin(), null.end());
    // A mean over the width's columns of held-out correlations: the draws' spread, floored at one
    // column's spread over sqrt(width) as the permutation's null is.
    const double floor_sd = 1.0 / std::sqrt(static_cast<double>(x.rows()) / kRotationFolds) /
                            std::sqrt(static_cast<double>(std::max<Eigen::Index>(1, x.cols())));
    const double p = stats::neg_log10(
        stats::log_normal_sf((m.rotation_fit - null_mean) / std::max(sd(null, null_mean), floor_sd)));
    if (m.rotation_fit >= rule.hidden_map_min_fit && m.rotation_fit - m.rotation_null_max >= kRotationMargin &&
        p >= rule.derived_neg_log10_p) {
        m.recovered = true;
        m.kind = "rotation";
        m.neg_log10_p = p;
        m.null_mean = null_mean;
        m.rotation_ab = stats::orthogonal_procrustes(x, y).cast<float>();
    }
}

// A Haar-random orthogonal matrix (QR of a Gaussian matrix, signs fixed by R's diagonal).
MatrixF random_orthogonal(std::int64_t n, stats::Rng& rng) {
    Eigen::MatrixXd g(n, n);
    for (Eigen::Index k = 0; k < g.size(); ++k) g.data()[k] = stats::standard_normal(rng);
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
    Eigen::MatrixXd q = qr.householderQ();
    const Eigen::MatrixXd r = qr.matrixQR().triangularView<Eigen::Upper>();
    for (Eigen::Index j = 0; j < n; ++j)
        if (r(j, j) < 0) q.col(j) *= -1.0;
    return q.cast<float>();
}

// `w` plus Gaussian noise of `relative` x its std.
MatrixF with_noise(const MatrixF& w, double relative, stats::Rng& rng) {
    const float mu = w.mean();
    const double spread = std::sqrt(std::max(0.0, static_cast<double>((w.array() - mu).square().mean())));
    MatrixF out = w;
    for (Eigen::Index e = 0; e < out.size(); ++e)
        out.data()[e] += static_cast<float>(relative * spread * stats::standard_normal(rng));
    return out;
}

}  // namespace

MatrixF TowerHiddenMap::align_columns(const MatrixF& a, std::int64_t groups) const {
    if (!recovered || groups <= 0) return a;
    const Eigen::Index w = a.cols() / groups;
    MatrixF out(a.rows(), a.cols());
    for (Eigen::Index g = 0; g < groups; ++g) {
        const Eigen::Index off = g * w;
        if (rotation()) {
            out.middleCols(off, w) = a.middleCols(off, w) * rotation_ab;
        } else {
            for (Eigen::Index j = 0; j < w; ++j)
                out.col(off + j) = a.col(off + a_of_b[static_cast<std::size_t>(j)]) * sign[static_cast<std::size_t>(j)];
        }
    }
    return out;
}

bool TowerHiddenMap::identity() const {
    if (!recovered || kind == "rotation") return false;
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
    if (m.recovered) {
        m.kind = m.identity() ? "identity" : "signed_permutation";
        return m;
    }
    for (std::size_t i = 0; i < m.a_of_b.size(); ++i) m.a_of_b[i] = static_cast<std::int32_t>(i), m.sign[i] = 1.0f;
    // No permutation fits: a rotated copy of the width? (Same fixed-axis samples, held out.)
    fit_rotation(a, b, rule, rng, m);
    return m;
}

MatchingTest neuron_matching_test(const MatrixF& a, const MatrixF& b, const TowerHiddenMap& map, std::int64_t width,
                                  stats::Rng& rng) {
    // Rows as vectors: A's columns aligned when they are the tower's width; columns as vectors:
    // the transposes, A's rows aligned likewise.
    MatchingTest by_rows = match_rows(a, b, map, width > 0 && a.cols() == width ? 1 : 0, false, rng);
    MatchingTest by_cols =
        match_rows(a.transpose(), b.transpose(), map, width > 0 && a.rows() == width ? 1 : 0, false, rng);
    by_cols.rows = false;
    MatchingTest best = by_rows.neg_log10_p >= by_cols.neg_log10_p ? by_rows : by_cols;
    best.neg_log10_p = std::max(0.0, best.neg_log10_p - std::log10(2.0));
    return best;
}

bool matching_beyond(const MatchingTest& t, const VerdictRule& rule) {
    return t.neg_log10_p >= rule.derived_neg_log10_p && t.statistic - t.null_mean >= rule.pearson_min_effect;
}

MatchingTest projector_matching_test(const MatrixF& a, const MatrixF& b, const TowerHiddenMap& vision_map,
                                     std::int64_t vision_width, stats::Rng& rng) {
    // Rows of the first layer read the tower's features (whole merged groups of its width): those
    // columns go into B's basis; columns of the second layer are indexed by the intermediates.
    const bool grouped = vision_width > 0 && a.cols() % vision_width == 0;
    MatchingTest by_rows = match_rows(a, b, vision_map, grouped ? a.cols() / vision_width : 0, true, rng);
    MatchingTest by_cols = match_rows(a.transpose(), b.transpose(), vision_map, 0, true, rng);
    by_cols.rows = false;
    MatchingTest best = by_rows.neg_log10_p >= by_cols.neg_log10_p ? by_rows : by_cols;
    best.neg_log10_p = std::max(0.0, best.neg_log10_p - std::log10(2.0));
    return best;
}

RotationControl tower_rotation_control(const MatrixF& anchor_a, bool width_on_rows, const MatrixF& block_a,
                                       std::int64_t width, double noise_relative_std, const VerdictRule& rule,
                                       stats::Rng& rng) {
    RotationControl c;
    if (width <= 0 || (block_a.cols() != width && block_a.rows() != width)) return c;
    const MatrixF q = random_orthogonal(width, rng);  // v_A -> v_A q' in B's width
    const MatrixF anchor_b =
        with_noise(width_on_rows ? MatrixF(q * anchor_a) : MatrixF(anchor_a * q.transpose()), noise_relative_std, rng);
    const MatrixF block_b = with_noise(block_a.cols() == width ? MatrixF(block_a * q.transpose()) : MatrixF(q * block_a),
                                       noise_relative_std, rng);
    const TowerHiddenMap map = tower_hidden_map(anchor_a, anchor_b, width_on_rows, rule, rng);
    c.map_fit = map.rotation_fit;
    if (!map.rotation()) return c;
    const MatchingTest t = neuron_matching_test(block_a, block_b, map, width, rng);
    c.matching_neg_log10_p = t.neg_log10_p;
    c.detected = matching_beyond(t, rule);
    return c;
}

}  // namespace lineage::probes::weights
