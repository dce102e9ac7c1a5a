// Running the tokenizer probe and writing its JSON record (see tokenizer_probe.h).
#include "probes/tokenizer/tokenizer_probe.h"

#include "probes/tokenizer/behaviour_hash.h"
#include "probes/tokenizer/null_ranges.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"

namespace lineage::probes {

TokenizerLineage compare_tokenizers(const std::filesystem::path& a, const std::filesystem::path& b,
                                    const TokenizerProbeOptions& options) {
    model::LoadedVocabulary la = model::load_vocabulary_with_sources(a);
    model::LoadedVocabulary lb = model::load_vocabulary_with_sources(b);
    TokenizerLineage out;
    out.comparison = compare_vocabularies(la.vocab, lb.vocab);
    if (options.behaviour_hash) {
        BehaviourHash ha = behaviour_hash(la), hb = behaviour_hash(lb);
        out.comparison.a.behaviour_hash = ha.hash;
        out.comparison.a.behaviour_note = ha.note;
        out.comparison.b.behaviour_hash = hb.hash;
        out.comparison.b.behaviour_note = hb.note;
        if (ha.hash && hb.hash) out.comparison.hints.same_behaviour = *ha.hash == *hb.hash;
    } else {
        out.comparison.a.behaviour_note = out.comparison.b.behaviour_note = "behaviour hash not requested";
    }
    out.finding = classify_relation(out.comparison);
    return out;
}

namespace {

JsonValue side_json(const VocabularySide& s) {
    JsonValue j = JsonValue::object();
    j.set("path", s.path);
    j.set("format", s.format);
    j.set("sha256", s.sha256);
    j.set("model_type", s.model_type);
    j.set("ids", static_cast<std::uint64_t>(s.ids));
    j.set("ordinary_tokens", static_cast<std::uint64_t>(s.ordinary));
    j.set("compared_tokens", static_cast<std::uint64_t>(s.multi_byte));
    j.set("merges", static_cast<std::uint64_t>(s.merges));
    j.set("merges_rebuilt", s.merges_rebuilt);
    j.set("behaviour_hash", s.behaviour_hash ? JsonValue(*s.behaviour_hash) : JsonValue());
    if (!s.behaviour_note.empty()) j.set("behaviour_note", s.behaviour_note);
    JsonValue h = JsonValue::object();
    h.set("pre_tokenizer", s.hints.pre_tokenizer);
    h.set("normalizer", s.hints.normalizer);
    h.set("special_tokens", static_cast<std::uint64_t>(s.hints.special_tokens.size()));
    h.set("chat_template_family", s.hints.chat_template_family);
    h.set("tokenizer_class", s.hints.tokenizer_class);
    h.set("byte_level", s.hints.byte_level);
    h.set("byte_fallback", s.hints.byte_fallback);
    j.set("hints", std::move(h));
    return j;
}

JsonValue figure(double value, std::string_view statistic, double ratio) {
    JsonValue j = JsonValue::object();
    j.set("value", value);
    NullRange r = null_range(statistic, ratio);
    if (r.pairs > 0) {
        JsonValue n = JsonValue::object();
        n.set("lo", r.lo);
        n.set("hi", r.hi);
        n.set("pairs", r.pairs);
        n.set("size_ratio_bin", std::string(r.bin));
        j.set("null", std::move(n));
    } else {
        j.set("null", JsonValue());
    }
    return j;
}

JsonValue range_json(const IdRange& r) {
    JsonValue j = JsonValue::object();
    j.set("first", r.first);
    j.set("count", r.count);
    return j;
}

JsonValue ranges_json(const std::vector<IdRange>& rs) {
    JsonValue j = JsonValue::array();
    for (const IdRange& r : rs) j.push(range_json(r));
    return j;
}

}  // namespace

JsonValue tokenizer_lineage_json(const TokenizerLineage& result) {
    const TokenizerComparison& c = result.comparison;
    const RelationFinding& f = result.finding;
    JsonValue j = JsonValue::object();
    j.set("relation", std::string(relation_name(f.relation)));
    j.set("derived", f.derived);
    j.set("direction", f.direction);
    j.set("explanation", f.explanation);
    j.set("a", side_json(c.a));
    j.set("b", side_json(c.b));

    JsonValue figs = JsonValue::object();
    const double r = c.size_ratio;
    figs.set("size_ratio", c.size_ratio);
    figs.set("shared_tokens", static_cast<std::uint64_t>(c.shared));
    figs.set("structural_shared_tokens", static_cast<std::uint64_t>(c.structural_shared));
    figs.set("jaccard", figure(c.jaccard, "jaccard", r));
    figs.set("containment", figure(std::max(c.containment_a_in_b, c.containment_b_in_a), "containment", r));
    figs.set("containment_a_in_b", c.containment_a_in_b);
    figs.set("containment_b_in_a", c.containment_b_in_a);
    figs.set("lis", figure(c.lis_fraction, "lis", r));
    figs.set("equal_ids", figure(c.equal_id_fraction, "equal_ids", r));
    figs.set("offset_coverage", figure(c.offset_coverage, "offset_coverage", r));
    figs.set("dominant_offset", c.dominant_offset);
    figs.set("merge_prefix", figure(c.merge_prefix_fraction, "merge_prefix", r));
    figs.set("merge_rank_correlation", figure(c.merge_rank_correlation, "merge_rank_correlation", r));
    j.set("figures", std::move(figs));

    JsonValue blocks = JsonValue::object();
    blocks.set("identical_prefix", c.identical_prefix);
    blocks.set("first_differing_id", c.identical_prefix < static_cast<std::int64_t>(std::min(c.a.ids, c.b.ids))
                                         ? JsonValue(c.identical_prefix)
                                         : JsonValue());
    blocks.set("a_only", static_cast<std::uint64_t>(c.a_only));
    blocks.set("b_only", static_cast<std::uint64_t>(c.b_only));
    blocks.set("a_appended", range_json(c.a_appended));
    blocks.set("b_appended", range_json(c.b_appended));
    blocks.set("a_only_ranges", ranges_json(c.a_only_ranges));
    blocks.set("b_only_ranges", ranges_json(c.b_only_ranges));
    JsonValue runs = JsonValue::array();
    for (const ShiftedRun& s : c.runs) {
        JsonValue x = JsonValue::object();
        x.set("a_first", s.a_first);
        x.set("b_first", s.b_first);
        x.set("length", s.length);
        x.set("offset", s.offset);
        runs.push(std::move(x));
    }
    blocks.set("shifted_runs", std::move(runs));
    j.set("blocks", std::move(blocks));

    JsonValue merges = JsonValue::object();
    merges.set("shared_canonical", static_cast<std::uint64_t>(c.shared_merges));
    merges.set("common_prefix", static_cast<std::uint64_t>(c.merge_common_prefix));
    merges.set("same_merge_lists", c.same_merge_lists);
    j.set("merges", std::move(merges));

    const HintComparison& h = c.hints;
    JsonValue hints = JsonValue::object();
    hints.set("note", "weak hints: many from-scratch tokenizers copy these");
    hints.set("same_model_type", h.same_model_type);
    hints.set("same_pre_tokenizer", h.pre_tokenizer_known ? JsonValue(h.same_pre_tokenizer) : JsonValue());
    hints.set("same_normalizer", h.same_normalizer);
    hints.set("specials_jaccard", h.specials_jaccard);
    hints.set("shared_specials", static_cast<std::uint64_t>(h.shared_specials));
    hints.set("same_chat_template_family", h.same_template_family);
    hints.set("same_tokenizer_class", h.same_class);
    hints.set("same_behaviour", h.same_behaviour ? JsonValue(*h.same_behaviour) : JsonValue());
    j.set("hints", std::move(hints));
    return j;
}

}  // namespace lineage::probes
