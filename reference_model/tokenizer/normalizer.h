// Normalizers of tokenizer.json ("normalizer" field), applied to each stretch of input text that
// is not an added token, before pre-tokenization. Supported, with the `tokenizers` library's
// semantics: NFC, NFD, Prepend, Replace (String or Regex pattern), Strip, ByteLevel, Sequence.
// Others (Lowercase, NFKC, BertNormalizer, Precompiled, ...) throw UnsupportedError at build time,
// naming the file and the normalizer.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "weights/core/json_value.h"

namespace lineage::model {

class Normalizer {
public:
    virtual ~Normalizer() = default;
    // Rewrites `text` (valid UTF-8) in place.
    virtual void normalize(std::string& text) const = 0;
};

// nullptr when `spec` is null. `where` names the file for errors.
std::unique_ptr<Normalizer> make_normalizer(const JsonValue& spec, std::string_view where);

}  // namespace lineage::model
