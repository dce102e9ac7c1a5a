// Procrustes and signed-permutation fits (see procrustes.h). SVD via Eigen's BDCSVD (fast for the
// hidden sizes of real models, 4096-8192).
#include "probes/stats/procrustes.h"

#include <Eigen/SVD>
#include <cmath>
#include <vector>

#include "probes/stats/assignment.h"
#include "weights/core/error.h"

namespace lineage::probes::stats {

MatrixD orthogonal_procrustes(const MatrixD& x, const MatrixD& y) {
    if (x.rows() != y.rows()) throw InternalError("orthogonal_procrustes: row counts differ");
    const Eigen::MatrixXd m = x.transpose() * y;
    Eigen::BDCSVD<Eigen::MatrixXd> svd(m, Eigen::ComputeThinU | Eigen::ComputeThinV);
    return svd.matrixU() * svd.matrixV().transpose();
}

MatrixD orthogonal_procrustes_f32(const MatrixD& x, const MatrixD& y) {
    if (x.rows() != y.rows()) throw InternalError("orthogonal_procrustes: row counts differ");
    const Eigen::MatrixXf m = x.cast<float>().transpose() * y.cast<float>();
    Eigen::BDCSVD<Eigen::MatrixXf> svd(m, Eigen::ComputeThinU | Eigen::ComputeThinV);
    return (svd.matrixU() * svd.matrixV().transpose()).cast<double>();
}

MatrixD column_correlation(const MatrixD& x, const MatrixD& y) {
    MatrixD xc = x, yc = y;
    xc.rowwise() -= x.colwise().mean();
    yc.rowwise() -= y.colwise().mean();
    Eigen::VectorXd nx = xc.colwise().norm().transpose(), ny = yc.colwise().norm().transpose();
    for (Eigen::Index j = 0; j < nx.size(); ++j) nx[j] = nx[j] > 0 ? 1.0 / nx[j] : 0.0;
    for (Eigen::Index j = 0; j < ny.size(); ++j) ny[j] = ny[j] > 0 ? 1.0 / ny[j] : 0.0;
    MatrixD c = xc.transpose() * yc;
    return nx.asDiagonal() * c * ny.asDiagonal();
}

SignedPermutation signed_permutation_fit(const MatrixD& x, const MatrixD& y) {
    const MatrixD corr = column_correlation(x, y);
    const MatrixD abs_corr = corr.cwiseAbs();
    const Assignment a = solve_assignment(abs_corr.data(), abs_corr.rows(), abs_corr.cols(),
                                          Objective::maximize);
    SignedPermutation sp;
    sp.certified = a.certified;
    sp.a_to_b = a.row_to_col;
    sp.sign.assign(sp.a_to_b.size(), 1);
    double sum = 0;
    std::int64_t matched = 0;
    for (std::size_t i = 0; i < sp.a_to_b.size(); ++i) {
        const std::int32_t j = sp.a_to_b[i];
        if (j < 0) continue;
        sp.sign[i] = corr(static_cast<Eigen::Index>(i), j) < 0 ? -1 : 1;
        sum += abs_corr(static_cast<Eigen::Index>(i), j);
        ++matched;
    }
    sp.mean_abs_corr = matched ? sum / matched : 0.0;
    return sp;
}

namespace {
// Mean over j of corr(u_j, v_j) for the first min(cols) columns: the diagonal of
// column_correlation without forming the other p*q - p entries (O(n p), not O(n p q); at hidden
// 4096 the full matrix was most of the hidden-map null's cost).
// corr(u_{ix[k]}, v_{iy[k]}) for every k (0 for a constant column), streamed row by row: the
// matrices are row-major, and reading them column by column (one cache line per element, 16384 x
// 4096 of them per matrix at 7B shapes) made each fit cost seconds. Two passes: column means, then
// the centred sums.
std::vector<double> column_pair_correlations(const MatrixD& u, const MatrixD& v, const std::vector<Eigen::Index>& ix,
                                             const std::vector<Eigen::Index>& iy) {
    const Eigen::Index n = u.rows();
    const std::size_t k = ix.size();
    auto column_means = [n](const MatrixD& m) {
        Eigen::RowVectorXd s = Eigen::RowVectorXd::Zero(m.cols());
        for (Eigen::Index r = 0; r < n; ++r) s += m.row(r);  // contiguous rows
        return Eigen::VectorXd(n ? Eigen::RowVectorXd(s / static_cast<double>(n)).transpose() : s.transpose());
    };
    const Eigen::VectorXd mu = column_means(u), mv = column_means(v);
    std::vector<double> ab(k, 0.0), aa(k, 0.0), bb(k, 0.0);
    for (Eigen::Index r = 0; r < n; ++r) {
        const double* ur = u.data() + r * u.cols();
        const double* vr = v.data() + r * v.cols();
        for (std::size_t c = 0; c < k; ++c) {
            const double a = ur[ix[c]] - mu[ix[c]], b = vr[iy[c]] - mv[iy[c]];
            ab[c] += a * b;
            aa[c] += a * a;
            bb[c] += b * b;
        }
    }
    std::vector<double> out(k, 0.0);
    for (std::size_t c = 0; c < k; ++c)
        if (aa[c] > 0 && bb[c] > 0) out[c] = ab[c] / (std::sqrt(aa[c]) * std::sqrt(bb[c]));
    return out;
}

double mean_diagonal_correlation(const MatrixD& u, const MatrixD& v) {
    const Eigen::Index p = std::min(u.cols(), v.cols());
    std::vector<Eigen::Index> idx(static_cast<std::size_t>(p));
    for (Eigen::Index j = 0; j < p; ++j) idx[static_cast<std::size_t>(j)] = j;
    double s = 0;
    for (const double c : column_pair_correlations(u, v, idx, idx)) s += c;
    return p ? s / static_cast<double>(p) : 0.0;
}
}  // namespace

double signed_permutation_fit_value(const MatrixD& x, const SignedPermutation& sp, const MatrixD& y) {
    // The dense form compares, in the narrower space, column k of X M (p >= q: k a column of Y)
    // or of Y M' (p < q: k a column of X); an unmatched k is a zero column and adds 0; a sign
    // flips the pair's correlation. Same figure as the dense form to rounding (not bit for bit).
    const Eigen::Index p = x.cols(), q = y.cols(), k = std::min(p, q);
    if (k == 0) return 0.0;
    std::vector<std::int32_t> by_b(static_cast<std::size_t>(q), -1);  // column of Y -> column of X
    for (std::size_t i = 0; i < sp.a_to_b.size(); ++i)
        if (sp.a_to_b[i] >= 0) by_b[static_cast<std::size_t>(sp.a_to_b[i])] = static_cast<std::int32_t>(i);
    std::vector<Eigen::Index> ix, iy;
    std::vector<double> sign;
    if (p < q) {
        for (Eigen::Index i = 0; i < p; ++i) {
            const std::int32_t j = sp.a_to_b[static_cast<std::size_t>(i)];
            if (j >= 0) ix.push_back(i), iy.push_back(j), sign.push_back(sp.sign[static_cast<std::size_t>(i)]);
        }
    } else {
        for (Eigen::Index j = 0; j < q; ++j) {
            const std::int32_t i = by_b[static_cast<std::size_t>(j)];
            if (i >= 0) ix.push_back(i), iy.push_back(j), sign.push_back(sp.sign[static_cast<std::size_t>(i)]);
        }
    }
    const std::vector<double> corr = column_pair_correlations(x, y, ix, iy);
    double s = 0;
    for (std::size_t c = 0; c < corr.size(); ++c) s += sign[c] * corr[c];
    return s / static_cast<double>(k);
}

double mapped_fit(const MatrixD& x, const MatrixD& r, const MatrixD& y) {
    return r.cols() > r.rows() ? mean_diagonal_correlation(x, MatrixD(y * r.transpose()))
                               : mean_diagonal_correlation(MatrixD(x * r), y);
}

MatrixD signed_permutation_matrix(const SignedPermutation& sp, std::int64_t q) {
    MatrixD m = MatrixD::Zero(static_cast<Eigen::Index>(sp.a_to_b.size()), q);
    for (std::size_t i = 0; i < sp.a_to_b.size(); ++i)
        if (sp.a_to_b[i] >= 0) m(static_cast<Eigen::Index>(i), sp.a_to_b[i]) = sp.sign[i];
    return m;
}

}  // namespace lineage::probes::stats
