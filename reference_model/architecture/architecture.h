// Decoder-only transformer families as data. One row per Hugging Face architecture class says how
// its blocks differ from the Llama baseline (norm kind, RoPE pairing, where biases are, q/k norms,
// sliding windows, the tie default, the MLP activation). The transformer reads the row; it never
// branches on an architecture name. Adding a family that fits these knobs is one row here
// (MoE, MLA, GPT-2 and others add knobs in later issues).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "reference_model/backend/backend.h"

namespace lineage::model {

enum class NormKind : std::uint8_t {
    rms,           // y = x / rms(x) · w          (Llama, Mistral, Qwen)
    rms_plus_one,  // y = x / rms(x) · (1 + w)    (Gemma)
    layer_norm,    // y = (x − mean) / std · w + b (GPT-2, GPT-NeoX, GPT-J)
};

// Which of q/k/v/o carry a bias.
enum class BiasRule : std::uint8_t {
    none,            // never (Qwen3 when attention_bias is false, Mistral)
    config_all,      // q/k/v/o when config.attention_bias (Llama)
    always_qkv,      // q/k/v always, o never (Qwen2)
    config_qkv,      // q/k/v when config.attention_bias, o never (Qwen3)
};

// Which layers use a sliding window of config.sliding_window.
enum class SlidingRule : std::uint8_t {
    none,         // never
    all_layers,   // every layer when sliding_window is set (Mistral)
    layer_types,  // layers whose config.layer_types[i] is "sliding_attention" (Qwen2, Qwen3)
    layer_types_or_pattern,  // layer_types, else every sliding_window_pattern-th layer (default 6)
                             // is full and the others slide (Gemma 3; see layer_types.h)
};

struct ArchitectureSpec {
    std::string_view name;      // config.architectures[0]
    NormKind norm;
    RopeStyle rope_style;
    BiasRule bias;
    bool qk_norm;               // per-head RMSNorm of q and k before RoPE (Qwen3)
    SlidingRule sliding;
    bool tie_default;           // tie_word_embeddings when config.json does not say
    Activation activation;      // default MLP activation (config.hidden_act overrides)
};

// Every supported architecture, in the order error messages list them.
std::span<const ArchitectureSpec> supported_architectures();
// The row for `name`; throws UnsupportedError "<where>: architecture 'X' is not supported
// (supported: A, B, ...)".
const ArchitectureSpec& find_architecture(std::string_view name, std::string_view where);
// "LlamaForCausalLM, MistralForCausalLM, ..."
std::string supported_architecture_list();
// config.hidden_act -> Activation; throws UnsupportedError naming `where` for others.
Activation parse_activation(std::string_view hidden_act, std::string_view where);

}  // namespace lineage::model
