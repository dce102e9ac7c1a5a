// The hidden map's shortcuts: signed_permutation_fit_value equals the dense mapped_fit of the
// signed-permutation matrix to rounding (narrower A, equal widths, narrower B), and the float32
// Procrustes map recovers a random rotation as the double one does.
#include <doctest/doctest.h>

#include <Eigen/QR>

#include "probes/stats/procrustes.h"
#include "probes/stats/random.h"

namespace ps = lineage::probes::stats;

namespace {
ps::MatrixD gaussian(Eigen::Index n, Eigen::Index d, ps::Rng& rng) {
    ps::MatrixD m(n, d);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < d; ++j) m(i, j) = ps::standard_normal(rng);
    return m;
}
}  // namespace

TEST_CASE("signed_permutation_fit_value equals the dense mapped fit") {
    ps::Rng rng(7);
    for (auto [p, q] : {std::pair<Eigen::Index, Eigen::Index>{12, 20}, {16, 16}, {20, 12}}) {
        const ps::MatrixD x = gaussian(200, p, rng);
        ps::MatrixD y = gaussian(200, q, rng);
        const Eigen::Index k = std::min(p, q);
        for (Eigen::Index j = 0; j < k; ++j)  // B's column (k-1-j) carries +/- A's column j
            y.col(k - 1 - j) += (j % 3 == 0 ? -2.0 : 2.0) * x.col(j);
        const ps::SignedPermutation sp = ps::signed_permutation_fit(x, y);
        const double dense = ps::mapped_fit(x, ps::signed_permutation_matrix(sp, q), y);
        CHECK(ps::signed_permutation_fit_value(x, sp, y) == doctest::Approx(dense).epsilon(1e-12));
        CHECK(dense > 0.8);
    }
}

TEST_CASE("float32 Procrustes recovers a random rotation") {
    ps::Rng rng(11);
    const ps::MatrixD x = gaussian(400, 32, rng);
    const Eigen::HouseholderQR<ps::MatrixD> qr(gaussian(32, 32, rng));
    const ps::MatrixD r = qr.householderQ();
    const ps::MatrixD y = x * r;
    const ps::MatrixD r32 = ps::orthogonal_procrustes_f32(x, y);
    CHECK((r32 - r).cwiseAbs().maxCoeff() < 1e-4);
    CHECK(ps::mapped_fit(x, r32, y) > 0.9999);
}
