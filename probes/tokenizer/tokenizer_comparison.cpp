// Computing the vocabulary comparison statistics (see tokenizer_comparison.h).
#include "probes/tokenizer/tokenizer_comparison.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "reference_model/tokenizer/flat_maps.h"

namespace lineage::probes {

using model::TokenKind;
using model::Vocabulary;

std::size_t longest_increasing_subsequence(const std::vector<std::int32_t>& values) {
    std::vector<std::int32_t> tails;  // tails[k]: smallest tail of an increasing run of length k+1
    for (std::int32_t v : values) {
        auto it = std::lower_bound(tails.begin(), tails.end(), v);
        if (it == tails.end())
            tails.push_back(v);
        else
            *it = v;
    }
    return tails.size();
}

namespace {

VocabularySide describe(const Vocabulary& v) {
    VocabularySide s;
    s.path = v.source_path;
    s.format = std::string(model::vocab_format_name(v.format));
    s.sha256 = v.sha256;
    s.model_type = v.hints.model_type;
    s.ids = v.size();
    for (std::size_t id = 0; id < v.size(); ++id) {
        if (!Vocabulary::comparable(v.kind_by_id[id])) continue;
        ++s.ordinary;
        s.multi_byte += v.bytes_by_id[id].size() > 1;
    }
    s.merges = v.merges.size();
    s.merges_rebuilt = v.merges_rebuilt;
    s.hints = v.hints;
    return s;
}

// The `keep` longest ranges of ids (given ascending) that are consecutive, re-sorted by first id.
std::vector<IdRange> largest_ranges(const std::vector<std::int64_t>& ids, std::size_t keep) {
    std::vector<IdRange> ranges;
    for (std::int64_t id : ids) {
        if (!ranges.empty() && ranges.back().first + ranges.back().count == id)
            ++ranges.back().count;
        else
            ranges.push_back({id, 1});
    }
    std::stable_sort(ranges.begin(), ranges.end(), [](const IdRange& x, const IdRange& y) { return x.count > y.count; });
    if (ranges.size() > keep) ranges.resize(keep);
    std::sort(ranges.begin(), ranges.end(), [](const IdRange& x, const IdRange& y) { return x.first < y.first; });
    return ranges;
}

// Ordinary multi-byte ids of `v` not in `shared_mask`, and the block after the last shared id.
void one_side(const Vocabulary& v, const std::vector<bool>& shared_mask, std::size_t& count, IdRange& appended,
              std::vector<IdRange>& ranges) {
    std::vector<std::int64_t> only;
    std::int64_t last_shared = -1;
    for (std::size_t id = 0; id < v.size(); ++id) {
        if (!Vocabulary::comparable(v.kind_by_id[id])) continue;
        if (shared_mask[id]) {
            last_shared = static_cast<std::int64_t>(id);
        } else if (v.bytes_by_id[id].size() > 1) {
            only.push_back(static_cast<std::int64_t>(id));
        }
    }
    count = only.size();
    auto first_after = std::upper_bound(only.begin(), only.end(), last_shared);
    if (first_after != only.end()) appended = {*first_after, static_cast<std::int64_t>(only.end() - first_after)};
    ranges = largest_ranges(only, kKeptRanges);
}

// Merge order over the canonical merges of the shared tokens: every split of a shared token into
// two shared tokens is a merge both canonical lists hold (and the only kind they share), so one
// pass over A's shared tokens yields the common set; A orders it by (result, left, right) in A
// ids, B in B ids. The common prefix compares the two orders; the rank correlation is Spearman's
// over the set. Restricting to shared tokens keeps a pure extension's prefix whole: tokens one
// side adds create extra splits of old tokens that would otherwise end it early.
//
// Both orders sort by the result token first, so the merges of one result token (a "group") sit
// together in both, and only the groups' order and each group's inner order can differ. The pass
// keeps per group its size and how its inner orders relate (no list of all merges, no sort of
// it): the rank difference of a merge is D + e, with D the group's start in A's order minus its
// start in B's and e its position inside the group in A's order minus that in B's; so the sum of
// squared differences is, per group, count * D^2 + 2 * D * sum(e) + sum(e^2).
struct MergeGroup {
    std::int32_t b_result = 0;
    std::uint32_t count = 0;
    std::uint32_t agree = 0;  // leading positions where the group's two inner orders agree
    std::int64_t sum_e = 0, sum_e2 = 0;
    std::uint64_t start_a = 0, start_b = 0;
};

// The canonical merges of one shared token, in A ids and B ids.
struct Split {
    std::int32_t a_l, a_r, b_l, b_r;
};

// Sorts the indices 0..n-1 by key(index); groups are small (one to a few dozen splits), where an
// insertion sort beats std::sort's setup.
template <class Key>
void sort_indices(std::vector<std::uint32_t>& order, std::size_t n, Key key) {
    order.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
    if (n > 32) {
        std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) { return key(x) < key(y); });
        return;
    }
    for (std::size_t i = 1; i < n; ++i) {
        const std::uint32_t v = order[i];
        const auto kv = key(v);
        std::size_t j = i;
        for (; j > 0 && kv < key(order[j - 1]); --j) order[j] = order[j - 1];
        order[j] = v;
    }
}

// Summarises one group's splits (in any order on entry).
MergeGroup summarise_group(std::int32_t b_result, const std::vector<Split>& splits, std::vector<std::uint32_t>& a_order,
                           std::vector<std::uint32_t>& b_order, std::vector<std::uint32_t>& a_position) {
    MergeGroup g;
    g.b_result = b_result;
    const std::size_t n = splits.size();
    g.count = static_cast<std::uint32_t>(n);
    if (n == 1) {
        g.agree = 1;
        return g;
    }
    const auto pair_key = [](std::int32_t l, std::int32_t r) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(l)) << 32) | static_cast<std::uint32_t>(r);
    };
    sort_indices(a_order, n, [&](std::uint32_t i) { return pair_key(splits[i].a_l, splits[i].a_r); });
    sort_indices(b_order, n, [&](std::uint32_t i) { return pair_key(splits[i].b_l, splits[i].b_r); });
    a_position.resize(n);
    for (std::uint32_t pa = 0; pa < n; ++pa) a_position[a_order[pa]] = pa;
    bool agreeing = true;
    for (std::uint32_t pb = 0; pb < n; ++pb) {
        const std::uint32_t pa = a_position[b_order[pb]];  // the merge at B position pb has A position pa
        agreeing = agreeing && pa == pb;
        g.agree += agreeing;
        const std::int64_t e = static_cast<std::int64_t>(pa) - static_cast<std::int64_t>(pb);
        g.sum_e += e;
        g.sum_e2 += e * e;
    }
    return g;
}

// Every split of a shared A token into two shared tokens, with the group summaries in A order.
// The shared prefixes of a token form a chain: its longest proper shared prefix, that token's
// longest proper shared prefix, and so on down to one byte; the same holds for suffixes. So a
// first pass finds, per shared token, only its longest shared prefix and suffix (probing cuts
// from the longest and stopping at the first hit: ~4.5 probes a token on Qwen3 vs cl100k where
// probing every cut and then the suffix of every prefix found takes ~9), and a second pass walks
// the two chains of each token and pairs prefix and suffix lengths that add up to the token's.
// Pieces are looked up in B's token index: a piece B holds whose B id is shared is the shared
// token with those bytes. The first pass goes in batches of tokens whose first few probes are
// hashed and prefetched before any is probed, so that cache misses overlap (the index is MBs).
std::vector<MergeGroup> shared_merge_groups(const Vocabulary& a, const TokenIndex& b_index, const TokenMapping& mapping) {
    std::vector<std::int32_t> b_to_a(mapping.b_vocab_size, -1);
    for (auto [ia, ib] : mapping.pairs) b_to_a[static_cast<std::size_t>(ib)] = ia;
    const std::vector<std::int32_t> a_to_b = mapping.a_to_b();
    // The A id of the shared token with these bytes, or -1.
    const auto shared = [&](std::string_view bytes, std::uint64_t hash) {
        const std::int32_t ib = b_index.find(bytes, hash);
        return ib >= 0 ? b_to_a[static_cast<std::size_t>(ib)] : -1;
    };
    const auto token = [&](std::size_t k) -> std::string_view {
        return a.bytes_by_id[static_cast<std::size_t>(mapping.pairs[k].first)];
    };

    // Pass 1: longest proper shared prefix and suffix of every shared token (A ids; -1: none).
    struct Link {
        std::int32_t prefix = -1, suffix = -1;  // A ids of the longest shared prefix and suffix
        std::uint32_t length = 0;               // the token's length in bytes
    };
    std::vector<Link> links(mapping.a_vocab_size);  // by A id; one cache line serves a chain step
    constexpr std::size_t kBatch = 16, kAhead = 3;  // tokens per batch, probes hashed ahead per side
    std::uint64_t ahead[kBatch][2][kAhead];
    for (std::size_t first = 0; first < mapping.pairs.size(); first += kBatch) {
        const std::size_t last = std::min(mapping.pairs.size(), first + kBatch);
        for (std::size_t k = first; k < last; ++k) {
            const std::string_view t = token(k);
            for (std::size_t j = 0; j < kAhead && j + 1 < t.size(); ++j) {
                ahead[k - first][0][j] = model::StringIdMap::hash(t.substr(0, t.size() - 1 - j));
                ahead[k - first][1][j] = model::StringIdMap::hash(t.substr(1 + j));
                b_index.normal.prefetch(ahead[k - first][0][j]);
                b_index.normal.prefetch(ahead[k - first][1][j]);
            }
        }
        for (std::size_t k = first; k < last; ++k) {
            const std::string_view t = token(k);
            const auto ia = static_cast<std::size_t>(mapping.pairs[k].first);
            links[ia].length = static_cast<std::uint32_t>(t.size());
            for (std::size_t j = 0; j + 1 < t.size(); ++j) {  // prefix of length size-1-j
                const std::string_view piece = t.substr(0, t.size() - 1 - j);
                const std::int32_t hit = shared(piece, j < kAhead ? ahead[k - first][0][j] : model::StringIdMap::hash(piece));
                if (hit >= 0) {
                    links[ia].prefix = hit;
                    break;
                }
            }
            for (std::size_t j = 0; j + 1 < t.size(); ++j) {  // suffix of length size-1-j
                const std::string_view piece = t.substr(1 + j);
                const std::int32_t hit = shared(piece, j < kAhead ? ahead[k - first][1][j] : model::StringIdMap::hash(piece));
                if (hit >= 0) {
                    links[ia].suffix = hit;
                    break;
                }
            }
        }
    }

    // Pass 2: per token, prefixes by falling length against suffixes by rising length.
    std::vector<MergeGroup> groups;
    std::vector<Split> splits;
    std::vector<std::uint32_t> a_order, b_order, a_position;
    std::vector<std::pair<std::int32_t, std::uint32_t>> suffixes;
    for (auto [ia, ib] : mapping.pairs) {
        const Link& self = links[static_cast<std::size_t>(ia)];
        suffixes.clear();  // (A id, length), falling length; walked from the back for rising length
        for (std::int32_t s = self.suffix; s >= 0; s = links[static_cast<std::size_t>(s)].suffix)
            suffixes.push_back({s, links[static_cast<std::size_t>(s)].length});
        std::size_t j = suffixes.size();
        for (std::int32_t p = self.prefix; p >= 0 && j > 0; p = links[static_cast<std::size_t>(p)].prefix) {
            const std::uint32_t want = self.length - links[static_cast<std::size_t>(p)].length;
            while (j > 0 && suffixes[j - 1].second < want) --j;
            if (j > 0 && suffixes[j - 1].second == want) {
                const std::int32_t s = suffixes[j - 1].first;
                splits.push_back({p, s, a_to_b[static_cast<std::size_t>(p)], a_to_b[static_cast<std::size_t>(s)]});
            }
        }
        if (!splits.empty()) {
            groups.push_back(summarise_group(ib, splits, a_order, b_order, a_position));
            splits.clear();
        }
    }
    return groups;
}

void compare_merges(const Vocabulary& a, const TokenIndex& b_index, const TokenMapping& mapping, TokenizerComparison& c) {
    std::vector<MergeGroup> groups = shared_merge_groups(a, b_index, mapping);
    std::uint64_t n = 0;
    for (MergeGroup& g : groups) {
        g.start_a = n;
        n += g.count;
    }
    c.shared_merges = n;
    if (n == 0) return;
    // B's order of the groups: by result id (B ids are unique across groups).
    std::vector<std::int32_t> group_of_b(mapping.b_vocab_size, -1);
    for (std::size_t k = 0; k < groups.size(); ++k) group_of_b[static_cast<std::size_t>(groups[k].b_result)] = static_cast<std::int32_t>(k);
    std::size_t prefix = 0, rank_in_b = 0;
    bool in_prefix = true;
    std::uint64_t start_b = 0;
    for (std::int32_t k : group_of_b) {
        if (k < 0) continue;
        MergeGroup& g = groups[static_cast<std::size_t>(k)];
        g.start_b = start_b;
        start_b += g.count;
        // The common prefix runs through B's group number rank_in_b while it is also A's.
        if (in_prefix) {
            if (static_cast<std::size_t>(k) != rank_in_b) {
                in_prefix = false;
            } else {
                prefix += g.agree;
                in_prefix = g.agree == g.count;
            }
        }
        ++rank_in_b;
    }
    c.merge_common_prefix = prefix;
    c.merge_prefix_fraction = static_cast<double>(prefix) / static_cast<double>(n);
    if (n >= 3) {
        long double d2 = 0;
        for (const MergeGroup& g : groups) {
            const long double d = static_cast<long double>(g.start_a) - static_cast<long double>(g.start_b);
            d2 += static_cast<long double>(g.count) * d * d + 2.0L * d * static_cast<long double>(g.sum_e) +
                  static_cast<long double>(g.sum_e2);
        }
        const long double nn = static_cast<long double>(n);
        c.merge_rank_correlation = static_cast<double>(1.0L - 6.0L * d2 / (nn * (nn * nn - 1.0L)));
    }
}

HintComparison compare_hints(const VocabularySide& a, const VocabularySide& b) {
    HintComparison h;
    const auto& x = a.hints;
    const auto& y = b.hints;
    h.same_model_type = !x.model_type.empty() && x.model_type == y.model_type;
    h.pre_tokenizer_known = !x.pre_tokenizer.empty() && !y.pre_tokenizer.empty();
    h.same_pre_tokenizer = h.pre_tokenizer_known && x.pre_tokenizer == y.pre_tokenizer;
    h.same_normalizer = x.normalizer == y.normalizer;
    std::set<std::string> sa(x.special_tokens.begin(), x.special_tokens.end());
    std::set<std::string> sb(y.special_tokens.begin(), y.special_tokens.end());
    for (const auto& s : sa) h.shared_specials += sb.count(s);
    std::size_t uni = sa.size() + sb.size() - h.shared_specials;
    h.specials_jaccard = uni ? static_cast<double>(h.shared_specials) / static_cast<double>(uni) : 0.0;
    h.same_template_family = !x.chat_template_family.empty() && x.chat_template_family == y.chat_template_family;
    h.same_class = !x.tokenizer_class.empty() && x.tokenizer_class == y.tokenizer_class;
    if (a.behaviour_hash && b.behaviour_hash) h.same_behaviour = *a.behaviour_hash == *b.behaviour_hash;
    return h;
}

}  // namespace

TokenizerComparison compare_vocabularies(const Vocabulary& a, const Vocabulary& b) {
    TokenizerComparison c;
    c.a = describe(a);
    c.b = describe(b);
    const TokenIndex b_index(b);
    c.mapping = map_shared_tokens(a, b, b_index);

    std::vector<std::int32_t> b_in_a_order;
    std::vector<bool> a_shared(a.size(), false), b_shared(b.size(), false);
    std::unordered_map<std::int64_t, std::size_t> offsets;
    for (std::size_t i = 0; i < c.mapping.pairs.size(); ++i) {
        auto [ia, ib] = c.mapping.pairs[i];
        a_shared[static_cast<std::size_t>(ia)] = true;
        b_shared[static_cast<std::size_t>(ib)] = true;
        if (c.mapping.single_byte[i]) {
            ++c.structural_shared;
            continue;
        }
        ++c.shared;
        c.equal_ids += ia == ib;
        b_in_a_order.push_back(ib);
        ++offsets[static_cast<std::int64_t>(ib) - ia];
    }
    const double shared = static_cast<double>(c.shared);
    const double na = static_cast<double>(c.a.multi_byte), nb = static_cast<double>(c.b.multi_byte);
    if (c.shared > 0) {
        c.jaccard = shared / (na + nb - shared);
        c.containment_a_in_b = shared / na;
        c.containment_b_in_a = shared / nb;
        c.equal_id_fraction = static_cast<double>(c.equal_ids) / shared;
        c.lis = longest_increasing_subsequence(b_in_a_order);
        c.lis_fraction = static_cast<double>(c.lis) / shared;
        for (auto [off, count] : offsets)
            if (count > c.offset_count || (count == c.offset_count && std::llabs(off) < std::llabs(c.dominant_offset))) {
                c.dominant_offset = off;
                c.offset_count = count;
            }
        c.offset_coverage = static_cast<double>(c.offset_count) / shared;
    }
    c.size_ratio = (na > 0 && nb > 0) ? std::min(na, nb) / std::max(na, nb) : 0.0;

    // Identical prefix over every kind: same kind and same bytes at the same id.
    std::size_t common = std::min(a.size(), b.size());
    std::size_t k = 0;
    while (k < common && a.kind_by_id[k] == b.kind_by_id[k] && a.bytes_by_id[k] == b.bytes_by_id[k]) ++k;
    c.identical_prefix = static_cast<std::int64_t>(k);

    one_side(a, a_shared, c.a_only, c.a_appended, c.a_only_ranges);
    one_side(b, b_shared, c.b_only, c.b_appended, c.b_only_ranges);

    // Runs of constant offset over shared multi-byte tokens in A order.
    std::vector<ShiftedRun> runs;
    for (std::size_t i = 0; i < c.mapping.pairs.size(); ++i) {
        if (c.mapping.single_byte[i]) continue;
        auto [ia, ib] = c.mapping.pairs[i];
        std::int64_t off = static_cast<std::int64_t>(ib) - ia;
        if (!runs.empty() && runs.back().offset == off)
            ++runs.back().length;
        else
            runs.push_back({ia, ib, 1, off});
    }
    std::stable_sort(runs.begin(), runs.end(), [](const ShiftedRun& x, const ShiftedRun& y) { return x.length > y.length; });
    if (runs.size() > kKeptRanges) runs.resize(kKeptRanges);
    std::sort(runs.begin(), runs.end(), [](const ShiftedRun& x, const ShiftedRun& y) { return x.a_first < y.a_first; });
    c.runs = std::move(runs);

    c.same_merge_lists = a.merges == b.merges;
    compare_merges(a, b_index, c.mapping, c);
    c.hints = compare_hints(c.a, c.b);
    return c;
}

}  // namespace lineage::probes
