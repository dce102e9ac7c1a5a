// NFC/NFD and UTF-8 helpers of the tokenizer against Python's unicodedata (expected strings
// printed by unicodedata.normalize, Unicode 14.0) and Rust's String::from_utf8_lossy rules.
#include <doctest/doctest.h>

#include <string>

#include "reference_model/tokenizer/byte_level.h"
#include "reference_model/tokenizer/unicode_nfc.h"
#include "reference_model/tokenizer/utf8.h"

using namespace lineage::model;

TEST_CASE("tokenizer unicode: NFC and NFD equal unicodedata.normalize") {
    struct Case {
        const char* input;
        const char* nfc;
        const char* nfd;
    };
    const Case cases[] = {
        {"\x65\xcc\x81", "\xc3\xa9", "\x65\xcc\x81"},                                    // e + acute
        {"\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", "\xea\xb0\x81",
         "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8"},                                           // Hangul jamo L V T
        {"\xe2\x84\xab", "\xc3\x85", "\x41\xcc\x8a"},                                    // Angstrom sign
        {"\xe2\x84\xa6", "\xce\xa9", "\xce\xa9"},                                        // Ohm sign
        {"\x73\xcc\xa3\xcc\x87", "\xe1\xb9\xa9", "\x73\xcc\xa3\xcc\x87"},                // s dot below dot above
        {"\x71\xcc\x87\xcc\xa3", "\x71\xcc\xa3\xcc\x87", "\x71\xcc\xa3\xcc\x87"},        // reordering only
        {"\xcc\x81\x61\x62\x63", "\xcc\x81\x61\x62\x63", "\xcc\x81\x61\x62\x63"},        // leading mark
        {"\x41\xcc\x8a\xcc\x81", "\xc7\xba", "\x41\xcc\x8a\xcc\x81"},                    // two compositions
        {"\xea\xb0\x80\xe1\x86\xa8", "\xea\xb0\x81", "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8"},  // LV + T
        {"\xe0\xa5\x98", "\xe0\xa4\x95\xe0\xa4\xbc", "\xe0\xa4\x95\xe0\xa4\xbc"},        // composition exclusion
        {"\x61\xcc\xa8\xcc\x81", "\xc4\x85\xcc\x81", "\x61\xcc\xa8\xcc\x81"},            // blocked second mark
        {"\xc3\xa9\xcc\x81\xcc\xa7", "\xc8\xa9\xcc\x81\xcc\x81", "\x65\xcc\xa7\xcc\x81\xcc\x81"},
        {"\x61\x62\xcc\x80\xcc\x96\x63", "\x61\x62\xcc\x96\xcc\x80\x63", "\x61\x62\xcc\x96\xcc\x80\x63"},
        {"plain ascii", "plain ascii", "plain ascii"},
        {"", "", ""},
    };
    for (const Case& c : cases) {
        INFO("input " << c.input);
        CHECK(to_nfc(c.input) == c.nfc);
        CHECK(to_nfd(c.input) == c.nfd);
    }
}

TEST_CASE("tokenizer unicode: UTF-8 validation and lossy repair") {
    CHECK(utf8::is_valid("abc \xc3\xa9 \xf0\x9f\x98\x80"));
    CHECK_FALSE(utf8::is_valid("\xc3"));              // truncated
    CHECK_FALSE(utf8::is_valid("\xc0\xaf"));          // overlong
    CHECK_FALSE(utf8::is_valid("\xed\xa0\x80"));      // surrogate
    CHECK_FALSE(utf8::is_valid("\xf4\x90\x80\x80"));  // above U+10FFFF
    // One U+FFFD per maximal ill-formed subpart, as Rust's from_utf8_lossy.
    CHECK(utf8::to_valid_lossy("a\xf0\x9f\x98z") == "a\xef\xbf\xbdz");
    CHECK(utf8::to_valid_lossy("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(utf8::to_valid_lossy("\xe2\x82") == "\xef\xbf\xbd");
}

TEST_CASE("tokenizer unicode: the byte-level alphabet round-trips every byte") {
    const auto& table = byte_level::byte_to_text();
    CHECK(table[' '] == "\xc4\xa0");  // 'Ġ'
    CHECK(table['\n'] == "\xc4\x8a");  // 'Ċ'
    CHECK(table['A'] == "A");
    for (int b = 0; b < 256; ++b) {
        std::size_t i = 0;
        char32_t c = utf8::decode(table[static_cast<std::size_t>(b)], i);
        CHECK(byte_level::char_to_byte(c) == b);
    }
}
