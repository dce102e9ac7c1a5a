// Same-role statistics between models of different hidden widths, through the hidden map M
// (d_A x d_B). Element-wise Pearson needs tensors of one shape, so between widths the norm gains
// and lm_head would otherwise get no statistic (and an audit no verdict for them):
//   norm gains   - A's gains carried into B's basis as the diagonal of M' diag(gamma_A) M (for a
//                  signed permutation simply the permuted gains), Spearman against B's gains
//   lm_head      - A's rows (final norm folded) mapped, W_A M, centred Pearson against B's rows,
//                  against the same independent-pair band (rho <= rule.pearson_min_effect) as the
//                  unaligned statistic; skipped when either lm_head is tied to its embedding,
//                  whose rows the map was fitted on (circular)
// Only with a recovered map (map_recovered) do they count as evidence. Through a best-fit map of
// independent models (a basis choice, see compare.cpp) the map aligns the two models
// functionally - it is fitted to make their token geometry agree - and lm_head rows inherit that
// agreement: mini-zoo B widened to 96 against A reaches lm_head Pearson 0.26-0.29 (beyond the
// 0.2 band) with no weights inherited. So through a best-fit map the lm_head statistic is not
// computed, and the norm-gain statistic is reported but never beyond its null (on the zoo, D
// against A, B and A-student: |Spearman| <= 0.16). Only runs when the widths differ. (lm_head's
// own held-out map fit is no way out either: B widened to 96 fits A's lm_head rows at >= 0.6.
// Between widths without a recovered map, lm_head therefore has no statistic.)
#pragma once

#include <utility>
#include <vector>

#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {

// Appends the statistics for the global tensors and the given (A layer, B layer) pairs; returns
// the largest -log10 p among those beyond the rule's effect threshold (0 when none, or when the
// widths agree or there is no map).
double mapped_pearson(const PairContext& ctx, const std::vector<std::pair<int, int>>& layer_pairs,
                      bool map_recovered, std::vector<ComponentStat>& stats);

}  // namespace lineage::probes::weights
