// Building the shared-token mapping (see token_mapping.h): one hash map over B's tokens, one probe
// per A token, then a second pass pairing byte pieces with single-byte tokens across formats.
#include "probes/tokenizer/token_mapping.h"

#include <array>

#include "reference_model/tokenizer/flat_maps.h"

namespace lineage::probes {

using model::TokenKind;

std::vector<std::int32_t> TokenMapping::a_to_b() const {
    std::vector<std::int32_t> out(a_vocab_size, -1);
    for (auto [a, b] : pairs) out[static_cast<std::size_t>(a)] = b;
    return out;
}

TokenIndex::TokenIndex(const model::Vocabulary& v) : normal(v.size()) {
    byte_piece.fill(-1);
    for (std::size_t id = 0; id < v.size(); ++id) {
        if (v.kind_by_id[id] == TokenKind::normal)
            normal.insert(v.bytes_by_id[id], static_cast<std::int32_t>(id));  // first id wins
        else if (v.kind_by_id[id] == TokenKind::byte)
            byte_piece[static_cast<unsigned char>(v.bytes_by_id[id][0])] = static_cast<std::int32_t>(id);
    }
}

TokenMapping map_shared_tokens(const model::Vocabulary& a, const model::Vocabulary& b) {
    return map_shared_tokens(a, b, TokenIndex(b));
}

TokenMapping map_shared_tokens(const model::Vocabulary& a, const model::Vocabulary& b, const TokenIndex& b_index) {
    TokenMapping m;
    m.a_vocab_size = a.size();
    m.b_vocab_size = b.size();
    const model::StringIdMap& b_normal = b_index.normal;
    const std::array<std::int32_t, 256>& b_byte_piece = b_index.byte_piece;
    std::vector<std::int32_t> a_match(a.size(), -1);
    std::vector<bool> b_used(b.size(), false);
    constexpr std::size_t kAhead = 8;  // prefetch the slot of the token 8 ids ahead (see flat_maps.h)
    for (std::size_t id = 0; id < a.size(); ++id) {
        if (id + kAhead < a.size() && a.kind_by_id[id + kAhead] == TokenKind::normal)
            b_normal.prefetch(model::StringIdMap::hash(a.bytes_by_id[id + kAhead]));
        std::int32_t hit = -1;
        if (a.kind_by_id[id] == TokenKind::normal)
            hit = b_normal.find(a.bytes_by_id[id]);
        else if (a.kind_by_id[id] == TokenKind::byte)
            hit = b_byte_piece[static_cast<unsigned char>(a.bytes_by_id[id][0])];
        if (hit >= 0 && !b_used[static_cast<std::size_t>(hit)]) {
            a_match[id] = hit;
            b_used[static_cast<std::size_t>(hit)] = true;
        }
    }
    // Cross-format single bytes: an A byte piece with B's single-byte normal token, and the reverse.
    for (std::size_t id = 0; id < a.size(); ++id) {
        if (a_match[id] >= 0 || !model::Vocabulary::comparable(a.kind_by_id[id]) || a.bytes_by_id[id].size() != 1)
            continue;
        std::int32_t hit = a.kind_by_id[id] == TokenKind::byte
                               ? b_normal.find(a.bytes_by_id[id])
                               : b_byte_piece[static_cast<unsigned char>(a.bytes_by_id[id][0])];
        if (hit >= 0 && !b_used[static_cast<std::size_t>(hit)]) {
            a_match[id] = hit;
            b_used[static_cast<std::size_t>(hit)] = true;
        }
    }
    for (std::size_t id = 0; id < a.size(); ++id) {
        if (a_match[id] < 0) continue;
        m.pairs.emplace_back(static_cast<std::int32_t>(id), a_match[id]);
        m.single_byte.push_back(a.bytes_by_id[id].size() == 1);
    }
    return m;
}

}  // namespace lineage::probes
