// The family traits table and the resolution of its config scalars (see family_traits.h).
#include "reference_model/architecture/family_traits.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <optional>

#include "weights/core/error.h"

namespace lineage::model {

namespace {

using P = PostNorms;
using E = EmbedScale;
using Q = QueryScale;

const std::array kTraits{
    FamilyTraits{.name = "Phi3ForCausalLM", .qkv = QkvLayout::concatenated, .fused_gate_up = true},
    FamilyTraits{.name = "GemmaForCausalLM", .embed_scale = E::sqrt_hidden},
    FamilyTraits{.name = "Gemma2ForCausalLM", .post_norms = P::required, .embed_scale = E::sqrt_hidden,
                 .query_scale = Q::query_pre_attn_scalar, .attn_softcapping = true, .final_softcapping = true},
    FamilyTraits{.name = "Gemma3ForCausalLM", .post_norms = P::required, .embed_scale = E::sqrt_hidden,
                 .query_scale = Q::query_pre_attn_scalar, .final_softcapping = true, .full_rope_theta = 1e6,
                 .sliding_rope_theta = 1e4},
    FamilyTraits{.name = "Gemma3ForConditionalGeneration", .post_norms = P::required, .embed_scale = E::sqrt_hidden,
                 .query_scale = Q::query_pre_attn_scalar, .full_rope_theta = 1e6,
                 .sliding_rope_theta = 1e4},
    FamilyTraits{.name = "VaetkiForCausalLM", .post_norms = P::required, .full_rope_theta = 1e6,
                 .sliding_rope_theta = 1e4, .sliding_theta_key = "rope_theta", .full_theta_key = "rope_theta_global",
                 .full_linear_factor_unscaled = 8.0},
    FamilyTraits{.name = "HyperCLOVAXForCausalLM", .post_norms = P::config, .embed_scale = E::embedding_multiplier,
                 .query_scale = Q::attention_multiplier, .mup_residual_and_logits = true},
    FamilyTraits{.name = "HCXVisionV2ForCausalLM", .post_norms = P::config, .embed_scale = E::embedding_multiplier,
                 .query_scale = Q::attention_multiplier, .mup_residual_and_logits = true},
    FamilyTraits{.name = "HyperCLOVAXVisionV2ForConditionalGeneration", .post_norms = P::config,
                 .embed_scale = E::embedding_multiplier, .query_scale = Q::attention_multiplier,
                 .mup_residual_and_logits = true},
    FamilyTraits{.name = "Exaone4ForCausalLM", .pre_norms = false, .post_norms = P::required,
                 .no_rope_on_full_layers = true},
    FamilyTraits{.name = "GPT2LMHeadModel", .qkv = QkvLayout::concatenated, .mlp = MlpKind::plain, .conv1d = true,
                 .learned_positions = true, .mlp_biases = true},
    FamilyTraits{.name = "GPTNeoXForCausalLM", .qkv = QkvLayout::per_head, .mlp = MlpKind::plain,
                 .residual = Residual::parallel, .mlp_biases = true},
    FamilyTraits{.name = "GPTJForCausalLM", .mlp = MlpKind::plain, .residual = Residual::parallel_one_norm,
                 .mlp_biases = true, .lm_head_bias = true},
};

// GPT-NeoX's residual is parallel unless config.use_parallel_residual is false (the row below
// and kNeoXSequential).
const FamilyTraits kNeoXSequential{.name = "GPTNeoXForCausalLM", .qkv = QkvLayout::per_head, .mlp = MlpKind::plain,
                                   .residual = Residual::sequential, .mlp_biases = true};

const FamilyTraits kLlama{.name = "LlamaForCausalLM"};

// A field of config.json, or of its text_config (a vision-language wrapper keeps the language
// model's multipliers there).
const JsonValue* field(const weights::ModelConfig& c, std::string_view key) {
    if (const JsonValue* v = c.raw.find(key); v && !v->is_null()) return v;
    if (const JsonValue* text = c.raw.find("text_config"); text && text->is_object()) return text->find(key);
    return nullptr;
}

std::optional<double> number(const weights::ModelConfig& c, std::string_view key, const std::string& where) {
    const JsonValue* v = field(c, key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_number()) throw InputError(where, "field '" + std::string(key) + "' must be a number");
    return v->as_double();
}

}  // namespace

const FamilyTraits& family_traits(std::string_view architecture) {
    for (const auto& t : kTraits)
        if (t.name == architecture) return t;
    return kLlama;
}

const FamilyTraits& family_traits(const weights::ModelConfig& config) {
    const FamilyTraits& t = family_traits(config.architecture);
    if (t.residual == Residual::parallel) {
        const JsonValue* v = field(config, "use_parallel_residual");
        if (v && v->is_bool() && !v->as_bool()) return kNeoXSequential;
    }
    return t;
}

float round_to_dtype(float v, std::string_view torch_dtype) {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(v);
    if (torch_dtype == "bfloat16") {  // round to nearest even on the top 16 bits
        const std::uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u;
        return std::bit_cast<float>(rounded);
    }
    if (torch_dtype == "float16") {  // 10 mantissa bits (normal range is enough for these scalars)
        const std::uint32_t rounded = (bits + 0xfffu + ((bits >> 13) & 1u)) & 0xffffe000u;
        return std::bit_cast<float>(rounded);
    }
    return v;
}

FamilyScalars resolve_family_scalars(const FamilyTraits& t, const weights::ModelConfig& c, std::int64_t head_dim,
                                     const std::string& where) {
    FamilyScalars s;
    auto positive = [&](std::string_view key, std::optional<double> fallback) {
        std::optional<double> v = number(c, key, where);
        if (!v) v = fallback;
        if (!v || !(*v > 0))
            throw InputError(where, std::string(t.name) + " needs a positive '" + std::string(key) + "'");
        return static_cast<float>(*v);
    };
    switch (t.embed_scale) {
        case EmbedScale::none: break;
        case EmbedScale::sqrt_hidden:
            s.embed_scale = round_to_dtype(std::sqrt(static_cast<float>(c.hidden_size)), c.torch_dtype);
            break;
        case EmbedScale::embedding_multiplier: s.embed_scale = positive("embedding_multiplier", 1.0); break;
    }
    switch (t.query_scale) {
        case QueryScale::head_dim: break;
        case QueryScale::query_pre_attn_scalar:
            s.attention_scale = 1.0f / std::sqrt(positive("query_pre_attn_scalar", static_cast<double>(head_dim)));
            break;
        case QueryScale::attention_multiplier:
            s.attention_scale = positive("attention_multiplier", 1.0 / std::sqrt(static_cast<double>(head_dim)));
            break;
    }
    if (t.mup_residual_and_logits) {
        s.residual_scale = positive("residual_multiplier", 1.0);
        s.logit_scale = positive("logits_scaling", 1.0);
    }
    if (t.attn_softcapping && number(c, "attn_logit_softcapping", where))
        s.attn_softcap = positive("attn_logit_softcapping", std::nullopt);
    if (t.final_softcapping && number(c, "final_logit_softcapping", where))
        s.final_softcap = positive("final_logit_softcapping", std::nullopt);
    switch (t.post_norms) {
        case PostNorms::none: break;
        case PostNorms::required: s.post_norms = true; break;
        case PostNorms::config: {
            const JsonValue* v = field(c, "use_post_norm");
            s.post_norms = !(v && v->is_bool()) || v->as_bool();
            break;
        }
    }
    return s;
}

}  // namespace lineage::model
