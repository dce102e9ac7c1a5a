// GPT-2's byte-level alphabet: every byte 0..255 is shown as one printable Unicode character
// ('!'..'~', '¡'..'¬', '®'..'ÿ' stand for themselves; the other 68 bytes become U+0100..U+0143 in
// byte order), so byte-level BPE vocabularies are valid UTF-8 strings. Used by the ByteLevel
// pre-tokenizer/normalizer (bytes -> characters) and decoder (characters -> bytes).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lineage::model::byte_level {

// The character standing for each byte, as UTF-8 (1 or 2 bytes).
const std::array<std::string, 256>& byte_to_text();
// The byte a character stands for, or -1 when the character is not in the alphabet.
int char_to_byte(char32_t c);

// Maps every byte of `text` to its character.
std::string encode(std::string_view text);

}  // namespace lineage::model::byte_level
