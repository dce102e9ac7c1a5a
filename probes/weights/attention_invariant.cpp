// Attention invariant (see attention_invariant.h).
#include "probes/weights/attention_invariant.h"

#include <cmath>
#include <limits>

#include "probes/stats/cka.h"
#include "probes/stats/distributions.h"
#include "probes/stats/random.h"
#include "probes/stats/thread_pool.h"

namespace lineage::probes::weights {
namespace {

// (hidden x (q_out + k_out)) in B's basis, or empty when the layer has no separate q/k.
stats::MatrixD qk_features(const PairContext& ctx, bool side_a, int layer) {
    const ModelView& v = side_a ? ctx.a : ctx.b;
    const TensorRef* q = v.find(Role::q_proj, layer);
    const TensorRef* k = v.find(Role::k_proj, layer);
    if (!q || !k) return {};
    const MatrixF wq = side_a ? read_aligned_a(ctx, *q) : read_folded(v, *q);
    const MatrixF wk = side_a ? read_aligned_a(ctx, *k) : read_folded(v, *k);
    if (wq.cols() != wk.cols()) return {};
    stats::MatrixD f(wq.cols(), wq.rows() + wk.rows());
    f.leftCols(wq.rows()) = wq.transpose().cast<double>();
    f.rightCols(wk.rows()) = wk.transpose().cast<double>();
    return f;
}

stats::MatrixD subsample_rows(const stats::MatrixD& m, const std::vector<std::int32_t>& rows) {
    stats::MatrixD out(static_cast<Eigen::Index>(rows.size()), m.cols());
    for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = m.row(rows[i]);
    return out;
}

}  // namespace

AttentionResult attention_invariant(const PairContext& ctx,
                                    const std::vector<std::pair<int, int>>& pairs,
                                    std::uint64_t seed) {
    AttentionResult r;
    const int la = ctx.a.num_layers(), lb = ctx.b.num_layers();
    r.layers_a = la, r.layers_b = lb;
    r.heatmap.assign(static_cast<std::size_t>(la * lb), std::numeric_limits<double>::quiet_NaN());
    std::vector<stats::MatrixD> fa(la), fb(lb);
    for (int i = 0; i < la; ++i) fa[i] = qk_features(ctx, true, i);
    for (int j = 0; j < lb; ++j) fb[j] = qk_features(ctx, false, j);
    if (static_cast<std::int64_t>(la) * lb <= ctx.rule.max_layer_pairs) {
        // The heatmap is descriptive: at wide widths it uses the same number of aligned input
        // dims as the tests (one seeded subset for every cell), not all of them - at hidden 4096
        // each full cell costs ~4e11 flops, the tests' subset 1/16 of that.
        std::vector<std::int32_t> rows;
        const std::int64_t dims = la > 0 && fa[0].size() ? fa[0].rows() : 0;
        if (dims > ctx.rule.cka_max_dims) {
            stats::Rng rng(seed ^ 0x4ea7ULL);
            rows = stats::random_permutation(dims, rng);
            rows.resize(static_cast<std::size_t>(ctx.rule.cka_max_dims));
        }
        stats::parallel_for(static_cast<std::size_t>(la * lb), [&](std::size_t k) {
            const int i = static_cast<int>(k / lb), j = static_cast<int>(k % lb);
            if (!(fa[i].size() && fb[j].size() && fa[i].rows() == fb[j].rows() && fa[i].rows() >= 4)) return;
            r.heatmap[k] = rows.empty() || fa[i].rows() != dims
                               ? stats::unbiased_cka(fa[i], fb[j])
                               : stats::unbiased_cka(subsample_rows(fa[i], rows), subsample_rows(fb[j], rows));
        });
    }
    r.layers.resize(pairs.size());
    stats::parallel_for(pairs.size(), [&](std::size_t k) {
        const auto [i, j] = pairs[k];
        AttentionLayerResult& out = r.layers[k];
        out.layer_a = i, out.layer_b = j;
        out.seed = seed + static_cast<std::uint64_t>(k);
        if (i < 0 || i >= la || j < 0 || j >= lb) return;
        stats::MatrixD x = fa[i], y = fb[j];
        if (!x.size() || !y.size() || x.rows() != y.rows() || x.rows() < 4) return;
        if (x.rows() > ctx.rule.cka_max_dims) {
            stats::Rng rng(out.seed ^ 0x5eedULL);
            auto rows = stats::random_permutation(x.rows(), rng);
            rows.resize(static_cast<std::size_t>(ctx.rule.cka_max_dims));
            x = subsample_rows(x, rows);
            y = subsample_rows(y, rows);
        }
        out.dims = x.rows();
        const auto t = stats::unbiased_cka_permutation_test(x, y, ctx.rule.cka_shuffles, out.seed);
        out.cka = t.observed;
        out.p_value = t.p_value;
        out.null_mean = t.null_mean;
        out.null_sd = t.null_sd;
        out.null_max = t.null_max;
        out.shuffles = static_cast<std::int64_t>(t.null_draws.size());
        out.z = t.null_sd > 0 ? (t.observed - t.null_mean) / t.null_sd : 0.0;
    });
    std::vector<double> logs;
    for (const auto& l : r.layers)
        if (l.dims > 0) logs.push_back(std::log(l.p_value));
    r.combined_neg_log10_p = logs.empty() ? 0.0 : stats::neg_log10(stats::fisher_combine_log(logs));
    return r;
}

}  // namespace lineage::probes::weights
