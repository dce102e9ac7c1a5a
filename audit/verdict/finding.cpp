// The finding kinds and the relations each may state, as tables.
#include "audit/verdict/finding.h"

#include <algorithm>
#include <array>

namespace lineage::audit {

namespace {

struct KindInfo {
    FindingKind kind;
    std::string_view name;
    std::span<const std::string_view> relations;
};

// "not-compared": no base had a matching component (e.g. a vision tower audited against text-only
// bases), so nothing could be derived from them; a policy decides whether that blocks a pass.
constexpr std::array<std::string_view, 4> kWeightRelations{"derived", "independent", "inconclusive",
                                                           "not-compared"};
constexpr std::array<std::string_view, 7> kTokenizerRelations{
    "identical", "same-vocabulary", "extended", "pruned", "shifted", "reordered", "independent"};
constexpr std::array<std::string_view, 3> kArchitectureRelations{"identical", "same-family",
                                                                 "different"};
constexpr std::array<std::string_view, 3> kBehaviourRelations{"similar", "dissimilar",
                                                              "inconclusive"};

constexpr std::array<KindInfo, 4> kKinds{{
    {FindingKind::weight_lineage, "weight-lineage", kWeightRelations},
    {FindingKind::tokenizer, "tokenizer", kTokenizerRelations},
    {FindingKind::architecture, "architecture", kArchitectureRelations},
    {FindingKind::behaviour, "behaviour", kBehaviourRelations},
}};

constexpr std::array<FindingKind, 4> kAllKinds{FindingKind::weight_lineage, FindingKind::tokenizer,
                                               FindingKind::architecture, FindingKind::behaviour};

const KindInfo& info(FindingKind kind) {
    return kKinds[static_cast<std::size_t>(kind)];
}

}  // namespace

std::string_view finding_kind_name(FindingKind kind) {
    return info(kind).name;
}

std::optional<FindingKind> parse_finding_kind(std::string_view name) {
    for (const auto& k : kKinds) {
        if (k.name == name) return k.kind;
    }
    return std::nullopt;
}

std::span<const FindingKind> all_finding_kinds() {
    return kAllKinds;
}

std::span<const std::string_view> relations_of(FindingKind kind) {
    return info(kind).relations;
}

bool is_relation_of(FindingKind kind, std::string_view relation) {
    auto rel = relations_of(kind);
    return std::find(rel.begin(), rel.end(), relation) != rel.end();
}

}  // namespace lineage::audit
