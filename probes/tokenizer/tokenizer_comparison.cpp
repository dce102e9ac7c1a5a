// Computing the vocabulary comparison statistics (see tokenizer_comparison.h).
#include "probes/tokenizer/tokenizer_comparison.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "reference_model/tokenizer/flat_maps.h"
#include "reference_model/tokenizer/formats/canonical_merges.h"

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

VocabularySide describe(const Vocabulary& v, std::size_t merges) {
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
    s.merges = merges;
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

// Canonical merges of both sides. The common prefix runs over the merges that only involve
// shared tokens (both parts and the result): tokens one side adds elsewhere create extra splits
// of old tokens, which would otherwise end the prefix at the first such token even for a pure
// extension. The rank correlation runs over merges present in both lists.
void compare_merges(const Vocabulary& a, const Vocabulary& b, const TokenMapping& mapping, TokenizerComparison& c) {
    using Merges = std::vector<std::pair<std::int32_t, std::int32_t>>;
    std::vector<std::int32_t> ra, rb;
    Merges ma_own, mb_own;
    const Merges* ma = &a.merges;
    const Merges* mb = &b.merges;
    if (a.merges_rebuilt && a.merge_results.size() == a.merges.size()) {
        ra = a.merge_results;
    } else {
        ma_own = model::canonical_merges(a, &ra);
        ma = &ma_own;
    }
    if (b.merges_rebuilt && b.merge_results.size() == b.merges.size()) {
        rb = b.merge_results;
    } else {
        mb_own = model::canonical_merges(b, &rb);
        mb = &mb_own;
    }
    c.a.merges = ma->size();
    c.b.merges = mb->size();
    c.a.merges_rebuilt_from_file = !a.merges_rebuilt && a.merges.size() == ma->size();
    c.b.merges_rebuilt_from_file = !b.merges_rebuilt && b.merges.size() == mb->size();

    std::vector<std::int32_t> a_to_b = mapping.a_to_b();
    std::vector<std::int32_t> b_to_a(b.size(), -1);
    for (auto [ia, ib] : mapping.pairs) b_to_a[static_cast<std::size_t>(ib)] = ia;
    auto key = [](std::int32_t l, std::int32_t r) {
        return model::PairMap::key(static_cast<std::uint32_t>(l), static_cast<std::uint32_t>(r));
    };
    constexpr std::uint64_t kNone = ~std::uint64_t(0);
    // A merge in B's id space, or kNone when a part or the result is not shared.
    auto a_in_b = [&](std::size_t i) -> std::uint64_t {
        auto [l, r] = (*ma)[i];
        std::int32_t bl = a_to_b[static_cast<std::size_t>(l)], br = a_to_b[static_cast<std::size_t>(r)];
        if (bl < 0 || br < 0 || a_to_b[static_cast<std::size_t>(ra[i])] < 0) return kNone;
        return key(bl, br);
    };
    std::vector<std::uint64_t> sa, sb;  // shared-token merges, both in B's id space
    for (std::size_t i = 0; i < ma->size(); ++i)
        if (std::uint64_t k = a_in_b(i); k != kNone) sa.push_back(k);
    for (std::size_t i = 0; i < mb->size(); ++i) {
        auto [l, r] = (*mb)[i];
        if (b_to_a[static_cast<std::size_t>(l)] >= 0 && b_to_a[static_cast<std::size_t>(r)] >= 0 &&
            b_to_a[static_cast<std::size_t>(rb[i])] >= 0)
            sb.push_back(key(l, r));
    }
    std::size_t prefix = 0;
    while (prefix < sa.size() && prefix < sb.size() && sa[prefix] == sb[prefix]) ++prefix;
    c.merge_common_prefix = prefix;
    std::size_t shorter = std::min(sa.size(), sb.size());
    c.merge_prefix_fraction = shorter ? static_cast<double>(prefix) / static_cast<double>(shorter) : 0.0;

    model::PairMap b_rank(mb->size());
    for (std::size_t r = 0; r < mb->size(); ++r)
        b_rank.insert_or_assign(key((*mb)[r].first, (*mb)[r].second), {static_cast<std::uint32_t>(r), 0});
    std::vector<std::uint32_t> b_ranks;  // B ranks of merges in both lists, in A order
    for (std::size_t i = 0; i < ma->size(); ++i) {
        auto [l, r] = (*ma)[i];
        std::int32_t bl = a_to_b[static_cast<std::size_t>(l)], br = a_to_b[static_cast<std::size_t>(r)];
        if (bl < 0 || br < 0) continue;
        if (const auto* hit = b_rank.find(key(bl, br))) b_ranks.push_back(hit->first);
    }
    c.shared_merges = b_ranks.size();
    const std::size_t n = b_ranks.size();
    if (n >= 3) {
        // A ranks are 0..n-1 in order; B ranks re-ranked 0..n-1 (distinct): Spearman from d^2.
        std::vector<std::uint32_t> order(n);
        for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
        std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) { return b_ranks[x] < b_ranks[y]; });
        long double d2 = 0;
        for (std::size_t rank_b = 0; rank_b < n; ++rank_b) {
            long double d = static_cast<long double>(order[rank_b]) - static_cast<long double>(rank_b);
            d2 += d * d;
        }
        long double nn = static_cast<long double>(n);
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
    c.a = describe(a, 0);
    c.b = describe(b, 0);
    c.mapping = map_shared_tokens(a, b);

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

    compare_merges(a, b, c.mapping, c);
    c.hints = compare_hints(c.a, c.b);
    return c;
}

}  // namespace lineage::probes
