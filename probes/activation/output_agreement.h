// Output agreement of two models on the vocabulary they share: at each aligned position (both
// models have read the same text), each model's next-token distribution is restricted to the
// shared tokens and renormalised (= a softmax over the shared tokens' logits), and the two are
// compared by top-1 agreement (same most likely shared token) and the Jensen-Shannon divergence
// (in bits, 0 = identical, 1 = disjoint). The row-shuffled null pairs A's distribution at one
// position with B's at another: what agreement the two models' token frequencies alone produce.
#pragma once

#include <cstdint>
#include <vector>

#include "probes/activation/gram_cka.h"

namespace lineage::probes::activation {

// Each row of `logits` (m x S) becomes log-probabilities over its S entries, in place.
void log_softmax_rows(MatrixF& logits);

// Jensen-Shannon divergence in bits between two distributions given as log-probabilities.
double js_divergence_bits(const float* logp, const float* logq, std::int64_t size);

struct AgreementFigures {
    double top1 = 0.0;  // fraction of positions whose argmax shared token is the same
    double js = 0.0;    // mean JS divergence (bits)
    std::int64_t positions = 0;
};

// Row i of a against row perm[i] of b (identity when perm is empty). Rows are log-probabilities.
AgreementFigures output_agreement(const MatrixF& logp_a, const MatrixF& logp_b,
                                  const std::vector<std::int32_t>& perm = {});

struct AgreementNull {
    std::vector<double> top1, js;  // one value per draw
    double top1_mean = 0, top1_max = 0, js_mean = 0, js_min = 0;
    std::uint64_t seed = 0;
};
AgreementNull agreement_permutation_null(const MatrixF& logp_a, const MatrixF& logp_b, int shuffles,
                                         std::uint64_t seed);

}  // namespace lineage::probes::activation
