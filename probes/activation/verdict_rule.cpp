// Loading the activation probe's verdict_rule.json (see verdict_rule.h). Unknown keys are ignored;
// every known key present must be a finite number in its range.
#include "probes/activation/verdict_rule.h"

#include <cmath>
#include <filesystem>

#include "probes/stats/data_file.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"

namespace lineage::probes::activation {
namespace {

double number(const JsonValue& obj, const char* key, double fallback, double lo, double hi, const std::string& path) {
    const JsonValue* v = obj.find(key);
    if (!v) return fallback;
    if (!v->is_number()) throw InputError(path, std::string("field '") + key + "': expected a number");
    const double d = v->as_double();
    if (!std::isfinite(d) || d < lo || d > hi)
        throw InputError(path, std::string("field '") + key + "': " + std::to_string(d) + " outside [" +
                                   std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return d;
}

}  // namespace

std::string default_rule_path() { return stats::data_file_beside(__FILE__, "verdict_rule.json"); }

VerdictRule load_verdict_rule(const std::string& path) {
    const JsonValue j = JsonValue::parse_file(path);
    if (!j.is_object()) throw InputError(path, "expected a JSON object");
    VerdictRule r;
    auto integer = [&](const char* key, double fallback, double lo, double hi) {
        return static_cast<std::int64_t>(number(j, key, fallback, lo, hi, path));
    };
    r.max_positions = integer("max_positions", static_cast<double>(r.max_positions), 8, 65536);
    r.max_tokens_per_text = integer("max_tokens_per_text", static_cast<double>(r.max_tokens_per_text), 2, 1 << 20);
    r.skip_leading_positions = static_cast<std::int32_t>(integer("skip_leading_positions", r.skip_leading_positions, 0, 64));
    r.min_positions = integer("min_positions", static_cast<double>(r.min_positions), 4, 1 << 20);
    r.agreement_positions = integer("agreement_positions", static_cast<double>(r.agreement_positions), 0, 1 << 20);
    r.cka_shuffles = static_cast<int>(integer("cka_shuffles", r.cka_shuffles, 0, 100000));
    r.agreement_shuffles = static_cast<int>(integer("agreement_shuffles", r.agreement_shuffles, 0, 100000));
    r.null_z_min = number(j, "null_z_min", r.null_z_min, 0, 1e6, path);
    r.alignment_min_cka = number(j, "alignment_min_cka", r.alignment_min_cka, -1, 1, path);
    r.derived_min_peak_cka = number(j, "derived_min_peak_cka", r.derived_min_peak_cka, -1, 1, path);
    r.independent_max_peak_cka =
        number(j, "independent_max_peak_cka", r.independent_max_peak_cka, -1, 1, path);
    r.independent_margin = number(j, "independent_margin", r.independent_margin, 0, 1, path);
    r.behaviour_min_top1 = number(j, "behaviour_min_top1", r.behaviour_min_top1, 0, 1, path);
    r.behaviour_max_js = number(j, "behaviour_max_js", r.behaviour_max_js, 0, 1, path);
    r.behaviour_margin = number(j, "behaviour_margin", r.behaviour_margin, 0, 1, path);
    if (const JsonValue* v = j.find("behaviour_needs_both")) {
        if (!v->is_bool()) throw InputError(path, "field 'behaviour_needs_both': expected true or false");
        r.behaviour_needs_both = v->as_bool();
    }
    r.seed = static_cast<std::uint64_t>(number(j, "seed", static_cast<double>(r.seed), 0, 9.0e15, path));
    r.source = path;
    return r;
}

VerdictRule default_verdict_rule() {
    const std::string p = default_rule_path();
    return p.empty() ? VerdictRule{} : load_verdict_rule(p);
}

}  // namespace lineage::probes::activation
