// Scoring B's unmatched extra layers against every A layer (see unmatched_layers.h).
#include "probes/weights/unmatched_layers.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "probes/weights/attention_invariant.h"
#include "probes/weights/direct_statistics.h"
#include "probes/weights/mapped_statistics.h"

namespace lineage::probes::weights {

std::vector<int> unmatched_extra_layers(const NeuronMatchingResult& nm, double min_score) {
    std::vector<int> out;
    for (std::int64_t j = nm.layers_a; j < nm.layers_b; ++j) {
        const bool matched = static_cast<std::size_t>(j) < nm.best_corrected.size() &&
                             nm.best_corrected[j] >= min_score && nm.best_a_for_b[j] >= 0;
        if (!matched) out.push_back(static_cast<int>(j));
    }
    return out;
}

UnmatchedLayerScores score_unmatched_layers(const PairContext& ctx, const std::vector<int>& layers_b,
                                            bool map_recovered, std::uint64_t seed,
                                            std::vector<ComponentStat>& stats) {
    UnmatchedLayerScores out;
    const int la = ctx.a.num_layers();
    if (layers_b.empty() || la == 0) return out;
    const double choices = std::log10(static_cast<double>(la));
    std::vector<std::pair<int, int>> pairs;
    for (int j : layers_b)
        for (int i = 0; i < la; ++i) pairs.emplace_back(i, j);

    // Attention invariant: per B layer the A layer with the smallest permutation p (ties: the
    // larger CKA), p multiplied by |A|.
    const AttentionResult at = attention_invariant(ctx, pairs, seed);
    std::map<int, const AttentionLayerResult*> best;
    for (const auto& l : at.layers) {
        if (l.dims == 0) continue;
        auto& b = best[l.layer_b];
        if (!b || l.p_value < b->p_value || (l.p_value == b->p_value && l.cka > b->cka)) b = &l;
    }
    for (const auto& [j, l] : best) {
        const double p = std::min(1.0, l->p_value * la);
        out.attention_log_p.push_back(std::log(p));
        ComponentStat s;
        s.family = "attention_cka";
        s.statistic = "unbiased_cka(Wq|Wk aligned), best of " + std::to_string(la) + " A layers";
        s.component = "q_proj+k_proj";
        s.layer_a = l->layer_a, s.layer_b = j;
        s.value = l->cka;
        s.neg_log10_p = -std::log10(p);
        s.null_lo = l->null_mean - 3 * l->null_sd;
        s.null_hi = l->null_max;
        s.null_kind = "permutation of aligned input dims (" + std::to_string(l->shuffles) +
                      " shuffles" + (l->shuffles < ctx.rule.cka_shuffles ? ", sequential stop" : "") +
                      ", seed " + std::to_string(l->seed) + "), Bonferroni over " +
                      std::to_string(la) + " A layers";
        s.beyond_null = l->p_value <= 1.0 / (ctx.rule.cka_shuffles + 1.0) + 1e-12 &&
                        l->cka > ctx.rule.attention_cka_independent_max;
        stats.push_back(s);
    }

    // Same-shape Pearson / rank statistics: best A layer per (role, B layer, expert).
    std::vector<ComponentStat> all;
    unaligned_pearson(ctx, pairs, all, nullptr);
    mapped_pearson(ctx, pairs, map_recovered, all);
    const std::set<int> wanted(layers_b.begin(), layers_b.end());
    std::map<std::tuple<std::string, int, int>, ComponentStat> kept;
    for (auto& c : all) {
        if (!wanted.count(c.layer_b)) continue;  // A's and B's global tensors are scored elsewhere
        const auto key = std::make_tuple(c.component, c.layer_b, c.expert_b);
        auto it = kept.find(key);
        if (it == kept.end() || c.neg_log10_p > it->second.neg_log10_p) kept[key] = c;
    }
    for (auto& [key, c] : kept) {
        c.neg_log10_p = std::max(0.0, c.neg_log10_p - choices);
        c.null_kind += ", best of " + std::to_string(la) + " A layers (Bonferroni)";
        if (!c.descriptive)
            c.beyond_null = c.neg_log10_p >= ctx.rule.derived_neg_log10_p &&
                            c.value >= ctx.rule.pearson_min_effect;
        if (c.beyond_null) out.pearson_max_neg_log10_p = std::max(out.pearson_max_neg_log10_p, c.neg_log10_p);
        stats.push_back(std::move(c));
    }
    return out;
}

}  // namespace lineage::probes::weights
