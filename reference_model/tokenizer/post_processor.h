// Post-processors of tokenizer.json ("post_processor" field): with add_special_tokens they wrap an
// encoded sequence in special tokens (a BOS for Llama-style TemplateProcessing, <s> ... </s> for
// Roberta). Supported: TemplateProcessing (single-sequence template), RobertaProcessing,
// BertProcessing, ByteLevel (ids unchanged), Sequence. Others throw UnsupportedError.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "weights/core/json_value.h"

namespace lineage::model {

class PostProcessor {
public:
    virtual ~PostProcessor() = default;
    virtual void process(std::vector<std::int32_t>& ids, bool add_special_tokens) const = 0;
};

// nullptr when `spec` is null (ids are then left as they are).
std::unique_ptr<PostProcessor> make_post_processor(const JsonValue& spec, std::string_view where);

}  // namespace lineage::model
