// Mixture-of-experts layers in the weight probe, expert by expert. Neuron matching
// (neuron_matching.h) scores a layer pair by its best expert pair; this file says which expert
// descends from which, for the matched layer pairs of a comparison:
//   experts vs experts   two MoE layers: A's neuron blocks (routed experts, shared expert) are
//                        assigned to B's by maximum total evidence, where the evidence of a block
//                        pair is the independence test of match_blocks (gate and up matchings of
//                        their neurons agree); each assigned pair then carries its neuron-level
//                        p-value, corrected for the choice among A's blocks. When blocks_a·blocks_b
//                        exceeds the pair budget, the assignment is made on cheap expert
//                        signatures instead (the column-norm profile of each expert's gate
//                        rows in B's hidden basis, compared by Pearson) and only the assigned pairs
//                        are neuron-matched.
//   dense vs experts     A dense, B MoE (sparse upcycling: every expert starts as a copy of the
//                        dense MLP): every B block is tested against A's dense MLP; B is upcycled
//                        from A's layer when each routed expert is beyond the derived threshold
//                        (an intersection test: no correction needed for asking it of all).
//   experts vs dense     A MoE, B dense (an expert extracted or merged into a dense model): the
//                        best A expert, Bonferroni over A's blocks.
// Routers and latent-attention projections are compared by role with the other tensors
// (direct_statistics.h pairs every role, expert index included).
#pragma once

#include <span>
#include <utility>
#include <vector>

#include "probes/weights/compare_result.h"
#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {

struct ExpertMatchingOptions {
    double threshold_neg_log10_p =
        6.0;  // a block pair "descends" at or beyond this (after correction)
    std::int64_t max_block_pairs =
        1024;  // full block x block neuron matching up to this many pairs
};

// One outcome per (A layer, B layer) pair of `layer_pairs` in which either layer has experts.
std::vector<ExpertLayerOutcome> expert_matching(const PairContext& ctx,
                                                std::span<const std::pair<int, int>> layer_pairs,
                                                const ExpertMatchingOptions& options);

// The per-block statistics of `outcomes` as ComponentStat rows (family "expert_matching").
void append_expert_stats(const std::vector<ExpertLayerOutcome>& outcomes, double threshold,
                         std::vector<ComponentStat>& stats);

}  // namespace lineage::probes::weights
