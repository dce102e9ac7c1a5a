// Rebuilding canonical merges from token byte strings (see canonical_merges.h).
#include "reference_model/tokenizer/formats/canonical_merges.h"

#include <algorithm>
#include <string_view>

#include "reference_model/tokenizer/flat_maps.h"

namespace lineage::model {

std::vector<std::pair<std::int32_t, std::int32_t>> canonical_merges(const Vocabulary& vocab,
                                                                     std::vector<std::int32_t>* results) {
    const std::size_t n = vocab.size();
    StringIdMap index(n);
    for (std::size_t id = 0; id < n; ++id)
        if (vocab.kind_by_id[id] == TokenKind::normal) index.insert(vocab.bytes_by_id[id], static_cast<std::int32_t>(id));
    for (std::size_t id = 0; id < n; ++id)
        if (vocab.kind_by_id[id] == TokenKind::byte) index.insert(vocab.bytes_by_id[id], static_cast<std::int32_t>(id));

    std::vector<std::pair<std::int32_t, std::int32_t>> merges;
    merges.reserve(n * 2);
    if (results) {
        results->clear();
        results->reserve(n * 2);
    }
    std::vector<std::pair<std::int32_t, std::int32_t>> local;
    for (std::size_t id = 0; id < n; ++id) {
        if (!Vocabulary::comparable(vocab.kind_by_id[id])) continue;
        std::string_view token = vocab.bytes_by_id[id];
        local.clear();
        for (std::size_t cut = 1; cut < token.size(); ++cut) {
            std::int32_t left = index.find(token.substr(0, cut));
            if (left < 0) continue;
            std::int32_t right = index.find(token.substr(cut));
            if (right < 0) continue;
            local.emplace_back(left, right);
        }
        std::sort(local.begin(), local.end());
        merges.insert(merges.end(), local.begin(), local.end());
        if (results) results->insert(results->end(), local.size(), static_cast<std::int32_t>(id));
    }
    return merges;
}

}  // namespace lineage::model
