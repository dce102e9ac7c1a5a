// What a family changes in the block around the Llama baseline beyond the ArchitectureSpec row:
// where the norms sit (pre, post-only, sandwich, optional peri-LN post norms), fused projections
// that must be split, muP multipliers, Gemma's embedding scale, soft-capping and query scaling,
// and layers without RoPE. One row per architecture class; classes without a row behave as Llama.
// The scalar knobs are read from config.json once (resolve_family_scalars) so the forward never
// looks at an architecture name.
//
// Rows (checked against transformers 5.23 modeling_{phi3,gemma,gemma2,hyperclovax,exaone4}.py and
// EXAONE 3.x's published modeling_exaone.py, which is Llama with other tensor names):
//   Phi3ForCausalLM        qkv_proj rows [q; k; v], gate_up_proj rows [gate; up]
//   GemmaForCausalLM       embeddings · sqrt(hidden) rounded to the model dtype
//   Gemma2ForCausalLM      + sandwich norms, query_pre_attn_scalar^-0.5, tanh soft-capping of
//                          attention scores and final logits
//   Gemma3ForCausalLM      Gemma 2's sandwich norms, scale and query_pre_attn_scalar, plus (1+w) q/k
//                          norms (row) and a RoPE per layer type: sliding layers rotate with
//                          rope_local_base_freq (default 1e4, no scaling), full layers with
//                          rope_theta (default 1e6) and rope_scaling; logits soft-capped only when
//                          the config sets final_logit_softcapping (null by default); attention
//                          never (transformers 5.23 ignores attn_logit_softcapping for Gemma 3)
//   HyperCLOVAXForCausalLM muP: embeddings · embedding_multiplier, attention scale
//                          attention_multiplier, sub-layer outputs · residual_multiplier, logits ·
//                          logits_scaling; post norms after each sub-layer when use_post_norm
//   Exaone4ForCausalLM     post norms only (no pre-norms); full-attention layers of a hybrid
//                          (sliding_window set) have no RoPE
//   GPT2LMHeadModel        LayerNorm (row NormKind::layer_norm), learned positions and no RoPE,
//                          Conv1D matrices stored [in, out], c_attn rows [q; k; v], plain MLP
//   GPTNeoXForCausalLM     parallel residual (use_parallel_residual, default true) with two norms,
//                          query_key_value rows per head, partial rotary (rotary_pct), plain MLP
//   GPTJForCausalLM        parallel residual from one norm, interleaved partial rotary
//                          (rotary_dim), plain MLP, lm_head bias
//   Gemma3ForConditionalGeneration  Gemma3ForCausalLM's row for the language model in text_config,
//                          except that its lm_head output is never soft-capped (transformers 5.23
//                          Gemma3ForConditionalGeneration.forward)
//   VaetkiForCausalLM      (no transformers class; its official vLLM plugin, vllm_plugin/vaetki/
//                          model.py) sandwich norms (input / post_attention / pre_mlp / post_mlp,
//                          all (1+w)); sliding layers rotate with rope_theta (default 1e4), full
//                          layers with rope_theta_global (default 1e6) and rope_scaling, or, when
//                          rope_scaling is null, with frequencies / 8 (linear factor 8); no
//                          embedding scale (MLA and MoE: mixture_spec.h)
// Rows checked against transformers 5.23 modeling_gemma3.py / configuration_gemma3.py as well.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "weights/model_config.h"

namespace lineage::model {

enum class PostNorms : std::uint8_t {
    none,      // Llama: pre-norms only
    required,  // Gemma 2, Exaone 4: post_attn_norm and post_mlp_norm in every block
    config,    // HyperCLOVAX: present when config.use_post_norm (default true)
};

enum class EmbedScale : std::uint8_t {
    none,
    sqrt_hidden,           // Gemma: · sqrt(hidden_size), rounded to config.torch_dtype
    embedding_multiplier,  // muP: · config.embedding_multiplier
};

enum class QueryScale : std::uint8_t {
    head_dim,               // 1/sqrt(head_dim)
    query_pre_attn_scalar,  // Gemma 2/3: 1/sqrt(config.query_pre_attn_scalar)
    attention_multiplier,   // muP: config.attention_multiplier (default 1/sqrt(head_dim))
};

enum class QkvLayout : std::uint8_t {
    separate,      // q_proj, k_proj, v_proj
    concatenated,  // one matrix, rows [q; k; v] (Phi-3; GPT-2's c_attn once transposed)
    per_head,      // one matrix, rows [head 0: q, k, v; head 1: q, k, v; ...] (GPT-NeoX)
};

enum class MlpKind : std::uint8_t {
    gated,  // down(act(gate(x)) · up(x))            Llama and most
    plain,  // down(act(up(x)))                     GPT-2 c_fc/c_proj, NeoX dense_h_to_4h, GPT-J fc_in
};

enum class Residual : std::uint8_t {
    sequential,     // x += attn(n1(x)); x += mlp(n2(x))
    parallel,       // x += attn(n1(x)) + mlp(n2(x))   GPT-NeoX use_parallel_residual
    parallel_one_norm,  // x += attn(n1(x)) + mlp(n1(x))  GPT-J
};

struct FamilyTraits {
    std::string_view name;
    bool pre_norms = true;            // input_layernorm / pre-MLP norm
    PostNorms post_norms = PostNorms::none;
    QkvLayout qkv = QkvLayout::separate;
    bool fused_gate_up = false;       // one [gate; up] projection (Phi-3)
    EmbedScale embed_scale = EmbedScale::none;
    QueryScale query_scale = QueryScale::head_dim;
    bool mup_residual_and_logits = false;  // residual_multiplier, logits_scaling
    // Soft-capping, when config.json sets the cap: of attention scores (attn_logit_softcapping,
    // Gemma 2 only: transformers 5.23's Gemma 3 attention never passes it on) and of the logits
    // (final_logit_softcapping: Gemma 2 and Gemma3ForCausalLM; Gemma3ForConditionalGeneration's
    // lm_head output is never capped).
    bool attn_softcapping = false;
    bool final_softcapping = false;
    bool no_rope_on_full_layers = false;   // Exaone 4 hybrids: global layers are NoPE
    // RoPE per layer type (Gemma 3): nonzero = sliding and full layers each have their own
    // frequencies; these are the bases when config.json does not say (layer_rope.h).
    double full_rope_theta = 0.0, sliding_rope_theta = 0.0;
    // Where config.json keeps those bases when rope_parameters does not nest one object per layer
    // type, and the linear factor full layers take when rope_scaling is null (0: none).
    std::string_view sliding_theta_key = "rope_local_base_freq", full_theta_key = "rope_theta";
    double full_linear_factor_unscaled = 0.0;
    // The GPT lineage.
    MlpKind mlp = MlpKind::gated;
    Residual residual = Residual::sequential;
    bool conv1d = false;              // matrices stored [in, out] (GPT-2's Conv1D), transposed on load
    bool learned_positions = false;   // wpe added to the embeddings; no RoPE (GPT-2)
    bool mlp_biases = false;          // MLP biases whatever config.mlp_bias says
    bool lm_head_bias = false;        // GPT-J
};

// The row for `architecture`, or the Llama defaults.
const FamilyTraits& family_traits(std::string_view architecture);
// The row for config.architecture with what config.json switches (GPT-NeoX's use_parallel_residual).
const FamilyTraits& family_traits(const weights::ModelConfig& config);

// The numbers the traits ask config.json for, resolved once.
struct FamilyScalars {
    float embed_scale = 1.0f;
    float attention_scale = 0.0f;     // 0: 1/sqrt(head_dim)
    float residual_scale = 1.0f;
    float logit_scale = 1.0f;
    float attn_softcap = 0.0f;        // 0: none
    float final_softcap = 0.0f;
    bool post_norms = false;          // post norms are bound and applied
};

// Throws InputError naming `where` for a missing or non-positive value the family requires.
FamilyScalars resolve_family_scalars(const FamilyTraits& traits, const weights::ModelConfig& config,
                                     std::int64_t head_dim, const std::string& where);

// `v` rounded to the float type `torch_dtype` names ("bfloat16", "float16"; others: unchanged),
// as torch does when it builds a scalar tensor in that dtype.
float round_to_dtype(float v, std::string_view torch_dtype);

}  // namespace lineage::model
