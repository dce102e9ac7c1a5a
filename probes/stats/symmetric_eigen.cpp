// Top eigenpairs of symmetric matrices (see symmetric_eigen.h).
#include "probes/stats/symmetric_eigen.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <vector>

extern "C" void dsyevr_(const char* jobz, const char* range, const char* uplo, const int* n, double* a,
                        const int* lda, const double* vl, const double* vu, const int* il, const int* iu,
                        const double* abstol, int* m, double* w, double* z, const int* ldz, int* isuppz,
                        double* work, const int* lwork, int* iwork, const int* liwork, int* info);

namespace lineage::probes::stats {
namespace {

// Below this size Eigen's solver is fast enough, and keeps small models' figures as they were.
constexpr Eigen::Index kLapackFrom = 512;

SymmetricEigen eigen_solver(const MatrixD& m, Eigen::Index k) {
    SymmetricEigen out;
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es{Eigen::MatrixXd(m)};
    if (es.info() != Eigen::Success) return out;
    out.values = es.eigenvalues().tail(k);
    out.vectors = es.eigenvectors().rightCols(k);
    out.ok = true;
    return out;
}

SymmetricEigen lapack_solver(const MatrixD& m, Eigen::Index k) {
    SymmetricEigen out;
    const int n = static_cast<int>(m.rows());
    Eigen::MatrixXd a = m;  // overwritten by dsyevr
    const int il = n - static_cast<int>(k) + 1, iu = n;
    const double vl = 0, vu = 0, abstol = 0;  // abstol 0: LAPACK's default accuracy
    const char jobz = 'V', range = k < n ? 'I' : 'A', uplo = 'L';
    int found = 0, info = 0, lwork = -1, liwork = -1, iwork_query = 0;
    double work_query = 0;
    std::vector<double> w(static_cast<std::size_t>(n));
    Eigen::MatrixXd z(n, k);
    std::vector<int> isuppz(static_cast<std::size_t>(2 * std::max<Eigen::Index>(k, 1)));
    dsyevr_(&jobz, &range, &uplo, &n, a.data(), &n, &vl, &vu, &il, &iu, &abstol, &found, w.data(), z.data(), &n,
            isuppz.data(), &work_query, &lwork, &iwork_query, &liwork, &info);
    if (info != 0) return out;
    lwork = static_cast<int>(work_query);
    liwork = iwork_query;
    std::vector<double> work(static_cast<std::size_t>(lwork));
    std::vector<int> iwork(static_cast<std::size_t>(liwork));
    dsyevr_(&jobz, &range, &uplo, &n, a.data(), &n, &vl, &vu, &il, &iu, &abstol, &found, w.data(), z.data(), &n,
            isuppz.data(), work.data(), &lwork, iwork.data(), &liwork, &info);
    if (info != 0 || found != k) return out;
    out.values = Eigen::Map<const Eigen::VectorXd>(w.data(), k);
    out.vectors = std::move(z);
    out.ok = true;
    return out;
}

}  // namespace

SymmetricEigen symmetric_eigen_top(const MatrixD& m, Eigen::Index k) {
    k = std::clamp<Eigen::Index>(k, 0, m.rows());
    if (k == 0 || m.rows() != m.cols()) return {};
    return m.rows() < kLapackFrom ? eigen_solver(m, k) : lapack_solver(m, k);
}

}  // namespace lineage::probes::stats
