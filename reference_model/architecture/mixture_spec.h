// Mixture-of-experts and multi-head latent attention as data: the part of an architecture row that
// only MoE / MLA families have. The ArchitectureSpec table (architecture.h) lists every supported
// class; this table adds, for the classes that route tokens to experts or compress keys and values
// into a latent, the knobs that say how (which blocks are sparse, the router, shared experts, the
// attention kind) and the config.json keys that hold their sizes. `resolve_mixture` reads those
// keys once into MixtureParams, which the weight binding and the forward pass use; neither branches
// on an architecture name.
//
// Values checked against transformers 5.23's modeling_{qwen2_moe,qwen3_moe,mixtral,deepseek_v3,
// glm4_moe,solar_open,exaone_moe}.py and their configuration classes; VAETKI's row against its
// official vLLM plugin (github.com/wbl-ncai/VAETKI, vllm_plugin/vaetki/model.py), as there is no
// transformers class.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reference_model/backend/backend.h"
#include "weights/model_config.h"

namespace lineage::model {

// Which blocks hold a routed MoE instead of the dense MLP.
enum class SparseLayerRule : std::uint8_t {
    all_layers,       // every block (Mixtral, Solar Open)
    sparse_step,      // not in mlp_only_layers and (i + 1) % decoder_sparse_step == 0 (Qwen-MoE)
    first_k_dense,    // i >= first_k_dense_replace (DeepSeek-V3, GLM-4.5)
    mlp_layer_types,  // mlp_layer_types[i] == "sparse", else first_k_dense (EXAONE MoE)
    first_k_dense_every,  // i >= first_k_dense_replace and i % moe_layer_freq == 0 (default 1);
                          // every block dense when n_routed_experts is null (VAETKI)
};

enum class RouterKind : std::uint8_t {
    // p = softmax(h·Wr^T) over all experts; top-k of p; renormalised when norm_topk_prob
    // (Qwen-MoE, Mixtral).
    softmax_topk,
    // s = sigmoid(h·Wr^T); choice on s + e_score_correction_bias: groups ranked by the sum of
    // their top-2 biased scores, topk_group groups kept, top-k experts among them; weights are the
    // unbiased s of the chosen experts, renormalised when norm_topk_prob (+1e-20), times
    // routed_scaling_factor (DeepSeek-V3, GLM-4.5, Solar Open, EXAONE MoE).
    sigmoid_grouped,
    // s = sigmoid(h·Wr^T); top-k of s itself (no groups, no correction bias); weights s of the
    // chosen experts, renormalised when norm_topk_prob (+1e-20), times routed_scaling_factor
    // (VAETKI: its vLLM plugin replaces the grouped top-k with this).
    sigmoid_topk,
};

enum class SharedExpertKind : std::uint8_t {
    none,
    plain,          // + shared_experts(h), size moe_intermediate_size · n_shared (DeepSeek, GLM)
    sigmoid_gated,  // + sigmoid(h·w_gate^T) · shared_expert(h), size
                    // shared_expert_intermediate_size (Qwen2-MoE)
};

enum class AttentionKind : std::uint8_t {
    standard,  // q/k/v/o projections (GQA)
    latent,    // DeepSeek MLA: q_a/q_b (or q_proj), kv_a_proj_with_mqa, kv_b, decoupled RoPE dims
};

struct MixtureSpec {
    std::string_view name;  // config.architectures[0], as in the ArchitectureSpec table
    SparseLayerRule sparse_layers;
    RouterKind router;
    SharedExpertKind shared;
    bool renormalize_default;  // norm_topk_prob when config.json does not say
    AttentionKind attention;
    bool rope_on_sliding_only;  // full-attention blocks take no RoPE when sliding_window is set
                                // (EXAONE MoE)
    std::string_view
        qk_norm_key;  // config key that switches per-head q/k norm on ("" = the row decides)
    std::string_view
        qkv_bias_key;  // config key for q/k/v biases overriding the row's bias rule ("" = none)
    bool qkv_bias_default;
    // Latent attention's q_a / kv_a norms: false = DeepSeek's (w, eps 1e-6, the class default);
    // true = Gemma-style (1+w) with config.rms_norm_eps (VAETKI).
    bool latent_norms_plus_one = false;
    // YaRN's mscale² in the attention scale only on full-attention blocks; sliding blocks keep
    // qk_head_dim^-0.5 (VAETKI, whose sliding blocks take no rope_scaling).
    bool mscale_on_full_layers_only = false;
};

// Everything the binding and forward pass need, read from config.json once.
struct MixtureParams {
    const MixtureSpec* spec = nullptr;
    std::vector<bool> sparse;  // per block: routed MoE (true) or dense MLP
    std::int64_t experts = 0, top_k = 0;
    std::int64_t expert_intermediate = 0;  // moe_intermediate_size (Mixtral: intermediate_size)
    std::int64_t shared_intermediate = 0;  // 0 = no shared expert
    bool renormalize = false;
    float routed_scaling = 1.0f;
    std::int64_t groups = 1, topk_groups = 1;
    std::optional<bool> qk_norm;    // overrides the row when set
    std::optional<bool> qkv_bias;   // overrides the row's bias rule when set
    std::int64_t extra_layers = 0;  // multi-token-prediction blocks stored after the last (ignored)
    // Latent attention (attention == latent).
    std::int64_t q_lora_rank = 0;  // 0 = plain q_proj
    std::int64_t kv_lora_rank = 0, qk_rope_dim = 0, qk_nope_dim = 0, v_head_dim = 0;
    bool rope_interleaved = false;
    float attention_scale = 0.0f;  // qk_head_dim^-0.5 · mscale² (YaRN mscale_all_dim)
    float sliding_attention_scale = 0.0f;  // sliding blocks' scale when it differs (0: the same)
    float latent_norm_eps = 1e-6f;
    bool latent_norm_plus_one = false;

    bool latent() const { return spec && spec->attention == AttentionKind::latent; }
    std::int64_t qk_head_dim() const { return qk_nope_dim + qk_rope_dim; }
};

std::span<const MixtureSpec> mixture_architectures();
// The MoE/MLA row of `architecture`, or nullptr for a dense family.
const MixtureSpec* find_mixture(std::string_view architecture);
// Reads the sizes and switches of `spec` from `config` for a model of `layers` blocks; throws
// InputError naming `where` for missing or inconsistent fields (top_k > experts, experts not a
// multiple of n_group, ...).
MixtureParams resolve_mixture(const MixtureSpec& spec, const weights::ModelConfig& config,
                              std::int64_t layers, const std::string& where);

}  // namespace lineage::model
