// The BPE model of tokenizer.json, encoding one pre-tokenized piece the way the `tokenizers`
// library does (tokenizers/src/models/bpe/{model,word}.rs): the piece is cut into characters
// (continuing_subword_prefix / end_of_word_suffix applied), characters missing from the
// vocabulary become <0xNN> byte tokens (byte_fallback) or unk (fuse_unk), then merges are applied
// lowest rank first, leftmost first among equal ranks. With ignore_merges a piece that is itself a
// token is emitted whole. Results are cached per piece (thread-safe).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "reference_model/tokenizer/flat_maps.h"
#include "reference_model/tokenizer/tokenizer_json.h"

namespace lineage::model {

class BpeModel {
public:
    // Uses what TokenizerJson::load validated; `json` must outlive the model (its vocabulary is
    // referenced, not copied).
    explicit BpeModel(const TokenizerJson& json);
    BpeModel(BpeModel&&) = delete;

    // Appends the ids of `piece` (non-empty, valid UTF-8) to `out`.
    void tokenize(std::string_view piece, std::vector<std::int32_t>& out) const;

    std::int32_t token_to_id(std::string_view token) const { return index_.find(token); }
    const std::vector<std::string>& vocab_by_id() const { return vocab_; }
    std::size_t vocab_count() const { return index_.size(); }

private:
    void merge_word(std::string_view piece, std::vector<std::int32_t>& out) const;

    const std::vector<std::string>& vocab_;  // by id ("" for gaps), owned by the TokenizerJson
    StringIdMap index_;               // token -> id, keys view vocab_
    PairMap merges_;                  // (left id, right id) -> (rank, merged id)
    std::string prefix_, suffix_;
    std::int32_t unk_id_ = -1;
    bool fuse_unk_ = false;
    bool byte_fallback_ = false;
    bool ignore_merges_ = false;
    std::int32_t byte_ids_[256];      // <0xNN> ids for byte_fallback, -1 when absent

    static constexpr std::size_t kMaxCachedLength = 256;
    static constexpr std::size_t kMaxCacheEntries = 1 << 20;
    struct TransparentHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    mutable std::mutex cache_mutex_;
    mutable std::unordered_map<std::string, std::vector<std::int32_t>, TransparentHash, std::equal_to<>> cache_;
};

}  // namespace lineage::model
