// Translation of a TokenizerLineage into a tokenizer finding and a tokenizer comparison row.
#include "audit/evidence/tokenizer_evidence.h"

#include "probes/tokenizer/null_ranges.h"
#include "weights/core/error.h"

namespace lineage::audit {

namespace {

std::optional<NullRange> calibrated(std::string_view statistic, double size_ratio) {
    probes::NullRange r = probes::null_range(statistic, size_ratio);
    if (r.pairs == 0) return std::nullopt;
    return NullRange{r.lo, r.hi,
                     "unrelated tokenizer pairs (n=" + std::to_string(r.pairs) + ", size ratio " +
                         std::string(r.bin) + ")"};
}

}  // namespace

void add_tokenizer_evidence(const probes::TokenizerLineage& result, const std::string& base_label,
                            AuditEvidence& evidence) {
    const probes::TokenizerComparison& c = result.comparison;
    Finding f;
    f.kind = FindingKind::tokenizer;
    f.relation = std::string(probes::relation_name(result.finding.relation));
    f.base = base_label;
    f.statistic = "order preservation (LIS fraction)";
    f.strength = c.lis_fraction;
    f.null_range = calibrated("lis", c.size_ratio);
    f.evidence =
        result.finding.direction.empty() ? result.finding.explanation : result.finding.direction;
    evidence.findings.push_back(f);

    TokenizerComparison t;
    t.base = base_label;
    t.relation = f.relation;
    t.jaccard = c.jaccard;
    // Containment of the smaller vocabulary in the larger, the figure the null ranges describe.
    t.containment = c.b.multi_byte <= c.a.multi_byte ? c.containment_b_in_a : c.containment_a_in_b;
    t.order_preservation = c.lis_fraction;
    t.jaccard_null = calibrated("jaccard", c.size_ratio);
    t.order_null = f.null_range;
    t.candidate_vocab = static_cast<std::int64_t>(c.b.ids);
    t.base_vocab = static_cast<std::int64_t>(c.a.ids);
    t.shared = static_cast<std::int64_t>(c.shared);
    t.explanation = f.evidence;
    evidence.tokenizers.push_back(std::move(t));
}

void run_tokenizer_evidence(const std::filesystem::path& base_dir,
                            const std::filesystem::path& candidate_dir,
                            const std::string& base_label, AuditEvidence& evidence) {
    try {
        add_tokenizer_evidence(probes::compare_tokenizers(base_dir, candidate_dir), base_label,
                               evidence);
    } catch (const InputError& e) {
        evidence.skipped.push_back({"tokenizer", base_label, "audit.skip.failed", e.what()});
    } catch (const UnsupportedError& e) {
        evidence.skipped.push_back({"tokenizer", base_label, "audit.skip.failed", e.what()});
    }
}

}  // namespace lineage::audit
