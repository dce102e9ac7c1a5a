// Unicode canonical normalization (NFC, NFD) of UTF-8 text, as the `tokenizers` library's NFC/NFD
// normalizers apply it (Qwen2/Qwen3 tokenizer.json files use NFC). Tables are generated from
// Python's unicodedata (unicode_nfc_tables.cpp). Text that the NFC quick check passes is returned
// unchanged without decoding, which is the common case.
#pragma once

#include <string>
#include <string_view>

namespace lineage::model {

// Input must be valid UTF-8.
std::string to_nfc(std::string_view text);
std::string to_nfd(std::string_view text);

}  // namespace lineage::model
