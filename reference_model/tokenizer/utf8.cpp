// UTF-8 validation and lossy repair (see utf8.h).
#include "reference_model/tokenizer/utf8.h"

namespace lineage::model::utf8 {

namespace {

// Length of the well-formed sequence at s[i], or 0 with `bad` = length of the maximal ill-formed
// prefix (at least 1) to replace by one U+FFFD.
std::size_t well_formed_length(std::string_view s, std::size_t i, std::size_t& bad) {
    auto at = [&](std::size_t k) -> int {
        return k < s.size() ? static_cast<unsigned char>(s[k]) : -1;
    };
    int c = at(i);
    bad = 1;
    if (c < 0x80) return 1;
    int need;
    int lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    for (int k = 1; k <= need; ++k) {
        int b = at(i + k);
        int l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (b < l || b > h) {
            bad = static_cast<std::size_t>(k);
            return 0;
        }
    }
    return static_cast<std::size_t>(need + 1);
}

}  // namespace

bool is_valid(std::string_view s) {
    std::size_t i = 0, bad = 0;
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        std::size_t n = well_formed_length(s, i, bad);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

namespace {

// U+FFFD for each ill-formed stretch: the maximal subpart, or (per_byte) each byte of it.
std::string replace_ill_formed(std::string_view bytes, bool per_byte) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t i = 0, bad = 0;
    while (i < bytes.size()) {
        std::size_t n = well_formed_length(bytes, i, bad);
        if (n > 0) {
            out.append(bytes.substr(i, n));
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            i += per_byte ? 1 : bad;
        }
    }
    return out;
}

}  // namespace

std::string to_valid_lossy(std::string_view bytes) { return replace_ill_formed(bytes, false); }

std::string to_valid_per_byte(std::string_view bytes) { return replace_ill_formed(bytes, true); }

}  // namespace lineage::model::utf8
