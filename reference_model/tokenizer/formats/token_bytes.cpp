// Surface-form to raw-byte conversions (see token_bytes.h for the encodings).
#include "reference_model/tokenizer/formats/token_bytes.h"

#include <array>

namespace lineage::model {

namespace {

// GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest (in byte order) to
// U+0100 upward. The inverse table is indexed by code point (all < U+0144).
struct ByteLevelTables {
    std::array<std::uint16_t, 256> to_code{};
    std::array<std::int16_t, 0x144> to_byte{};
    ByteLevelTables() {
        to_byte.fill(-1);
        int next = 0x100;
        for (int b = 0; b < 256; ++b) {
            bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            int code = printable ? b : next++;
            to_code[b] = static_cast<std::uint16_t>(code);
            to_byte[code] = static_cast<std::int16_t>(b);
        }
    }
};
const ByteLevelTables& tables() {
    static const ByteLevelTables t;
    return t;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> decode_byte_level(std::string_view surface) {
    const auto& t = tables();
    std::string out;
    out.reserve(surface.size());
    for (std::size_t i = 0; i < surface.size();) {
        auto c = static_cast<unsigned char>(surface[i]);
        std::uint32_t cp;
        if (c < 0x80) {
            cp = c;
            i += 1;
        } else if ((c & 0xE0) == 0xC0 && i + 1 < surface.size() &&
                   (static_cast<unsigned char>(surface[i + 1]) & 0xC0) == 0x80) {
            cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(surface[i + 1]) & 0x3Fu);
            i += 2;
        } else {
            return std::nullopt;  // every code point of the map is below U+0800
        }
        if (cp >= t.to_byte.size() || t.to_byte[cp] < 0) return std::nullopt;
        out.push_back(static_cast<char>(t.to_byte[cp]));
    }
    return out;
}

std::string encode_byte_level(std::string_view bytes) {
    const auto& t = tables();
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) append_utf8(out, t.to_code[b]);
    return out;
}

std::string decode_metaspace(std::string_view surface) {
    static constexpr std::string_view kMeta = "\xE2\x96\x81";  // U+2581
    std::string out;
    out.reserve(surface.size());
    for (std::size_t i = 0; i < surface.size();) {
        if (surface.compare(i, kMeta.size(), kMeta) == 0) {
            out.push_back(' ');
            i += kMeta.size();
        } else {
            out.push_back(surface[i++]);
        }
    }
    return out;
}

std::optional<std::uint8_t> parse_byte_piece(std::string_view piece) {
    if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return std::nullopt;
    int hi = hex_value(piece[3]), lo = hex_value(piece[4]);
    if (hi < 0 || lo < 0) return std::nullopt;
    return static_cast<std::uint8_t>(hi * 16 + lo);
}

std::optional<std::string> decode_base64(std::string_view text) {
    static const auto table = [] {
        std::array<std::int8_t, 256> v{};
        v.fill(-1);
        const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
        return v;
    }();
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t pad = 0;
    if (!text.empty() && text.back() == '=') pad = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t acc = 0;
        bool last = i + 4 == text.size();
        for (std::size_t k = 0; k < 4; ++k) {
            char c = text[i + k];
            int v;
            if (c == '=') {
                if (!last || k < 4 - pad) return std::nullopt;
                v = 0;
            } else {
                v = table[static_cast<unsigned char>(c)];
                if (v < 0) return std::nullopt;
            }
            acc = (acc << 6) | static_cast<std::uint32_t>(v);
        }
        out.push_back(static_cast<char>(acc >> 16));
        if (!last || pad < 2) out.push_back(static_cast<char>((acc >> 8) & 0xFF));
        if (!last || pad < 1) out.push_back(static_cast<char>(acc & 0xFF));
    }
    return out;
}

}  // namespace lineage::model
