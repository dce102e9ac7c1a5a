// Statistic 3 (primary): the independence test of Zhu et al. (ICML 2025), on weights. For a layer
// of A and a layer of B, match the MLP neurons of the two by linear assignment on the cosine
// similarity of their gate rows, and separately of their up rows (A's rows folded with its norm
// gain and mapped into B's hidden basis first). If B's MLP descends from A's, both matchings
// recover the same neuron permutation; for independent models they are unrelated. The evidence is
// the one-sided p-value of the Spearman correlation between the two matchings (t approximation,
// floored at 1/n!). Every (A layer, B layer) pair within budget is scored into a layer x layer
// matrix; each B layer takes its best A layer with a Bonferroni correction for the choice, and
// the layers combine by Fisher's method.
// Mixtures of experts: a layer's MLP is a list of neuron blocks (experts, shared expert); blocks
// of two MoE layers are matched by assignment on their evidence, then combined; a dense layer
// against an MoE layer takes the best expert (Bonferroni over experts). Extending to new expert
// layouts means adding blocks in mlp_blocks().
#pragma once

#include <cstdint>
#include <vector>

#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {

struct NeuronBlock {
    const TensorRef* gate = nullptr;
    const TensorRef* up = nullptr;
    bool fused = false;  // gate_up stored as one tensor: gate rows first, then up rows
    int expert = -1;     // -1 dense MLP, -2 shared expert
    int slice = -1;      // expert index inside a fused 3-D (experts, out, in) tensor, else -1
};

// The neuron blocks of a layer (dense MLP or experts).
std::vector<NeuronBlock> mlp_blocks(const ModelView& view, int layer);
// A block's gate (up = false) or up rows, norm gain folded in; with ctx_a (A's side) mapped into
// B's hidden basis when a map was recovered.
MatrixF block_rows(const ModelView& view, const NeuronBlock& b, bool up, const PairContext* ctx_a);

struct BlockMatch {
    double neg_log10_p = 0.0;     // Spearman(gate matching, up matching), one-sided
    double spearman = 0.0;
    double identity_spearman = 0.0;  // gate matching vs identity (meaningful when bases agree)
    bool certified_gate = false, certified_up = false;
    std::int64_t neurons = 0;
};

// One block pair: A's block (aligned into B's basis) against B's block.
BlockMatch match_blocks(const PairContext& ctx, const NeuronBlock& a, const NeuronBlock& b);

struct LayerPairScore {
    double neg_log10_p = 0.0;    // layer-level evidence (experts combined)
    int expert_a = -1, expert_b = -1;  // best block pair
    BlockMatch best;
};

struct NeuronMatchingResult {
    std::int64_t layers_a = 0, layers_b = 0;
    std::vector<double> scores;  // (layers_a x layers_b) -log10 p; NaN where not computed
    std::vector<LayerPairScore> cells;
    double combined_neg_log10_p = 0.0;
    std::vector<std::int32_t> best_a_for_b;
    std::vector<double> best_corrected;  // per B layer
};

// Scores layer pairs (all of them if layers_a*layers_b <= rule.max_layer_pairs, else a band
// around the proportional diagonal) in parallel, then combines.
NeuronMatchingResult neuron_matching(const PairContext& ctx);

}  // namespace lineage::probes::weights
