// config.json as an architecture-neutral model description. Known fields are parsed into typed
// members (with the defaults transformers applies when a field is absent); every field, known or
// not, is kept in `raw` so nothing is lost. Sub-configs (text_config, vision_config, ...) are parsed
// the same way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weights/core/json_value.h"

namespace lineage::weights {

// rope_scaling / rope_parameters, every field transformers reads for the supported families.
struct RopeScaling {
    std::string type;  // "default", "linear", "dynamic", "yarn", "llama3", "longrope", ...
    double factor = 1.0;
    std::optional<double> original_max_position_embeddings;
    std::optional<double> low_freq_factor, high_freq_factor;  // llama3
    std::optional<double> beta_fast, beta_slow;               // yarn
    std::optional<double> attention_factor, mscale, mscale_all_dim;
    std::optional<bool> truncate;                             // yarn (transformers >= 4.57)
};

struct ModelConfig {
    std::string architecture;  // architectures[0], e.g. "LlamaForCausalLM"
    std::string model_type;    // e.g. "llama"
    std::int64_t hidden_size = 0;
    std::int64_t num_layers = 0;           // num_hidden_layers
    std::int64_t num_heads = 0;            // num_attention_heads
    std::int64_t num_kv_heads = 0;         // num_key_value_heads (defaults to num_heads)
    std::int64_t head_dim = 0;             // head_dim (defaults to hidden_size / num_heads)
    std::int64_t intermediate_size = 0;
    std::int64_t vocab_size = 0;
    std::int64_t max_position_embeddings = 0;
    double norm_eps = 1e-6;                // rms_norm_eps / layer_norm_eps / ...
    double rope_theta = 10000.0;
    std::optional<RopeScaling> rope_scaling;
    bool tie_word_embeddings = false;
    bool attention_bias = false;
    std::optional<std::int64_t> sliding_window;
    std::string hidden_act = "silu";
    std::string torch_dtype;               // torch_dtype / dtype as written
    // Mixture of experts (0 when dense).
    std::int64_t num_experts = 0;
    std::int64_t num_experts_per_tok = 0;
    std::int64_t moe_intermediate_size = 0;
    std::int64_t shared_expert_intermediate_size = 0;

    JsonValue raw;                                // the whole object, unknown fields included
    std::map<std::string, ModelConfig> sub_configs;  // text_config, vision_config, ...

    // Throws InputError naming `path` for unreadable/invalid JSON or ill-typed known fields.
    static ModelConfig load(const std::filesystem::path& path);
    static ModelConfig from_json(const JsonValue& object, const std::string& where);
};

}  // namespace lineage::weights
