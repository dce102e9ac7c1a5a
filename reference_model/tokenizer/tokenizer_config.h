// Parses `tokenizer_config.json` (written by transformers' save_pretrained): the named special
// tokens, the chat template text, the tokenizer class, the add_bos/add_eos flags and the
// "added_tokens_decoder" table. Special tokens may be plain strings or AddedToken objects
// ({"content": ..., "__type": "AddedToken", ...}); a chat template may be a string or a list of
// {"name", "template"} entries (the one named "default" is taken, else the first). Every other
// field is kept in `raw`. Errors: InputError naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reference_model/tokenizer/tokenizer_json.h"
#include "weights/core/json_value.h"

namespace lineage::model {

struct TokenizerConfig {
    std::string path;
    std::optional<std::string> bos_token, eos_token, unk_token, pad_token, sep_token, cls_token,
        mask_token;
    std::vector<std::string> additional_special_tokens;
    std::optional<std::string> chat_template;
    std::string tokenizer_class;  // e.g. "PreTrainedTokenizerFast", "LlamaTokenizer"; "" if absent
    std::optional<bool> add_bos_token, add_eos_token;
    std::optional<double> model_max_length;
    std::vector<AddedToken> added_tokens_decoder;  // sorted by id
    JsonValue raw;                                 // the whole file

    static TokenizerConfig load(const std::filesystem::path& path);
    static TokenizerConfig parse(std::string_view text, std::string_view where);
};

}  // namespace lineage::model
