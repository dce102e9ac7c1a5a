// B layers beyond A's depth that neuron matching gave no partner (a depth up-scaled model's extra
// layers compared with an unrelated base, layers inserted fresh). The matched-layer statistics
// test B layer j against A layer j or its matched layer, so such a layer would otherwise get no
// attention or norm statistic at all and stay undecided in an audit. Here each is scored against
// every A layer instead - the attention invariant and the same-shape Pearson/rank statistics -
// keeping the best A layer with a Bonferroni correction for the choice among |A| layers (the
// same rule as neuron matching's best_matches), so its evidence is neither lost nor inflated.
#pragma once

#include <cstdint>
#include <vector>

#include "probes/weights/neuron_matching.h"
#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {

// B layers j >= layers_a whose best neuron-matching evidence is below `min_score`.
std::vector<int> unmatched_extra_layers(const NeuronMatchingResult& nm, double min_score);

struct UnmatchedLayerScores {
    std::vector<double> attention_log_p;  // natural-log p per scored layer, Bonferroni-corrected
    double pearson_max_neg_log10_p = 0.0;  // strongest corrected Pearson evidence beyond its band
};

// Appends one attention_cka stat per layer (its best A layer) and the best Pearson/rank stat per
// tensor role and layer to `stats`, every p corrected for the |A| choices. `map_recovered`: as in
// mapped_pearson (mapped_statistics.h), for models of different widths.
UnmatchedLayerScores score_unmatched_layers(const PairContext& ctx, const std::vector<int>& layers_b,
                                            bool map_recovered, std::uint64_t seed,
                                            std::vector<ComponentStat>& stats);

}  // namespace lineage::probes::weights
