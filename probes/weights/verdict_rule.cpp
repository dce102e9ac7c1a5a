// Loading verdict_rule.json (see verdict_rule.h). Unknown keys are ignored except that every key
// present must have the right type.
#include "probes/weights/verdict_rule.h"

#include <cmath>
#include <filesystem>

#include "probes/stats/data_file.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"

namespace lineage::probes::weights {
namespace {

double number(const JsonValue& obj, const char* key, double fallback, const std::string& path) {
    const JsonValue* v = obj.find(key);
    if (!v) return fallback;
    if (!v->is_number())
        throw InputError(path, std::string("field '") + key + "': expected a number");
    const double d = v->as_double();
    if (!std::isfinite(d)) throw InputError(path, std::string("field '") + key + "': not finite");
    return d;
}

void range(const JsonValue* obj, const char* key, double out[2], const std::string& path) {
    if (!obj) return;
    const JsonValue* v = obj->find(key);
    if (!v) return;
    if (!v->is_array() || v->as_array().size() != 2 || !v->as_array()[0].is_number() ||
        !v->as_array()[1].is_number())
        throw InputError(path, std::string("field '") + key + "': expected [lo, hi]");
    out[0] = v->as_array()[0].as_double();
    out[1] = v->as_array()[1].as_double();
}

}  // namespace

double VerdictRule::neuron_threshold() const {
    return derived_neg_log10_p +
           std::log10(static_cast<double>(std::max(1, neuron_candidates * neuron_components)));
}

std::string default_rule_path() { return stats::data_file_beside(__FILE__, "verdict_rule.json"); }

VerdictRule load_verdict_rule(const std::string& path) {
    const JsonValue j = JsonValue::parse_file(path);
    if (!j.is_object()) throw InputError(path, "expected a JSON object");
    VerdictRule r;
    r.derived_neg_log10_p = number(j, "derived_neg_log10_p", r.derived_neg_log10_p, path);
    r.pearson_min_effect = number(j, "pearson_min_effect", r.pearson_min_effect, path);
    r.exact_reuse_min_elements = static_cast<std::int64_t>(
        number(j, "exact_reuse_min_elements", static_cast<double>(r.exact_reuse_min_elements), path));
    r.minhash_min_jaccard = number(j, "minhash_min_jaccard", r.minhash_min_jaccard, path);
    r.neuron_candidates = static_cast<int>(number(j, "neuron_candidates", r.neuron_candidates, path));
    r.neuron_components = static_cast<int>(number(j, "neuron_components", r.neuron_components, path));
    r.attention_corroboration_neg_log10_p = number(
        j, "attention_corroboration_neg_log10_p", r.attention_corroboration_neg_log10_p, path);
    r.inside_null_neg_log10_p = number(j, "inside_null_neg_log10_p", r.inside_null_neg_log10_p, path);
    r.attention_cka_independent_max =
        number(j, "attention_cka_independent_max", r.attention_cka_independent_max, path);
    r.layer_min_score = number(j, "layer_min_score", r.layer_min_score, path);
    r.token_agreement_max_fraction_independent =
        number(j, "token_agreement_max_fraction_independent",
               r.token_agreement_max_fraction_independent, path);
    r.cka_shuffles = static_cast<int>(number(j, "cka_shuffles", r.cka_shuffles, path));
    r.cka_max_dims = static_cast<int>(number(j, "cka_max_dims", r.cka_max_dims, path));
    r.hidden_map_null_draws =
        static_cast<int>(number(j, "hidden_map_null_draws", r.hidden_map_null_draws, path));
    r.hidden_map_min_fit = number(j, "hidden_map_min_fit", r.hidden_map_min_fit, path);
    r.max_layer_pairs = static_cast<int>(number(j, "max_layer_pairs", r.max_layer_pairs, path));
    r.seed = static_cast<std::uint64_t>(number(j, "seed", static_cast<double>(r.seed), path));
    if (const JsonValue* c = j.find("controls"); c && c->is_object()) {
        r.control_noise_relative_std =
            number(*c, "finetune_noise_relative_std", r.control_noise_relative_std, path);
        r.control_prune_fraction = number(*c, "prune_fraction", r.control_prune_fraction, path);
        r.control_all_layers_up_to_hidden = static_cast<int>(
            number(*c, "all_layers_up_to_hidden", r.control_all_layers_up_to_hidden, path));
        r.control_layers = static_cast<int>(number(*c, "layers", r.control_layers, path));
        if (const JsonValue* rot = c->find("rotation"); rot && rot->is_bool())
            r.control_rotation = rot->as_bool();
    }
    const JsonValue* ranges = j.find("descriptive_independent_ranges");
    range(ranges, "norm_weight_cosine", r.range_norm_cos, path);
    range(ranges, "attention_std_curve_correlation", r.range_std_curve, path);
    range(ranges, "raw_cosine", r.range_raw_cos, path);
    range(ranges, "config_overlap", r.range_config, path);
    if (r.cka_shuffles < 1 || r.cka_max_dims < 8 || r.max_layer_pairs < 1)
        throw InputError(path, "cka_shuffles, cka_max_dims and max_layer_pairs must be positive");
    r.source = path;
    return r;
}

VerdictRule default_verdict_rule() {
    const std::string p = default_rule_path();
    return p.empty() ? VerdictRule{} : load_verdict_rule(p);
}

}  // namespace lineage::probes::weights
