// Added tokens (tokenizer.json "added_tokens"): they are found in the input before anything else
// and encoded as themselves. Mirrors tokenizers/src/tokenizer/added_vocabulary.rs: ids come from
// the model vocabulary when the content is a model token, else are assigned in file order from
// the model's vocabulary size; tokens with normalized=false are matched in the raw text, the
// others in each normalized stretch (their content normalized too); matching is leftmost-longest;
// lstrip/rstrip swallow neighbouring whitespace; single_word requires non-word neighbours.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "reference_model/tokenizer/tokenizer_json.h"

namespace lineage::model {

class Normalizer;

class AddedVocabulary {
public:
    // A stretch of text: an added token (id >= 0) or text still to encode (id < 0).
    struct Segment {
        std::size_t start, end;  // byte offsets into the text given to split()
        std::int32_t id;
    };

    AddedVocabulary() = default;
    // `model_token_to_id` resolves contents present in the model vocabulary.
    template <class ModelLookup>
    AddedVocabulary(const std::vector<AddedToken>& tokens, std::size_t model_vocab_count,
                    ModelLookup&& model_token_to_id, const Normalizer* normalizer) {
        build(tokens, model_vocab_count, [&](std::string_view s) { return model_token_to_id(s); }, normalizer);
    }

    // Splits `text` on the raw-matched (normalized == false) or normalized-matched tokens.
    std::vector<Segment> split(std::string_view text, bool normalized_set) const;

    std::optional<std::string_view> id_to_token(std::int32_t id) const;
    std::int32_t token_to_id(std::string_view content) const;  // -1 when not an added token
    bool is_special(std::string_view content) const { return special_.count(std::string(content)) != 0; }
    std::int32_t max_id() const { return max_id_; }
    const std::unordered_map<std::int32_t, AddedToken>& by_id() const { return by_id_; }

private:
    // Byte trie over the patterns of one matching set.
    struct Trie {
        struct Node {
            std::vector<std::pair<unsigned char, std::int32_t>> children;  // sorted by byte
            std::int32_t token = -1;                                        // id ending here
        };
        std::vector<Node> nodes{Node{}};
        void insert(std::string_view pattern, std::int32_t id);
        // Longest pattern starting at text[pos]: (length, id), or length 0.
        std::pair<std::size_t, std::int32_t> longest_at(std::string_view text, std::size_t pos) const;
        bool empty() const { return nodes.size() == 1; }
    };

    void build(const std::vector<AddedToken>& tokens, std::size_t model_vocab_count,
               const std::function<std::int32_t(std::string_view)>& model_token_to_id,
               const Normalizer* normalizer);

    std::unordered_map<std::int32_t, AddedToken> by_id_;
    std::unordered_map<std::string, std::int32_t> by_content_;
    std::unordered_set<std::string> special_;
    Trie raw_trie_, normalized_trie_;
    std::int32_t max_id_ = -1;
};

}  // namespace lineage::model
