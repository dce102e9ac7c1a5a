// The naming tables (gguf_names.h). Block tensor names follow llama.cpp's gguf-py
// tensor_mapping.py (MODEL_TENSOR -> "blk.{bid}.<name>"); the architectures that get q/k permuted
// are those converted by convert_hf_to_gguf.py's LlamaModel and its subclasses (undo_permute).
#include "weights/formats/gguf_names.h"

#include <array>
#include <charconv>

namespace lineage::weights {
namespace {

constexpr std::array<GgufArchitecture, 12> kArchitectures{{
    {"llama", false, "llama", "LlamaForCausalLM", true, ExpertNaming::qwen_moe},
    {"llama", true, "mixtral", "MixtralForCausalLM", true, ExpertNaming::mixtral},
    {"granite", false, "granite", "GraniteForCausalLM", true, ExpertNaming::qwen_moe},
    {"granitemoe", true, "granitemoe", "GraniteMoeForCausalLM", true, ExpertNaming::qwen_moe},
    {"minicpm", false, "minicpm", "MiniCPMForCausalLM", true, ExpertNaming::qwen_moe},
    {"smollm3", false, "smollm3", "SmolLM3ForCausalLM", true, ExpertNaming::qwen_moe},
    {"qwen2", false, "qwen2", "Qwen2ForCausalLM", false, ExpertNaming::qwen_moe},
    {"qwen3", false, "qwen3", "Qwen3ForCausalLM", false, ExpertNaming::qwen_moe},
    {"qwen2moe", true, "qwen2_moe", "Qwen2MoeForCausalLM", false, ExpertNaming::qwen_moe},
    {"qwen3moe", true, "qwen3_moe", "Qwen3MoeForCausalLM", false, ExpertNaming::qwen_moe},
    {"mistral3", false, "mistral", "MistralForCausalLM", true, ExpertNaming::qwen_moe},
    {"phi3", false, "phi3", "Phi3ForCausalLM", false, ExpertNaming::qwen_moe},
}};

struct NameRow {
    std::string_view gguf;  // without "blk.N." and without ".weight"/".bias"
    std::string_view hf;    // without "model.layers.N." and the suffix
};

constexpr std::array<NameRow, 3> kTopLevel{{
    {"token_embd", "model.embed_tokens"},
    {"output_norm", "model.norm"},
    {"output", "lm_head"},
}};

constexpr std::array<NameRow, 20> kBlock{{
    {"attn_norm", "input_layernorm"},
    {"attn_q", "self_attn.q_proj"},
    {"attn_k", "self_attn.k_proj"},
    {"attn_v", "self_attn.v_proj"},
    {"attn_qkv", "self_attn.qkv_proj"},  // phi3
    {"attn_output", "self_attn.o_proj"},
    {"attn_q_norm", "self_attn.q_norm"},  // qwen3
    {"attn_k_norm", "self_attn.k_norm"},
    {"ffn_norm", "post_attention_layernorm"},
    {"ffn_gate", "mlp.gate_proj"},
    {"ffn_up", "mlp.up_proj"},
    {"ffn_down", "mlp.down_proj"},
    {"ffn_gate_inp", "mlp.gate"},  // router
    {"ffn_gate_exps", "mlp.experts.{E}.gate_proj"},
    {"ffn_up_exps", "mlp.experts.{E}.up_proj"},
    {"ffn_down_exps", "mlp.experts.{E}.down_proj"},
    {"ffn_gate_shexp", "mlp.shared_expert.gate_proj"},
    {"ffn_up_shexp", "mlp.shared_expert.up_proj"},
    {"ffn_down_shexp", "mlp.shared_expert.down_proj"},
    {"ffn_gate_inp_shexp", "mlp.shared_expert_gate"},
}};

// Mixtral spells the MoE block differently.
constexpr std::array<NameRow, 4> kMixtralBlock{{
    {"ffn_gate_inp", "block_sparse_moe.gate"},
    {"ffn_gate_exps", "block_sparse_moe.experts.{E}.w1"},
    {"ffn_up_exps", "block_sparse_moe.experts.{E}.w3"},
    {"ffn_down_exps", "block_sparse_moe.experts.{E}.w2"},
}};

constexpr std::array<std::string_view, 1> kNoCounterpart{"rope_freqs.weight"};

// Splits "stem.weight" / "stem.bias"; false for other suffixes.
bool split_suffix(std::string_view name, std::string_view& stem, std::string_view& suffix) {
    for (std::string_view s : {".weight", ".bias"})
        if (name.size() > s.size() && name.ends_with(s)) {
            stem = name.substr(0, name.size() - s.size());
            suffix = s;
            return true;
        }
    return false;
}

// "blk.N.rest" -> N, rest.
bool split_block(std::string_view stem, std::string_view& layer, std::string_view& rest) {
    if (!stem.starts_with("blk.")) return false;
    const auto dot = stem.find('.', 4);
    if (dot == std::string_view::npos || dot == 4) return false;
    layer = stem.substr(4, dot - 4);
    unsigned value = 0;
    const auto [p, ec] = std::from_chars(layer.data(), layer.data() + layer.size(), value);
    if (ec != std::errc() || p != layer.data() + layer.size()) return false;
    rest = stem.substr(dot + 1);
    return true;
}

}  // namespace

const GgufArchitecture* gguf_architecture(std::string_view gguf_arch, bool with_experts) {
    const GgufArchitecture* any = nullptr;
    for (const auto& a : kArchitectures) {
        if (a.gguf_arch != gguf_arch) continue;
        if (a.with_experts == with_experts) return &a;
        any = &a;
    }
    return any;
}

std::optional<std::string> hf_tensor_name(std::string_view gguf_name, ExpertNaming experts) {
    for (auto n : kNoCounterpart)
        if (gguf_name == n) return std::nullopt;
    std::string_view stem, suffix, layer, rest;
    if (!split_suffix(gguf_name, stem, suffix)) return std::string(gguf_name);
    for (const auto& r : kTopLevel)
        if (stem == r.gguf) return std::string(r.hf) + std::string(suffix);
    if (!split_block(stem, layer, rest)) return std::string(gguf_name);
    const std::string prefix = "model.layers." + std::string(layer) + ".";
    if (experts == ExpertNaming::mixtral)
        for (const auto& r : kMixtralBlock)
            if (rest == r.gguf) return prefix + std::string(r.hf) + std::string(suffix);
    for (const auto& r : kBlock)
        if (rest == r.gguf) return prefix + std::string(r.hf) + std::string(suffix);
    return std::string(gguf_name);
}

char gguf_qk_role(std::string_view gguf_name) {
    std::string_view stem, suffix, layer, rest;
    if (!split_suffix(gguf_name, stem, suffix) || !split_block(stem, layer, rest)) return 0;
    return rest == "attn_q" ? 'q' : rest == "attn_k" ? 'k' : 0;
}

}  // namespace lineage::weights
