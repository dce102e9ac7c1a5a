// Expected tensors of a config, and their comparison with what is stored (see config_check.h).
#include "weights/config_check.h"

#include <algorithm>
#include <array>
#include <map>

namespace lineage::weights {
namespace {

using Shape = std::vector<std::int64_t>;

// Families whose complete tensor list follows from the config (Hugging Face Llama layout).
struct LlamaLayout {
    std::string_view model_type;
    bool qkv_bias;  // q/k/v projections carry biases regardless of attention_bias (Qwen2)
    bool qk_norm;   // per-head q_norm/k_norm (Qwen3)
};
constexpr std::array<LlamaLayout, 4> kLlamaLayouts{{
    {"llama", false, false}, {"mistral", false, false}, {"qwen2", true, false}, {"qwen3", false, true},
}};

std::map<std::string, Shape> expected_llama(const ModelConfig& c, const LlamaLayout& f) {
    std::map<std::string, Shape> out;
    const std::int64_t H = c.hidden_size, V = c.vocab_size, I = c.intermediate_size, D = c.head_dim;
    const std::int64_t Q = c.num_heads * D, KV = c.num_kv_heads * D;
    out["model.embed_tokens.weight"] = {V, H};
    out["model.norm.weight"] = {H};
    if (!c.tie_word_embeddings) out["lm_head.weight"] = {V, H};
    for (std::int64_t i = 0; i < c.num_layers; ++i) {
        const std::string b = "model.layers." + std::to_string(i) + ".";
        out[b + "self_attn.q_proj.weight"] = {Q, H};
        out[b + "self_attn.k_proj.weight"] = {KV, H};
        out[b + "self_attn.v_proj.weight"] = {KV, H};
        out[b + "self_attn.o_proj.weight"] = {H, Q};
        if (f.qkv_bias || c.attention_bias) {
            out[b + "self_attn.q_proj.bias"] = {Q};
            out[b + "self_attn.k_proj.bias"] = {KV};
            out[b + "self_attn.v_proj.bias"] = {KV};
        }
        if (c.attention_bias && !f.qkv_bias) out[b + "self_attn.o_proj.bias"] = {H};
        if (f.qk_norm) {
            out[b + "self_attn.q_norm.weight"] = {D};
            out[b + "self_attn.k_norm.weight"] = {D};
        }
        out[b + "mlp.gate_proj.weight"] = {I, H};
        out[b + "mlp.up_proj.weight"] = {I, H};
        out[b + "mlp.down_proj.weight"] = {H, I};
        out[b + "input_layernorm.weight"] = {H};
        out[b + "post_attention_layernorm.weight"] = {H};
    }
    return out;
}

}  // namespace

std::string shape_text(std::span<const std::int64_t> shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

std::string_view mismatch_kind_name(ConfigMismatch::Kind k) {
    switch (k) {
        case ConfigMismatch::Kind::missing: return "missing";
        case ConfigMismatch::Kind::unexpected: return "unexpected";
        case ConfigMismatch::Kind::shape: return "shape";
    }
    return "?";
}

std::vector<ConfigMismatch> check_config(const ModelConfig& c, std::span<const TensorInfo> tensors) {
    std::vector<ConfigMismatch> out;
    auto shape_mismatch = [&](const TensorInfo& t, const Shape& want) {
        ConfigMismatch m{ConfigMismatch::Kind::shape, t.name, want, t.shape,
                         "tensor '" + t.name + "': shape " + shape_text(t.shape) + " but config.json implies " +
                             shape_text(want)};
        out.push_back(std::move(m));
    };
    const auto layout = std::find_if(kLlamaLayouts.begin(), kLlamaLayouts.end(),
                                     [&](const LlamaLayout& l) { return l.model_type == c.model_type; });
    if (layout != kLlamaLayouts.end() && c.num_experts == 0) {
        auto expected = expected_llama(c, *layout);
        for (const auto& t : tensors) {
            auto it = expected.find(t.name);
            if (it == expected.end()) {
                out.push_back({ConfigMismatch::Kind::unexpected, t.name, {}, t.shape,
                               "tensor '" + t.name + "' " + shape_text(t.shape) + " is not part of a " +
                                   c.model_type + " model with this config"});
                continue;
            }
            if (t.shape != it->second) shape_mismatch(t, it->second);
            expected.erase(it);
        }
        for (const auto& [name, shape] : expected)
            out.push_back({ConfigMismatch::Kind::missing, name, shape, {},
                           "tensor '" + name + "' " + shape_text(shape) + " is required by config.json but absent"});
        return out;
    }
    // Any family: the shapes every config implies.
    for (const auto& t : tensors) {
        if (!t.name.ends_with(".weight") && t.name != "lm_head") continue;
        const std::string stem = t.name.substr(0, t.name.size() - 7);
        const bool top = stem.find('.') == std::string::npos || stem.starts_with("model.") ||
                         stem.starts_with("transformer.") || stem.starts_with("gpt_neox.");
        if (!top || stem.find("layers.") != std::string::npos || stem.find(".h.") != std::string::npos) continue;
        const auto leaf = stem.substr(stem.rfind('.') + 1);
        if ((leaf == "embed_tokens" || leaf == "wte" || leaf == "embed_in") && c.vocab_size && c.hidden_size &&
            t.shape != Shape{c.vocab_size, c.hidden_size})
            shape_mismatch(t, {c.vocab_size, c.hidden_size});
        if ((leaf == "lm_head" || leaf == "embed_out") && c.vocab_size && c.hidden_size &&
            t.shape != Shape{c.vocab_size, c.hidden_size})
            shape_mismatch(t, {c.vocab_size, c.hidden_size});
    }
    return out;
}

bool is_fatal(const std::vector<ConfigMismatch>& mismatches) {
    return std::any_of(mismatches.begin(), mismatches.end(),
                       [](const ConfigMismatch& m) { return m.kind != ConfigMismatch::Kind::unexpected; });
}

}  // namespace lineage::weights
