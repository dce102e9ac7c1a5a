// Loading null_ranges.json (see null_ranges.h).
#include "probes/activation/null_ranges.h"

#include <cmath>
#include <filesystem>

#include "probes/stats/data_file.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"

namespace lineage::probes::activation {
namespace {

IndependentRange read_range(const JsonValue& stats, const char* key, IndependentRange fallback, const std::string& path) {
    const JsonValue* v = stats.find(key);
    if (!v) return fallback;
    auto num = [&](const char* field) {
        const JsonValue* f = v->is_object() ? v->find(field) : nullptr;
        if (!f || !f->is_number() || !std::isfinite(f->as_double()))
            throw InputError(path, std::string("statistics.") + key + "." + field + ": expected a finite number");
        return f->as_double();
    };
    IndependentRange r;
    r.lo = num("lo");
    r.hi = num("hi");
    r.pairs = static_cast<int>(num("pairs"));
    if (r.lo > r.hi || r.pairs < 0) throw InputError(path, std::string("statistics.") + key + ": lo > hi or pairs < 0");
    return r;
}

}  // namespace

IndependentRanges builtin_null_ranges() {
    // Equal to null_ranges.json (measured by bench/probe_calibrate.sh); see that file's provenance.
    IndependentRanges r;
    r.peak_cka = {0.5672, 0.7277, 28};
    r.diagonal_cka = {0.412, 0.7115, 28};
    r.diagonal_cka_linear = {0.4158, 0.7144, 28};
    r.top1_agreement = {0.0957, 0.3145, 28};
    r.js_divergence = {0.2739, 0.5337, 28};
    r.measured_on = "28 independent pairs of the mini zoo and the full zoo (see null_ranges.json)";
    return r;
}

std::string default_null_ranges_path() { return stats::data_file_beside(__FILE__, "null_ranges.json"); }

IndependentRanges load_null_ranges(const std::string& path) {
    const JsonValue j = JsonValue::parse_file(path);
    if (!j.is_object()) throw InputError(path, "expected a JSON object");
    const JsonValue* stats = j.find("statistics");
    if (!stats || !stats->is_object()) throw InputError(path, "field 'statistics': expected an object");
    const IndependentRanges d;
    IndependentRanges r;
    r.peak_cka = read_range(*stats, "peak_cka_debiased", d.peak_cka, path);
    r.diagonal_cka = read_range(*stats, "diagonal_cka_debiased", d.diagonal_cka, path);
    r.diagonal_cka_linear = read_range(*stats, "diagonal_cka_linear", d.diagonal_cka_linear, path);
    r.top1_agreement = read_range(*stats, "top1_agreement", d.top1_agreement, path);
    r.js_divergence = read_range(*stats, "js_divergence", d.js_divergence, path);
    if (const JsonValue* m = j.find("measured_on"); m && m->is_string()) r.measured_on = m->as_string();
    r.source = path;
    return r;
}

IndependentRanges default_null_ranges() {
    const std::string p = default_null_ranges_path();
    return p.empty() ? builtin_null_ranges() : load_null_ranges(p);
}

}  // namespace lineage::probes::activation
