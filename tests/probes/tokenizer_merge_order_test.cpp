// Merge order of compare_vocabularies (common prefix and Spearman rank correlation of the shared
// canonical merges) against a brute-force oracle written here from the definition: list every
// split of every shared token into two shared tokens, sort that list once by (result, left,
// right) in A ids and once in B ids, count the leading positions where both orders hold the same
// merge, and correlate the two rank lists. Random vocabularies (duplicates across sides, pruned,
// shuffled and shifted ids, byte pieces) and real pairs of the shared test data (an unrelated one,
// with a partial prefix and a middling correlation; a derived one, pruned and extended).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "probes/tokenizer/tokenizer_comparison.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "tokenizer_testdata.h"

using namespace lineage::probes;
using lineage::model::TokenKind;
using lineage::model::Vocabulary;

namespace {

struct Oracle {
    std::size_t shared = 0, prefix = 0;
    double spearman = 0.0;
};

// The definition, with std::map lookups and whole-list sorts.
Oracle brute_force(const Vocabulary& a, const TokenMapping& m) {
    std::map<std::string, std::int32_t> shared;  // bytes -> A id (normal tokens first)
    for (TokenKind kind : {TokenKind::normal, TokenKind::byte})
        for (auto [ia, ib] : m.pairs)
            if (a.kind_by_id[static_cast<std::size_t>(ia)] == kind) shared.emplace(a.bytes_by_id[static_cast<std::size_t>(ia)], ia);
    const std::vector<std::int32_t> a_to_b = m.a_to_b();
    using Key = std::tuple<std::int32_t, std::int32_t, std::int32_t>;
    std::vector<std::pair<Key, Key>> merges;  // (A ids, B ids) of (result, left, right)
    for (auto [ia, ib] : m.pairs) {
        const std::string& t = a.bytes_by_id[static_cast<std::size_t>(ia)];
        for (std::size_t cut = 1; cut < t.size(); ++cut) {
            auto l = shared.find(t.substr(0, cut)), r = shared.find(t.substr(cut));
            if (l == shared.end() || r == shared.end()) continue;
            merges.push_back({{ia, l->second, r->second},
                              {ib, a_to_b[static_cast<std::size_t>(l->second)], a_to_b[static_cast<std::size_t>(r->second)]}});
        }
    }
    Oracle o;
    const std::size_t n = merges.size();
    o.shared = n;
    std::vector<std::size_t> by_a(n), by_b(n);
    std::iota(by_a.begin(), by_a.end(), 0);
    std::iota(by_b.begin(), by_b.end(), 0);
    std::sort(by_a.begin(), by_a.end(), [&](std::size_t x, std::size_t y) { return merges[x].first < merges[y].first; });
    std::sort(by_b.begin(), by_b.end(), [&](std::size_t x, std::size_t y) { return merges[x].second < merges[y].second; });
    while (o.prefix < n && by_a[o.prefix] == by_b[o.prefix]) ++o.prefix;
    if (n >= 3) {
        std::vector<double> rank_a(n), rank_b(n);
        for (std::size_t r = 0; r < n; ++r) {
            rank_a[by_a[r]] = static_cast<double>(r);
            rank_b[by_b[r]] = static_cast<double>(r);
        }
        double d2 = 0;
        for (std::size_t i = 0; i < n; ++i) d2 += (rank_a[i] - rank_b[i]) * (rank_a[i] - rank_b[i]);
        const double nn = static_cast<double>(n);
        o.spearman = 1.0 - 6.0 * d2 / (nn * (nn * nn - 1.0));
    }
    return o;
}

void check_against_oracle(const Vocabulary& a, const Vocabulary& b) {
    const TokenizerComparison c = compare_vocabularies(a, b);
    const Oracle o = brute_force(a, c.mapping);
    CHECK(c.shared_merges == o.shared);
    CHECK(c.merge_common_prefix == o.prefix);
    CHECK(c.merge_rank_correlation == doctest::Approx(o.spearman).epsilon(1e-9));
}

// Tokens over a 3-letter alphabet (so that many splits exist), single bytes first.
Vocabulary random_vocab(std::mt19937& rng, std::size_t words, bool byte_pieces) {
    Vocabulary v;
    for (char ch : std::string("abc")) {
        v.bytes_by_id.emplace_back(1, ch);
        v.kind_by_id.push_back(byte_pieces ? TokenKind::byte : TokenKind::normal);
    }
    std::uniform_int_distribution<int> length(2, 7), letter(0, 2);
    for (std::size_t i = 0; i < words; ++i) {
        std::string w;
        for (int k = length(rng); k > 0; --k) w += static_cast<char>('a' + letter(rng));
        v.bytes_by_id.push_back(w);  // duplicates allowed: the first id wins in the mapping
        v.kind_by_id.push_back(TokenKind::normal);
    }
    return v;
}

}  // namespace

TEST_CASE("merge order equals the brute-force definition on random vocabularies") {
    std::mt19937 rng(20261123);
    for (int trial = 0; trial < 40; ++trial) {
        CAPTURE(trial);
        Vocabulary a = random_vocab(rng, 300, trial % 5 == 0);
        Vocabulary b;
        switch (trial % 4) {
            case 0: b = random_vocab(rng, 300, false); break;  // unrelated
            case 1: {  // pruned: every third word dropped, order kept
                b = a;
                b.bytes_by_id.clear();
                b.kind_by_id.clear();
                for (std::size_t id = 0; id < a.size(); ++id)
                    if (id < 3 || id % 3 != 0) {
                        b.bytes_by_id.push_back(a.bytes_by_id[id]);
                        b.kind_by_id.push_back(a.kind_by_id[id]);
                    }
                break;
            }
            case 2: {  // shuffled ids after the bytes
                b = a;
                std::vector<std::size_t> perm(a.size() - 3);
                std::iota(perm.begin(), perm.end(), 3);
                std::shuffle(perm.begin(), perm.end(), rng);
                for (std::size_t i = 0; i < perm.size(); ++i) b.bytes_by_id[3 + i] = a.bytes_by_id[perm[i]];
                break;
            }
            default: {  // shifted by inserted control tokens, a few words swapped
                b = a;
                for (int k = 0; k < 5; ++k) {
                    b.bytes_by_id.insert(b.bytes_by_id.begin(), "<ctl" + std::to_string(k) + ">");
                    b.kind_by_id.insert(b.kind_by_id.begin(), TokenKind::control);
                }
                std::swap(b.bytes_by_id[40], b.bytes_by_id[200]);
                break;
            }
        }
        check_against_oracle(a, b);
        check_against_oracle(b, a);
    }
}

TEST_CASE("merge order equals the brute-force definition on real tokenizer pairs") {
    using namespace lineage::testdata;
    const std::string cl100k = real_tokenizer(kCl100k), deepseek = real_tokenizer(kDeepseekV3),
                      mistral = real_tokenizer(kMistralV1);
    if (cl100k.empty() || deepseek.empty() || mistral.empty()) return;
    const Vocabulary c = lineage::model::load_vocabulary(cl100k);
    const Vocabulary d = lineage::model::load_vocabulary(deepseek);
    const Vocabulary m = lineage::model::load_vocabulary(mistral);
    SUBCASE("cl100k vs DeepSeek V3 (unrelated)") {
        const TokenizerComparison x = compare_vocabularies(c, d);
        CHECK(x.shared_merges > 100000);
        CHECK(x.merge_prefix_fraction < 0.01);
        check_against_oracle(c, d);
    }
    SUBCASE("Mistral v1 (SentencePiece, byte pieces) vs cl100k (byte-level)") {
        check_against_oracle(m, c);
    }
}
