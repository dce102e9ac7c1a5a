// The token mapping between two tokenizers: every token (raw byte string) both vocabularies hold,
// as a pair (id in A, id in B). The weight and activation probes align embedding rows through it
// (row a of A's embedding against row b of B's); the tokenizer probe computes its statistics on it.
// Only ordinary tokens take part (kinds normal and byte; special/control tokens are compared as
// hints). A SentencePiece byte piece <0xNN> matches the other side's byte piece for NN, or, when
// the other side has none (byte-level BPE), its single-byte token. The mapping is one-to-one.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "reference_model/tokenizer/flat_maps.h"
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

// A vocabulary's ordinary tokens by raw bytes, as map_shared_tokens indexes B: normal tokens in a
// hash map (the first id wins) and byte pieces by their byte. compare_vocabularies builds it once
// and also looks pieces of tokens up in it for the merge comparison.
struct TokenIndex {
    model::StringIdMap normal;
    std::array<std::int32_t, 256> byte_piece;  // -1 where none

    explicit TokenIndex(const model::Vocabulary& v);
    // The id of a normal token with these bytes, else (one byte) the byte piece for it, else -1.
    std::int32_t find(std::string_view bytes, std::uint64_t hash) const {
        const std::int32_t id = normal.find(bytes, hash);
        return id >= 0 || bytes.size() != 1 ? id : byte_piece[static_cast<unsigned char>(bytes[0])];
    }
};
TokenMapping map_shared_tokens(const model::Vocabulary& a, const model::Vocabulary& b, const TokenIndex& b_index);

}  // namespace lineage::probes
