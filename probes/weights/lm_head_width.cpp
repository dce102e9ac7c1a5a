// Width-invariant token statistic (see lm_head_width.h); mirrors the reference implementation in
// tools/calibration/lm_head_width_ranges.py (a test checks its golden value).
#include "probes/weights/lm_head_width.h"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "probes/stats/figure_text.h"
#include "probes/stats/random.h"

namespace lineage::probes::weights {
namespace {

constexpr double kRidge = 1e-3;
constexpr std::int64_t kMinTokenCap = 16384;
constexpr std::int64_t kTokenCapPerWidth = 8;
constexpr std::int64_t kMinTokensPerWidth = 4;

using Eigen::Index;
using VectorD = Eigen::RowVectorXd;

stats::MatrixD fold_rows(const stats::MatrixD& m, int which) {
    stats::MatrixD out((m.rows() + 1 - which) / 2, m.cols());
    for (Index i = which, k = 0; i < m.rows(); i += 2) out.row(k++) = m.row(i);
    return out;
}

// (mean, W) with W = (C + ridge tr(C)/d I)^(-1/2), C the covariance of the rows (d x d).
std::pair<VectorD, stats::MatrixD> whitener(const stats::MatrixD& m) {
    const VectorD mu = m.colwise().mean();
    const stats::MatrixD c0 = m.rowwise() - mu;
    Eigen::MatrixXd c = (c0.transpose() * c0) / static_cast<double>(m.rows());
    c.diagonal().array() += kRidge * c.trace() / static_cast<double>(c.rows());
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(c);
    const Eigen::VectorXd inv_sqrt = eig.eigenvalues().array().max(1e-300).rsqrt();
    return {mu, stats::MatrixD(eig.eigenvectors() * inv_sqrt.asDiagonal() * eig.eigenvectors().transpose())};
}

std::string fmt(double v, int prec = 3) { return stats::figure_text(v, prec); }

}  // namespace

std::vector<double> heldout_canonical_correlations(const stats::MatrixD& x, const stats::MatrixD& y) {
    const Index k = std::min(x.cols(), y.cols());
    std::vector<double> total(static_cast<std::size_t>(k), 0.0);
    for (int train : {0, 1}) {
        const stats::MatrixD xt = fold_rows(x, train), yt = fold_rows(y, train);
        const stats::MatrixD xh = fold_rows(x, 1 - train), yh = fold_rows(y, 1 - train);
        const auto [mx, wx] = whitener(xt);
        const auto [my, wy] = whitener(yt);
        const stats::MatrixD zx = (xt.rowwise() - mx) * wx, zy = (yt.rowwise() - my) * wy;
        const Eigen::MatrixXd cross = (zx.transpose() * zy) / static_cast<double>(xt.rows());
        Eigen::BDCSVD<Eigen::MatrixXd> svd(cross, Eigen::ComputeThinU | Eigen::ComputeThinV);
        stats::MatrixD px = (xh.rowwise() - mx) * wx * svd.matrixU().leftCols(k);
        stats::MatrixD py = (yh.rowwise() - my) * wy * svd.matrixV().leftCols(k);
        px.rowwise() -= px.colwise().mean();
        py.rowwise() -= py.colwise().mean();
        for (Index i = 0; i < k; ++i) {
            const double den = std::sqrt(px.col(i).squaredNorm() * py.col(i).squaredNorm());
            total[static_cast<std::size_t>(i)] += den > 0 ? px.col(i).dot(py.col(i)) / den : 0.0;
        }
    }
    for (double& v : total) v /= 2.0;
    return total;
}

double median_heldout_canonical_correlation(const stats::MatrixD& x, const stats::MatrixD& y) {
    const std::int64_t wide = std::max<std::int64_t>(x.cols(), y.cols());
    const std::int64_t n = x.rows();
    if (n != y.rows() || n < kMinTokensPerWidth * wide || std::min(x.cols(), y.cols()) == 0)
        return std::nan("");
    const std::int64_t cap = std::max(kMinTokenCap, kTokenCapPerWidth * wide);
    std::vector<double> c;
    if (n <= cap) {
        c = heldout_canonical_correlations(x, y);
    } else {  // evenly thinned: row i * n / cap
        stats::MatrixD tx(cap, x.cols()), ty(cap, y.cols());
        for (std::int64_t i = 0; i < cap; ++i) tx.row(i) = x.row(i * n / cap), ty.row(i) = y.row(i * n / cap);
        c = heldout_canonical_correlations(tx, ty);
    }
    std::sort(c.begin(), c.end());
    const std::size_t m = c.size();
    return m % 2 ? c[m / 2] : 0.5 * (c[m / 2 - 1] + c[m / 2]);
}

stats::MatrixD width_changed_copy(const stats::MatrixD& x, std::int64_t d_b, double noise_sd,
                                  std::uint64_t seed) {
    const Index d_a = x.cols(), d = std::max<Index>(d_a, d_b);
    stats::Rng rng(seed);
    Eigen::MatrixXd g(d, d);
    for (Index k = 0; k < g.size(); ++k) g.data()[k] = stats::standard_normal(rng);
    const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(g).householderQ();
    // widening: d_a orthonormal rows of length d_b; narrowing: d_b orthonormal columns of length d_a
    const Eigen::MatrixXd map = q.topLeftCorner(d_a, d_b);
    stats::MatrixD out = x * map;
    for (Index k = 0; k < out.size(); ++k) out.data()[k] += noise_sd * stats::standard_normal(rng);
    return out;
}

WidthInvariantTokens judge_width_tokens(const std::string& component, double value, double control_value,
                                        std::int64_t tokens, std::int64_t wider_width,
                                        const WidthTokenCeiling& ceiling, const std::string& calibration) {
    WidthInvariantTokens w;
    w.component = component;
    w.tokens = tokens;
    w.value = value;
    w.ceiling = ceiling.ceiling;
    w.derived_floor = ceiling.derived_floor;
    w.calibration_pairs = ceiling.pairs;
    w.calibration = calibration;
    w.control_value = control_value;
    w.tokens_per_width = wider_width > 0 ? static_cast<double>(tokens) / static_cast<double>(wider_width) : 0.0;
    w.min_tokens_per_width = ceiling.min_tokens_per_width;
    const bool calibrated = ceiling.pairs > 0;
    w.control_detected = calibrated && control_value > ceiling.ceiling;
    w.relation = Verdict::inconclusive;
    const std::string figures = "median held-out canonical correlation " + fmt(value) + " over " +
                                std::to_string(tokens) + " shared tokens";
    if (!calibrated || std::isnan(value)) {
        w.silent = true;
        w.note = figures + "; not calibrated (no independent-pair ceiling): not tested";
    } else if (w.tokens_per_width < ceiling.min_tokens_per_width) {
        w.silent = true;
        w.note = figures + "; " + fmt(w.tokens_per_width) + " shared tokens per hidden dim, fewer than the " +
                 fmt(ceiling.min_tokens_per_width) + " the ceiling was calibrated on: not tested";
    } else if (value >= ceiling.derived_floor) {
        w.note = figures + " is far beyond every independent pair (ceiling " + fmt(ceiling.ceiling) +
                 ", flag at " + fmt(ceiling.derived_floor) +
                 "): the rows look inherited, but this statistic alone never makes a pair derived";
    } else if (value > ceiling.ceiling) {
        w.note = figures + " is above the independent-pair ceiling " + fmt(ceiling.ceiling) +
                 ": it does not support independence";
    } else if (!w.control_detected) {
        w.note = figures + " is inside the independent-pair ceiling " + fmt(ceiling.ceiling) +
                 ", but the width control (" + fmt(control_value) + ") was not detected: no power here";
    } else {
        w.relation = Verdict::independent;
        w.note = figures + " is inside the independent-pair ceiling " + fmt(ceiling.ceiling) + " (" +
                 std::to_string(ceiling.pairs) + " pairs); A's rows through a random width map plus "
                 "fine-tune noise score " + fmt(control_value) + ", beyond it";
    }
    return w;
}

std::vector<WidthInvariantTokens> width_invariant_tokens(const PairContext& ctx, const SharedTokens& tokens,
                                                         std::uint64_t seed, const LmHeadWidthRanges& ranges) {
    std::vector<WidthInvariantTokens> out;
    for (Role role : {Role::token_embedding, Role::lm_head}) {
        const TensorRef* ta = ctx.a.find(role);
        const TensorRef* tb = ctx.b.find(role);
        if (!ta || !tb || ta->cols() == tb->cols()) continue;
        const MatrixF a = read_folded(ctx.a, *ta), b = read_folded(ctx.b, *tb);
        std::vector<std::int32_t> ia, ib;
        for (auto [x, y] : tokens.pairs)  // ascending in the A id (token_mapping.h)
            if (x < a.rows() && y < b.rows()) ia.push_back(x), ib.push_back(y);
        const auto n = static_cast<Index>(ia.size());
        if (n < kMinTokensPerWidth * std::max(a.cols(), b.cols())) continue;
        stats::MatrixD x(n, a.cols()), y(n, b.cols());
        for (Index i = 0; i < n; ++i)
            x.row(i) = a.row(ia[static_cast<std::size_t>(i)]).cast<double>(),
            y.row(i) = b.row(ib[static_cast<std::size_t>(i)]).cast<double>();
        const std::string component(lineage::weights::role_name(role));
        const double value = median_heldout_canonical_correlation(x, y);
        const double mean = a.cast<double>().mean();
        const double sd = std::sqrt((a.cast<double>().array() - mean).square().mean());
        const double control = median_heldout_canonical_correlation(
            x, width_changed_copy(x, b.cols(), ctx.rule.control_noise_relative_std * sd,
                                  seed + static_cast<std::uint64_t>(role)));
        // Out of sample: leave out the calibration pairs of a model whose stored tensor this is.
        std::vector<std::string> in_sample = calibration_models_with(ranges, component, ctx.a.stored_sha256(*ta));
        for (auto& id : calibration_models_with(ranges, component, ctx.b.stored_sha256(*tb))) in_sample.push_back(id);
        const WidthTokenCeiling ceiling = ceiling_without(ranges, component, in_sample);
        std::string calibration = ranges.calibrated() ? ranges.measured_on : "not calibrated";
        if (!in_sample.empty()) {
            calibration += "; leave-one-model-out without the pairs of";
            for (const auto& id : in_sample) calibration += " " + id;
            calibration += " (" + std::to_string(ceiling.pairs) + " pairs left)";
        } else if (ranges.calibrated()) {
            calibration += "; out of sample (neither model is a calibration model)";
        }
        out.push_back(judge_width_tokens(component, value, control, n, std::max(a.cols(), b.cols()), ceiling,
                                         calibration));
    }
    return out;
}

}  // namespace lineage::probes::weights
