// Statistic 2: recovering the map between the two hidden bases. A derived model's residual stream
// may be permuted, sign-flipped, scaled or rotated (with norms folded, all function-preserving).
// The embedding rows of tokens both tokenizers share are the same points in both bases, so the
// map is estimated from them: a signed permutation by linear assignment on |column correlation|,
// or an orthogonal Procrustes rotation when a full rotation fits clearly better. The fit is judged
// against the same fits to randomly paired tokens (seeded draws); only a fit beyond that null is
// used to align the other statistics. Different hidden widths (a model widened with fresh
// dimensions, or with dimensions pruned) get the rectangular versions of the same two fits.
// The identity (B in A's own basis, the common derived case) is tried first: when it alone is
// settled beyond its null, the fits are skipped (hidden_alignment.cpp says why they could not
// change the outcome).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {

struct SharedTokens {
    std::vector<std::pair<std::int32_t, std::int32_t>> pairs;  // (A id, B id)
    std::string source;  // "tokenizer byte strings" | "identical ids (fallback: ...)"
};

// Token pairs from the tokenizers next to the weights (probes/tokenizer/token_mapping.h); when
// either side has no tokenizer.json, identical ids over min(vocab) with a note saying so.
SharedTokens shared_tokens(const ModelView& a, const ModelView& b, std::int64_t vocab_a,
                           std::int64_t vocab_b);

// Estimates the map; fills ctx.hidden_map/has_map and returns the report (with ComponentStat
// entries appended to `stats`). Widths may differ: the map is then d_A x d_B (a partial signed
// permutation or a semi-orthogonal Procrustes map), applied as W_A M like a square one.
// `best_fit` (optional): when the widths differ and no map is recovered, receives the best
// held-out fit anyway (ctx is left without a map). The caller may align through it as a mere
// basis choice - there are no stored bases to share between different widths - see compare.cpp.
HiddenMap align_hidden(PairContext& ctx, const SharedTokens& tokens, std::uint64_t seed,
                       std::vector<ComponentStat>& stats, MatrixF* best_fit = nullptr);

}  // namespace lineage::probes::weights
