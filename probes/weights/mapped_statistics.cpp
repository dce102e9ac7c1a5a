// Norm-gain and lm_head statistics across hidden widths (see mapped_statistics.h).
#include "probes/weights/mapped_statistics.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "probes/stats/correlation.h"
#include "probes/stats/distributions.h"
#include "probes/weights/direct_statistics.h"

namespace lineage::probes::weights {
namespace {

bool hidden_norm(Role r) {
    return r == Role::attn_norm || r == Role::mlp_norm || r == Role::post_attn_norm ||
           r == Role::post_mlp_norm || r == Role::final_norm;
}

bool tied(const ModelView& v, const WeightSummary& s, const TensorRef* head) {
    const TensorRef* emb = v.find(Role::token_embedding);
    if (!emb) return false;
    const TensorSummary* sh = s.of(v, head);
    const TensorSummary* se = s.of(v, emb);
    return sh && se && sh->sha256 == se->sha256;
}

ComponentStat norm_stat(const PairContext& ctx, const TensorRef& ta, const TensorRef& tb, const MatrixF& m2) {
    const MatrixF ga = ctx.a.read(ta), gb = ctx.b.read(tb);
    const Eigen::VectorXf ga_v = Eigen::Map<const Eigen::VectorXf>(ga.data(), ga.size());
    const Eigen::VectorXf mapped = m2.transpose() * ga_v;
    std::vector<double> x(mapped.data(), mapped.data() + mapped.size()), y(gb.data(), gb.data() + gb.size());
    ComponentStat c;
    c.family = "pearson";
    c.component = std::string(lineage::weights::role_name(ta.role.role));
    c.layer_a = ta.role.layer, c.layer_b = tb.role.layer;
    const auto t = stats::spearman_test(std::span<const double>(x), std::span<const double>(y),
                                        stats::Alternative::greater);
    c.statistic = "spearman_rank (norm gains through the hidden map)";
    c.value = t.r;
    c.neg_log10_p = t.neg_log10_p;
    c.null_kind = "permutation of gains (t approximation); A's gains mapped as diag(M' diag(g) M)";
    c.null_hi = shuffle_null_half_width(static_cast<double>(y.size()));
    c.null_lo = -c.null_hi;
    c.beyond_null = c.neg_log10_p >= ctx.rule.derived_neg_log10_p && c.value >= ctx.rule.pearson_min_effect;
    return c;
}

}  // namespace

double mapped_pearson(const PairContext& ctx, const std::vector<std::pair<int, int>>& layer_pairs,
                      bool map_recovered, std::vector<ComponentStat>& out) {
    const MatrixF& m = ctx.hidden_map;
    if (!ctx.has_map || m.rows() == m.cols() || m.size() == 0) return 0.0;
    const MatrixF m2 = m.cwiseAbs2();
    std::vector<ComponentStat> stats;
    std::set<std::pair<const TensorRef*, const TensorRef*>> seen;
    auto norms = [&](int la, int lb) {
        for (const auto& t : ctx.a.tensors()) {
            if (t.role.layer != la || t.role.is_bias || !t.role.tower.empty() || !hidden_norm(t.role.role))
                continue;
            const TensorRef* b = ctx.b.find(t.role.role, lb);
            if (!b || t.elements() != m.rows() || b->elements() != m.cols() || !seen.insert({&t, b}).second)
                continue;
            stats.push_back(norm_stat(ctx, t, *b, m2));
            if (!map_recovered) {
                stats.back().beyond_null = false;
                stats.back().null_kind += "; through a best-fit map (not recovered): reported, never evidence";
            }
        }
    };
    norms(-1, -1);
    for (auto [i, j] : layer_pairs) norms(i, j);

    const TensorRef* ha = ctx.a.find(Role::lm_head);
    const TensorRef* hb = ctx.b.find(Role::lm_head);
    if (map_recovered && ha && hb && ha->rows() == hb->rows() && ha->cols() == m.rows() && hb->cols() == m.cols() &&
        !tied(ctx.a, ctx.sa, ha) && !tied(ctx.b, ctx.sb, hb)) {
        const MatrixF a = read_folded(ctx.a, *ha) * m, b = read_folded(ctx.b, *hb);
        const std::span<const float> va(a.data(), static_cast<std::size_t>(a.size()));
        const std::span<const float> vb(b.data(), static_cast<std::size_t>(b.size()));
        ComponentStat c;
        c.family = "pearson";
        c.component = std::string(lineage::weights::role_name(Role::lm_head));
        c.statistic = "pearson_centred (lm_head through the hidden map)";
        c.value = stats::pearson(va, vb);
        const double n = static_cast<double>(a.size());
        const double rho0 = ctx.rule.pearson_min_effect;
        c.neg_log10_p = pearson_band_neg_log10_p(c.value, n, rho0);
        c.null_kind = "independent-pair band rho <= " + std::to_string(rho0).substr(0, 4) +
                      " (Fisher z, one-sided); A's rows mapped by the embedding-fitted map";
        c.null_hi = shuffle_null_half_width(n);
        c.null_lo = -c.null_hi;
        c.beyond_null = c.neg_log10_p >= ctx.rule.derived_neg_log10_p && c.value >= rho0;
        stats.push_back(c);
    }
    return append_and_best(stats, out);
}

}  // namespace lineage::probes::weights
