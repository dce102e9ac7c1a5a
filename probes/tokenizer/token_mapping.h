// The token mapping between two tokenizers: every token (raw byte string) both vocabularies hold,
// as a pair (id in A, id in B). The weight and activation probes align embedding rows through it
// (row a of A's embedding against row b of B's); the tokenizer probe computes its statistics on it.
// Only ordinary tokens take part (kinds normal and byte; special/control tokens are compared as
// hints). A SentencePiece byte piece <0xNN> matches the other side's byte piece for NN, or, when
// the other side has none (byte-level BPE), its single-byte token. The mapping is one-to-one.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "reference_model/tokenizer/formats/vocabulary.h"

namespace lineage::probes {

struct TokenMapping {
    // (id in A, id in B), ascending in the A id.
    std::vector<std::pair<std::int32_t, std::int32_t>> pairs;
    // Parallel to pairs: true for single-byte tokens, which every byte-level or byte-fallback
    // vocabulary holds (structural overlap that says nothing about lineage).
    std::vector<bool> single_byte;
    std::size_t a_vocab_size = 0;  // ids in A (size of A's embedding table the ids index)
    std::size_t b_vocab_size = 0;

    std::size_t size() const { return pairs.size(); }
    // B id for each A id, -1 where A's token is not in B (size a_vocab_size).
    std::vector<std::int32_t> a_to_b() const;
};

TokenMapping map_shared_tokens(const model::Vocabulary& a, const model::Vocabulary& b);

}  // namespace lineage::probes
