// NFC/NFD per Unicode Standard Annex #15: full canonical decomposition (Hangul algorithmically),
// canonical ordering of combining marks by combining class, then canonical composition.
#include "reference_model/tokenizer/unicode_nfc.h"

#include <algorithm>
#include <vector>

#include "reference_model/tokenizer/unicode_nfc_tables.h"
#include "reference_model/tokenizer/utf8.h"

namespace lineage::model {

namespace {

namespace t = unicode_tables;

constexpr char32_t kHangulS = 0xAC00, kHangulL = 0x1100, kHangulV = 0x1161, kHangulT = 0x11A7;
constexpr char32_t kHangulLCount = 19, kHangulVCount = 21, kHangulTCount = 28;
constexpr char32_t kHangulNCount = kHangulVCount * kHangulTCount;  // 588
constexpr char32_t kHangulSCount = kHangulLCount * kHangulNCount;  // 11172

int combining_class(char32_t c) {
    if (c < 0x300) return 0;
    const t::CombiningClass* end = t::kCombiningClasses + t::kCombiningClassCount;
    const t::CombiningClass* it = std::lower_bound(
        t::kCombiningClasses, end, c, [](const t::CombiningClass& e, char32_t v) { return e.cp < v; });
    return it != end && it->cp == c ? it->ccc : 0;
}

bool needs_check(char32_t c) {
    if (c < 0x300) return false;
    const t::CodepointRange* end = t::kNfcQuickCheck + t::kNfcQuickCheckCount;
    const t::CodepointRange* it = std::lower_bound(
        t::kNfcQuickCheck, end, c, [](const t::CodepointRange& r, char32_t v) { return r.last < v; });
    return it != end && it->first <= c;
}

void decompose(char32_t c, std::vector<char32_t>& out) {
    if (c >= kHangulS && c < kHangulS + kHangulSCount) {
        char32_t s = c - kHangulS;
        out.push_back(kHangulL + s / kHangulNCount);
        out.push_back(kHangulV + (s % kHangulNCount) / kHangulTCount);
        if (s % kHangulTCount != 0) out.push_back(kHangulT + s % kHangulTCount);
        return;
    }
    if (c >= 0xC0) {
        const t::Decomposition* end = t::kDecompositions + t::kDecompositionCount;
        const t::Decomposition* it = std::lower_bound(
            t::kDecompositions, end, c, [](const t::Decomposition& e, char32_t v) { return e.cp < v; });
        if (it != end && it->cp == c) {
            out.insert(out.end(), t::kDecompositionData + it->offset,
                       t::kDecompositionData + it->offset + it->length);
            return;
        }
    }
    out.push_back(c);
}

// The primary composite of (a, b), or 0.
char32_t compose_pair(char32_t a, char32_t b) {
    if (a >= kHangulL && a < kHangulL + kHangulLCount && b >= kHangulV && b < kHangulV + kHangulVCount)
        return kHangulS + ((a - kHangulL) * kHangulVCount + (b - kHangulV)) * kHangulTCount;
    if (a >= kHangulS && a < kHangulS + kHangulSCount && (a - kHangulS) % kHangulTCount == 0 &&
        b > kHangulT && b < kHangulT + kHangulTCount)
        return a + (b - kHangulT);
    const t::Composition* end = t::kCompositions + t::kCompositionCount;
    const t::Composition* it =
        std::lower_bound(t::kCompositions, end, std::make_pair(a, b),
                         [](const t::Composition& e, const std::pair<char32_t, char32_t>& v) {
                             return e.first < v.first || (e.first == v.first && e.second < v.second);
                         });
    return it != end && it->first == a && it->second == b ? it->composite : 0;
}

// Decomposed, canonically ordered code points of `text`.
std::vector<char32_t> decomposed(std::string_view text) {
    std::vector<char32_t> buf;
    buf.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) decompose(utf8::decode(text, i), buf);
    // Canonical ordering: stable sort of every run of non-starters by combining class.
    for (std::size_t i = 0; i < buf.size();) {
        if (combining_class(buf[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < buf.size() && combining_class(buf[j]) != 0) ++j;
        std::stable_sort(buf.begin() + static_cast<std::ptrdiff_t>(i),
                         buf.begin() + static_cast<std::ptrdiff_t>(j),
                         [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
        i = j;
    }
    return buf;
}

std::string encode(const std::vector<char32_t>& cps, std::size_t n) {
    std::string out;
    out.reserve(n * 3);
    for (std::size_t i = 0; i < n; ++i) utf8::append(out, cps[i]);
    return out;
}

bool passes_quick_check(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            ++i;
            continue;
        }
        if (needs_check(utf8::decode(text, i))) return false;
    }
    return true;
}

}  // namespace

std::string to_nfd(std::string_view text) {
    if (passes_quick_check(text)) {
        // Quick-check-clean text has no decomposable characters except Hangul syllables.
        bool has_hangul = false;
        for (std::size_t i = 0; i < text.size() && !has_hangul;) {
            char32_t c = utf8::decode(text, i);
            has_hangul = c >= kHangulS && c < kHangulS + kHangulSCount;
        }
        if (!has_hangul) return std::string(text);
    }
    std::vector<char32_t> buf = decomposed(text);
    return encode(buf, buf.size());
}

std::string to_nfc(std::string_view text) {
    if (passes_quick_check(text)) return std::string(text);
    std::vector<char32_t> buf = decomposed(text);
    if (buf.empty()) return std::string();
    // Canonical composition: each character combines with the last starter unless a character
    // in between is blocking (a starter, or a mark of the same or higher class).
    std::size_t starter_pos = 0;
    char32_t starter = buf[0];
    int last_class = combining_class(starter) == 0 ? 0 : 256;
    std::size_t target = 1;
    for (std::size_t i = 1; i < buf.size(); ++i) {
        char32_t c = buf[i];
        int cc = combining_class(c);
        char32_t composite = (last_class < cc || last_class == 0) ? compose_pair(starter, c) : 0;
        if (composite != 0 && last_class != 256) {
            buf[starter_pos] = composite;
            starter = composite;
            continue;
        }
        if (cc == 0) {
            starter_pos = target;
            starter = c;
        }
        last_class = cc;
        buf[target++] = c;
    }
    return encode(buf, target);
}

}  // namespace lineage::model
