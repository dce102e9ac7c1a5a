// Loads any supported tokenizer into a Vocabulary, detecting the format from the content of a
// file or from the files a model folder holds. A folder is searched for, in order: tokenizer.json,
// tekken.json, tokenizer.model (SentencePiece or a tiktoken rank file, told apart by content);
// a tokenizer_config.json beside the tokenizer adds its hints. GGUF files are recognised by magic
// and read from their embedded tokenizer (gguf_vocabulary.h).
#pragma once

#include <filesystem>
#include <optional>

#include "reference_model/tokenizer/formats/vocabulary.h"
#include "reference_model/tokenizer/tokenizer_config.h"
#include "reference_model/tokenizer/tokenizer_json.h"

namespace lineage::model {

// Throws InputError (missing/malformed file, naming it) or UnsupportedError (unknown format).
Vocabulary load_vocabulary(const std::filesystem::path& path);

// A vocabulary with the parsed files it came from, for callers that also build an encoder
// (Tokenizer needs the TokenizerJson; other formats have none).
struct LoadedVocabulary {
    Vocabulary vocab;
    std::optional<TokenizerJson> json;      // tokenizer.json sources only
    std::optional<TokenizerConfig> config;  // when a tokenizer_config.json sits beside the file
};
LoadedVocabulary load_vocabulary_with_sources(const std::filesystem::path& path);

// The tokenizer file load_vocabulary would read for `path` (itself when it is a file).
std::filesystem::path resolve_tokenizer_file(const std::filesystem::path& path);

// The format of tokenizer file `file` judged by its first bytes, by the rules load_vocabulary
// uses; nullopt when none matches. InputError when it cannot be read or is empty.
std::optional<VocabFormat> detect_tokenizer_format(const std::filesystem::path& file);

}  // namespace lineage::model
