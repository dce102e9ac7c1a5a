// The LAPACK path of symmetric_eigen_top (wide matrices) against Eigen's solver: the same largest
// eigenvalues, ascending, and the same eigenvectors up to sign; k >= n gives every pair.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <cmath>

#include "probes/stats/random.h"
#include "probes/stats/symmetric_eigen.h"

namespace st = lineage::probes::stats;

TEST_CASE("symmetric_eigen_top: LAPACK's top eigenpairs agree with Eigen's solver") {
    const Eigen::Index n = 600;  // above the LAPACK threshold (512)
    st::Rng rng(5);
    st::MatrixD g(n, n);
    for (Eigen::Index i = 0; i < g.size(); ++i) g.data()[i] = st::standard_normal(rng);
    const st::MatrixD m = g * g.transpose() / static_cast<double>(n);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> ref{Eigen::MatrixXd(m)};
    for (const Eigen::Index k : {Eigen::Index(40), n}) {
        CAPTURE(k);
        const st::SymmetricEigen e = st::symmetric_eigen_top(m, k);
        REQUIRE(e.ok);
        REQUIRE(e.values.size() == k);
        REQUIRE(e.vectors.cols() == k);
        for (Eigen::Index j = 1; j < k; ++j) CHECK(e.values[j] >= e.values[j - 1]);
        const Eigen::VectorXd want = ref.eigenvalues().tail(k);
        CHECK((e.values - want).cwiseAbs().maxCoeff() < 1e-9 * want.cwiseAbs().maxCoeff());
        // Well separated top eigenvalues (the largest few of a Wishart matrix): vectors agree up to sign.
        for (Eigen::Index j = k - 5; j < k; ++j) {
            const double dot = e.vectors.col(j).dot(ref.eigenvectors().col(n - k + j));
            CHECK(std::fabs(std::fabs(dot) - 1.0) < 1e-6);
        }
        // Eigen-equation residual for every returned pair.
        const st::MatrixD r = m * e.vectors - e.vectors * e.values.asDiagonal();
        CHECK(r.cwiseAbs().maxCoeff() < 1e-8);
    }
}
