// A finding: one piece of evidence about the candidate, as a probe states it, before any policy is
// applied. Weight-lineage findings concern one component of the candidate against one base (with a
// p-value against independence, the null range the statistic takes between independent models, and
// the positive controls that show the test had power); tokenizer, architecture and behaviour
// findings concern the whole model. Relations are strings checked against a per-kind table, so a
// policy file can name them and be validated.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lineage::audit {

enum class FindingKind : std::uint8_t { weight_lineage, tokenizer, architecture, behaviour };

// "weight-lineage" | "tokenizer" | "architecture" | "behaviour"
std::string_view finding_kind_name(FindingKind kind);
std::optional<FindingKind> parse_finding_kind(std::string_view name);
std::span<const FindingKind> all_finding_kinds();

// The relations a finding of each kind may state:
//   weight-lineage  derived, independent, inconclusive
//   tokenizer       identical, same-vocabulary, extended, pruned, shifted, reordered, independent
//   architecture    identical, same-family, different
//   behaviour       similar, dissimilar, inconclusive
std::span<const std::string_view> relations_of(FindingKind kind);
bool is_relation_of(FindingKind kind, std::string_view relation);

// The range a statistic takes between independent models (or under a permutation null).
struct NullRange {
    double low = 0.0, high = 0.0;
    std::string source;  // e.g. "independent zoo pairs", "1000 permutations"
};

// Positive controls built from the base at the same settings (fine-tune-like perturbation,
// pruning, rotation): an "independent" is only as good as the controls it detects.
struct Power {
    int controls = 0;  // controls run
    int detected = 0;  // controls the test called derived
    std::string detail;
    bool established() const { return controls > 0 && detected == controls; }
};

struct Finding {
    FindingKind kind = FindingKind::weight_lineage;
    std::string component;           // candidate component; "" for model-level findings
    std::string relation;            // one of relations_of(kind)
    std::string base;                // label of the base model compared against
    std::string base_component;      // the base's matching component, e.g. "layers.5.attention"
    std::optional<double> p_value;   // evidence against independence (weight lineage)
    std::string statistic;           // name of the deciding statistic
    std::optional<double> strength;  // its value
    std::optional<NullRange> null_range;
    std::optional<Power> power;
    std::string evidence;  // one technical line from the probe (figures, names)
};

}  // namespace lineage::audit
