// Statistics 0 and 1, which need no alignment. Exact reuse: equal SHA-256 of a non-constant tensor
// of at least rule.exact_reuse_min_elements elements (constant tensors such as untrained norm
// gains of 1 are equal in every model and prove nothing), and row-MinHash Jaccard of same-role
// matrices (rows reused after re-indexing or an appended vocabulary). Unaligned correlation:
// centred element-wise Pearson of same-shape tensors of the same role (same layer, and the layers
// the alignment maps), against the shuffle null (its exact permutation moments: mean 0, variance
// 1/(n-1), normal tail); norm vectors also get Spearman rank correlation. Never raw cosine.
// Per-head q/k norms (dims indexed by RoPE frequency, not exchangeable) are reported, not counted.
#pragma once

#include <utility>
#include <vector>

#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {

// Exact-reuse hits appended to `stats`; returns true on any hit.
bool exact_reuse(const PairContext& ctx, std::vector<ComponentStat>& stats);

// -log10 p of a centred Pearson r over n elements against the independent-pair band rho <= rho0
// (Fisher z, one-sided): the null of every Pearson statistic of this probe.
double pearson_band_neg_log10_p(double r, double n, double rho0);

// Half-width of the central 1 - 1e-6 range of the shuffle null of a correlation over n elements
// (mean 0, variance 1/(n-1), normal tail): the range reported beside every such statistic.
double shuffle_null_half_width(double n);

// Moves `stats` onto the end of `out`; returns the largest -log10 p among those beyond their null
// (0 when none is).
double append_and_best(std::vector<ComponentStat>& stats, std::vector<ComponentStat>& out);

// Pearson for every same-role, same-shape tensor pair at the given (A layer, B layer) pairs (and
// the non-layer tensors). Returns the largest -log10 p among pairs above the effect threshold.
// `raw_cosines` (optional) receives the uncentred cosine of same-index matrix pairs, kept only as
// a descriptive figure.
double unaligned_pearson(const PairContext& ctx, const std::vector<std::pair<int, int>>& layer_pairs,
                         std::vector<ComponentStat>& stats, std::vector<double>* raw_cosines = nullptr);

}  // namespace lineage::probes::weights
