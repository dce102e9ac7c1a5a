// Canonical BPE merges rebuilt from a vocabulary alone, the way converters from tiktoken and
// SentencePiece write them: for each token in id order, every split into two parts that are both
// tokens becomes a merge (parts ordered by (left id, right id)), and merges are ranked by the id
// of the token they produce. Llama 3's 128,000 tiktoken tokens give 280,147 merges this way, the
// exact list its tokenizer.json carries. Comparing canonical lists makes merge order comparable
// across formats, since natively trained files list only one merge per token.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "reference_model/tokenizer/formats/vocabulary.h"

namespace lineage::model {

// Uses the comparable (normal and byte) tokens of `vocab`; a byte piece serves as a part only
// where no normal token has the same bytes. `results`, when given, receives the id each merge
// produces (parallel to the merges).
std::vector<std::pair<std::int32_t, std::int32_t>> canonical_merges(const Vocabulary& vocab,
                                                                     std::vector<std::int32_t>* results = nullptr);

}  // namespace lineage::model
