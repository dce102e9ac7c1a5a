// The tokenizer comparison statistics and relation rules on synthetic vocabularies, one per
// relation: identical, same-vocabulary (other format), extended, pruned (+ appended), shifted,
// reordered and independent; plus the LIS routine and the token mapping across byte pieces.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "probes/tokenizer/null_ranges.h"
#include "probes/tokenizer/tokenizer_comparison.h"
#include "probes/tokenizer/tokenizer_relation.h"

using namespace lineage::probes;
using lineage::model::TokenKind;
using lineage::model::VocabFormat;
using lineage::model::Vocabulary;

namespace {

// 256 single bytes, then `words` at the following ids.
Vocabulary make_vocab(const std::vector<std::string>& words, VocabFormat format = VocabFormat::tokenizer_json) {
    Vocabulary v;
    v.format = format;
    for (int b = 0; b < 256; ++b) {
        v.bytes_by_id.emplace_back(1, static_cast<char>(b));
        v.kind_by_id.push_back(TokenKind::normal);
    }
    for (const auto& w : words) {
        v.bytes_by_id.push_back(w);
        v.kind_by_id.push_back(TokenKind::normal);
    }
    return v;
}

std::vector<std::string> words(int n, const std::string& prefix = "w") {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
}

}  // namespace

TEST_CASE("longest increasing subsequence") {
    CHECK(longest_increasing_subsequence({}) == 0);
    CHECK(longest_increasing_subsequence({1, 2, 3}) == 3);
    CHECK(longest_increasing_subsequence({3, 2, 1}) == 1);
    CHECK(longest_increasing_subsequence({0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15}) == 6);
}

TEST_CASE("identical and same-vocabulary") {
    auto w = words(3000);
    Vocabulary a = make_vocab(w), b = make_vocab(w);
    a.merges = b.merges = {{97, 98}};
    a.merges_rebuilt = b.merges_rebuilt = true;
    TokenizerComparison c = compare_vocabularies(a, b);
    CHECK(c.shared == 3000);
    CHECK(c.structural_shared == 256);
    CHECK(c.lis_fraction == 1.0);
    CHECK(classify_relation(c).relation == TokenizerRelation::identical);
    b.format = VocabFormat::tiktoken;
    RelationFinding f = classify_relation(compare_vocabularies(a, b));
    CHECK(f.relation == TokenizerRelation::same_vocabulary);
    CHECK(f.derived);
}

TEST_CASE("extended: every token at the same id, a block appended") {
    auto w = words(3000);
    auto wb = w;
    for (auto& x : words(500, "new")) wb.push_back(x);
    TokenizerComparison c = compare_vocabularies(make_vocab(w), make_vocab(wb));
    RelationFinding f = classify_relation(c);
    CHECK(f.relation == TokenizerRelation::extended);
    CHECK(f.direction == "B extends A");
    CHECK(c.b_appended.first == 256 + 3000);
    CHECK(c.b_appended.count == 500);
    CHECK(c.identical_prefix == 256 + 3000);
    // Reversed: A extends B.
    CHECK(classify_relation(compare_vocabularies(make_vocab(wb), make_vocab(w))).direction == "A extends B");
}

TEST_CASE("pruned: tokens removed, order kept, ids compacted, a block appended") {
    auto w = words(5000);
    std::vector<std::string> wb;
    for (int i = 0; i < 5000; ++i)
        if (i % 50 != 7) wb.push_back(w[static_cast<std::size_t>(i)]);  // 100 removed, spread out
    for (auto& x : words(2000, "new")) wb.push_back(x);
    TokenizerComparison c = compare_vocabularies(make_vocab(w), make_vocab(wb));
    RelationFinding f = classify_relation(c);
    CHECK(c.lis_fraction == 1.0);
    CHECK(c.equal_id_fraction < 0.05);
    CHECK(c.a_only == 100);
    CHECK(c.b_only == 2000);
    CHECK(f.relation == TokenizerRelation::pruned);
    CHECK(f.direction == "B = A pruned and extended");
}

TEST_CASE("shifted: control tokens inserted move every id by a constant") {
    auto w = words(4000);
    Vocabulary a = make_vocab(w), b;
    for (int i = 0; i < 768; ++i) {
        b.bytes_by_id.push_back("[control_" + std::to_string(i) + "]");
        b.kind_by_id.push_back(TokenKind::control);
    }
    Vocabulary tail = make_vocab(w);
    b.bytes_by_id.insert(b.bytes_by_id.end(), tail.bytes_by_id.begin(), tail.bytes_by_id.end());
    b.kind_by_id.insert(b.kind_by_id.end(), tail.kind_by_id.begin(), tail.kind_by_id.end());
    TokenizerComparison c = compare_vocabularies(a, b);
    CHECK(c.dominant_offset == 768);
    CHECK(c.offset_coverage == 1.0);
    RelationFinding f = classify_relation(c);
    CHECK(f.relation == TokenizerRelation::shifted);
    CHECK(f.direction == "B = A with ids shifted by +768");
}

TEST_CASE("reordered and independent") {
    auto w = words(5000);
    auto shuffled = w;
    std::mt19937 rng(7);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    TokenizerComparison c = compare_vocabularies(make_vocab(w), make_vocab(shuffled));
    CHECK(c.lis_fraction < 0.1);
    CHECK(classify_relation(c).relation == TokenizerRelation::reordered);

    // Independent: a third of tokens shared, in random order.
    std::vector<std::string> other = words(3500, "x");
    for (int i = 0; i < 1500; ++i) other.push_back(shuffled[static_cast<std::size_t>(i)]);
    std::shuffle(other.begin(), other.end(), rng);
    TokenizerComparison d = compare_vocabularies(make_vocab(w), make_vocab(other));
    CHECK(d.jaccard < 0.3);
    RelationFinding f = classify_relation(d);
    CHECK(f.relation == TokenizerRelation::independent);
    CHECK_FALSE(f.derived);
}

TEST_CASE("token mapping: byte pieces pair with single-byte tokens across formats, one to one") {
    Vocabulary sp;  // SentencePiece style: <unk>, then byte pieces, then a normal "A"
    sp.bytes_by_id = {"<unk>", "A", "B", "A", "AB"};
    sp.kind_by_id = {TokenKind::control, TokenKind::byte, TokenKind::byte, TokenKind::normal, TokenKind::normal};
    Vocabulary bl;  // byte-level: single bytes are normal tokens
    bl.bytes_by_id = {"A", "B", "AB"};
    bl.kind_by_id = {TokenKind::normal, TokenKind::normal, TokenKind::normal};
    TokenMapping m = map_shared_tokens(sp, bl);
    // "A" (normal, id 3) -> 0, byte B (id 2) -> 1, "AB" -> 2; byte A (id 1) finds "A" taken.
    REQUIRE(m.size() == 3);
    CHECK(m.pairs[0] == std::pair<std::int32_t, std::int32_t>{2, 1});
    CHECK(m.pairs[1] == std::pair<std::int32_t, std::int32_t>{3, 0});
    CHECK(m.pairs[2] == std::pair<std::int32_t, std::int32_t>{4, 2});
    auto a_to_b = m.a_to_b();
    CHECK(a_to_b[1] == -1);
    CHECK(a_to_b[4] == 2);
}

TEST_CASE("null ranges are printed beside figures") {
    NullRange r = null_range("lis", 0.8);
    CHECK(r.pairs > 0);
    CHECK(r.lo <= r.hi);
    CHECK(with_null_range(0.98, "lis", 0.8).find("unrelated pairs") != std::string::npos);
    CHECK(null_range("no-such-statistic", 0.5).pairs == 0);
}
