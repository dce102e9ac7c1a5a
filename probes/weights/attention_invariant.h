// Statistic 4: the attention invariant (in the spirit of AWM and HuRef). For a matched layer pair,
// unbiased linear CKA between A's and B's effective query/key maps over the aligned input
// dimensions: samples are the hidden dimensions (B's basis; A's folded weights mapped by the
// recovered hidden map), features are the stacked output channels of Wq and Wk. CKA ignores any
// orthogonal mixing of output channels (head permutations, per-head rotations of q and k) and
// isotropic scaling. Calibrated by a pair-specific permutation null (rule.cka_shuffles shuffles of
// the aligned input dimensions, seeded), and reported beside the zoo's independent pairs.
// Latent attention (q_b/kv_b) is not yet wired (its blocks read the latent, not the hidden).
#pragma once

#include <cstdint>
#include <vector>

#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {

struct AttentionLayerResult {
    int layer_a = -1, layer_b = -1;
    double cka = 0.0;
    double p_value = 1.0;       // empirical, floor 1/(shuffles+1)
    double null_mean = 0.0, null_sd = 0.0, null_max = 0.0;
    double z = 0.0;             // (cka - null_mean) / null_sd, descriptive
    std::uint64_t seed = 0;
    std::int64_t dims = 0;      // input dimensions used (subsampled above rule.cka_max_dims)
    std::int64_t shuffles = 0;  // null draws made (fewer than the rule's when stopped early)
};

struct AttentionResult {
    std::vector<AttentionLayerResult> layers;
    double combined_neg_log10_p = 0.0;  // Fisher over matched layers
    std::vector<double> heatmap;        // layers_a x layers_b unbiased CKA (no null), NaN if skipped
    std::int64_t layers_a = 0, layers_b = 0;
};

// `pairs`: (A layer, B layer) to test with the null.
AttentionResult attention_invariant(const PairContext& ctx,
                                    const std::vector<std::pair<int, int>>& pairs,
                                    std::uint64_t seed);

}  // namespace lineage::probes::weights
