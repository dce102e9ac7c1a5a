// The statistics that compare two tokenizer vocabularies (all on raw byte strings, so formats
// compare): overlap (Jaccard, containment), order preservation (longest increasing subsequence of
// B ids taken in A-id order, as a fraction of the shared tokens), equal ids and the dominant id
// offset, the blocks that explain a difference (identical prefix, appended and removed ids, runs
// shifted by one offset), canonical merge order (common prefix, rank correlation of shared
// merges) and the weak hints. Single-byte tokens are set aside as structural overlap: every
// byte-level vocabulary has all 256 (ids 0-255 in tiktoken style) and every byte-fallback
// SentencePiece vocabulary has 256 byte pieces (ids 3-258), whatever their lineage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/tokenizer/token_mapping.h"
#include "reference_model/tokenizer/formats/vocabulary.h"

namespace lineage::probes {

// A run of ids [first, first + count).
struct IdRange {
    std::int64_t first = -1;
    std::int64_t count = 0;
};

// Consecutive shared tokens (in A order) whose B id is their A id plus `offset`.
struct ShiftedRun {
    std::int64_t a_first = 0, b_first = 0, length = 0, offset = 0;
};

struct VocabularySide {
    std::string path, format, sha256, model_type;
    std::size_t ids = 0;               // id range (embedding rows the ids index)
    std::size_t ordinary = 0;          // normal + byte tokens
    std::size_t multi_byte = 0;        // ordinary tokens longer than one byte (compared)
    std::size_t merges = 0;            // the vocabulary's merge list (the file's, or rebuilt)
    bool merges_rebuilt = false;       // rebuilt canonically (tiktoken, SentencePiece, tekken)
    std::optional<std::string> behaviour_hash;
    std::string behaviour_note;        // why there is no behaviour hash, if none
    model::VocabularyHints hints;
};

struct HintComparison {
    bool same_model_type = false;
    bool same_pre_tokenizer = false;  // both known and equal
    bool pre_tokenizer_known = false;
    bool same_normalizer = false;
    double specials_jaccard = 0.0;    // over special-token texts (0 when both have none)
    std::size_t shared_specials = 0;
    bool same_template_family = false;  // both known and equal
    bool same_class = false;            // both known and equal
    std::optional<bool> same_behaviour;  // both hashes known
};

struct TokenizerComparison {
    VocabularySide a, b;
    TokenMapping mapping;  // every shared ordinary token, single bytes included

    // Over shared multi-byte tokens (structural single bytes set aside).
    std::size_t shared = 0;
    std::size_t structural_shared = 0;  // single-byte pairs set aside
    double jaccard = 0.0;
    double containment_a_in_b = 0.0;  // shared / A's multi-byte tokens
    double containment_b_in_a = 0.0;
    double size_ratio = 0.0;          // smaller / larger multi-byte count
    std::size_t equal_ids = 0;
    double equal_id_fraction = 0.0;
    std::size_t lis = 0;
    double lis_fraction = 0.0;
    std::int64_t dominant_offset = 0;
    std::size_t offset_count = 0;
    double offset_coverage = 0.0;

    // Blocks (ids of all kinds for the prefix; ordinary tokens for the rest).
    std::int64_t identical_prefix = 0;   // ids [0, identical_prefix) agree in kind and bytes
    std::size_t a_only = 0, b_only = 0;  // ordinary multi-byte tokens found on one side only
    IdRange a_appended, b_appended;      // one-side-only ids after the last shared id
    std::vector<IdRange> a_only_ranges, b_only_ranges;  // the largest runs, by first id
    std::vector<ShiftedRun> runs;                         // the largest runs, by A id

    // Canonical merges among shared tokens (every split of a shared token into two shared
    // tokens): both canonical lists hold exactly this set, each in its own order.
    std::size_t shared_merges = 0;
    std::size_t merge_common_prefix = 0;   // leading merges in the same order on both sides
    double merge_prefix_fraction = 0.0;    // common prefix / shared merges
    double merge_rank_correlation = 0.0;   // Spearman over the shared merges
    bool same_merge_lists = false;         // the two merge lists are equal as id pairs

    HintComparison hints;
};

// How many runs and ranges are kept for reports.
inline constexpr std::size_t kKeptRanges = 5;

TokenizerComparison compare_vocabularies(const model::Vocabulary& a, const model::Vocabulary& b);

// Length of the longest strictly increasing subsequence (patience sorting, O(n log n)).
std::size_t longest_increasing_subsequence(const std::vector<std::int32_t>& values);

}  // namespace lineage::probes
