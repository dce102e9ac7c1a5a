// Implementation of the per-component decision described in the header.
#include "audit/verdict/component_verdict.h"

#include <algorithm>
#include <map>

#include "audit/verdict/component_names.h"

namespace lineage::audit {

using reports::Relation;

std::string_view component_reason_name(ComponentReason r) {
    switch (r) {
        case ComponentReason::exact_reuse:
            return "exact-reuse";
        case ComponentReason::significant:
            return "significant";
        case ComponentReason::independent_power:
            return "independent-power";
        case ComponentReason::independent_unpowered:
            return "independent-unpowered";
        case ComponentReason::flag_not_significant:
            return "flag-not-significant";
        case ComponentReason::conflicting:
            return "conflicting";
        case ComponentReason::controls_not_run:
            return "controls-not-run";
        case ComponentReason::controls_missed:
            return "controls-missed";
        case ComponentReason::probe_inconclusive:
            return "probe-inconclusive";
        case ComponentReason::not_compared:
            return "not-compared";
    }
    return "not-compared";
}

double derived_threshold(const Policy& policy, std::size_t tests) {
    double alpha = policy.derived_alpha;
    return policy.bonferroni && tests > 1 ? alpha / static_cast<double>(tests) : alpha;
}

namespace {

struct Classified {
    Relation relation;
    ComponentReason reason;
};

Classified classify(const Finding& f, const Policy& policy, double threshold) {
    bool significant = f.p_value && *f.p_value <= threshold;
    if (f.relation == "derived") {
        if (!f.p_value) return {Relation::derived, ComponentReason::exact_reuse};
        return significant
                   ? Classified{Relation::derived, ComponentReason::significant}
                   : Classified{Relation::inconclusive, ComponentReason::flag_not_significant};
    }
    if (f.relation == "independent") {
        if (significant) return {Relation::inconclusive, ComponentReason::conflicting};
        if (!policy.require_power)
            return {Relation::independent, ComponentReason::independent_unpowered};
        if (!f.power || f.power->controls == 0)
            return {Relation::inconclusive, ComponentReason::controls_not_run};
        if (!f.power->established())
            return {Relation::inconclusive, ComponentReason::controls_missed};
        return {Relation::independent, ComponentReason::independent_power};
    }
    return {Relation::inconclusive, ComponentReason::probe_inconclusive};
}

// Which inconclusive reason to show when bases disagree: the most informative first.
int inconclusive_rank(ComponentReason r) {
    switch (r) {
        case ComponentReason::conflicting:
            return 0;
        case ComponentReason::flag_not_significant:
            return 1;
        case ComponentReason::controls_missed:
            return 2;
        case ComponentReason::controls_not_run:
            return 3;
        case ComponentReason::probe_inconclusive:
            return 4;
        default:
            return 5;
    }
}

}  // namespace

std::vector<ComponentVerdict> decide_components(std::span<const Finding> findings,
                                                const Policy& policy,
                                                std::span<const std::string> components) {
    std::size_t tests = 0;
    for (const auto& f : findings) {
        if (f.kind == FindingKind::weight_lineage && f.p_value) ++tests;
    }
    const double threshold = derived_threshold(policy, tests);

    std::map<std::string, std::vector<const Finding*>> by_component;
    for (const auto& c : components) by_component[c];
    for (const auto& f : findings) {
        if (f.kind == FindingKind::weight_lineage) by_component[f.component].push_back(&f);
    }

    std::vector<ComponentVerdict> out;
    for (const auto& [name, list] : by_component) {
        ComponentVerdict v;
        v.component = name;
        v.threshold = threshold;
        v.bases_compared = static_cast<int>(list.size());
        if (list.empty()) {
            out.push_back(std::move(v));
            continue;
        }
        const Finding* derived = nullptr;    // strongest derived evidence
        const Finding* undecided = nullptr;  // most informative inconclusive
        ComponentReason undecided_reason = ComponentReason::probe_inconclusive;
        ComponentReason derived_reason = ComponentReason::significant;
        bool all_independent = true;
        ComponentReason independent_reason = ComponentReason::independent_power;
        Power power;
        bool any_power = false;
        for (const Finding* f : list) {
            Classified c = classify(*f, policy, threshold);
            if (f->p_value && (!v.p_value || *f->p_value < *v.p_value)) v.p_value = f->p_value;
            if (f->power) {
                any_power = true;
                power.controls += f->power->controls;
                power.detected += f->power->detected;
                if (power.detail.empty()) power.detail = f->power->detail;
            }
            if (c.relation == Relation::derived) {
                // Exact reuse outranks any p-value; among p-values the smallest wins.
                bool stronger =
                    !derived ||
                    (c.reason == ComponentReason::exact_reuse &&
                     derived_reason != ComponentReason::exact_reuse) ||
                    (c.reason == derived_reason && c.reason == ComponentReason::significant &&
                     *f->p_value < *derived->p_value);
                if (stronger) {
                    derived = f;
                    derived_reason = c.reason;
                }
            }
            if (c.relation != Relation::independent) all_independent = false;
            if (c.relation == Relation::independent &&
                c.reason == ComponentReason::independent_unpowered) {
                independent_reason = c.reason;
            }
            if (c.relation == Relation::inconclusive &&
                (!undecided || inconclusive_rank(c.reason) < inconclusive_rank(undecided_reason))) {
                undecided = f;
                undecided_reason = c.reason;
            }
        }
        const Finding* shown = nullptr;
        if (derived) {
            v.relation = Relation::derived;
            v.reason = derived_reason;
            v.source_base = derived->base;
            v.source_component = derived->base_component;
            v.p_value = derived->p_value;
            shown = derived;
        } else if (all_independent) {
            v.relation = Relation::independent;
            v.reason = independent_reason;
            shown = list.front();
            if (any_power) v.power = power;  // the controls of every base together
        } else {
            v.relation = Relation::inconclusive;
            v.reason = undecided_reason;
            shown = undecided;
            v.power =
                undecided->power;  // the base that left it undecided, so reason and figure agree
        }
        v.statistic = shown->statistic;
        v.strength = shown->strength;
        v.null_range = shown->null_range;
        v.evidence = shown->evidence;
        out.push_back(std::move(v));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const ComponentVerdict& a, const ComponentVerdict& b) {
                         return component_before(a.component, b.component);
                     });
    return out;
}

}  // namespace lineage::audit
