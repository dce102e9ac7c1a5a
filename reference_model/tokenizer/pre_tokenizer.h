// Pre-tokenizers of tokenizer.json ("pre_tokenizer" field): they cut normalized text into pieces
// that the model encodes separately. Supported, with the `tokenizers` library's semantics:
// ByteLevel (add_prefix_space, use_regex with GPT-2's split regex), Split (String or Regex pattern;
// behaviors Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous; invert), Digits,
// Metaspace (replacement, prepend_scheme always/first/never, split), Whitespace, WhitespaceSplit,
// CharDelimiterSplit, Sequence. Others throw UnsupportedError naming the file.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "weights/core/json_value.h"

namespace lineage::model {

struct PreToken {
    std::string text;
    bool at_origin = false;  // starts at offset 0 of the original input (Metaspace "first")
};

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    // Replaces `pieces` by their split (empty pieces dropped).
    virtual void pre_tokenize(std::vector<PreToken>& pieces) const = 0;
};

// nullptr when `spec` is null.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonValue& spec, std::string_view where);

}  // namespace lineage::model
