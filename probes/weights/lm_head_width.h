// Embeddings and lm_head between models of DIFFERENT hidden widths, where no hidden map fits (an
// unrelated pair) so the aligned token agreement of token_agreement.h cannot run. A width-invariant
// statistic over the rows of the tokens both tokenizers share: canonical correlation analysis of
// A's rows (n x d_A) against B's (n x d_B), fitted on one half of the tokens and applied to the
// other (two folds, alternating rows in A-id order, each side centred and whitened with a ridge of
// 1e-3 x its mean variance), and the MEDIAN over the min(d_A, d_B) ranks of the held-out
// correlations. lm_head rows are read with the final norm gain folded in.
//
// Why not a shuffle null, CKA or a linear map's R^2: models trained on the same data and tokenizer
// share the output geometry the data dictates - a dominant frequency direction and a handful of
// functional ones - so their lm_heads reach linear CKA 0.99 and a held-out map R^2 of 0.89 (zoo A
// vs B), beside a fine-tune's 0.98, and randomly paired tokens are no null for that. The bulk of the
// directions keep each model's own initialisation: held out, their canonical correlations between
// independent models sit near zero while a derived model keeps them, and the median reads that bulk
// (the top, shared directions cannot move it).
//
// Calibrated, not assumed: the ceiling is the largest value over the lineage zoo's weight-unrelated
// pairs plus a margin (lm_head_width_ranges.h; refitted leave-one-model-out when a model of the
// pair is a calibration model). Its power: A's own rows pushed through a random semi-orthogonal
// d_A x d_B map plus the rule's fine-tune noise (controls.finetune_noise_relative_std x the
// matrix's std), the width-change positive control of positive_controls.h made at this statistic,
// must score beyond the ceiling.
//
// Verdict semantics - this statistic may only SUPPORT independence or stay silent:
//   independent   value <= ceiling and the control detected;
//   inconclusive  otherwise (above the ceiling, or control missed). A value at or above the
//                 derived floor (0.5, ten times the zoo's largest independent value 0.05, where
//                 fine-tuned children sit at 0.7-0.97) is reported as "far beyond every
//                 independent pair", but it never makes a pair derived on its own: a distilled
//                 student of the committed mini zoo reaches 0.68 with its teacher (few tokens per
//                 dim, outside the calibrated domain), independent models at other scales were not
//                 seen, and derivation needs the blocks' evidence (neuron matching, attention
//                 invariant, Pearson);
//   silent        not calibrated, or fewer shared tokens per hidden dim than the calibration saw
//                 (independent values rise there: the mini zoo's A vs B, 253 tokens at width 64,
//                 give 0.27): reported, but it neither supports nor blocks independence.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "probes/stats/cka.h"
#include "probes/weights/hidden_alignment.h"
#include "probes/weights/lm_head_width_ranges.h"

namespace lineage::probes::weights {

// Held-out canonical correlations by rank (min(d_A, d_B) values, largest canonical pair first):
// two folds of alternating rows, CCA fitted on one and applied to the other, averaged over folds.
std::vector<double> heldout_canonical_correlations(const stats::MatrixD& x, const stats::MatrixD& y);

// The statistic: rows evenly thinned to at most max(16384, 8 x the wider width), then the median of
// heldout_canonical_correlations. Needs rows >= 4 x the wider width (else NaN).
double median_heldout_canonical_correlation(const stats::MatrixD& x, const stats::MatrixD& y);

// The positive control's rows: x (n x d_A) through a random semi-orthogonal d_A x d_B map
// (orthonormal rows when widening, orthonormal columns when narrowing) plus Gaussian noise of
// standard deviation noise_sd, seeded.
stats::MatrixD width_changed_copy(const stats::MatrixD& x, std::int64_t d_b, double noise_sd,
                                  std::uint64_t seed);

// The verdict rule of the header on measured figures (wider_width: the larger hidden width).
WidthInvariantTokens judge_width_tokens(const std::string& component, double value, double control_value,
                                        std::int64_t tokens, std::int64_t wider_width,
                                        const WidthTokenCeiling& ceiling, const std::string& calibration);

// One entry per component present on both sides (token_embedding, lm_head) with enough shared
// tokens; empty when the widths are equal (the aligned statistics apply there).
std::vector<WidthInvariantTokens> width_invariant_tokens(
    const PairContext& ctx, const SharedTokens& tokens, std::uint64_t seed,
    const LmHeadWidthRanges& ranges = default_lm_head_width_ranges());

}  // namespace lineage::probes::weights
