// Linear CKA (see cka.h). Unbiased HSIC (Song et al. 2012) on off-diagonal Gram matrices K~, L~:
//   HSIC_u = [tr(K~L~) + (1'K~1)(1'L~1)/((n-1)(n-2)) - 2/(n-2) (K~1)'(L~1)] / (n(n-3)).
// In feature space, with kx_i = |x_i|^2: tr(K~L~) = |X'Y|_F^2 - sum_i kx_i ly_i and
// K~1 = X(X'1) - kx, so tall matrices never need an n x n kernel.
#include "probes/stats/cka.h"

#include <algorithm>
#include <cmath>

#include "probes/stats/random.h"
#include "weights/core/error.h"

namespace lineage::probes::stats {
namespace {

// The three ingredients of HSIC_u that involve one side only.
struct Side {
    Eigen::VectorXd row_sq;   // kx_i = |x_i|^2
    Eigen::VectorXd k1;       // K~ 1
    double sum = 0.0;         // 1' K~ 1
};

MatrixD centred(const MatrixD& m) {
    MatrixD c = m;
    c.rowwise() -= m.colwise().mean();
    return c;
}

Side side_of(const MatrixD& x) {
    Side s;
    s.row_sq = x.rowwise().squaredNorm();
    const Eigen::VectorXd col_sum = x.colwise().sum().transpose();
    s.k1 = x * col_sum - s.row_sq;
    s.sum = s.k1.sum();
    return s;
}

double hsic_from(double trace_kl, const Side& a, const Side& b, double n) {
    return (trace_kl + a.sum * b.sum / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * a.k1.dot(b.k1)) /
           (n * (n - 3));
}

// tr(K~ L~) in whichever form is cheaper.
double trace_offdiag(const MatrixD& x, const MatrixD& y, const Side& a, const Side& b) {
    const double n = static_cast<double>(x.rows());
    const double feature_cost = static_cast<double>(x.cols()) * static_cast<double>(y.cols());
    if (feature_cost <= n * static_cast<double>(x.cols() + y.cols())) {
        const MatrixD xy = x.transpose() * y;
        return xy.squaredNorm() - a.row_sq.dot(b.row_sq);
    }
    const MatrixD k = x * x.transpose();
    const MatrixD l = y * y.transpose();
    return k.cwiseProduct(l).sum() - a.row_sq.dot(b.row_sq);
}

void check(const MatrixD& x, const MatrixD& y) {
    if (x.rows() != y.rows())
        throw InternalError("unbiased_cka: sample counts differ (" + std::to_string(x.rows()) +
                            " vs " + std::to_string(y.rows()) + ")");
    if (x.rows() < 4) throw InternalError("unbiased_cka: needs at least 4 samples");
}

}  // namespace

double unbiased_cka(const MatrixD& x_in, const MatrixD& y_in) {
    check(x_in, y_in);
    const MatrixD x = centred(x_in), y = centred(y_in);
    const double n = static_cast<double>(x.rows());
    const Side a = side_of(x), b = side_of(y);
    const double kl = hsic_from(trace_offdiag(x, y, a, b), a, b, n);
    const double kk = hsic_from(trace_offdiag(x, x, a, a), a, a, n);
    const double ll = hsic_from(trace_offdiag(y, y, b, b), b, b, n);
    if (kk <= 0 || ll <= 0) return 0.0;
    return kl / std::sqrt(kk * ll);
}

double linear_cka(const MatrixD& x_in, const MatrixD& y_in) {
    check(x_in, y_in);
    const MatrixD x = centred(x_in), y = centred(y_in);
    const double xy = (x.transpose() * y).squaredNorm();
    const double xx = (x.transpose() * x).norm(), yy = (y.transpose() * y).norm();
    if (xx <= 0 || yy <= 0) return 0.0;
    return xy / (xx * yy);
}

CkaNull unbiased_cka_permutation_test(const MatrixD& x_in, const MatrixD& y_in, int shuffles,
                                      std::uint64_t seed) {
    check(x_in, y_in);
    CkaNull out;
    out.seed = seed;
    const MatrixD x = centred(x_in), y = centred(y_in);
    const std::int64_t n = x.rows();
    const double nd = static_cast<double>(n);
    const Side a = side_of(x), b = side_of(y);
    // Off-diagonal Gram matrices, computed once; each shuffle is then one O(n^2) gather.
    MatrixD k = x * x.transpose(), l = y * y.transpose();
    k.diagonal().setZero();
    l.diagonal().setZero();
    const double kk = hsic_from(k.squaredNorm(), a, a, nd);
    const double ll = hsic_from(l.squaredNorm(), b, b, nd);
    const double norm = (kk > 0 && ll > 0) ? std::sqrt(kk * ll) : 0.0;
    if (norm == 0.0) return out;
    out.observed = hsic_from(k.cwiseProduct(l).sum(), a, b, nd) / norm;

    Rng rng(seed);
    std::vector<std::int32_t> perm(static_cast<std::size_t>(n));
    Side bp = b;
    out.null_draws.reserve(static_cast<std::size_t>(shuffles));
    int reached = 0;  // draws >= observed so far
    for (int s = 0; s < shuffles && reached < kSequentialStop; ++s) {
        perm = random_permutation(n, rng);
        double trace = 0.0;
        for (std::int64_t i = 0; i < n; ++i) {
            const double* krow = k.data() + i * n;
            const double* lrow = l.data() + static_cast<std::int64_t>(perm[i]) * n;
            double acc = 0.0;
            for (std::int64_t j = 0; j < n; ++j) acc += krow[j] * lrow[perm[j]];
            trace += acc;
        }
        for (std::int64_t i = 0; i < n; ++i) bp.k1[i] = b.k1[perm[i]];
        out.null_draws.push_back(hsic_from(trace, a, bp, nd) / norm);
        reached += out.null_draws.back() >= out.observed ? 1 : 0;
    }
    out.stopped_early = reached >= kSequentialStop && static_cast<int>(out.null_draws.size()) < shuffles;
    out.p_value = out.stopped_early
                      ? static_cast<double>(reached) / static_cast<double>(out.null_draws.size())
                      : empirical_p_upper(out.observed, out.null_draws);
    double sum = 0, sq = 0, mx = -1e300;
    for (double v : out.null_draws) sum += v, sq += v * v, mx = std::max(mx, v);
    const double cnt = std::max<std::size_t>(1, out.null_draws.size());
    out.null_mean = sum / cnt;
    out.null_sd = std::sqrt(std::max(0.0, sq / cnt - out.null_mean * out.null_mean));
    out.null_max = out.null_draws.empty() ? 0.0 : mx;
    return out;
}

}  // namespace lineage::probes::stats
