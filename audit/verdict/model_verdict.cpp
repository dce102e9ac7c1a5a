// Rule matching and the model-level decision (see the header).
#include "audit/verdict/model_verdict.h"

#include <algorithm>

#include "audit/verdict/component_names.h"

namespace lineage::audit {

using reports::Outcome;
using reports::Relation;

std::string_view model_reason_name(ModelReason r) {
    switch (r) {
        case ModelReason::rule_failed:
            return "rule-failed";
        case ModelReason::no_comparison:
            return "no-comparison";
        case ModelReason::undecided_components:
            return "undecided-components";
        case ModelReason::all_independent:
            return "all-independent";
    }
    return "no-comparison";
}

namespace {

void match_rules(const Policy& policy, FindingKind kind, std::string_view relation,
                 std::string_view component, const std::string& base,
                 const std::string& base_component, std::optional<double> p,
                 std::vector<RuleHit>& hits) {
    for (const Rule& rule : policy.rules) {
        if (!rule_matches(rule, kind, relation, component)) continue;
        hits.push_back(RuleHit{rule.id, rule.severity, kind, std::string(relation),
                               std::string(component), base, base_component, p, rule.description,
                               rule.description_ko});
    }
}

}  // namespace

ModelVerdict decide_model(const Policy& policy, std::span<const ComponentVerdict> components,
                          std::span<const Finding> findings) {
    ModelVerdict v;
    bool compared = false;
    for (const auto& c : components) {
        const bool uncompared = c.reason == ComponentReason::not_compared;
        switch (c.relation) {
            case Relation::derived:
                ++v.derived;
                break;
            case Relation::independent:
                ++v.independent;
                break;
            case Relation::inconclusive:
                ++v.inconclusive;
                v.not_compared += uncompared;
                break;
        }
        if (c.bases_compared > 0) compared = true;
        match_rules(policy, FindingKind::weight_lineage,
                    uncompared ? std::string_view("not-compared") : reports::relation_name(c.relation),
                    c.component, c.source_base, c.source_component, c.p_value, v.hits);
    }
    for (const auto& f : findings) {
        if (f.kind == FindingKind::weight_lineage) continue;
        match_rules(policy, f.kind, f.relation, f.component, f.base, f.base_component, f.p_value,
                    v.hits);
    }
    std::stable_sort(v.hits.begin(), v.hits.end(), [](const RuleHit& a, const RuleHit& b) {
        if (a.severity != b.severity) return a.severity < b.severity;
        if (a.component != b.component) return component_before(a.component, b.component);
        if (a.rule_id != b.rule_id) return a.rule_id < b.rule_id;
        return a.base < b.base;
    });
    for (const auto& h : v.hits) {
        (h.severity == Severity::fail   ? v.fails
         : h.severity == Severity::warn ? v.warnings
                                        : v.informs)++;
    }

    if (v.fails > 0) {
        v.outcome = Outcome::fail;
        v.reason = ModelReason::rule_failed;
    } else if (!compared) {
        v.outcome = Outcome::inconclusive;
        v.reason = ModelReason::no_comparison;
    } else if ((v.inconclusive > v.not_compared &&
                policy.inconclusive_components == InconclusivePolicy::inconclusive) ||
               (v.not_compared > 0 &&
                policy.uncompared_components == InconclusivePolicy::inconclusive)) {
        v.outcome = Outcome::inconclusive;
        v.reason = ModelReason::undecided_components;
    } else {
        v.outcome = Outcome::pass;
        v.reason =
            v.inconclusive > 0 ? ModelReason::undecided_components : ModelReason::all_independent;
    }
    return v;
}

}  // namespace lineage::audit
