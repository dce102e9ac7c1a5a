// Neuron matching's two speed paths (probes/weights/neuron_matching.h) must not change what it
// finds: the fused block-by-block certificate returns the same matching as the materialised
// similarity matrix + exact solver, and falls back to that when rows collide; the seeded subset
// of A's neurons (a rectangular |S| x n_B assignment) keeps the test valid - p-values of
// independent synthetic pairs are roughly uniform (the exchangeability argument in
// neuron_matching.h) - and still detects a derived pair (neurons permuted, weights perturbed).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "probes/stats/assignment.h"
#include "probes/stats/correlation.h"
#include "probes/stats/random.h"
#include "probes/weights/neuron_matching.h"

using namespace lineage::probes::weights;
namespace st = lineage::probes::stats;

namespace {

MatrixF gaussian(Eigen::Index r, Eigen::Index c, st::Rng& rng) {
    MatrixF m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(st::standard_normal(rng));
    return m;
}

// B's rows: A's rows permuted (row perm[i] of B is row i of A) plus noise.
MatrixF derived(const MatrixF& a, const std::vector<std::int32_t>& perm, double noise, st::Rng& rng) {
    MatrixF b = gaussian(a.rows(), a.cols(), rng) * static_cast<float>(noise);
    for (Eigen::Index i = 0; i < a.rows(); ++i) b.row(perm[i]) += a.row(i);
    return b;
}

MatrixF select(const MatrixF& m, const std::vector<std::int32_t>& rows) {
    MatrixF out(static_cast<Eigen::Index>(rows.size()), m.cols());
    for (std::size_t k = 0; k < rows.size(); ++k) out.row(static_cast<Eigen::Index>(k)) = m.row(rows[k]);
    return out;
}

// The Spearman test of the gate and up matchings of A's subset rows, as match_blocks does it.
st::CorrelationTest subset_test(const MatrixF& ga, const MatrixF& ua, const MatrixF& gb, const MatrixF& ub,
                                std::int64_t limit) {
    const auto rows = neuron_subset(ga.rows(), limit);
    const auto g = match_by_cosine(select(ga, rows), gb), u = match_by_cosine(select(ua, rows), ub);
    return st::spearman_test(std::span<const std::int32_t>(g.row_to_col), std::span<const std::int32_t>(u.row_to_col));
}

double total_similarity(const MatrixF& a, const MatrixF& b, const std::vector<std::int32_t>& x) {
    double s = 0;
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        if (x[i] >= 0) s += a.row(i).normalized().dot(b.row(x[i]).normalized());
    return s;
}

}  // namespace

TEST_CASE("neuron subset: all rows up to twice the limit, else a fixed sorted seeded sample") {
    const auto all = neuron_subset(100, 50);
    REQUIRE(all.size() == 100);
    CHECK(all.front() == 0);
    CHECK(all.back() == 99);
    CHECK(neuron_subset(100, 0).size() == 100);
    const auto s = neuron_subset(11008, 2048);
    REQUIRE(s.size() == 2048);
    CHECK(std::is_sorted(s.begin(), s.end()));
    CHECK(std::adjacent_find(s.begin(), s.end()) == s.end());
    CHECK(s.back() < 11008);
    CHECK(s == neuron_subset(11008, 2048));  // deterministic: the same rows for gate and up
}

TEST_CASE("fused certificate equals the materialised solve on derived rows; falls back otherwise") {
    st::Rng rng(41);
    const MatrixF a = gaussian(700, 48, rng);
    const auto perm = st::random_permutation(700, rng);
    const MatrixF b = derived(a, perm, 0.3, rng);
    const CosineMatch fused = match_by_cosine(a, b, SimilarityPath::fused),
                      full = match_by_cosine(a, b, SimilarityPath::materialised);
    CHECK(fused.fused);
    CHECK(fused.certified);
    CHECK_FALSE(full.fused);
    CHECK(full.certified);
    CHECK(fused.row_to_col == full.row_to_col);
    CHECK(fused.row_to_col == perm);
    // A subset of A's rows against all of B: rectangular, still certified and still the planted map.
    const auto rows = neuron_subset(700, 128);
    const CosineMatch sub = match_by_cosine(select(a, rows), b, SimilarityPath::fused);
    CHECK(sub.fused);
    for (std::size_t k = 0; k < rows.size(); ++k) CHECK(sub.row_to_col[k] == perm[rows[k]]);

    // Unrelated rows collide: the fused path declines and the exact solver's optimum is returned.
    const MatrixF c = gaussian(300, 48, rng), d = gaussian(420, 48, rng);
    const CosineMatch f2 = match_by_cosine(c, d, SimilarityPath::fused),
                      m2 = match_by_cosine(c, d, SimilarityPath::materialised);
    CHECK_FALSE(f2.fused);
    CHECK_FALSE(f2.certified);
    CHECK(f2.collisions > 0);
    CHECK(f2.row_to_col == m2.row_to_col);
    CHECK(match_by_cosine(c, d).row_to_col == m2.row_to_col);  // automatic: small, materialised
    MatrixF cost = MatrixF::Zero(300, 420);
    for (Eigen::Index i = 0; i < 300; ++i)
        for (Eigen::Index j = 0; j < 420; ++j) cost(i, j) = c.row(i).normalized().dot(d.row(j).normalized());
    const auto ref = st::solve_assignment(cost.data(), 300, 420, st::Objective::maximize);
    CHECK(total_similarity(c, d, f2.row_to_col) == doctest::Approx(ref.total).epsilon(1e-4));
}

TEST_CASE("subset matching: independent pairs give roughly uniform p-values, derived pairs are detected") {
    // Null: A and B independent (gate and up rows independent Gaussians). 200 pairs, 64 of A's
    // 400 neurons matched against all of B's 400 each time.
    const int trials = 200, n = 400, d = 24, limit = 64;
    st::Rng rng(77);
    std::vector<double> p;
    for (int t = 0; t < trials; ++t) {
        const MatrixF ga = gaussian(n, d, rng), ua = gaussian(n, d, rng), gb = gaussian(n, d, rng), ub = gaussian(n, d, rng);
        const auto test = subset_test(ga, ua, gb, ub, limit);
        CHECK(test.n == limit);
        p.push_back(std::pow(10.0, -test.neg_log10_p));
    }
    std::sort(p.begin(), p.end());
    double mean = 0, ks = 0;
    int below_05 = 0;
    for (int k = 0; k < trials; ++k) {
        mean += p[k] / trials;
        below_05 += p[k] < 0.05;
        ks = std::max({ks, std::fabs(p[k] - static_cast<double>(k) / trials), std::fabs(p[k] - (k + 1.0) / trials)});
    }
    CAPTURE(mean);
    CAPTURE(below_05);
    CHECK(mean == doctest::Approx(0.5).epsilon(0.15));  // uniform: 0.5 +- 0.02 (sd) at 200 trials
    CHECK(below_05 <= 22);                               // expected 10, Binomial(200, 0.05)
    CHECK(ks < 1.63 / std::sqrt(static_cast<double>(trials)));  // Kolmogorov-Smirnov at 1%

    // Derived: B = A's neurons permuted + noise comparable to a long fine-tune.
    const MatrixF ga = gaussian(n, d, rng), ua = gaussian(n, d, rng);
    const auto perm = st::random_permutation(n, rng);
    const MatrixF gb = derived(ga, perm, 0.5, rng), ub = derived(ua, perm, 0.5, rng);
    const auto test = subset_test(ga, ua, gb, ub, limit);
    CHECK(test.r > 0.99);
    CHECK(test.neg_log10_p > 20.0);
}
