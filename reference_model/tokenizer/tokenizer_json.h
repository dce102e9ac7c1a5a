// Parses a Hugging Face `tokenizer.json` into a plain struct: the model's vocabulary (by id, surface
// forms exactly as written in the file), merges, model options, added tokens and the pipeline
// components (normalizer, pre-tokenizer, post-processor, decoder) kept as owned JSON. Nothing here
// interprets the pipeline; Tokenizer (tokenizer.h) builds an encoder from it, and the tokenizer
// fingerprinting code reads the vocabulary and merges directly.
//
// Format (tokenizers >= 0.x "version": "1.0"):
//   { "added_tokens": [ {id, content, single_word, lstrip, rstrip, normalized, special}, ... ],
//     "normalizer": {...}|null, "pre_tokenizer": {...}|null, "post_processor": {...}|null,
//     "decoder": {...}|null,
//     "model": { "type": "BPE", "vocab": {token: id}, "merges": ["a b", ...] | [["a","b"], ...],
//                "unk_token", "continuing_subword_prefix", "end_of_word_suffix", "fuse_unk",
//                "byte_fallback", "ignore_merges", "dropout" }
//            | { "type": "Unigram", "unk_id", "vocab": [[piece, score], ...], "byte_fallback" }
//            | { "type": "WordPiece", "unk_token", "continuing_subword_prefix",
//                "max_input_chars_per_word", "vocab": {token: id} }
//            | { "type": "WordLevel", "unk_token", "vocab": {token: id} } }
// Errors (InputError naming the file): malformed JSON, missing/ill-typed fields, an empty
// vocabulary, one token listed twice, two tokens sharing an id, ids beyond 2^24, merges naming a
// token (or producing a merged token) that the vocabulary lacks, an unknown model type.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weights/core/json_value.h"

namespace lineage::model {

enum class ModelKind { bpe, unigram, wordpiece, wordlevel };

// "BPE", "Unigram", "WordPiece", "WordLevel".
std::string_view model_kind_name(ModelKind kind);

// One entry of "added_tokens" (or of tokenizer_config.json's "added_tokens_decoder").
struct AddedToken {
    std::int32_t id = -1;
    std::string content;
    bool special = false;
    bool single_word = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = true;
};

struct TokenizerJson {
    std::string path;  // the file it was read from (used in later error messages)
    ModelKind model_type = ModelKind::bpe;

    // Model vocabulary: index = id, value = the token's surface form as written in the file
    // (byte-level "Ġ" forms, "▁" metaspace forms, "<0x0A>" byte pieces kept as they are).
    // Ids that no token uses are "" and flagged false in has_id.
    std::vector<std::string> vocab_by_id;
    std::vector<bool> has_id;
    std::size_t vocab_count = 0;  // tokens actually present (vocab_by_id.size() minus gaps)

    // BPE only, in file order (rank = index), as ids resolved while validating: {left id, right
    // id, merged id}. Both "a b" and ["a", "b"] forms end up here; merge_tokens() gives the two
    // token texts back (the ids are exactly the tokens the file names, so no strings are kept).
    std::vector<std::array<std::int32_t, 3>> merge_ids;
    bool ignore_merges = false;
    bool byte_fallback = false;  // BPE and Unigram
    bool fuse_unk = false;
    std::optional<double> dropout;
    std::string unk_token;  // BPE/WordPiece/WordLevel; "" when none
    std::string continuing_subword_prefix;
    std::string end_of_word_suffix;
    std::int64_t max_input_chars_per_word = 100;  // WordPiece

    // Unigram only: (piece, log-probability score) by id; unk_id < 0 when none.
    std::vector<std::pair<std::string, double>> unigram_pieces;
    std::int64_t unk_id = -1;

    std::vector<AddedToken> added_tokens;

    // Pipeline components exactly as in the file (null when absent or null).
    JsonValue normalizer;
    JsonValue pre_tokenizer;
    JsonValue post_processor;
    JsonValue decoder;

    // Reads and validates `path`; throws InputError naming it.
    static TokenizerJson load(const std::filesystem::path& path);
    // Same, from text already in memory; `where` names the source in errors.
    static TokenizerJson parse(std::string_view text, std::string_view where);

    // Merge `rank` as the texts of its two tokens, as written in the file (views into vocab_by_id).
    std::pair<std::string_view, std::string_view> merge_tokens(std::size_t rank) const {
        const auto& m = merge_ids[rank];
        return {vocab_by_id[static_cast<std::size_t>(m[0])], vocab_by_id[static_cast<std::size_t>(m[1])]};
    }

    // Model vocabulary plus added tokens, by id ("" for ids neither defines).
    std::vector<std::string> full_vocab_by_id() const;
};

}  // namespace lineage::model
