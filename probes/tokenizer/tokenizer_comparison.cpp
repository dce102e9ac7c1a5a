// Computing the vocabulary comparison statistics (see tokenizer_comparison.h).
#include "probes/tokenizer/tokenizer_comparison.h"

#include <algorithm>
#include <set>
#include <tuple>
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
void compare_merges(const Vocabulary& a, const TokenMapping& mapping, TokenizerComparison& c) {
    model::StringIdMap shared_index(mapping.size());
    for (TokenKind kind : {TokenKind::normal, TokenKind::byte})  // normal tokens first, as canonical_merges
        for (auto [ia, ib] : mapping.pairs)
            if (a.kind_by_id[static_cast<std::size_t>(ia)] == kind) shared_index.insert(a.bytes_by_id[static_cast<std::size_t>(ia)], ia);
    std::vector<std::int32_t> a_to_b = mapping.a_to_b();
    struct Merge {
        std::int32_t a_res, a_l, a_r, b_res, b_l, b_r;
    };
    std::vector<Merge> merges;
    merges.reserve(mapping.size() * 2);
    // Up to kGroup cuts of a token at a time: all prefix lookups are hashed and prefetched before
    // any is probed, then the suffixes of the prefixes found, so their cache misses overlap (the
    // table of ~100k shared tokens is several MB). Merges come out in the same order as cut by cut.
    constexpr std::size_t kGroup = 32;
    std::uint64_t prefix_hash[kGroup], suffix_hash[kGroup];
    std::int32_t left[kGroup];
    std::size_t found_cut[kGroup];
    for (auto [ia, ib] : mapping.pairs) {
        std::string_view token = a.bytes_by_id[static_cast<std::size_t>(ia)];
        for (std::size_t first = 1; first < token.size(); first += kGroup) {
            const std::size_t last = std::min(token.size(), first + kGroup);
            for (std::size_t cut = first; cut < last; ++cut) {
                prefix_hash[cut - first] = model::StringIdMap::hash(token.substr(0, cut));
                shared_index.prefetch(prefix_hash[cut - first]);
            }
            std::size_t found = 0;
            for (std::size_t cut = first; cut < last; ++cut) {
                const std::int32_t l = shared_index.find(token.substr(0, cut), prefix_hash[cut - first]);
                if (l < 0) continue;
                left[found] = l;
                found_cut[found] = cut;
                suffix_hash[found] = model::StringIdMap::hash(token.substr(cut));
                shared_index.prefetch(suffix_hash[found]);
                ++found;
            }
            for (std::size_t k = 0; k < found; ++k) {
                const std::int32_t l = left[k];
                const std::int32_t r = shared_index.find(token.substr(found_cut[k]), suffix_hash[k]);
                if (r < 0) continue;
                merges.push_back({ia, l, r, ib, a_to_b[static_cast<std::size_t>(l)], a_to_b[static_cast<std::size_t>(r)]});
            }
        }
    }
    const std::size_t n = merges.size();
    c.shared_merges = n;
    if (n == 0) return;
    std::vector<std::uint32_t> order_a(n), order_b(n);
    for (std::size_t i = 0; i < n; ++i) order_a[i] = order_b[i] = static_cast<std::uint32_t>(i);
    std::sort(order_a.begin(), order_a.end(), [&](std::uint32_t x, std::uint32_t y) {
        const Merge &p = merges[x], &q = merges[y];
        return std::tie(p.a_res, p.a_l, p.a_r) < std::tie(q.a_res, q.a_l, q.a_r);
    });
    std::sort(order_b.begin(), order_b.end(), [&](std::uint32_t x, std::uint32_t y) {
        const Merge &p = merges[x], &q = merges[y];
        return std::tie(p.b_res, p.b_l, p.b_r) < std::tie(q.b_res, q.b_l, q.b_r);
    });
    std::size_t prefix = 0;
    while (prefix < n && order_a[prefix] == order_b[prefix]) ++prefix;
    c.merge_common_prefix = prefix;
    c.merge_prefix_fraction = static_cast<double>(prefix) / static_cast<double>(n);
    if (n >= 3) {
        std::vector<std::uint32_t> rank_a(n);
        for (std::size_t r = 0; r < n; ++r) rank_a[order_a[r]] = static_cast<std::uint32_t>(r);
        long double d2 = 0;
        for (std::size_t rb = 0; rb < n; ++rb) {
            long double d = static_cast<long double>(rank_a[order_b[rb]]) - static_cast<long double>(rb);
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
    c.a = describe(a);
    c.b = describe(b);
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

    c.same_merge_lists = a.merges == b.merges;
    compare_merges(a, c.mapping, c);
    c.hints = compare_hints(c.a, c.b);
    return c;
}

}  // namespace lineage::probes
