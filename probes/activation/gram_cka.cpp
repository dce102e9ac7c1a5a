// Linear and debiased CKA from centred Gram matrices (see gram_cka.h). The unbiased HSIC is
//   HSIC_u = [tr(K~L~) + (1'K~1)(1'L~1)/((n-1)(n-2)) - 2/(n-2) (K~1)'(L~1)] / (n(n-3)),
// with tr(K~L~) = <Kc, Lc>_F - sum_i Kc_ii Lc_ii. Sums over n^2 entries are taken row by row in
// float (n terms, vectorised) and accumulated across rows in double.
#include "probes/activation/gram_cka.h"

#include <algorithm>
#include <cmath>

#include "probes/stats/random.h"
#include "probes/stats/thread_pool.h"
#include "weights/core/error.h"

namespace lineage::probes::activation {
namespace {

double hsic_u(double trace_offdiag, double sum_a, double sum_b, double rows_dot, double n) {
    return (trace_offdiag + sum_a * sum_b / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * rows_dot) / (n * (n - 3));
}

// <A, B>_F of two n x n row-major float matrices.
double frobenius_dot(const MatrixF& a, const MatrixF& b) {
    double acc = 0.0;
    for (Eigen::Index i = 0; i < a.rows(); ++i) acc += static_cast<double>(a.row(i).dot(b.row(i)));
    return acc;
}

void fill_sums(GramSide& s) {
    const Eigen::Index n = s.kc.rows();
    if (n < 4) throw InternalError("gram_cka: needs at least 4 positions, got " + std::to_string(n));
    s.diag.resize(n);
    s.row_sums.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        s.diag[i] = s.kc(i, i);
        s.row_sums[i] = s.kc.row(i).cast<double>().sum() - s.diag[i];
    }
    s.offdiag_sum = s.row_sums.sum();
    s.frob_sq = frobenius_dot(s.kc, s.kc);
    const double nd = static_cast<double>(n);
    s.hsic_u_self = hsic_u(s.frob_sq - s.diag.squaredNorm(), s.offdiag_sum, s.offdiag_sum,
                           s.row_sums.squaredNorm(), nd);
}

}  // namespace

GramSide gram_side_from_gram(MatrixF gram) {
    const Eigen::Index n = gram.rows();
    if (gram.cols() != n) throw InternalError("gram_side_from_gram: matrix is not square");
    // H K H: k_ij - r_i - r_j + g with r the row means and g the grand mean.
    Eigen::VectorXd r(n);
    for (Eigen::Index i = 0; i < n; ++i) r[i] = gram.row(i).cast<double>().mean();
    const double g = r.mean();
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j)
            gram(i, j) = static_cast<float>(static_cast<double>(gram(i, j)) - r[i] - r[j] + g);
    GramSide s;
    s.kc = std::move(gram);
    fill_sums(s);
    return s;
}

GramSide gram_side_from_features(const float* x, std::int64_t n, std::int64_t d, std::int64_t stride) {
    using Stride = Eigen::OuterStride<>;
    const Eigen::Map<const MatrixF, 0, Stride> xm(x, n, d, Stride(stride));
    const Eigen::RowVectorXd mean = xm.cast<double>().colwise().mean();
    MatrixF xc = xm;
    xc.rowwise() -= mean.cast<float>();
    GramSide s;
    s.kc.resize(n, n);
    s.kc.noalias() = xc * xc.transpose();  // (n, n): one GEMM
    fill_sums(s);
    return s;
}

CkaPair cka_from_grams(const GramSide& a, const GramSide& b) {
    if (a.n() != b.n())
        throw InternalError("cka_from_grams: position counts differ (" + std::to_string(a.n()) + " vs " +
                            std::to_string(b.n()) + ")");
    const double n = static_cast<double>(a.n());
    const double dot = frobenius_dot(a.kc, b.kc);
    CkaPair out;
    if (a.frob_sq > 0 && b.frob_sq > 0) out.linear = dot / std::sqrt(a.frob_sq * b.frob_sq);
    if (a.hsic_u_self > 0 && b.hsic_u_self > 0) {
        const double kl = hsic_u(dot - a.diag.dot(b.diag), a.offdiag_sum, b.offdiag_sum, a.row_sums.dot(b.row_sums), n);
        out.debiased = kl / std::sqrt(a.hsic_u_self * b.hsic_u_self);
    }
    return out;
}

GramNull gram_permutation_null(const GramSide& a, const GramSide& b, int shuffles, std::uint64_t seed) {
    if (a.n() != b.n()) throw InternalError("gram_permutation_null: position counts differ");
    GramNull out;
    out.seed = seed;
    if (shuffles <= 0) return out;
    const std::int64_t n = a.n();
    const double nd = static_cast<double>(n);
    // Permutations drawn in order from one engine, so the draws do not depend on the thread count.
    stats::Rng rng(seed);
    std::vector<std::vector<std::int32_t>> perms(static_cast<std::size_t>(shuffles));
    for (auto& p : perms) p = stats::random_permutation(n, rng);
    out.debiased.assign(perms.size(), 0.0);
    out.linear.assign(perms.size(), 0.0);
    const double lin_norm = std::sqrt(a.frob_sq * b.frob_sq);
    const double deb_norm = std::sqrt(std::max(0.0, a.hsic_u_self * b.hsic_u_self));
    stats::parallel_for(perms.size(), [&](std::size_t s) {
        const auto& p = perms[s];
        double dot = 0.0, diag = 0.0, rows = 0.0;
        for (std::int64_t i = 0; i < n; ++i) {
            const float* arow = a.kc.data() + i * n;
            const float* brow = b.kc.data() + static_cast<std::int64_t>(p[i]) * n;
            float acc = 0.0f;
            for (std::int64_t j = 0; j < n; ++j) acc += arow[j] * brow[p[j]];
            dot += acc;
            diag += a.diag[i] * b.diag[p[i]];
            rows += a.row_sums[i] * b.row_sums[p[i]];
        }
        out.linear[s] = lin_norm > 0 ? dot / lin_norm : 0.0;
        out.debiased[s] = deb_norm > 0 ? hsic_u(dot - diag, a.offdiag_sum, b.offdiag_sum, rows, nd) / deb_norm : 0.0;
    });
    auto summarise = [](const std::vector<double>& v, double& mean, double& sd, double& mx) {
        double s = 0, q = 0;
        mx = -1e300;
        for (double x : v) s += x, q += x * x, mx = std::max(mx, x);
        mean = s / static_cast<double>(v.size());
        sd = std::sqrt(std::max(0.0, q / static_cast<double>(v.size()) - mean * mean));
    };
    summarise(out.debiased, out.debiased_mean, out.debiased_sd, out.debiased_max);
    summarise(out.linear, out.linear_mean, out.linear_sd, out.linear_max);
    return out;
}

}  // namespace lineage::probes::activation
