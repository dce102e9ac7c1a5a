// Decoders of tokenizer.json ("decoder" field): they turn the token strings of an id sequence back
// into text. Supported, with the `tokenizers` library's semantics (tokenizers/src/decoders):
// ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, BPEDecoder, WordPiece (without
// cleanup), Sequence. Others throw UnsupportedError naming the file.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "weights/core/json_value.h"

namespace lineage::model {

class Decoder {
public:
    virtual ~Decoder() = default;
    // One step of the chain: token strings in, token strings out.
    virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
    // The whole decode: the chain, then the pieces joined.
    std::string decode(std::vector<std::string> tokens) const;
};

// nullptr when `spec` is null (tokens are then joined with spaces).
std::unique_ptr<Decoder> make_decoder(const JsonValue& spec, std::string_view where);

}  // namespace lineage::model
