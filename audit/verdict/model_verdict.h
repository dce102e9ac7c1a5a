// The model-level verdict under a policy. Each policy rule is matched against the per-component
// weight verdicts (kind weight-lineage, relation as decided by the audit) and against the
// model-level findings (tokenizer, architecture, behaviour). Then:
//   fail          any rule of severity "fail" matched
//   inconclusive  no weight-lineage comparison was made at all (nothing to decide on), or a
//                 component is undecided and the policy's inconclusive_components =
//                 "inconclusive", or no base had a counterpart for a component (relation
//                 "not-compared" for rules) and uncompared_components = "inconclusive"
//   pass          otherwise; "warn" and "inform" hits are listed with the verdict, never change it
// Behavioural similarity is a finding of its own kind: a policy can inform or warn on it, and it
// never turns a component into "derived".
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audit/policy/policy.h"
#include "audit/verdict/component_verdict.h"
#include "audit/verdict/finding.h"
#include "reports/document.h"

namespace lineage::audit {

enum class ModelReason : std::uint8_t {
    rule_failed,           // a fail rule matched
    no_comparison,         // no weight-lineage evidence: no base, or no probe could compare
    undecided_components,  // some components are inconclusive
    all_independent,       // every component shown independent (with power where required)
};
std::string_view model_reason_name(ModelReason r);

struct RuleHit {
    std::string rule_id;
    Severity severity = Severity::inform;
    FindingKind kind = FindingKind::weight_lineage;
    std::string relation;
    std::string component;  // "" for model-level findings
    std::string base;
    std::string base_component;
    std::optional<double> p_value;
    std::string description;     // the rule's description (English)
    std::string description_ko;  // Korean, may be empty
};

struct ModelVerdict {
    reports::Outcome outcome = reports::Outcome::inconclusive;
    ModelReason reason = ModelReason::no_comparison;
    std::vector<RuleHit> hits;  // fail, then warn, then inform; each in component order
    int derived = 0, independent = 0, inconclusive = 0;  // component counts
    int not_compared = 0;  // of the inconclusive: no base had a matching component
    int fails = 0, warnings = 0, informs = 0;            // hit counts
};

ModelVerdict decide_model(const Policy& policy, std::span<const ComponentVerdict> components,
                          std::span<const Finding> findings);

}  // namespace lineage::audit
