// The byte-level alphabet tables (see byte_level.h).
#include "reference_model/tokenizer/byte_level.h"

#include "reference_model/tokenizer/utf8.h"

namespace lineage::model::byte_level {

namespace {

bool stands_for_itself(int b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
    std::array<char32_t, 256> to_char{};
    std::array<std::string, 256> to_text;
    std::array<std::int16_t, 324> from_char{};  // U+0000..U+0143
    Tables() {
        from_char.fill(-1);
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) to_char[static_cast<std::size_t>(b)] = stands_for_itself(b) ? char32_t(b) : next++;
        for (int b = 0; b < 256; ++b) {
            char32_t c = to_char[static_cast<std::size_t>(b)];
            utf8::append(to_text[static_cast<std::size_t>(b)], c);
            from_char[c] = static_cast<std::int16_t>(b);
        }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

}  // namespace

const std::array<std::string, 256>& byte_to_text() { return tables().to_text; }

int char_to_byte(char32_t c) {
    return c < tables().from_char.size() ? tables().from_char[c] : -1;
}

std::string encode(std::string_view text) {
    const auto& t = tables().to_text;
    std::string out;
    out.reserve(text.size() * 2);
    for (unsigned char b : text) out += t[b];
    return out;
}

}  // namespace lineage::model::byte_level
