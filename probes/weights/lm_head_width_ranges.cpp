// Loading the width-invariant token statistic's calibration (see lm_head_width_ranges.h).
#include "probes/weights/lm_head_width_ranges.h"

#include <algorithm>
#include <cmath>

#include "probes/stats/data_file.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"

namespace lineage::probes::weights {
namespace {

double number(const JsonValue& o, const char* field, const std::string& where, const std::string& path) {
    const JsonValue* f = o.is_object() ? o.find(field) : nullptr;
    if (!f || !f->is_number() || !std::isfinite(f->as_double()))
        throw InputError(path, where + "." + field + ": expected a finite number");
    return f->as_double();
}

bool excluded(const std::vector<std::string>& exclude, const std::string& id) {
    return std::find(exclude.begin(), exclude.end(), id) != exclude.end();
}

}  // namespace

WidthTokenCeiling ceiling_without(const LmHeadWidthRanges& r, const std::string& component,
                                  const std::vector<std::string>& exclude) {
    WidthTokenCeiling out;
    const auto it = r.components.find(component);
    if (it == r.components.end()) return out;
    out = it->second;
    if (exclude.empty()) return out;
    double hi = -1.0;
    int n = 0;
    for (const auto& p : r.pairs) {
        if (!p.fitted || excluded(exclude, p.model_a) || excluded(exclude, p.model_b)) continue;
        const auto v = p.values.find(component);
        if (v == p.values.end()) continue;
        hi = std::max(hi, v->second);
        ++n;
    }
    out.pairs = n;
    out.ceiling = n > 0 ? hi + out.margin : 0.0;
    return out;
}

std::vector<std::string> calibration_models_with(const LmHeadWidthRanges& r, const std::string& component,
                                                 const std::string& sha256) {
    std::vector<std::string> ids;
    if (sha256.empty()) return ids;
    for (const auto& [id, digests] : r.model_digests)
        if (const auto d = digests.find(component); d != digests.end() && d->second == sha256) ids.push_back(id);
    return ids;
}

LmHeadWidthRanges load_lm_head_width_ranges(const std::string& path) {
    const JsonValue j = JsonValue::parse_file(path);
    if (!j.is_object()) throw InputError(path, "expected a JSON object");
    LmHeadWidthRanges r;
    r.source = path;
    const JsonValue* comps = j.find("components");
    if (!comps || !comps->is_object()) throw InputError(path, "field 'components': expected an object");
    for (const auto& [name, c] : comps->as_object()) {
        WidthTokenCeiling w;
        const std::string where = "components." + name;
        w.ceiling = number(c, "ceiling", where, path);
        w.margin = number(c, "margin", where, path);
        w.derived_floor = number(c, "derived_floor", where, path);
        w.pairs = static_cast<int>(number(c, "pairs", where, path));
        w.min_tokens_per_width = number(c, "min_tokens_per_width", where, path);
        if (w.pairs <= 0 || w.derived_floor <= w.ceiling)
            throw InputError(path, where + ": needs pairs > 0 and derived_floor above the ceiling");
        r.components[name] = w;
    }
    if (const JsonValue* m = j.find("measured_on"); m && m->is_string()) r.measured_on = m->as_string();
    if (const JsonValue* pairs = j.find("pairs"); pairs && pairs->is_array()) {
        for (const auto& e : pairs->as_array()) {
            const JsonValue* id = e.is_object() ? e.find("pair") : nullptr;
            if (!id || !id->is_string()) throw InputError(path, "pairs: each entry needs a 'pair' string");
            // "zoo:a|b" -> models "zoo:a" and "zoo:b"
            const std::string& s = id->as_string();
            const auto colon = s.find(':'), bar = s.find('|');
            if (colon == std::string::npos || bar == std::string::npos || bar < colon)
                throw InputError(path, "pairs: '" + s + "' is not of the form zoo:a|b");
            WidthTokenPair p;
            p.model_a = s.substr(0, bar);
            p.model_b = s.substr(0, colon + 1) + s.substr(bar + 1);
            const JsonValue* fitted = e.find("fitted");
            p.fitted = fitted && fitted->is_bool() && fitted->as_bool();
            for (const auto& [name, c] : r.components) {
                (void)c;
                if (const JsonValue* v = e.find(name); v && v->is_number()) p.values[name] = v->as_double();
            }
            r.pairs.push_back(std::move(p));
        }
    }
    if (const JsonValue* prov = j.find("provenance"); prov && prov->is_object())
        if (const JsonValue* models = prov->find("models"); models && models->is_array())
            for (const auto& m : models->as_array()) {
                const JsonValue* id = m.is_object() ? m.find("id") : nullptr;
                if (!id || !id->is_string()) throw InputError(path, "provenance.models: each entry needs an id");
                for (const auto& [name, c] : r.components) {
                    (void)c;
                    if (const JsonValue* d = m.find(name + "_sha256"); d && d->is_string())
                        r.model_digests[id->as_string()][name] = d->as_string();
                }
            }
    return r;
}

std::string default_lm_head_width_ranges_path() {
    return stats::data_file_beside(__FILE__, "lm_head_width_ranges.json");
}

LmHeadWidthRanges builtin_lm_head_width_ranges() {
    // Copied from lm_head_width_ranges.json's "components" (a test keeps them equal). Without the
    // per-pair values no ceiling can be refitted leave-one-model-out, so a zoo model is judged in
    // sample; real submissions are not zoo models.
    LmHeadWidthRanges r;
    r.components["lm_head"] = {0.06003, 0.01, 0.5, 367, 14};
    r.components["token_embedding"] = {0.02487, 0.01, 0.5, 367, 14};
    r.measured_on = "367 weight-unrelated pairs of the lineage zoo 'full' (compiled-in ceilings)";
    r.source = "compiled-in ceilings (lm_head_width_ranges.json not found beside the sources)";
    return r;
}

const LmHeadWidthRanges& default_lm_head_width_ranges() {
    static const LmHeadWidthRanges ranges = [] {
        const std::string p = default_lm_head_width_ranges_path();
        return p.empty() ? builtin_lm_head_width_ranges() : load_lm_head_width_ranges(p);
    }();
    return ranges;
}

}  // namespace lineage::probes::weights
