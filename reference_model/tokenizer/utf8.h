// UTF-8 helpers for the tokenizer: validation, decoding one code point, encoding, and the two
// character classes the added-token matcher needs with Rust's exact definitions
// (char::is_whitespace = Unicode White_Space).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lineage::model::utf8 {

// Length of the sequence starting with byte `lead` (1 for invalid lead bytes).
inline std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xE) return 3;
    if ((lead >> 3) == 0x1E) return 4;
    return 1;
}

// Decodes the code point at s[i] (s must be valid UTF-8) and advances i.
inline char32_t decode(std::string_view s, std::size_t& i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) {
        ++i;
        return c;
    }
    if ((c >> 5) == 0x6) {
        char32_t cp = ((c & 0x1Fu) << 6) | (b(i + 1) & 0x3Fu);
        i += 2;
        return cp;
    }
    if ((c >> 4) == 0xE) {
        char32_t cp = ((c & 0x0Fu) << 12) | ((b(i + 1) & 0x3Fu) << 6) | (b(i + 2) & 0x3Fu);
        i += 3;
        return cp;
    }
    char32_t cp = ((c & 0x07u) << 18) | ((b(i + 1) & 0x3Fu) << 12) | ((b(i + 2) & 0x3Fu) << 6) |
                  (b(i + 3) & 0x3Fu);
    i += 4;
    return cp;
}

inline void append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// True when s is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool is_valid(std::string_view s);

// Replaces every ill-formed sequence by U+FFFD the way Rust's String::from_utf8_lossy does
// (maximal subparts, WHATWG/Unicode "substitution of maximal subparts").
std::string to_valid_lossy(std::string_view bytes);

// Replaces every byte of an ill-formed sequence by its own U+FFFD, as SentencePiece's decoder
// does for byte pieces (one well-formed character at a time, else one byte).
std::string to_valid_per_byte(std::string_view bytes);

// Rust's char::is_whitespace (the Unicode White_Space property).
inline bool is_whitespace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

}  // namespace lineage::model::utf8
