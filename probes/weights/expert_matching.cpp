// Expert-level matching of MoE layers (see expert_matching.h).
#include "probes/weights/expert_matching.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "probes/stats/assignment.h"
#include "probes/stats/correlation.h"
#include "probes/stats/distributions.h"
#include "probes/weights/direct_statistics.h"
#include "probes/weights/neuron_matching.h"

namespace lineage::probes::weights {
namespace {

constexpr std::int32_t kNone = -3;

bool has_experts(const std::vector<NeuronBlock>& blocks) {
    for (const auto& b : blocks)
        if (b.expert != -1) return true;
    return false;
}

// Column-norm profile of a block's gate rows over the hidden dims (B's basis): invariant to the
// order of the block's neurons, cheap, and shared by an expert and its fine-tuned descendant.
std::vector<double> signature(const ModelView& view, const NeuronBlock& b,
                              const PairContext* ctx_a) {
    const MatrixF g = block_rows(view, b, false, ctx_a);
    std::vector<double> s(static_cast<std::size_t>(g.cols()));
    for (Eigen::Index c = 0; c < g.cols(); ++c) s[static_cast<std::size_t>(c)] = g.col(c).norm();
    return s;
}

double fisher(const std::vector<double>& neg_log10_ps) {
    std::vector<double> logs;
    for (double v : neg_log10_ps) logs.push_back(-v * std::log(10.0));
    return logs.empty() ? 0.0 : stats::neg_log10(stats::fisher_combine_log(logs));
}

ExpertLayerOutcome experts_vs_experts(const PairContext& ctx, const std::vector<NeuronBlock>& ba,
                                      const std::vector<NeuronBlock>& bb,
                                      const ExpertMatchingOptions& o) {
    ExpertLayerOutcome out;
    out.kind = "experts_vs_experts";
    const auto na = static_cast<std::int64_t>(ba.size()), nb = static_cast<std::int64_t>(bb.size());
    std::vector<double> ev(static_cast<std::size_t>(na * nb), 0.0);
    std::vector<BlockMatch> full;
    const bool all_pairs = na * nb <= o.max_block_pairs;
    if (all_pairs) {
        out.selection = "all pairs";
        full.resize(ev.size());
        for (std::int64_t x = 0; x < na; ++x)
            for (std::int64_t y = 0; y < nb; ++y) {
                full[static_cast<std::size_t>(x * nb + y)] = match_blocks(
                    ctx, ba[static_cast<std::size_t>(x)], bb[static_cast<std::size_t>(y)]);
                ev[static_cast<std::size_t>(x * nb + y)] =
                    full[static_cast<std::size_t>(x * nb + y)].neg_log10_p;
            }
    } else {
        out.selection = "expert signatures";
        std::vector<std::vector<double>> sa, sb;
        for (const auto& b : ba) sa.push_back(signature(ctx.a, b, &ctx));
        for (const auto& b : bb) sb.push_back(signature(ctx.b, b, nullptr));
        for (std::int64_t x = 0; x < na; ++x)
            for (std::int64_t y = 0; y < nb; ++y) {
                const auto& u = sa[static_cast<std::size_t>(x)];
                const auto& v = sb[static_cast<std::size_t>(y)];
                ev[static_cast<std::size_t>(x * nb + y)] =
                    u.size() == v.size() && u.size() >= 3
                        ? stats::pearson(std::span<const double>(u), std::span<const double>(v))
                        : -1.0;
            }
    }
    // Assignment of B's blocks to A's (columns of the transposed evidence).
    std::vector<double> evt(static_cast<std::size_t>(nb * na));
    for (std::int64_t x = 0; x < na; ++x)
        for (std::int64_t y = 0; y < nb; ++y)
            evt[static_cast<std::size_t>(y * na + x)] = ev[static_cast<std::size_t>(x * nb + y)];
    const auto asg = stats::solve_assignment(evt.data(), nb, na, stats::Objective::maximize);
    const double choice =
        std::log10(static_cast<double>(na));  // Bonferroni over A's blocks, per B block
    std::vector<double> kept;
    for (std::int64_t y = 0; y < nb; ++y) {
        const std::int32_t x = asg.row_to_col[static_cast<std::size_t>(y)];
        out.expert_b.push_back(bb[static_cast<std::size_t>(y)].expert);
        if (x < 0) {
            out.matched_a.push_back(kNone);
            out.neg_log10_p.push_back(0.0);
            out.spearman.push_back(0.0);
            out.neurons.push_back(0);
            continue;
        }
        const BlockMatch m = all_pairs ? full[static_cast<std::size_t>(x * nb + y)]
                                       : match_blocks(ctx, ba[static_cast<std::size_t>(x)],
                                                      bb[static_cast<std::size_t>(y)]);
        const double p = std::max(0.0, m.neg_log10_p - choice);
        out.matched_a.push_back(ba[static_cast<std::size_t>(x)].expert);
        out.neg_log10_p.push_back(p);
        out.spearman.push_back(m.spearman);
        out.neurons.push_back(m.neurons);
        out.descended += p >= o.threshold_neg_log10_p;
        kept.push_back(m.neg_log10_p);
    }
    // The assignment is one search among min(na, nb)! candidates: correct the combination for it.
    const double penalty =
        std::lgamma(static_cast<double>(std::min(na, nb)) + 1.0) / std::log(10.0);
    out.combined_neg_log10_p = std::max(0.0, fisher(kept) - penalty);
    return out;
}

ExpertLayerOutcome dense_vs_experts(const PairContext& ctx, const NeuronBlock& dense,
                                    const std::vector<NeuronBlock>& bb,
                                    const ExpertMatchingOptions& o) {
    ExpertLayerOutcome out;
    out.kind = "dense_vs_experts";
    out.selection = "all pairs";
    std::vector<double> all;
    bool every_routed = true;
    int routed = 0;
    for (const auto& b : bb) {
        const BlockMatch m = match_blocks(ctx, dense, b);
        out.expert_b.push_back(b.expert);
        out.matched_a.push_back(-1);
        out.neg_log10_p.push_back(m.neg_log10_p);
        out.spearman.push_back(m.spearman);
        out.neurons.push_back(m.neurons);
        const bool d = m.neg_log10_p >= o.threshold_neg_log10_p;
        out.descended += d;
        all.push_back(m.neg_log10_p);
        if (b.expert >= 0) {
            ++routed;
            every_routed = every_routed && d;
        }
    }
    out.upcycled = routed > 0 && every_routed;
    out.combined_neg_log10_p = fisher(all);
    return out;
}

ExpertLayerOutcome experts_vs_dense(const PairContext& ctx, const std::vector<NeuronBlock>& ba,
                                    const NeuronBlock& dense, const ExpertMatchingOptions& o) {
    ExpertLayerOutcome out;
    out.kind = "experts_vs_dense";
    out.selection = "all pairs";
    double best = -1, best_spearman = 0;
    std::int64_t best_neurons = 0;
    int best_expert = kNone;
    for (const auto& a : ba) {
        const BlockMatch m = match_blocks(ctx, a, dense);
        if (m.neg_log10_p > best)
            best = m.neg_log10_p, best_expert = a.expert, best_spearman = m.spearman,
            best_neurons = m.neurons;
    }
    const double p = std::max(0.0, best - std::log10(static_cast<double>(ba.size())));
    out.expert_b.push_back(-1);
    out.matched_a.push_back(best_expert);
    out.neg_log10_p.push_back(p);
    out.spearman.push_back(best_spearman);
    out.neurons.push_back(best_neurons);
    out.descended = p >= o.threshold_neg_log10_p;
    out.combined_neg_log10_p = p;
    return out;
}

}  // namespace

std::vector<ExpertLayerOutcome> expert_matching(const PairContext& ctx,
                                                std::span<const std::pair<int, int>> layer_pairs,
                                                const ExpertMatchingOptions& options) {
    std::vector<ExpertLayerOutcome> out;
    for (const auto& [la, lb] : layer_pairs) {
        const auto ba = mlp_blocks(ctx.a, la), bb = mlp_blocks(ctx.b, lb);
        if (ba.empty() || bb.empty()) continue;
        const bool ea = has_experts(ba), eb = has_experts(bb);
        if (!ea && !eb) continue;
        ExpertLayerOutcome o;
        if (ea && eb)
            o = experts_vs_experts(ctx, ba, bb, options);
        else if (eb)
            o = dense_vs_experts(ctx, ba.front(), bb, options);
        else
            o = experts_vs_dense(ctx, ba, bb.front(), options);
        o.layer_a = la, o.layer_b = lb;
        o.blocks_a = static_cast<int>(ba.size()), o.blocks_b = static_cast<int>(bb.size());
        out.push_back(std::move(o));
    }
    return out;
}

void append_expert_stats(const std::vector<ExpertLayerOutcome>& outcomes, double threshold,
                         std::vector<ComponentStat>& stats) {
    for (const auto& o : outcomes)
        for (std::size_t i = 0; i < o.expert_b.size(); ++i) {
            ComponentStat s;
            s.family = "expert_matching";
            s.statistic = "spearman(gate matching, up matching) per expert";
            // "mlp" with the expert indices places it for the audit: B's layers.i.experts (or
            // layers.i.mlp) against A's layers.i.experts / layers.i.mlp
            // (audit/evidence/component_map).
            s.component = "mlp";
            s.layer_a = o.layer_a, s.layer_b = o.layer_b;
            s.expert_a = o.matched_a[i], s.expert_b = o.expert_b[i];
            s.neg_log10_p = o.neg_log10_p[i];
            s.value = o.spearman[i];
            // as neuron_matching's statistic: the central 1 - 1e-6 range of Spearman under the null
            s.null_lo = -shuffle_null_half_width(static_cast<double>(o.neurons[i]));
            s.null_hi = -s.null_lo;
            s.null_kind = o.kind == "experts_vs_experts"
                              ? "Spearman of independent matchings, Bonferroni over A's experts (" +
                                    o.selection + ")"
                          : o.kind == "dense_vs_experts"
                              ? "Spearman of independent matchings (each expert vs A's dense MLP)"
                              : "Spearman of independent matchings, Bonferroni over A's experts";
            s.beyond_null = s.neg_log10_p >= threshold;
            stats.push_back(s);
        }
}

}  // namespace lineage::probes::weights
