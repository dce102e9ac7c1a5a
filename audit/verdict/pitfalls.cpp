// The table of known pitfalls and the selection of those that apply.
#include "audit/verdict/pitfalls.h"

#include <algorithm>
#include <array>

namespace lineage::audit {

namespace {

constexpr std::array<Pitfall, 5> kPitfalls{{
    {"norm-cosine", "norm_cosine", FindingKind::weight_lineage, "", "pitfall.norm_cosine.title",
     "pitfall.norm_cosine.text"},
    {"attention-std-curve", "attention_std_correlation", FindingKind::weight_lineage, "",
     "pitfall.attention_std.title", "pitfall.attention_std.text"},
    {"raw-cosine", "raw_cosine", FindingKind::weight_lineage, "", "pitfall.raw_cosine.title",
     "pitfall.raw_cosine.text"},
    {"identical-architecture", "config_overlap", FindingKind::architecture, "identical",
     "pitfall.architecture.title", "pitfall.architecture.text"},
    {"output-similarity", "output_agreement", FindingKind::behaviour, "similar",
     "pitfall.output_similarity.title", "pitfall.output_similarity.text"},
}};

}  // namespace

std::span<const Pitfall> known_pitfalls() {
    return kPitfalls;
}

std::vector<PitfallNote> applicable_pitfalls(std::span<const DescriptiveFigure> figures,
                                             std::span<const Finding> findings) {
    std::vector<PitfallNote> out;
    for (const Pitfall& p : kPitfalls) {
        PitfallNote note{&p, {}};
        for (const auto& f : figures) {
            if (f.statistic == p.statistic) note.figures.push_back(f);
        }
        bool triggered = !note.figures.empty();
        if (!p.trigger_relation.empty()) {
            triggered =
                triggered || std::any_of(findings.begin(), findings.end(), [&](const Finding& f) {
                    return f.kind == p.trigger_kind && f.relation == p.trigger_relation;
                });
        }
        if (!triggered) continue;
        std::stable_sort(note.figures.begin(), note.figures.end(),
                         [](const auto& a, const auto& b) {
                             return a.base != b.base ? a.base < b.base : a.scope < b.scope;
                         });
        out.push_back(std::move(note));
    }
    return out;
}

}  // namespace lineage::audit
