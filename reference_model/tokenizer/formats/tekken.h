// Reads Mistral's `tekken.json` (the tiktoken-style tokenizer of Mistral NeMo and later):
//   { "config": { "pattern": regex, "num_vocab_tokens": N, "default_vocab_size": V,
//                 "default_num_special_tokens": S, "version": "v3"... },
//     "vocab": [ { "rank": r, "token_bytes": base64, "token_str": text|null }, ... ],
//     "special_tokens": [ { "rank": r, "token_str": "<s>", "is_control": true }, ... ] }
// Ids: the S special ranks come first (ranks with no listed special become "<SPECIAL_r>"), then
// vocab rank r takes id S + r; only the first V - S vocab entries are used (as mistral-common does).
// Errors (InputError naming the file): invalid JSON, missing fields, invalid base64, ranks out of
// order or repeated, duplicate tokens, an empty vocabulary.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lineage::model {

struct TekkenSpecial {
    std::int64_t rank = 0;
    std::string text;
    bool is_control = true;
};

struct TekkenModel {
    std::string path;
    std::string pattern;
    std::string version;
    std::int64_t default_vocab_size = 0;
    std::int64_t num_special = 0;
    std::vector<std::string> vocab_bytes;  // by vocab rank, already cut to V - S entries
    std::vector<TekkenSpecial> specials;   // rank order, exactly num_special entries

    static TekkenModel load(const std::filesystem::path& path);
    static TekkenModel parse(std::string_view text, std::string_view where);
};

}  // namespace lineage::model
