// The MoE / MLA table and its config reader (see mixture_spec.h).
#include "reference_model/architecture/mixture_spec.h"

#include <array>
#include <cmath>

#include "weights/core/error.h"

namespace lineage::model {

namespace {

using L = SparseLayerRule;
using R = RouterKind;
using S = SharedExpertKind;
using A = AttentionKind;

// clang-format off
constexpr std::array kMixtures{
    //          name                     sparse blocks     router            shared           renorm attention     rope sliding only qk_norm key    qkv_bias key default
    MixtureSpec{"Qwen2MoeForCausalLM",   L::sparse_step,   R::softmax_topk,   S::sigmoid_gated, false, A::standard, false, "",            "qkv_bias", true},
    MixtureSpec{"Qwen3MoeForCausalLM",   L::sparse_step,   R::softmax_topk,   S::none,          false, A::standard, false, "",            "",         false},
    MixtureSpec{"MixtralForCausalLM",    L::all_layers,    R::softmax_topk,   S::none,          true,  A::standard, false, "",            "",         false},
    MixtureSpec{"DeepseekV3ForCausalLM", L::first_k_dense, R::sigmoid_grouped, S::plain,        true,  A::latent,   false, "",            "",         false},
    MixtureSpec{"Glm4MoeForCausalLM",    L::first_k_dense, R::sigmoid_grouped, S::plain,        true,  A::standard, false, "use_qk_norm", "",         false},
    MixtureSpec{"SolarOpenForCausalLM",  L::all_layers,    R::sigmoid_grouped, S::plain,        true,  A::standard, false, "",            "",         false},
    MixtureSpec{"ExaoneMoeForCausalLM",  L::mlp_layer_types, R::sigmoid_grouped, S::plain,      true,  A::standard, true,  "",            "",         false},
    //          + latent norms (1+w), mscale on full blocks only
    MixtureSpec{"VaetkiForCausalLM",     L::first_k_dense_every, R::sigmoid_topk, S::plain,     true,  A::latent,   false, "",            "",         false, true, true},
};
// clang-format on

std::optional<std::int64_t> integer(const JsonValue& raw, std::string_view key) {
    const JsonValue* v = raw.find(key);
    if (!v || v->is_null()) return std::nullopt;
    return v->as_int();
}

std::optional<double> number(const JsonValue& raw, std::string_view key) {
    const JsonValue* v = raw.find(key);
    if (!v || !v->is_number()) return std::nullopt;
    return v->as_double();
}

std::optional<bool> boolean(const JsonValue& raw, std::string_view key) {
    const JsonValue* v = raw.find(key);
    if (!v || !v->is_bool()) return std::nullopt;
    return v->as_bool();
}

double yarn_mscale(double scale, double mscale) {
    return scale <= 1 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

}  // namespace

std::span<const MixtureSpec> mixture_architectures() {
    return kMixtures;
}

const MixtureSpec* find_mixture(std::string_view architecture) {
    for (const auto& m : kMixtures)
        if (m.name == architecture) return &m;
    return nullptr;
}

MixtureParams resolve_mixture(const MixtureSpec& spec, const weights::ModelConfig& c,
                              std::int64_t layers, const std::string& where) {
    const JsonValue& raw = c.raw;
    MixtureParams p;
    p.spec = &spec;
    p.experts = c.num_experts;
    p.top_k = c.num_experts_per_tok;
    // Mixtral's experts are intermediate_size wide; the others name the expert width separately.
    p.expert_intermediate =
        c.moe_intermediate_size > 0 ? c.moe_intermediate_size : c.intermediate_size;
    // VAETKI without n_routed_experts: every block dense, nothing to route.
    const bool no_experts = spec.sparse_layers == SparseLayerRule::first_k_dense_every && p.experts <= 0;
    if (no_experts) p.experts = p.top_k = 0;
    else if (p.experts <= 0 || p.top_k <= 0 || p.top_k > p.experts || p.expert_intermediate <= 0)
        throw InputError(where, "mixture of experts: num_experts " + std::to_string(p.experts) +
                                    ", num_experts_per_tok " + std::to_string(p.top_k) +
                                    ", expert width " + std::to_string(p.expert_intermediate) +
                                    " (need 0 < top-k <= experts and a positive width)");
    if (spec.shared != SharedExpertKind::none && !no_experts)
        p.shared_intermediate = c.shared_expert_intermediate_size;
    p.renormalize = boolean(raw, "norm_topk_prob").value_or(spec.renormalize_default);
    p.routed_scaling = static_cast<float>(number(raw, "routed_scaling_factor").value_or(1.0));
    if (spec.router == RouterKind::sigmoid_grouped) {
        p.groups = integer(raw, "n_group").value_or(1);
        p.topk_groups = integer(raw, "topk_group").value_or(1);
        if (p.groups <= 0 || p.experts % p.groups != 0 || p.topk_groups <= 0 ||
            p.topk_groups > p.groups || (p.groups > 1 && p.experts / p.groups < 2) ||
            p.top_k > p.topk_groups * (p.experts / p.groups))
            throw InputError(where, "router groups: n_group " + std::to_string(p.groups) +
                                        ", topk_group " + std::to_string(p.topk_groups) +
                                        " do not fit " + std::to_string(p.experts) +
                                        " experts with top-" + std::to_string(p.top_k));
    }
    if (!spec.qk_norm_key.empty()) p.qk_norm = boolean(raw, spec.qk_norm_key).value_or(false);
    if (!spec.qkv_bias_key.empty())
        p.qkv_bias = boolean(raw, spec.qkv_bias_key).value_or(spec.qkv_bias_default);
    p.extra_layers = integer(raw, "num_nextn_predict_layers")
                         .value_or(integer(raw, "num_mtp_layers").value_or(0));

    // Which blocks are sparse.
    p.sparse.assign(static_cast<std::size_t>(layers), true);
    const std::int64_t first_dense = integer(raw, "first_k_dense_replace").value_or(0);
    switch (spec.sparse_layers) {
        case SparseLayerRule::all_layers:
            break;
        case SparseLayerRule::sparse_step: {
            const std::int64_t step = integer(raw, "decoder_sparse_step").value_or(1);
            if (step <= 0) throw InputError(where, "decoder_sparse_step must be positive");
            for (std::int64_t i = 0; i < layers; ++i)
                p.sparse[static_cast<std::size_t>(i)] = (i + 1) % step == 0;
            if (const JsonValue* only = raw.find("mlp_only_layers"); only && only->is_array())
                for (const JsonValue& v : only->as_array())
                    if (v.is_number() && v.as_int() >= 0 && v.as_int() < layers)
                        p.sparse[static_cast<std::size_t>(v.as_int())] = false;
            break;
        }
        case SparseLayerRule::mlp_layer_types:
            if (const JsonValue* types = raw.find("mlp_layer_types"); types && types->is_array()) {
                if (static_cast<std::int64_t>(types->as_array().size()) != layers)
                    throw InputError(
                        where, "mlp_layer_types has " + std::to_string(types->as_array().size()) +
                                   " entries for " + std::to_string(layers) + " layers");
                for (std::size_t i = 0; i < p.sparse.size(); ++i) {
                    const JsonValue& t = types->as_array()[i];
                    p.sparse[i] = t.is_string() && t.as_string() == "sparse";
                }
                break;
            }
            [[fallthrough]];
        case SparseLayerRule::first_k_dense:
            for (std::int64_t i = 0; i < layers && i < first_dense; ++i)
                p.sparse[static_cast<std::size_t>(i)] = false;
            break;
        case SparseLayerRule::first_k_dense_every: {
            const std::int64_t every = integer(raw, "moe_layer_freq").value_or(1);
            if (every <= 0) throw InputError(where, "moe_layer_freq must be positive");
            for (std::int64_t i = 0; i < layers; ++i)
                p.sparse[static_cast<std::size_t>(i)] = !no_experts && i >= first_dense && i % every == 0;
            break;
        }
    }

    if (spec.attention == AttentionKind::latent) {
        p.q_lora_rank = integer(raw, "q_lora_rank").value_or(0);
        p.kv_lora_rank = integer(raw, "kv_lora_rank").value_or(0);
        p.qk_rope_dim = integer(raw, "qk_rope_head_dim").value_or(0);
        p.qk_nope_dim = integer(raw, "qk_nope_head_dim").value_or(0);
        p.v_head_dim = integer(raw, "v_head_dim").value_or(0);
        if (p.q_lora_rank < 0 || p.kv_lora_rank <= 0 || p.qk_rope_dim <= 0 ||
            p.qk_rope_dim % 2 != 0 || p.qk_nope_dim < 0 || p.v_head_dim <= 0 ||
            p.v_head_dim > p.qk_head_dim())
            throw InputError(
                where,
                "latent attention: kv_lora_rank " + std::to_string(p.kv_lora_rank) +
                    ", qk_rope_head_dim " + std::to_string(p.qk_rope_dim) + ", qk_nope_head_dim " +
                    std::to_string(p.qk_nope_dim) + ", v_head_dim " + std::to_string(p.v_head_dim) +
                    " (need positive sizes, an even RoPE width and v_head_dim <= qk_head_dim)");
        if (c.attention_bias)
            throw UnsupportedError(where,
                                   "latent attention with attention_bias is not implemented by the "
                                   "reference transformer");
        p.rope_interleaved = boolean(raw, "rope_interleave").value_or(true);
        // DeepseekV3Attention: scaling = qk_head_dim^-0.5, times mscale² when a scaled RoPE sets
        // mscale_all_dim (yarn_get_mscale(factor, mscale_all_dim)).
        double scale = 1.0 / std::sqrt(static_cast<double>(p.qk_head_dim()));
        if (c.rope_scaling && c.rope_scaling->type != "default" && c.rope_scaling->mscale_all_dim &&
            *c.rope_scaling->mscale_all_dim != 0) {
            const double m = yarn_mscale(c.rope_scaling->factor, *c.rope_scaling->mscale_all_dim);
            scale *= m * m;
        }
        p.attention_scale = static_cast<float>(scale);
        if (spec.mscale_on_full_layers_only)
            p.sliding_attention_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(p.qk_head_dim())));
        if (spec.latent_norms_plus_one) {
            p.latent_norm_plus_one = true;
            p.latent_norm_eps = static_cast<float>(c.norm_eps);
        }
    }
    return p;
}

}  // namespace lineage::model
