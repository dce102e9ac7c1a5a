// Where each token of an encoded text ends, in bytes of the text, and which positions of two
// models can be compared. A causal model's hidden state at position i has read exactly the text up
// to the end of token i, so two models - even with different tokenizers - have read the same text
// at positions whose tokens end at the same byte offset; those positions are paired.
// Token byte strings come from the format-neutral Vocabulary (byte-level BPE's byte map undone,
// SentencePiece "▁" turned into a space, <0xNN> pieces into their byte). Special/control tokens
// cover no text. A space the tokenizer prepends (Metaspace / SentencePiece add_dummy_prefix) is
// recognised by comparing the concatenated bytes with the text and removed from the offsets.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reference_model/tokenizer/formats/vocabulary.h"

namespace lineage::probes::activation {

struct TokenSpans {
    // Per token: end byte offset in the (normalised) text, -1 for tokens that cover no text.
    std::vector<std::int64_t> end;
    // The covered bytes, concatenated (after removing a prepended space).
    std::string stream;
    bool prepended_space = false;  // the tokenizer added a leading space the text does not have
    bool matches_text = false;     // stream == text (false when a normaliser changed the text)
};

TokenSpans token_byte_spans(std::span<const std::int32_t> ids, const model::Vocabulary& vocab,
                            std::string_view text);

// Pairs (position in A, position in B) whose tokens end at the same offset, ascending. Nothing
// when the two streams differ where both have text (the texts were normalised differently, so
// offsets do not compare); a stream that is shorter (a truncated sequence) just pairs fewer.
// Positions below `skip_leading` on either side are left out (the first position of a sequence
// acts as an attention sink in most models and looks alike for every text).
std::vector<std::pair<std::int32_t, std::int32_t>> align_positions(const TokenSpans& a, const TokenSpans& b,
                                                                   std::int32_t skip_leading);

}  // namespace lineage::probes::activation
