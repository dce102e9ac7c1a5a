// Declarations of the generated Unicode tables (unicode_nfc_tables.cpp, made by
// tools/fixtures/make_tokenizer_unicode_tables.py). All arrays are sorted by their first field.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lineage::model::unicode_tables {

struct CombiningClass {
    char32_t cp;
    std::uint8_t ccc;
};
struct Decomposition {
    char32_t cp;
    std::uint32_t offset;  // into kDecompositionData
    std::uint32_t length;
};
struct Composition {
    char32_t first, second, composite;
};
struct CodepointRange {
    char32_t first, last;  // inclusive
};

extern const char* const kUnicodeVersion;
extern const CombiningClass kCombiningClasses[];
extern const std::size_t kCombiningClassCount;
extern const char32_t kDecompositionData[];
extern const Decomposition kDecompositions[];
extern const std::size_t kDecompositionCount;
extern const Composition kCompositions[];
extern const std::size_t kCompositionCount;
extern const CodepointRange kNfcQuickCheck[];  // code points NFC may change (or that may combine)
extern const std::size_t kNfcQuickCheckCount;

}  // namespace lineage::model::unicode_tables
