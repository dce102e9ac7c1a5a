// Which layer of model B corresponds to which layer of model A, from a layer x layer score matrix
// (higher = stronger evidence of correspondence, e.g. -log10 p of neuron matching).
// - monotone_alignment: dynamic programming over (A layer, B layer) that keeps the order of
//   layers, lets several B layers map to one A layer (duplicated layers, depth up-scaling), leaves
//   A layers unmapped (dropped, pruning) and B layers unmapped (inserted, freshly initialised).
//   A pair only counts when its score exceeds `min_score`, so noise never buys a mapping.
// - best_matches: each B layer's best A layer with the score corrected for the choice among
//   |A| candidates (Bonferroni: -log10 p - log10 |A|), order-free (handles non-monotone
//   up-scaling such as SOLAR's A[0:24] + A[8:32]).
#pragma once

#include <cstdint>
#include <vector>

namespace lineage::probes::stats {

struct LayerMap {
    std::vector<std::int32_t> b_to_a;   // (LB) A layer for each B layer, -1 = inserted/unmatched
    std::vector<std::int32_t> dropped;  // A layers no B layer maps to
    double total_score = 0.0;           // sum of (score - min_score) over mapped pairs
};

// scores: row-major LA x LB.
LayerMap monotone_alignment(const std::vector<double>& scores, std::int64_t la, std::int64_t lb,
                            double min_score);

struct BestMatch {
    std::int32_t a_layer = -1;
    double corrected_neg_log10_p = 0.0;  // >= 0
};

std::vector<BestMatch> best_matches(const std::vector<double>& neg_log10_p, std::int64_t la,
                                    std::int64_t lb);

}  // namespace lineage::probes::stats
