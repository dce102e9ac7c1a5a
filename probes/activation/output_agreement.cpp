// Top-1 agreement and Jensen-Shannon divergence of restricted next-token distributions (see
// output_agreement.h).
#include "probes/activation/output_agreement.h"

#include <algorithm>
#include <cmath>

#include "probes/stats/random.h"
#include "probes/stats/thread_pool.h"
#include "weights/core/error.h"

namespace lineage::probes::activation {
namespace {

std::vector<std::int32_t> row_argmax(const MatrixF& m) {
    std::vector<std::int32_t> out(static_cast<std::size_t>(m.rows()));
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
        Eigen::Index best = 0;
        m.row(i).maxCoeff(&best);
        out[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(best);
    }
    return out;
}

}  // namespace

void log_softmax_rows(MatrixF& logits) {
    for (Eigen::Index i = 0; i < logits.rows(); ++i) {
        auto row = logits.row(i);
        const float mx = row.maxCoeff();
        double sum = 0.0;
        for (Eigen::Index j = 0; j < row.size(); ++j) sum += std::exp(static_cast<double>(row[j] - mx));
        const float lse = mx + static_cast<float>(std::log(sum));
        row.array() -= lse;
    }
}

double js_divergence_bits(const float* logp, const float* logq, std::int64_t size) {
    double acc = 0.0;
    for (std::int64_t k = 0; k < size; ++k) {
        const double lp = logp[k], lq = logq[k];
        const double p = std::exp(lp), q = std::exp(lq);
        const double m = 0.5 * (p + q);
        if (m <= 0.0) continue;
        const double lm = std::log(m);
        if (p > 0.0) acc += p * (lp - lm);
        if (q > 0.0) acc += q * (lq - lm);
    }
    return std::max(0.0, 0.5 * acc / std::log(2.0));
}

AgreementFigures output_agreement(const MatrixF& logp_a, const MatrixF& logp_b, const std::vector<std::int32_t>& perm) {
    if (logp_a.rows() != logp_b.rows() || logp_a.cols() != logp_b.cols())
        throw InternalError("output_agreement: distribution matrices differ in shape");
    AgreementFigures f;
    f.positions = logp_a.rows();
    if (f.positions == 0) return f;
    const auto top_a = row_argmax(logp_a), top_b = row_argmax(logp_b);
    double agree = 0, js = 0;
    for (Eigen::Index i = 0; i < logp_a.rows(); ++i) {
        const Eigen::Index j = perm.empty() ? i : perm[static_cast<std::size_t>(i)];
        agree += top_a[static_cast<std::size_t>(i)] == top_b[static_cast<std::size_t>(j)] ? 1.0 : 0.0;
        js += js_divergence_bits(logp_a.row(i).data(), logp_b.row(j).data(), logp_a.cols());
    }
    f.top1 = agree / static_cast<double>(f.positions);
    f.js = js / static_cast<double>(f.positions);
    return f;
}

AgreementNull agreement_permutation_null(const MatrixF& logp_a, const MatrixF& logp_b, int shuffles,
                                         std::uint64_t seed) {
    AgreementNull out;
    out.seed = seed;
    if (shuffles <= 0 || logp_a.rows() < 2) return out;
    stats::Rng rng(seed);
    std::vector<std::vector<std::int32_t>> perms(static_cast<std::size_t>(shuffles));
    for (auto& p : perms) p = stats::random_permutation(logp_a.rows(), rng);
    out.top1.assign(perms.size(), 0.0);
    out.js.assign(perms.size(), 0.0);
    stats::parallel_for(perms.size(), [&](std::size_t s) {
        const AgreementFigures f = output_agreement(logp_a, logp_b, perms[s]);
        out.top1[s] = f.top1;
        out.js[s] = f.js;
    });
    out.top1_max = *std::max_element(out.top1.begin(), out.top1.end());
    out.js_min = *std::min_element(out.js.begin(), out.js.end());
    for (double v : out.top1) out.top1_mean += v;
    for (double v : out.js) out.js_mean += v;
    out.top1_mean /= static_cast<double>(perms.size());
    out.js_mean /= static_cast<double>(perms.size());
    return out;
}

}  // namespace lineage::probes::activation
