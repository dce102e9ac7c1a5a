// The activation probe's Gram-form CKA: equal to the feature-form CKA of probes/stats/cka.h on
// random data, invariant to rotations, permutations and isotropic scaling of the features, ~0 for
// independent data (debiased), and a row-shuffled null centred on 0.
#include <doctest/doctest.h>

#include <Eigen/QR>
#include <array>
#include <cmath>

#include "probes/activation/gram_cka.h"
#include "probes/stats/cka.h"
#include "probes/stats/random.h"

using namespace lineage::probes;
using activation::MatrixF;

namespace {

MatrixF random_features(Eigen::Index n, Eigen::Index d, stats::Rng& rng) {
    MatrixF m(n, d);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < d; ++j) m(i, j) = static_cast<float>(stats::standard_normal(rng));
    return m;
}

activation::GramSide side(const MatrixF& x) { return activation::gram_side_from_features(x.data(), x.rows(), x.cols(), x.cols()); }

MatrixF random_rotation(Eigen::Index d, stats::Rng& rng) {
    Eigen::MatrixXd g(d, d);
    for (Eigen::Index i = 0; i < d; ++i)
        for (Eigen::Index j = 0; j < d; ++j) g(i, j) = stats::standard_normal(rng);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
    const Eigen::MatrixXd q = qr.householderQ();
    return q.cast<float>();
}

}  // namespace

TEST_CASE("activation gram cka: equals the feature-form CKA on random data") {
    stats::Rng rng(7);
    const MatrixF x = random_features(120, 40, rng);
    MatrixF y = random_features(120, 24, rng);
    y.leftCols(10) += 0.8f * x.leftCols(10);  // partly related
    const activation::CkaPair g = activation::cka_from_grams(side(x), side(y));
    const stats::MatrixD xd = x.cast<double>(), yd = y.cast<double>();
    CHECK(g.debiased == doctest::Approx(stats::unbiased_cka(xd, yd)).epsilon(1e-4));
    CHECK(g.linear == doctest::Approx(stats::linear_cka(xd, yd)).epsilon(1e-4));
    CHECK(g.debiased > 0.1);

    SUBCASE("from an uncentred Gram matrix as well") {
        MatrixF k = x * x.transpose(), l = y * y.transpose();
        const activation::CkaPair h =
            activation::cka_from_grams(activation::gram_side_from_gram(k), activation::gram_side_from_gram(l));
        CHECK(h.debiased == doctest::Approx(g.debiased).epsilon(1e-3));
        CHECK(h.linear == doctest::Approx(g.linear).epsilon(1e-3));
    }
}

TEST_CASE("activation gram cka: invariant to rotation, permutation and isotropic scaling") {
    stats::Rng rng(11);
    const MatrixF x = random_features(100, 32, rng);
    MatrixF y = random_features(100, 32, rng);
    y += 0.5f * x;
    const activation::CkaPair base = activation::cka_from_grams(side(x), side(y));

    const MatrixF rotated = y * random_rotation(32, rng);
    MatrixF permuted(100, 32);
    const auto perm = stats::random_permutation(32, rng);
    for (int j = 0; j < 32; ++j) permuted.col(j) = y.col(perm[static_cast<std::size_t>(j)]);
    const MatrixF scaled = 37.5f * y;
    MatrixF shifted = y;
    shifted.rowwise() += Eigen::RowVectorXf::Constant(32, 3.0f);
    for (const MatrixF* t : std::array<const MatrixF*, 4>{&rotated, &permuted, &scaled, &shifted}) {
        const activation::CkaPair c = activation::cka_from_grams(side(x), side(*t));
        CHECK(c.debiased == doctest::Approx(base.debiased).epsilon(1e-3));
        CHECK(c.linear == doctest::Approx(base.linear).epsilon(1e-3));
    }
    // Identical representations (up to rotation) give 1.
    const activation::CkaPair self = activation::cka_from_grams(side(y), side(rotated));
    CHECK(self.debiased == doctest::Approx(1.0).epsilon(1e-3));
    CHECK(self.linear == doctest::Approx(1.0).epsilon(1e-3));
}

TEST_CASE("activation gram cka: debiased ~0 for independent data, and the shuffled null") {
    stats::Rng rng(3);
    const MatrixF x = random_features(200, 150, rng), y = random_features(200, 150, rng);
    const activation::CkaPair c = activation::cka_from_grams(side(x), side(y));
    CHECK(std::abs(c.debiased) < 0.05);
    CHECK(c.linear > 0.3);  // the biased estimator is strongly positive when d ~ n

    MatrixF related = y;
    related += x;
    const activation::GramNull null = activation::gram_permutation_null(side(x), side(related), 40, 99);
    REQUIRE(null.debiased.size() == 40);
    CHECK(std::abs(null.debiased_mean) < 0.02);
    CHECK(null.debiased_max < activation::cka_from_grams(side(x), side(related)).debiased);
    // Deterministic given the seed.
    const activation::GramNull again = activation::gram_permutation_null(side(x), side(related), 40, 99);
    CHECK(again.debiased == null.debiased);
}
