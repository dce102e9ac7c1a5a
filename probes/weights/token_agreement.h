// Statistic 5: embeddings and lm_head through shared tokens. After alignment (A's rows mapped into
// B's basis; lm_head rows folded with the final norm gain), the cosine of each shared token's row
// in A and B, against a null of randomly paired tokens (seeded): the fraction of tokens agreeing
// beyond the null's 99.9% quantile, and per block of 256 B ids the mean agreement - a block of B
// ids with no counterpart in A, or that does not agree, is reported as new (an appended vocabulary).
#pragma once

#include <cstdint>

#include "probes/weights/hidden_alignment.h"

namespace lineage::probes::weights {

// One entry per component present on both sides (token_embedding, lm_head).
std::vector<TokenAgreement> token_agreement(const PairContext& ctx, const SharedTokens& tokens,
                                            std::uint64_t seed);

}  // namespace lineage::probes::weights
