// Token agreement (see token_agreement.h).
#include "probes/weights/token_agreement.h"

#include <algorithm>
#include <cmath>

#include "probes/stats/random.h"

namespace lineage::probes::weights {
namespace {

constexpr std::int64_t kBlock = 256;

double cosine(const float* a, const float* b, Eigen::Index n) {
    double ab = 0, aa = 0, bb = 0;
    for (Eigen::Index k = 0; k < n; ++k) ab += a[k] * b[k], aa += a[k] * a[k], bb += b[k] * b[k];
    return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

}  // namespace

std::vector<TokenAgreement> token_agreement(const PairContext& ctx, const SharedTokens& tokens,
                                            std::uint64_t seed) {
    std::vector<TokenAgreement> out;
    for (Role role : {Role::token_embedding, Role::lm_head}) {
        const TensorRef* ta = ctx.a.find(role);
        const TensorRef* tb = ctx.b.find(role);
        if (!ta || !tb || tokens.pairs.empty()) continue;
        const MatrixF a = read_aligned_a(ctx, *ta);
        const MatrixF b = read_folded(ctx.b, *tb);
        if (a.cols() != b.cols()) continue;
        TokenAgreement t;
        t.component = std::string(lineage::weights::role_name(role));
        std::vector<double> cos_by_b(static_cast<std::size_t>(b.rows()), std::nan(""));
        std::vector<char> shared(static_cast<std::size_t>(b.rows()), 0);
        double sum = 0;
        std::int64_t n = 0;
        for (auto [ia, ib] : tokens.pairs) {
            if (ia >= a.rows() || ib >= b.rows()) continue;
            const double c = cosine(a.row(ia).data(), b.row(ib).data(), a.cols());
            cos_by_b[ib] = c;
            shared[ib] = 1;
            sum += c, ++n;
        }
        if (n == 0) continue;
        t.mean_cos = sum / n;
        stats::Rng rng(seed + static_cast<std::uint64_t>(role));
        std::vector<double> null;
        const std::int64_t draws = std::min<std::int64_t>(20000, 20 * n);
        for (std::int64_t k = 0; k < draws; ++k) {
            const auto& p = tokens.pairs[stats::uniform_below(rng, tokens.pairs.size())];
            const auto& q = tokens.pairs[stats::uniform_below(rng, tokens.pairs.size())];
            if (p.first >= a.rows() || q.second >= b.rows()) continue;
            null.push_back(cosine(a.row(p.first).data(), b.row(q.second).data(), a.cols()));
        }
        std::sort(null.begin(), null.end());
        t.null_q999 = null.empty() ? 1.0 : null[static_cast<std::size_t>(0.999 * (null.size() - 1))];
        std::int64_t agree = 0;
        for (double c : cos_by_b)
            if (!std::isnan(c) && c > t.null_q999) ++agree;
        t.fraction_agreeing = static_cast<double>(agree) / n;
        for (std::int64_t s = 0; s < b.rows(); s += kBlock) {
            TokenBlock blk;
            blk.begin = s, blk.end = std::min<std::int64_t>(b.rows(), s + kBlock);
            double bs = 0;
            std::int64_t bn = 0, sh = 0;
            for (std::int64_t i = blk.begin; i < blk.end; ++i)
                if (shared[i]) bs += cos_by_b[i], ++bn, ++sh;
            blk.mean_agreement = bn ? bs / bn : 0.0;
            blk.shared = sh * 2 >= (blk.end - blk.begin);
            blk.is_new = !blk.shared || (t.fraction_agreeing > 0.5 && blk.mean_agreement <= t.null_q999);
            t.blocks.push_back(blk);
        }
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace lineage::probes::weights
