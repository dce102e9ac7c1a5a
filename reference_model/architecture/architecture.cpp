// The architecture table (see architecture.h). Values checked against transformers 5.23's
// modeling_{llama,mistral,qwen2,qwen3}.py (dense families: family_traits.h; MoE/MLA rows: see mixture_spec.cpp) and their configuration defaults.
#include "reference_model/architecture/architecture.h"

#include <array>

#include "weights/core/error.h"

namespace lineage::model {

namespace {

using N = NormKind;
using B = BiasRule;
using S = SlidingRule;
using R = RopeStyle;
using A = Activation;

constexpr std::array kArchitectures{
    //               name                  norm    rope     bias           qk_norm sliding         tie    activation
    ArchitectureSpec{"LlamaForCausalLM",   N::rms, R::neox, B::config_all, false,  S::none,        false, A::silu},
    ArchitectureSpec{"MistralForCausalLM", N::rms, R::neox, B::none,       false,  S::all_layers,  false, A::silu},
    ArchitectureSpec{"Qwen2ForCausalLM",   N::rms, R::neox, B::always_qkv, false,  S::layer_types, false, A::silu},
    ArchitectureSpec{"Qwen3ForCausalLM",   N::rms, R::neox, B::config_qkv, true,   S::layer_types, false, A::silu},
    // Dense families whose block differences beyond these knobs are in family_traits.h.
    ArchitectureSpec{"Phi3ForCausalLM",        N::rms,          R::neox, B::none,       false, S::all_layers,  false, A::silu},
    ArchitectureSpec{"GemmaForCausalLM",       N::rms_plus_one, R::neox, B::config_all, false, S::none,        true,  A::gelu_tanh},
    ArchitectureSpec{"Gemma2ForCausalLM",      N::rms_plus_one, R::neox, B::config_all, false, S::layer_types, true,  A::gelu_tanh},
    ArchitectureSpec{"Gemma3ForCausalLM",      N::rms_plus_one, R::neox, B::config_all, true,  S::layer_types_or_pattern, true, A::gelu_tanh},
    // Gemma 3's vision-language wrapper: its language model (text_config) runs, text only; the
    // SigLIP tower and projector are inspected and compared as their own components.
    ArchitectureSpec{"Gemma3ForConditionalGeneration", N::rms_plus_one, R::neox, B::config_all, true, S::layer_types_or_pattern, true, A::gelu_tanh},
    ArchitectureSpec{"HyperCLOVAXForCausalLM", N::rms,          R::neox, B::config_all, false, S::none,        false, A::silu},
    // HyperCLOVA X SEED vision-language models: the language model runs; the vision tower and
    // projector are inspected and compared as their own components (text_config holds the LM).
    ArchitectureSpec{"HCXVisionV2ForCausalLM", N::rms,          R::neox, B::config_all, false, S::none,        false, A::silu},
    ArchitectureSpec{"HyperCLOVAXVisionV2ForConditionalGeneration", N::rms, R::neox, B::config_all, false, S::none, false, A::silu},
    ArchitectureSpec{"ExaoneForCausalLM",      N::rms,          R::neox, B::none,       false, S::none,        true,  A::silu},
    ArchitectureSpec{"Exaone4ForCausalLM",     N::rms,          R::neox, B::none,       true,  S::layer_types, false, A::silu},
    // The GPT lineage (Polyglot-Ko is GPT-NeoX, KoGPT is GPT-J); LayerNorm, plain MLP (family_traits.h).
    ArchitectureSpec{"GPT2LMHeadModel",        N::layer_norm,   R::neox,        B::config_all, false, S::none, true,  A::gelu_tanh},
    ArchitectureSpec{"GPTNeoXForCausalLM",     N::layer_norm,   R::neox,        B::config_all, false, S::none, false, A::gelu},
    ArchitectureSpec{"GPTJForCausalLM",        N::layer_norm,   R::interleaved, B::none,       false, S::none, false, A::gelu_tanh},
    // Mixture-of-experts / latent-attention classes: their MoE and MLA knobs are in mixture_spec.cpp.
    ArchitectureSpec{"Qwen2MoeForCausalLM", N::rms, R::neox, B::always_qkv, false, S::layer_types, false, A::silu},
    ArchitectureSpec{"Qwen3MoeForCausalLM", N::rms, R::neox, B::config_all, true,  S::layer_types, false, A::silu},
    ArchitectureSpec{"MixtralForCausalLM",  N::rms, R::neox, B::none,       false, S::all_layers,  false, A::silu},
    ArchitectureSpec{"DeepseekV3ForCausalLM", N::rms, R::interleaved, B::none, false, S::none,     false, A::silu},
    ArchitectureSpec{"Glm4MoeForCausalLM",  N::rms, R::neox, B::config_qkv, false, S::none,        false, A::silu},
    ArchitectureSpec{"SolarOpenForCausalLM", N::rms, R::neox, B::config_qkv, false, S::none,       false, A::silu},
    ArchitectureSpec{"ExaoneMoeForCausalLM", N::rms, R::neox, B::none,      true,  S::layer_types, false, A::silu},
    // NC AI VAETKI (remote code / vLLM plugin only): MLA, (1+w) norms everywhere, sandwich norms,
    // sliding/full blocks from layer_types with a RoPE base each (family_traits.h), ungrouped
    // sigmoid router (mixture_spec.h).
    ArchitectureSpec{"VaetkiForCausalLM",   N::rms_plus_one, R::interleaved, B::none, false, S::layer_types, false, A::silu},
};

struct ActivationName {
    std::string_view name;
    Activation activation;
};

// transformers' ACT2FN names used by the supported families.
constexpr std::array kActivations{
    ActivationName{"silu", Activation::silu},
    ActivationName{"swish", Activation::silu},
    ActivationName{"gelu", Activation::gelu},
    ActivationName{"gelu_pytorch_tanh", Activation::gelu_tanh},
    ActivationName{"gelu_new", Activation::gelu_tanh},
    ActivationName{"relu", Activation::relu},
};

}  // namespace

std::span<const ArchitectureSpec> supported_architectures() { return kArchitectures; }

std::string supported_architecture_list() {
    std::string s;
    for (const auto& a : kArchitectures) s += (s.empty() ? "" : ", ") + std::string(a.name);
    return s;
}

const ArchitectureSpec& find_architecture(std::string_view name, std::string_view where) {
    for (const auto& a : kArchitectures)
        if (a.name == name) return a;
    throw UnsupportedError(where, "architecture '" + std::string(name) +
                                      "' is not supported by the reference transformer (supported: " +
                                      supported_architecture_list() + ")");
}

Activation parse_activation(std::string_view hidden_act, std::string_view where) {
    for (const auto& a : kActivations)
        if (a.name == hidden_act) return a.activation;
    throw UnsupportedError(where, "hidden_act '" + std::string(hidden_act) + "' is not supported");
}

}  // namespace lineage::model
