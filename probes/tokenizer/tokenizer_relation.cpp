// Classifying the relation between two tokenizers (rules in tokenizer_relation.h).
#include "probes/tokenizer/tokenizer_relation.h"

#include <algorithm>
#include <cstdio>

#include "probes/tokenizer/null_ranges.h"

namespace lineage::probes {

std::string_view relation_name(TokenizerRelation relation) {
    switch (relation) {
        case TokenizerRelation::identical: return "identical";
        case TokenizerRelation::same_vocabulary: return "same-vocabulary";
        case TokenizerRelation::extended: return "extended";
        case TokenizerRelation::pruned: return "pruned";
        case TokenizerRelation::shifted: return "shifted";
        case TokenizerRelation::reordered: return "reordered";
        case TokenizerRelation::independent: return "independent";
    }
    return "independent";
}

namespace {

// 1234567 -> "1,234,567".
std::string num(std::int64_t v) {
    std::string digits = std::to_string(v < 0 ? -v : v);
    std::string out = v < 0 ? "-" : "";
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}
std::string pct(double f) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", f * 100.0);
    return buf;
}
std::string ids(const IdRange& r) { return "ids " + num(r.first) + "-" + num(r.first + r.count - 1); }

bool same_specials(const TokenizerComparison& c) { return c.a.hints.special_tokens == c.b.hints.special_tokens; }

std::string order_sentence(const TokenizerComparison& c) {
    return "Order preservation (LIS) " + with_null_range(c.lis_fraction, "lis", c.size_ratio) + " over " +
           num(static_cast<std::int64_t>(c.shared)) + " shared tokens";
}

}  // namespace

RelationFinding classify_relation(const TokenizerComparison& c) {
    RelationFinding f;
    const bool all_shared = c.a_only == 0 && c.b_only == 0 && c.shared > 0 &&
                            c.a.ordinary == c.b.ordinary && c.shared + c.structural_shared == c.a.ordinary;
    const bool same_ids = c.shared > 0 && c.equal_id_fraction >= kSameIds;
    const bool order_kept = c.shared > 0 && c.lis_fraction >= kOrderKept &&
                            c.lis_fraction > null_range("lis", c.size_ratio).hi;
    auto set = [&](TokenizerRelation r, std::string direction, std::string text) {
        f.relation = r;
        f.derived = r != TokenizerRelation::independent;
        f.direction = std::move(direction);
        f.explanation = std::move(text);
    };

    if (!c.a.sha256.empty() && c.a.sha256 == c.b.sha256) {
        set(TokenizerRelation::identical, "", "Both files have the same content (sha256 " + c.a.sha256.substr(0, 16) + "...).");
        return f;
    }
    if (all_shared && c.equal_ids == c.shared) {
        bool same_merges = c.same_merge_lists;
        bool same_everything = c.a.format == c.b.format && same_specials(c) && same_merges;
        std::string text = "All " + num(static_cast<std::int64_t>(c.a.ordinary)) +
                           " ordinary tokens are the same byte strings at the same ids.";
        if (same_everything) {
            set(TokenizerRelation::identical, "", text + " Specials, format and merges agree too.");
        } else {
            std::string diff;
            if (c.a.format != c.b.format) diff += " Formats differ (" + c.a.format + " vs " + c.b.format + ").";
            if (!same_specials(c))
                diff += " Special tokens differ (" + num(static_cast<std::int64_t>(c.a.hints.special_tokens.size())) + " vs " +
                        num(static_cast<std::int64_t>(c.b.hints.special_tokens.size())) + ").";
            if (!same_merges) diff += " Canonical merges agree on the first " + num(static_cast<std::int64_t>(c.merge_common_prefix)) + ".";
            set(TokenizerRelation::same_vocabulary, "", text + diff);
        }
        return f;
    }

    if (order_kept && same_ids) {
        std::string text = order_sentence(c) + "; " + pct(c.equal_id_fraction) + " keep their id.";
        if (c.identical_prefix > 0) text += " Ids 0-" + num(c.identical_prefix - 1) + " are identical.";
        if (c.a_only == 0 || c.b_only >= c.a_only) {
            std::string dir = "B extends A";
            text += " B adds " + num(static_cast<std::int64_t>(c.b_only)) + " tokens";
            if (c.b_appended.count > 0) text += " (" + num(c.b_appended.count) + " appended at " + ids(c.b_appended) + ")";
            text += ".";
            if (c.a_only) text += " A has " + num(static_cast<std::int64_t>(c.a_only)) + " tokens B lacks.";
            set(TokenizerRelation::extended, dir, text);
        } else if (c.b_only == 0) {
            text += " A adds " + num(static_cast<std::int64_t>(c.a_only)) + " tokens";
            if (c.a_appended.count > 0) text += " (" + num(c.a_appended.count) + " appended at " + ids(c.a_appended) + ")";
            set(TokenizerRelation::extended, "A extends B", text + ".");
        } else {
            text += " B lacks " + num(static_cast<std::int64_t>(c.a_only)) + " of A's tokens and adds " +
                    num(static_cast<std::int64_t>(c.b_only)) + " (tokens replaced in place).";
            set(TokenizerRelation::pruned, "B = A with tokens replaced in place", text);
        }
        return f;
    }
    if (order_kept && c.offset_coverage >= kShiftCoverage && c.dominant_offset != 0) {
        std::string sign = c.dominant_offset > 0 ? "+" : "";
        std::string text = order_sentence(c) + "; " + pct(c.offset_coverage) + " of them sit at their A id " + sign +
                           num(c.dominant_offset) + " in B.";
        if (c.a_only || c.b_only)
            text += " A-only tokens: " + num(static_cast<std::int64_t>(c.a_only)) + ", B-only: " +
                    num(static_cast<std::int64_t>(c.b_only)) + ".";
        if (c.identical_prefix > 0) text += " Ids 0-" + num(c.identical_prefix - 1) + " are identical (control tokens).";
        set(TokenizerRelation::shifted, "B = A with ids shifted by " + sign + num(c.dominant_offset), text);
        return f;
    }
    if (order_kept) {
        // Order kept but ids moved by varying amounts: tokens were removed (ids compacted).
        // The side mostly inside the other is the base that lost tokens: A inside B means B = A
        // with A's missing tokens removed and B's own tokens added.
        bool b_smaller_base = c.containment_a_in_b >= c.containment_b_in_a;
        const std::size_t removed = b_smaller_base ? c.a_only : c.b_only;
        const std::size_t added = b_smaller_base ? c.b_only : c.a_only;
        const IdRange& appended = b_smaller_base ? c.b_appended : c.a_appended;
        std::string dir = b_smaller_base ? "B = A pruned" : "A = B pruned";
        std::string text = order_sentence(c) + ", yet only " + pct(c.equal_id_fraction) +
                           " keep their id: " + num(static_cast<std::int64_t>(removed)) + " tokens of " +
                           (b_smaller_base ? "A" : "B") + " were removed and the rest keep their order";
        if (added) {
            text += "; " + num(static_cast<std::int64_t>(added)) + " tokens added";
            if (appended.count > 0) text += " (" + num(appended.count) + " appended at " + ids(appended) + ")";
            dir += " and extended";
        }
        set(TokenizerRelation::pruned, dir, text + ".");
        return f;
    }
    NullRange lis_null = null_range("lis", c.size_ratio);
    bool order_far_above_null = c.shared >= 1000 && c.lis_fraction >= 0.5 && lis_null.pairs > 0 &&
                                c.lis_fraction > 2.0 * lis_null.hi;
    if (c.shared >= 1000 && (c.jaccard >= kReorderedJaccard || order_far_above_null)) {
        set(TokenizerRelation::reordered, "B reorders A's tokens",
            "Jaccard " + with_null_range(c.jaccard, "jaccard", c.size_ratio) + " and " + order_sentence(c) +
                ": far more than unrelated tokenizers share, but neither ids nor order are kept.");
        return f;
    }
    set(TokenizerRelation::independent, "",
        order_sentence(c) + "; Jaccard " + with_null_range(c.jaccard, "jaccard", c.size_ratio) +
            ". Nothing beyond what unrelated tokenizers share (shared tokens alone prove little: common words "
            "and byte pairs recur in every vocabulary).");
    return f;
}

}  // namespace lineage::probes
