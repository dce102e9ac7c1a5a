// Byte-offset alignment of positions across two different tokenizers (a byte-level BPE and a
// SentencePiece-style Metaspace BPE from tests/data/tokenizers). Expected end offsets are the
// Hugging Face `tokenizers` library's offsets (tokenizers 0.23.3, converted from characters to
// UTF-8 bytes) for "Hello world, 안녕하세요 123".
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "probes/activation/byte_alignment.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "reference_model/tokenizer/tokenizer.h"

using namespace lineage;
using namespace lineage::probes::activation;

namespace {

const std::string kText = "Hello world, \xEC\x95\x88\xEB\x85\x95\xED\x95\x98\xEC\x84\xB8\xEC\x9A\x94 123";

struct Loaded {
    model::Tokenizer tok;
    model::Vocabulary vocab;
};

Loaded load(const std::string& name) {
    const std::string path = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/tokenizers/" + name;
    return {model::Tokenizer::load(path), model::load_vocabulary(path)};
}

}  // namespace

TEST_CASE("activation alignment: token end offsets match the reference library") {
    SUBCASE("byte-level BPE (multi-byte Korean in one token)") {
        const Loaded t = load("byte_level_bpe.json");
        const auto ids = t.tok.encode(kText, true);
        const TokenSpans s = token_byte_spans(ids, t.vocab, kText);
        CHECK(s.matches_text);
        CHECK_FALSE(s.prepended_space);
        CHECK(s.end == std::vector<std::int64_t>{-1, 1, 4, 5, 7, 11, 12, 13, 28, 29, 30, 31, 32});
    }
    SUBCASE("Metaspace BPE (prepended space removed)") {
        const Loaded t = load("sp_bpe_metaspace.json");
        const auto ids = t.tok.encode(kText, true);
        const TokenSpans s = token_byte_spans(ids, t.vocab, kText);
        CHECK(s.matches_text);
        CHECK(s.prepended_space);
        CHECK(s.end == std::vector<std::int64_t>{-1, 1, 5, 11, 12, 28, 30, 31, 32});
    }
}

TEST_CASE("activation alignment: positions of two tokenizers pair at equal end offsets") {
    const Loaded a = load("byte_level_bpe.json"), b = load("sp_bpe_metaspace.json");
    const auto ia = a.tok.encode(kText, true), ib = b.tok.encode(kText, true);
    const TokenSpans sa = token_byte_spans(ia, a.vocab, kText), sb = token_byte_spans(ib, b.vocab, kText);
    const auto pairs = align_positions(sa, sb, 1);
    using P = std::pair<std::int32_t, std::int32_t>;
    CHECK(pairs == std::vector<P>{{1, 1}, {3, 2}, {5, 3}, {6, 4}, {8, 5}, {10, 6}, {11, 7}, {12, 8}});
    for (const auto& [i, j] : pairs) CHECK(sa.end[static_cast<std::size_t>(i)] == sb.end[static_cast<std::size_t>(j)]);

    SUBCASE("skip_leading drops the first positions of either side") {
        const auto skipped = align_positions(sa, sb, 3);
        CHECK(skipped.front() == P{5, 3});
    }
    SUBCASE("a truncated side pairs fewer positions") {
        const std::vector<std::int32_t> cut(ia.begin(), ia.begin() + 7);
        const auto short_pairs = align_positions(token_byte_spans(cut, a.vocab, kText), sb, 1);
        CHECK(short_pairs == std::vector<P>{{1, 1}, {3, 2}, {5, 3}, {6, 4}});
    }
    SUBCASE("the same tokenizer pairs every text position with itself") {
        const auto self = align_positions(sa, sa, 1);
        CHECK(self.size() == ia.size() - 1);
    }
    SUBCASE("streams that differ (normalised differently) pair nothing") {
        TokenSpans other = sb;
        other.stream[0] = 'h';
        CHECK(align_positions(sa, other, 1).empty());
    }
}
