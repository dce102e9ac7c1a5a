// The relation between two tokenizers in words, decided from the comparison statistics:
//   identical        same file content, or same tokens, ids, specials, merges and format
//   same-vocabulary  same tokens at the same ids, stored in another format or with other specials
//   extended         one keeps every token of the other at the same id and adds tokens
//   pruned           one keeps the other's order with tokens removed (ids compacted), maybe
//                    with tokens appended
//   shifted          the shared tokens keep their order with (nearly) all ids moved by one offset
//   reordered        far more shared tokens or order than unrelated tokenizers reach, but neither
//                    order nor ids kept
//   independent      nothing beyond what unrelated tokenizers share
// Order preservation (LIS) is the main signal: derived pairs reach >= 0.9, unrelated ones stay
// inside the calibrated null range. A reused tokenizer is a finding about the tokenizer only: a
// model can reuse a tokenizer and still be trained from scratch.
#pragma once

#include <string>
#include <string_view>

#include "probes/tokenizer/tokenizer_comparison.h"

namespace lineage::probes {

enum class TokenizerRelation { identical, same_vocabulary, extended, pruned, shifted, reordered, independent };

// "identical", "same-vocabulary", "extended", "pruned", "shifted", "reordered", "independent".
std::string_view relation_name(TokenizerRelation relation);

struct RelationFinding {
    TokenizerRelation relation = TokenizerRelation::independent;
    bool derived = false;    // every relation but independent
    std::string direction;   // e.g. "B extends A", "B = A with ids shifted by +768"; "" if none
    std::string explanation;  // a few sentences a reviewer can read
};

// Thresholds (see the header comment); exposed for tests and reports.
inline constexpr double kOrderKept = 0.90;        // LIS fraction of a derived order
inline constexpr double kSameIds = 0.99;          // equal-id fraction of an id-preserving relation
inline constexpr double kShiftCoverage = 0.90;    // dominant-offset coverage of a shift
inline constexpr double kReorderedJaccard = 0.90;  // unrelated real pairs stay <= 0.61

RelationFinding classify_relation(const TokenizerComparison& c);

}  // namespace lineage::probes
