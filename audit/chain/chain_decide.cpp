// The chain's statuses and verdict from its measurements (rules in the header).
#include "audit/chain/chain_decide.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "probes/stats/data_file.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"

namespace lineage::audit {
namespace {

std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string step_of(const ChainResult& r, std::size_t i) {
    return "step " + std::to_string(r.checkpoints[i].entry.step);
}

// Drift checks of one descending link; "" when consistent.
std::string drift_problem(const ChainResult& r, const ChainLink& l, double median_rate,
                          bool rate_checked, const ChainRule& rule) {
    const std::string unit = r.tokens_given ? "tokens" : "steps";
    if (l.tokens > 0 && l.step_distance == 0.0)
        return "weights unchanged although " + std::to_string(l.tokens) + " " + unit +
               " passed";
    if (l.tokens == 0 && l.step_distance > 0.0)
        return "weights changed (relative distance " + fixed(l.step_distance, 4) + ") with no " +
               unit + " between the checkpoints";
    const double before = r.checkpoints[l.from].distance_from_start;
    const double after = r.checkpoints[l.to].distance_from_start;
    if (l.from > 0 && std::isfinite(before) && std::isfinite(after) &&
        after < before * (1.0 - rule.backtrack_tolerance))
        return "moves back towards the first checkpoint (distance from start " + fixed(before, 4) +
               " -> " + fixed(after, 4) + ")";
    if (rate_checked && median_rate > 0.0 && l.tokens > 0) {
        const double ratio = l.drift_rate / median_rate;
        if (ratio > rule.drift_rate_factor || ratio < 1.0 / rule.drift_rate_factor)
            return "drift per " + std::string(r.tokens_given ? "token" : "step") + " is " +
                   fixed(ratio, 2) + "x the chain's median";
    }
    return "";
}

}  // namespace

const char* link_status_name(LinkStatus s) {
    switch (s) {
        case LinkStatus::descends: return "descends";
        case LinkStatus::broken: return "broken";
        case LinkStatus::undecided: return "undecided";
        case LinkStatus::drift_inconsistent: return "drift-inconsistent";
    }
    return "undecided";
}

const char* origin_status_name(OriginStatus s) {
    switch (s) {
        case OriginStatus::independent: return "independent";
        case OriginStatus::not_independent: return "not-independent";
        case OriginStatus::inconclusive: return "inconclusive";
    }
    return "inconclusive";
}

const char* binding_status_name(BindingStatus s) {
    switch (s) {
        case BindingStatus::bound: return "bound";
        case BindingStatus::not_bound: return "not-bound";
        case BindingStatus::not_checked: return "not-checked";
    }
    return "not-checked";
}

const char* chain_verdict_name(ChainVerdict v) {
    switch (v) {
        case ChainVerdict::proven: return "proven";
        case ChainVerdict::broken: return "broken";
        case ChainVerdict::origin_not_independent: return "origin-not-independent";
        case ChainVerdict::not_bound: return "not-bound";
        case ChainVerdict::inconclusive: return "inconclusive";
    }
    return "inconclusive";
}

ChainRule load_chain_rule(const std::string& path) {
    const JsonValue j = JsonValue::parse_file(path);
    if (!j.is_object()) throw InputError(path, "expected a JSON object");
    ChainRule r;
    auto number = [&](const char* key, double fallback) {
        const JsonValue* v = j.find(key);
        if (!v) return fallback;
        if (!v->is_number() || !std::isfinite(v->as_double()) || v->as_double() < 0)
            throw InputError(path, std::string("field '") + key + "': expected a non-negative number");
        return v->as_double();
    };
    r.backtrack_tolerance = number("backtrack_tolerance", r.backtrack_tolerance);
    r.drift_rate_factor = number("drift_rate_factor", r.drift_rate_factor);
    r.min_links_for_rate = static_cast<int>(number("min_links_for_rate", r.min_links_for_rate));
    if (r.backtrack_tolerance >= 1.0 || r.drift_rate_factor < 1.0)
        throw InputError(path, "backtrack_tolerance must be < 1 and drift_rate_factor >= 1");
    r.source = path;
    return r;
}

ChainRule default_chain_rule() {
    const std::string path = probes::stats::data_file_beside(__FILE__, "chain_rule.json");
    return path.empty() ? ChainRule{} : load_chain_rule(path);
}

void decide_chain(ChainResult& r, const ChainRule& rule) {
    r.reasons.clear();
    r.broken_at.reset();

    // ---- continuity ----
    std::vector<double> rates;
    for (const ChainLink& l : r.links)
        if (l.tokens > 0 && l.step_distance > 0.0) rates.push_back(l.drift_rate);
    const bool rate_checked = static_cast<int>(rates.size()) >= rule.min_links_for_rate;
    double median_rate = 0.0;
    if (!rates.empty()) {
        std::sort(rates.begin(), rates.end());
        const std::size_t h = rates.size() / 2;
        median_rate = rates.size() % 2 ? rates[h] : 0.5 * (rates[h - 1] + rates[h]);
    }
    for (ChainLink& l : r.links) {
        l.drift_note.clear();
        const std::string& v = l.dependence.verdict;
        if (v == "derived") {
            l.drift_note = drift_problem(r, l, median_rate, rate_checked, rule);
            l.status = l.drift_note.empty() ? LinkStatus::descends : LinkStatus::drift_inconsistent;
        } else if (v == "independent" || v == "incompatible") {
            l.status = LinkStatus::broken;
        } else {
            l.status = LinkStatus::undecided;
        }
        // A later checkpoint derived from a base took weights from it (layers merged or replaced
        // mid-run): it does not descend from its predecessor alone.
        const auto& rel = r.checkpoints.size() > l.to ? r.checkpoints[l.to].bases
                                                       : std::vector<ProbeRelation>{};
        for (std::size_t b = 0; b < rel.size() && b < r.bases.size(); ++b) {
            if (rel[b].verdict != "derived") continue;
            const auto& before = r.checkpoints[l.from].bases;  // empty: carried (independent)
            if (b < before.size() && before[b].verdict == "derived") continue;  // inherited
            l.status = LinkStatus::broken;
            l.drift_note = "derived from base " + r.bases[b].label;
            break;
        }
    }

    // ---- origin ----
    ChainOrigin& o = r.origin;
    o.reasons.clear();
    o.deciding_base.clear();
    bool base_inconclusive = false;
    if (!r.checkpoints.empty()) {
        const auto& rel = r.checkpoints.front().bases;
        for (std::size_t b = 0; b < rel.size() && b < r.bases.size(); ++b) {
            if (rel[b].verdict == "derived" && o.deciding_base.empty())
                o.deciding_base = r.bases[b].label;
            if (rel[b].verdict != "derived" && rel[b].verdict != "independent")
                base_inconclusive = true;
        }
    }
    using probes::weights::InitLook;
    if (!o.deciding_base.empty()) {
        o.status = OriginStatus::not_independent;
        o.reasons.push_back("the first checkpoint's weights descend from base " + o.deciding_base);
    } else if (o.init.look == InitLook::trained) {
        o.status = OriginStatus::not_independent;
        o.reasons.push_back("the first checkpoint already carries trained structure: it is not an "
                            "initialisation");
    } else if (base_inconclusive) {
        o.status = OriginStatus::inconclusive;
        o.reasons.push_back("the weight probe could not decide the first checkpoint's relation to "
                            "every base");
    } else if (o.init.look == InitLook::unclear) {
        o.status = OriginStatus::inconclusive;
        o.reasons.push_back("the first checkpoint does not clearly match the initialisation scheme");
    } else {
        o.status = OriginStatus::independent;
        o.reasons.push_back(r.bases.empty()
                                ? "the first checkpoint looks like an initialisation (no base given)"
                                : "the first checkpoint looks like an initialisation and is "
                                  "independent of every base");
    }
    for (const auto& why : o.init.reasons) o.reasons.push_back("initialisation check: " + why);

    // ---- verdict ----
    for (const ChainLink& l : r.links) {
        if (l.status == LinkStatus::broken) {
            r.broken_at = l.to;
            break;
        }
    }
    const auto first_not = [&](LinkStatus s) -> const ChainLink* {
        for (const ChainLink& l : r.links)
            if (l.status == s) return &l;
        return nullptr;
    };
    if (r.broken_at) {
        r.verdict = ChainVerdict::broken;
        const ChainLink& l = *first_not(LinkStatus::broken);
        r.reasons.push_back(step_of(r, l.to) + " does not descend from " + step_of(r, l.from) +
                            (l.dependence.verdict == "incompatible"
                                 ? " (their tensors do not pair: " + l.dependence.note + ")"
                             : l.dependence.verdict == "derived"
                                 ? " alone (" + l.drift_note + ")"
                                 : " (the weight probe calls them independent)"));
    } else if (o.status == OriginStatus::not_independent) {
        r.verdict = ChainVerdict::origin_not_independent;
        r.reasons.push_back(o.reasons.front());
    } else if (r.binding.status == BindingStatus::not_bound) {
        r.verdict = ChainVerdict::not_bound;
        r.reasons.push_back("the final checkpoint's content digest differs from the submitted "
                            "model's");
    } else if (const ChainLink* u = first_not(LinkStatus::undecided)) {
        r.verdict = ChainVerdict::inconclusive;
        r.reasons.push_back("the weight probe could not decide whether " + step_of(r, u->to) +
                            " descends from " + step_of(r, u->from));
    } else if (const ChainLink* d = first_not(LinkStatus::drift_inconsistent)) {
        r.verdict = ChainVerdict::inconclusive;
        r.reasons.push_back(step_of(r, d->to) + ": " + d->drift_note);
    } else if (o.status == OriginStatus::inconclusive) {
        r.verdict = ChainVerdict::inconclusive;
        r.reasons.push_back(o.reasons.front());
    } else {
        r.verdict = ChainVerdict::proven;
        r.reasons.push_back("every checkpoint descends from its predecessor; " + o.reasons.front());
        if (r.binding.status == BindingStatus::bound)
            r.reasons.push_back("the final checkpoint is the submitted model (same content digest)");
    }
}

}  // namespace lineage::audit
