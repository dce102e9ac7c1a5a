// config.json -> ModelConfig. Field spellings differ by family (hidden_size / n_embd / d_model,
// rms_norm_eps / layer_norm_epsilon, ...), so each typed member is read from a list of aliases, and
// absent fields take the default that transformers' config class for that model_type applies
// (table below, measured with transformers 5.23 `AutoConfig.for_model(model_type)`). rope_theta is
// read from the top level (transformers 4) or from rope_parameters (transformers 5).
#include "weights/model_config.h"

#include <array>
#include <initializer_list>
#include <optional>

#include "weights/core/error.h"

namespace lineage::weights {
namespace {

// transformers' defaults per model_type, for fields commonly left out of config.json.
struct FamilyDefaults {
    std::string_view model_type;
    std::int64_t vocab, hidden, intermediate, layers, heads, kv_heads, max_positions;
    double eps, rope_theta;
    bool tie, attention_bias;
    std::string_view act;
    std::int64_t head_dim = 0;  // 0: hidden / heads
};
constexpr std::array<FamilyDefaults, 16> kFamilyDefaults{{
    {"llama", 32000, 4096, 11008, 32, 32, 0, 2048, 1e-6, 10000.0, false, false, "silu"},
    {"mistral", 32000, 4096, 14336, 32, 32, 8, 131072, 1e-6, 10000.0, false, false, "silu"},
    {"mixtral", 32000, 4096, 14336, 32, 32, 8, 131072, 1e-5, 1e6, false, false, "silu"},
    {"qwen2", 151936, 4096, 22016, 32, 32, 32, 32768, 1e-6, 10000.0, false, true, "silu"},
    {"qwen2_moe", 151936, 2048, 5632, 24, 16, 16, 32768, 1e-6, 10000.0, false, true, "silu"},
    {"qwen3", 151936, 4096, 22016, 32, 32, 32, 32768, 1e-6, 10000.0, false, false, "silu"},
    {"qwen3_moe", 151936, 2048, 6144, 24, 32, 4, 32768, 1e-6, 10000.0, false, false, "silu"},
    {"gemma", 256000, 3072, 24576, 28, 16, 16, 8192, 1e-6, 10000.0, true, false, "gelu_pytorch_tanh"},
    {"gemma2", 256000, 2304, 9216, 26, 8, 4, 8192, 1e-6, 10000.0, true, false, "gelu_pytorch_tanh"},
    // Gemma 3's language model (the text_config of google/gemma-3-*-it names only a few sizes).
    {"gemma3_text", 262208, 2304, 9216, 26, 8, 4, 131072, 1e-6, 1e6, true, false, "gelu_pytorch_tanh", 256},
    {"phi3", 32064, 3072, 8192, 32, 32, 32, 4096, 1e-5, 10000.0, false, false, "silu"},
    {"deepseek_v3", 129280, 7168, 18432, 61, 128, 128, 4096, 1e-6, 10000.0, false, false, "silu"},
    {"gpt2", 50257, 768, 0, 12, 12, 0, 1024, 1e-5, 10000.0, true, true, "gelu_new"},
    {"gpt_neox", 50432, 6144, 24576, 44, 64, 0, 2048, 1e-5, 10000.0, false, true, "gelu"},
    {"gptj", 50400, 4096, 0, 28, 16, 0, 2048, 1e-5, 10000.0, false, false, "gelu_new"},
    {"exaone", 102400, 2048, 0, 32, 32, 0, 2048, 1e-5, 10000.0, true, false, "silu"},
}};

const FamilyDefaults* defaults_for(std::string_view model_type) {
    for (const auto& d : kFamilyDefaults)
        if (d.model_type == model_type) return &d;
    return nullptr;
}

// Reads typed fields of one JSON object, with aliases, naming the field in errors.
class Fields {
public:
    Fields(const JsonValue& obj, const std::string& where) : obj_(obj), where_(where) {}

    const JsonValue* get(std::initializer_list<std::string_view> names, std::string* found = nullptr) const {
        for (auto n : names) {
            const JsonValue* v = obj_.find(n);
            if (v && !v->is_null()) {
                if (found) *found = std::string(n);
                return v;
            }
        }
        return nullptr;
    }
    std::optional<std::int64_t> integer(std::initializer_list<std::string_view> names) const {
        std::string name;
        const JsonValue* v = get(names, &name);
        if (!v) return std::nullopt;
        if (!v->is_number()) bad(name, "an integer");
        try {
            return v->as_int();
        } catch (const InternalError&) {
            bad(name, "an integer");
        }
    }
    std::optional<double> number(std::initializer_list<std::string_view> names) const {
        std::string name;
        const JsonValue* v = get(names, &name);
        if (!v) return std::nullopt;
        if (!v->is_number()) bad(name, "a number");
        return v->as_double();
    }
    std::optional<bool> boolean(std::initializer_list<std::string_view> names) const {
        std::string name;
        const JsonValue* v = get(names, &name);
        if (!v) return std::nullopt;
        if (!v->is_bool()) bad(name, "true or false");
        return v->as_bool();
    }
    std::optional<std::string> string(std::initializer_list<std::string_view> names) const {
        std::string name;
        const JsonValue* v = get(names, &name);
        if (!v) return std::nullopt;
        if (!v->is_string()) bad(name, "a string");
        return v->as_string();
    }
    [[noreturn]] void bad(const std::string& name, const char* expected) const {
        std::string got = obj_.find(name)->dump();
        if (got.size() > 60) got = got.substr(0, 57) + "...";
        throw InputError(where_, "field '" + name + "': expected " + expected + ", got " + got);
    }

private:
    const JsonValue& obj_;
    const std::string& where_;
};

RopeScaling parse_rope(const JsonValue& obj, const std::string& where) {
    Fields f(obj, where);
    RopeScaling r;
    r.type = f.string({"rope_type", "type"}).value_or("default");
    r.factor = f.number({"factor"}).value_or(1.0);
    r.original_max_position_embeddings = f.number({"original_max_position_embeddings"});
    r.low_freq_factor = f.number({"low_freq_factor"});
    r.high_freq_factor = f.number({"high_freq_factor"});
    r.beta_fast = f.number({"beta_fast"});
    r.beta_slow = f.number({"beta_slow"});
    r.attention_factor = f.number({"attention_factor"});
    r.mscale = f.number({"mscale"});
    r.mscale_all_dim = f.number({"mscale_all_dim"});
    r.truncate = f.boolean({"truncate"});
    return r;
}

}  // namespace

ModelConfig ModelConfig::from_json(const JsonValue& object, const std::string& where) {
    if (!object.is_object()) throw InputError(where, "config is not a JSON object");
    Fields f(object, where);
    ModelConfig c;
    c.raw = object;
    if (const JsonValue* archs = object.find("architectures"); archs && !archs->is_null()) {
        if (!archs->is_array()) f.bad("architectures", "an array of strings");
        if (!archs->as_array().empty()) {
            if (!archs->as_array()[0].is_string()) f.bad("architectures", "an array of strings");
            c.architecture = archs->as_array()[0].as_string();
        }
    }
    c.model_type = f.string({"model_type"}).value_or("");
    const FamilyDefaults* d = defaults_for(c.model_type);

    c.hidden_size = f.integer({"hidden_size", "n_embd", "d_model", "dim"}).value_or(d ? d->hidden : 0);
    c.num_layers = f.integer({"num_hidden_layers", "n_layer", "num_layers", "n_layers"}).value_or(d ? d->layers : 0);
    c.num_heads = f.integer({"num_attention_heads", "n_head", "num_heads", "n_heads"}).value_or(d ? d->heads : 0);
    c.num_kv_heads = f.integer({"num_key_value_heads", "n_kv_heads", "multi_query_group_num"})
                         .value_or(d && d->kv_heads ? d->kv_heads : c.num_heads);
    c.head_dim = f.integer({"head_dim"}).value_or(d && d->head_dim ? d->head_dim
                                                  : c.num_heads > 0 ? c.hidden_size / c.num_heads : 0);
    c.intermediate_size = f.integer({"intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size"})
                              .value_or(d && d->intermediate ? d->intermediate : 4 * c.hidden_size);
    c.vocab_size = f.integer({"vocab_size", "n_vocab", "padded_vocab_size"}).value_or(d ? d->vocab : 0);
    c.max_position_embeddings = f.integer({"max_position_embeddings", "n_positions", "n_ctx", "max_sequence_length"})
                                    .value_or(d ? d->max_positions : 0);
    c.norm_eps = f.number({"rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon", "norm_eps", "norm_epsilon"})
                     .value_or(d ? d->eps : 1e-6);
    c.tie_word_embeddings = f.boolean({"tie_word_embeddings"}).value_or(d ? d->tie : true);
    c.attention_bias = f.boolean({"attention_bias", "bias"}).value_or(d ? d->attention_bias : false);
    c.hidden_act = f.string({"hidden_act", "activation_function", "hidden_activation"})
                       .value_or(d ? std::string(d->act) : "silu");
    c.torch_dtype = f.string({"torch_dtype", "dtype"}).value_or("");

    // RoPE: transformers 4 has rope_theta + rope_scaling at the top; 5 nests both in rope_parameters.
    c.rope_theta = d ? d->rope_theta : 10000.0;
    for (const char* key : {"rope_scaling", "rope_parameters"}) {
        const JsonValue* rope = object.find(key);
        if (!rope || rope->is_null()) continue;
        if (!rope->is_object()) f.bad(key, "an object");
        Fields rf(*rope, where);
        if (auto theta = rf.number({"rope_theta"})) c.rope_theta = *theta;
        RopeScaling r = parse_rope(*rope, where);
        if (r.type != "default") c.rope_scaling = r;
    }
    if (auto theta = f.number({"rope_theta", "rotary_emb_base"})) c.rope_theta = *theta;

    if (const JsonValue* sw = object.find("sliding_window"); sw && sw->is_number()) {
        const bool enabled = f.boolean({"use_sliding_window"}).value_or(true);
        if (enabled && sw->as_double() > 0) c.sliding_window = f.integer({"sliding_window"});
    }

    c.num_experts = f.integer({"num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts"}).value_or(0);
    c.num_experts_per_tok = f.integer({"num_experts_per_tok", "num_experts_per_token", "moe_top_k"}).value_or(0);
    c.moe_intermediate_size = f.integer({"moe_intermediate_size", "expert_intermediate_size"}).value_or(0);
    if (auto shared = f.integer({"shared_expert_intermediate_size"})) {
        c.shared_expert_intermediate_size = *shared;
    } else if (auto n_shared = f.integer({"n_shared_experts", "num_shared_experts"})) {
        c.shared_expert_intermediate_size = *n_shared * c.moe_intermediate_size;
    }

    // Sub-configs: every object-valued "*_config" field (text_config, vision_config, audio_config).
    for (const auto& [key, value] : object.as_object()) {
        if (value.is_object() && key.size() > 7 && key.ends_with("_config"))
            c.sub_configs.emplace(key, from_json(value, where + " (" + key + ")"));
    }
    // Multimodal wrappers keep the language model's sizes in text_config: surface them at the top
    // when the top level has none of its own.
    if (auto it = c.sub_configs.find("text_config"); it != c.sub_configs.end() && !object.find("hidden_size")) {
        ModelConfig text = it->second;
        text.architecture = c.architecture;
        text.model_type = c.model_type;
        text.raw = c.raw;
        text.sub_configs = std::move(c.sub_configs);
        text.torch_dtype = c.torch_dtype.empty() ? text.torch_dtype : c.torch_dtype;
        if (object.find("tie_word_embeddings")) text.tie_word_embeddings = c.tie_word_embeddings;
        return text;
    }
    return c;
}

ModelConfig ModelConfig::load(const std::filesystem::path& path) {
    return from_json(JsonValue::parse_file(path.string()), path.string());
}

}  // namespace lineage::weights
