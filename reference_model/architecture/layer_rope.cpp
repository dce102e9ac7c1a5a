// Layer types and per-layer-type RoPE (see layer_rope.h).
#include "reference_model/architecture/layer_rope.h"

#include <array>
#include <string_view>

#include "weights/core/error.h"

namespace lineage::model {

namespace {

constexpr std::int64_t kDefaultSlidingPattern = 6;  // Gemma3TextConfig's sliding_window_pattern

// rope_parameters.<layer type> when config.json nests one object per layer type (transformers 5).
const JsonValue* nested_rope(const weights::ModelConfig& c, std::string_view layer_type) {
    const JsonValue* rp = c.raw.find("rope_parameters");
    if (!rp || !rp->is_object()) return nullptr;
    const JsonValue* sub = rp->find(layer_type);
    return sub && sub->is_object() ? sub : nullptr;
}

bool has_number(const JsonValue* obj, std::string_view key) {
    const JsonValue* v = obj ? obj->find(key) : nullptr;
    return v && v->is_number();
}

// The RoPE of one layer type, from the nested object or the transformers 4 keys.
Rope rope_of_type(const weights::ModelConfig& c, const FamilyTraits& t, bool sliding, std::int64_t head_dim,
                  const std::string& where) {
    const std::string_view type = sliding ? "sliding_attention" : "full_attention";
    weights::ModelConfig local = c;
    if (const JsonValue* sub = nested_rope(c, type)) {
        JsonValue wrapper = JsonValue::object();
        wrapper.set("rope_parameters", *sub);
        const weights::ModelConfig parsed =
            weights::ModelConfig::from_json(wrapper, where + " (rope_parameters." + std::string(type) + ")");
        local.rope_theta = has_number(sub, "rope_theta") ? parsed.rope_theta
                                                         : (sliding ? t.sliding_rope_theta : t.full_rope_theta);
        local.rope_scaling = parsed.rope_scaling;
        local.raw.set("rope_parameters", *sub);  // its partial_rotary_factor, if any
    } else if (sliding) {  // transformers 4: rope_local_base_freq (VAETKI: rope_theta), never scaled
        const JsonValue* base = c.raw.find(t.sliding_theta_key);
        local.rope_theta = base && base->is_number() ? base->as_double() : t.sliding_rope_theta;
        local.rope_scaling.reset();
    } else {  // transformers 4: the top-level rope_theta (VAETKI: rope_theta_global) and rope_scaling
        if (const JsonValue* base = c.raw.find(t.full_theta_key); base && base->is_number())
            local.rope_theta = base->as_double();
        else if (!has_number(c.raw.find("rope_parameters"), t.full_theta_key))
            local.rope_theta = t.full_rope_theta;
        if (!local.rope_scaling && t.full_linear_factor_unscaled > 0) {
            weights::RopeScaling linear;
            linear.type = "linear";
            linear.factor = t.full_linear_factor_unscaled;
            local.rope_scaling = linear;
        }
    }
    return Rope::from_config(local, head_dim, where);
}

}  // namespace

std::vector<bool> sliding_layers_by_type_or_pattern(const weights::ModelConfig& c, std::int64_t layers,
                                                    const std::string& where) {
    std::vector<bool> sliding(static_cast<std::size_t>(layers), false);
    if (const JsonValue* types = c.raw.find("layer_types"); types && types->is_array()) {
        if (static_cast<std::int64_t>(types->as_array().size()) != layers)
            throw InputError(where, "layer_types has " + std::to_string(types->as_array().size()) + " entries for " +
                                        std::to_string(layers) + " layers");
        for (std::size_t i = 0; i < sliding.size(); ++i) {
            const JsonValue& t = types->as_array()[i];
            sliding[i] = t.is_string() && t.as_string() == "sliding_attention";
        }
        return sliding;
    }
    std::int64_t pattern = kDefaultSlidingPattern;
    for (std::string_view key : {"sliding_window_pattern", "_sliding_window_pattern"}) {
        const JsonValue* v = c.raw.find(key);
        if (!v || v->is_null()) continue;
        if (!v->is_integer() || v->as_int() <= 0)
            throw InputError(where, "field '" + std::string(key) + "' must be a positive integer");
        pattern = v->as_int();
        break;
    }
    for (std::int64_t i = 0; i < layers; ++i) sliding[static_cast<std::size_t>(i)] = (i + 1) % pattern != 0;
    return sliding;
}

LayerRopes layer_ropes(const weights::ModelConfig& c, const FamilyTraits& t, std::int64_t head_dim,
                       const std::vector<bool>& sliding, const std::string& where) {
    LayerRopes r;
    if (!(t.full_rope_theta > 0)) {
        r.ropes.push_back(Rope::from_config(c, head_dim, where));
        r.of_layer.assign(sliding.size(), 0);
        return r;
    }
    r.ropes.push_back(rope_of_type(c, t, false, head_dim, where));
    r.ropes.push_back(rope_of_type(c, t, true, head_dim, where));
    r.of_layer.resize(sliding.size());
    for (std::size_t i = 0; i < sliding.size(); ++i) r.of_layer[i] = sliding[i] ? 1 : 0;
    return r;
}

}  // namespace lineage::model
