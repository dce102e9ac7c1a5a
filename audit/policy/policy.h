// An audit policy: the data that turns findings into a model-level verdict. Policies are TOML files
// (policies/*.toml; format documented in policies/README.md) so a reviewer can read, version and
// write their own; the report names the policy and its version. Rules say which findings fail the
// candidate, which warn and which only inform; the decision table says how strong evidence must be
// for "derived" and whether an "independent" needs detected positive controls.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/verdict/finding.h"

namespace lineage::audit {

enum class Severity : std::uint8_t { fail, warn, inform };
std::string_view severity_name(Severity s);  // "fail" | "warn" | "inform"

struct Rule {
    std::string id;  // unique in the policy, [a-z0-9-]
    Severity severity = Severity::inform;
    FindingKind kind = FindingKind::weight_lineage;
    std::vector<std::string> relations;   // any of these relations matches (each valid for kind)
    std::vector<std::string> components;  // glob patterns over component names; empty = any
    std::string description;              // English
    std::string description_ko;           // Korean; falls back to English when empty
};

// What an undecided component does to the model-level verdict.
enum class InconclusivePolicy : std::uint8_t {
    inconclusive,  // the model is inconclusive unless a fail rule fired
    ignore,        // undecided components are listed but do not block a pass
};

struct Policy {
    std::string name, version, description, description_ko;
    std::string source;  // file path, or "builtin:<name>"
    std::string digest;  // "sha256:<hex>" of the policy text
    // Decision table.
    double derived_alpha = 1e-6;  // family-wise level for "derived"
    bool bonferroni = true;       // divide derived_alpha by the number of tests
    bool require_power = true;    // "independent" needs every positive control detected
    InconclusivePolicy inconclusive_components = InconclusivePolicy::inconclusive;
    // A component no base could be compared with (no base has one): it cannot descend from these
    // bases, but its origin was not examined either. "ignore" lists it (rules may warn on the
    // weight-lineage relation "not-compared") without blocking a pass.
    InconclusivePolicy uncompared_components = InconclusivePolicy::inconclusive;
    std::vector<Rule> rules;
};

// Parses and strictly validates policy text. Every error is an InputError naming `where`, the key
// path (e.g. "rules[2].severity") and the problem; unknown keys are errors, so typos never pass
// silently.
Policy parse_policy(std::string_view text, std::string_view where);
// Reads a policy file (size-capped) and parses it.
Policy load_policy(const std::filesystem::path& path);
// The bundled default, policies/independent-foundation.toml, compiled in so the tool works from
// any directory.
Policy builtin_policy();
std::string_view builtin_policy_text();

// True when `component` matches a glob `pattern` ('*' any run of characters, '?' one character).
bool glob_match(std::string_view pattern, std::string_view component);
// True when the rule applies to a finding of `kind` stating `relation` about `component`.
bool rule_matches(const Rule& rule, FindingKind kind, std::string_view relation,
                  std::string_view component);

}  // namespace lineage::audit
