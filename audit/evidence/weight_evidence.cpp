// Translation of a CompareResult into per-component findings (see the header for the rules).
#include "audit/evidence/weight_evidence.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "audit/evidence/component_map.h"
#include "audit/verdict/component_names.h"
#include "reports/number_format.h"
#include "weights/tensor_roles.h"

namespace lineage::audit {

namespace pw = probes::weights;

namespace {

// The candidate-side (B) component a statistic concerns.
std::optional<std::string> component_of_stat(const pw::ComponentStat& s) {
    if (s.family == "exact_reuse") {
        // "nameA = nameB" (digest) or "nameA ~ nameB" (row MinHash): classify B's tensor name.
        for (std::string_view sep : {" = ", " ~ "}) {
            auto pos = s.component.find(sep);
            if (pos != std::string::npos) {
                return component_of(weights::classify_tensor(s.component.substr(pos + sep.size())));
            }
        }
        return std::nullopt;
    }
    if (s.family == "hidden_map") return std::string("embeddings");
    return component_of_role_name(s.component, s.layer_b, s.expert_b);
}

// The base-side (A) component matching it.
std::string base_component_of_stat(const pw::ComponentStat& s) {
    if (s.family == "exact_reuse") {
        auto pos = s.component.find_first_of("=~");
        if (pos != std::string::npos && pos > 0) {
            auto c = component_of(weights::classify_tensor(s.component.substr(0, pos - 1)));
            return c.value_or("");
        }
        return "";
    }
    if (s.family == "hidden_map") return "embeddings";
    return component_of_role_name(s.component, s.layer_a, s.expert_a).value_or("");
}

// A short name for tables; the full statistic goes into the evidence line.
std::string statistic_name(const pw::ComponentStat& s) {
    static const std::map<std::string, std::string> short_names{
        {"exact_reuse", "exact reuse"},
        {"neuron_matching", "neuron matching"},
        {"attention_cka", "attention CKA"},
        {"hidden_map", "hidden-map fit"},
    };
    if (s.family == "pearson") {
        return s.statistic.find("spearman") != std::string::npos ? "rank correlation"
                                                                 : "centred Pearson";
    }
    auto it = short_names.find(s.family);
    return it == short_names.end() ? s.family : it->second;
}

// The pitfall statistic names of the probe's descriptive figures.
std::string pitfall_statistic(const std::string& probe_name) {
    static const std::map<std::string, std::string> names{
        {"norm_weight_cosine", "norm_cosine"},
        {"attention_std_curve_correlation", "attention_std_correlation"},
        {"raw_cosine", "raw_cosine"},
        {"config_overlap", "config_overlap"},
    };
    auto it = names.find(probe_name);
    return it == names.end() ? probe_name : it->second;
}

std::string role_of_heatmap(const std::string& statistic) {
    if (statistic.find("neuron") != std::string::npos) return "mlp";
    if (statistic.find("attention") != std::string::npos) return "attention";
    return statistic;
}

}  // namespace

std::vector<std::string> components_of(const pw::ModelView& model) {
    std::set<std::string> seen;
    for (const auto& t : model.tensors()) {
        if (auto c = component_of(t.role)) seen.insert(*c);
    }
    std::vector<std::string> out(seen.begin(), seen.end());
    sort_components(out);
    return out;
}

void add_weight_evidence(const pw::CompareResult& r, const std::string& base_label,
                         AuditEvidence& e, double token_agreement_max_fraction) {
    // Statistics grouped by candidate component.
    std::map<std::string, std::vector<const pw::ComponentStat*>> by_component;
    for (const auto& s : r.stats) {
        if (s.descriptive) continue;  // context only: never evidence, never a p-value
        if (auto c = component_of_stat(s)) by_component[*c].push_back(&s);
    }
    std::optional<Power> power;
    if (r.controls_run) {
        Power p;
        p.controls = static_cast<int>(r.controls.size());
        for (const auto& c : r.controls) {
            p.detected += c.detected ? 1 : 0;
            p.detail += (p.detail.empty() ? "" : ", ") + c.name + (c.detected ? " ✓" : " ✗");
        }
        power = p;
    }
    for (const auto& [component, stats] : by_component) {
        Finding f;
        f.kind = FindingKind::weight_lineage;
        f.component = component;
        f.base = base_label;
        const pw::ComponentStat* exact = nullptr;
        const pw::ComponentStat* strongest = nullptr;  // largest -log10 p
        bool beyond = false;
        for (const auto* s : stats) {
            if (s->family == "exact_reuse" && s->beyond_null) exact = exact ? exact : s;
            if (!strongest || s->neg_log10_p > strongest->neg_log10_p) strongest = s;
            beyond = beyond || s->beyond_null;
        }
        const pw::ComponentStat* shown = exact ? exact : strongest;
        f.base_component = base_component_of_stat(*shown);
        f.statistic = statistic_name(*shown);
        f.strength = shown->value;
        if (!shown->null_kind.empty() || shown->null_hi != shown->null_lo) {
            f.null_range = NullRange{shown->null_lo, shown->null_hi, shown->null_kind};
        }
        if (exact) {
            f.relation = "derived";  // decisive: no p-value
            f.evidence = exact->statistic + " (" + exact->component + ")";
        } else {
            // Bonferroni over this component's statistics.
            double neg = strongest->neg_log10_p - std::log10(static_cast<double>(stats.size()));
            f.p_value =
                std::isfinite(neg) ? std::min(1.0, std::pow(10.0, -std::max(0.0, neg))) : 0.0;
            f.relation = beyond ? "derived" : "independent";
            if (!beyond) f.power = power;
            f.evidence = std::to_string(stats.size()) + " statistic(s); strongest " +
                         strongest->statistic + " = " + reports::fixed(strongest->value, 3) +
                         " (layer " + std::to_string(strongest->layer_b) + " ~ base layer " +
                         std::to_string(strongest->layer_a) + ")";
        }
        e.findings.push_back(std::move(f));
    }

    // Embeddings / lm_head of different vocabularies: token agreement over the shared tokens.
    for (const auto& t : r.tokens) {
        auto component = component_of_role_name(t.component, -1);
        if (!component || by_component.count(*component)) continue;
        Finding f;
        f.kind = FindingKind::weight_lineage;
        f.component = *component;
        f.base = base_label;
        f.base_component = *component;
        f.statistic =
            "token agreement: fraction of shared tokens beyond the random-pair 99.9% quantile";
        f.strength = t.fraction_agreeing;
        f.null_range =
            NullRange{0.0, token_agreement_max_fraction, "independent pairs (rule ceiling)"};
        f.relation =
            t.fraction_agreeing <= token_agreement_max_fraction ? "independent" : "inconclusive";
        if (f.relation == "independent") f.power = power;
        f.evidence = "mean cosine " + reports::fixed(t.mean_cos, 3) + ", " +
                     reports::percent(t.fraction_agreeing) + " of shared tokens agree";
        e.findings.push_back(std::move(f));
    }

    // Embeddings / lm_head between different hidden widths: the width-invariant token statistic
    // (probes/weights/lm_head_width.h), one more finding for the component. It can only support
    // "independent" (inside the calibrated ceiling, its own width control detected) or leave the
    // component inconclusive; it never makes a component derived, so it carries no p-value.
    for (const auto& w : r.width_invariant_tokens) {
        auto component = component_of_role_name(w.component, -1);
        if (!component) continue;
        Finding f;
        f.kind = FindingKind::weight_lineage;
        f.component = *component;
        f.base = base_label;
        f.base_component = *component;
        f.evidence = w.note;
        if (w.silent) {  // not calibrated here: the component stays undecided, and says why
            f.statistic = std::string(pw::kWidthInvariantStatisticSilent);
            f.strength = w.tokens_per_width;
            f.null_range = NullRange{w.min_tokens_per_width, 0.0, "shared tokens per hidden dim the ceiling was calibrated on"};
            f.relation = "inconclusive";
            e.findings.push_back(std::move(f));
            continue;
        }
        f.statistic = std::string(pw::kWidthInvariantStatistic);
        f.strength = w.value;
        f.null_range = NullRange{0.0, w.ceiling, "independent pairs (calibrated ceiling): " + w.calibration};
        f.relation = w.relation == pw::Verdict::independent ? "independent" : "inconclusive";
        f.power = Power{1, w.control_detected ? 1 : 0,
                        reports::fixed(w.control_value, 3) + (w.control_detected ? " ✓" : " ✗")};
        e.findings.push_back(std::move(f));
    }

    // Heatmaps: the probe's rows are base layers (A), columns candidate layers (B); transpose.
    for (const auto& h : r.heatmaps) {
        if (h.rows <= 0 || h.cols <= 0 ||
            h.values.size() != static_cast<std::size_t>(h.rows * h.cols))
            continue;
        SimilarityMatrix m;
        m.base = base_label;
        m.role = role_of_heatmap(h.statistic);
        m.statistic = h.statistic;
        m.rows = static_cast<int>(h.cols);
        m.columns = static_cast<int>(h.rows);
        m.values.resize(h.values.size());
        double hi = 0.0;
        for (std::int64_t a = 0; a < h.rows; ++a) {
            for (std::int64_t b = 0; b < h.cols; ++b) {
                double v = h.values[static_cast<std::size_t>(a * h.cols + b)];
                m.values[static_cast<std::size_t>(b * h.rows + a)] = v;
                if (std::isfinite(v)) hi = std::max(hi, v);
            }
        }
        // CKA lives in [0, 1]; -log10 p scales to its largest finite value (at least 6, the
        // usual evidence threshold, so that noise never looks dark).
        m.scale_min = 0.0;
        m.scale_max = m.role == "attention" ? 1.0 : std::max(6.0, hi);
        if (m.role == "mlp") {
            for (std::size_t b = 0; b < r.layer_map_b_to_a.size(); ++b) {
                int a = r.layer_map_b_to_a[b];
                if (a >= 0 && a < h.rows && static_cast<std::int64_t>(b) < h.cols) {
                    m.alignment.emplace_back(static_cast<int>(b), a);
                }
            }
        }
        e.matrices.push_back(std::move(m));
    }

    for (const auto& d : r.descriptive) {
        if (!std::isfinite(d.value)) continue;
        e.figures.push_back({pitfall_statistic(d.name), base_label, "", d.value,
                             NullRange{d.independent_lo, d.independent_hi, "independent pairs"}});
    }
    e.parameters.emplace_back("weights." + base_label + ".rule", r.rule_source);
    e.parameters.emplace_back("weights." + base_label + ".cka_shuffles",
                              std::to_string(r.cka_shuffles));
    e.parameters.emplace_back("weights." + base_label + ".hidden_map", r.hidden.kind);
    e.seeds.emplace_back("weights." + base_label, r.seed);
}

}  // namespace lineage::audit
