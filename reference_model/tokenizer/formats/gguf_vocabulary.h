// The tokenizer a GGUF file embeds in its metadata, reduced to a Vocabulary (vocabulary.h) the
// same way as the other formats, so `lineage tokenizer model model.gguf` compares like with like:
//   tokenizer.ggml.model       "gpt2" (byte-level BPE) or "llama" (SentencePiece-style pieces)
//   tokenizer.ggml.tokens      [string] surface forms, index = id
//   tokenizer.ggml.token_type  [i32] 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
//   tokenizer.ggml.merges      [string] "left right" in rank order (BPE; absent: rebuilt canonically)
//   tokenizer.ggml.pre         pre-tokenizer name (a hint), tokenizer.chat_template (a hint)
// Byte-level surfaces are decoded through the byte-to-unicode map, SentencePiece ones have "▁"
// turned into spaces and "<0xNN>" pieces into bytes; control tokens keep their text.
#pragma once

#include <filesystem>

#include "reference_model/tokenizer/formats/vocabulary.h"

namespace lineage::model {

// Throws InputError (malformed file or tokenizer keys, naming the file) or UnsupportedError
// (a tokenizer model other than gpt2/llama, or no tokenizer in the file).
Vocabulary vocabulary_from_gguf(const std::filesystem::path& path);

}  // namespace lineage::model
