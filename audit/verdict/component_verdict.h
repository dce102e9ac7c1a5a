// Per-component verdicts from weight-lineage findings under a policy's decision table.
//
// For one finding (one candidate component against one base):
//   derived       the probe says derived and either gives no p-value (exact reuse: identical
//                 content is decisive) or p <= threshold (derived_alpha, divided by the number of
//                 tests when the policy asks for Bonferroni)
//   independent   the probe says independent, p (if any) is above the threshold, and — when the
//                 policy requires power — every positive control built from that base was detected
//   inconclusive  anything else: a flag below the threshold, evidence that conflicts, controls not
//                 run or missed, or a probe that could not decide
// Across bases: derived from any base wins (the strongest evidence is named as the source);
// independent needs every base independent; otherwise inconclusive. A component of the candidate
// no base could be compared with is inconclusive ("not compared").
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audit/policy/policy.h"
#include "audit/verdict/finding.h"
#include "reports/document.h"

namespace lineage::audit {

enum class ComponentReason : std::uint8_t {
    exact_reuse,            // derived: identical content, no statistic needed
    significant,            // derived: p <= threshold
    independent_power,      // independent: inside the null, positive controls detected
    independent_unpowered,  // independent: inside the null; the policy does not require power
    flag_not_significant,   // the probe flagged it, but p is above the audit's threshold
    conflicting,            // the probe says not derived, yet p <= threshold
    controls_not_run,       // independent by the statistic, but no positive control was run
    controls_missed,        // independent by the statistic, but a positive control went undetected
    probe_inconclusive,     // the probe itself could not decide
    not_compared,           // no base had a matching component
};
std::string_view component_reason_name(ComponentReason r);

struct ComponentVerdict {
    std::string component;
    reports::Relation relation = reports::Relation::inconclusive;
    ComponentReason reason = ComponentReason::not_compared;
    std::string source_base, source_component;  // derived: the strongest evidence's base
    std::optional<double> p_value;  // derived: that finding's p; else the smallest p over bases
    std::string statistic;
    std::optional<double> strength;
    std::optional<NullRange> null_range;
    std::optional<Power> power;  // summed over bases
    double threshold = 0.0;      // the p threshold applied
    int bases_compared = 0;
    std::string evidence;  // the deciding finding's evidence line
};

// The p-value threshold for "derived" given the number of tests in the audit.
double derived_threshold(const Policy& policy, std::size_t tests);

// One verdict per component, in reading order. `components` lists the candidate's components
// (those without any finding become "not compared"); findings of other kinds are ignored.
std::vector<ComponentVerdict> decide_components(std::span<const Finding> findings,
                                                const Policy& policy,
                                                std::span<const std::string> components = {});

}  // namespace lineage::audit
