// What each stored tensor is for, read from its name through a table of the naming conventions of
// the supported families (Hugging Face Llama-style `model.layers.{i}.self_attn.q_proj.weight`,
// GPT-2/NeoX/GPT-J/EXAONE styles, MoE experts, vision towers...). Every layer above uses this one
// classification: inspect counts parameters by component, the reference transformer binds weights,
// the weight probe pairs tensors of two models by role rather than by name.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "weights/core/tensor_info.h"

namespace lineage::weights {

enum class Role : std::uint8_t {
    token_embedding, position_embedding, lm_head, final_norm,
    attn_norm, mlp_norm, post_attn_norm, post_mlp_norm,   // pre-norms and sandwich/post norms
    q_proj, k_proj, v_proj, o_proj, qkv_proj,              // qkv_proj: fused (Phi-3, GPT-2 c_attn)
    q_norm, k_norm,                                        // per-head q/k RMSNorm (Qwen3)
    q_a_proj, q_a_norm, q_b_proj, kv_a_proj, kv_a_norm, kv_b_proj,  // latent attention (MLA)
    mlp_gate, mlp_up, mlp_down, mlp_gate_up,               // dense MLP; gate_up fused (Phi-3)
    router, router_bias,                                   // MoE gate and correction bias
    expert_gate, expert_up, expert_down, expert_gate_up,   // routed experts (per expert or fused 3-D)
    shared_expert_gate, shared_expert_up, shared_expert_down, shared_expert_router,
    vision, projector,                                     // tensors of other towers
    other,
};

// Coarse grouping used in reports and parameter counts.
enum class Component : std::uint8_t {
    embeddings, attention, mlp, experts, norms, lm_head, vision, projector, other,
};

struct TensorRole {
    Role role = Role::other;
    Component component = Component::other;
    int layer = -1;        // block index, -1 for tensors outside the blocks (in a tower: the
                           // tower's own block index, e.g. visual.blocks.{i})
    int expert = -1;       // expert index for per-expert tensors, -1 otherwise
    bool is_bias = false;  // a ".bias" rather than a ".weight"
    std::string tower;     // "" for the language model, else e.g. "vision" (tower name prefix)
};

// Classifies one tensor name; unknown names give Role::other (never throws).
// On its own a name cannot tell Llama's post_attention_layernorm (the pre-MLP norm) from Gemma 2's
// (a post-attention sandwich norm); classify_tensor assumes Llama.
TensorRole classify_tensor(std::string_view name);
// Classifies every tensor of a checkpoint, resolving what needs the other names: in blocks that
// also hold post_feedforward_layernorm, post_attention_layernorm becomes Role::post_attn_norm.
std::vector<TensorRole> classify_tensors(std::span<const TensorInfo> tensors);
// The name below its tower prefix ("model.visual.blocks.0.attn.qkv.weight" -> "blocks.0.attn.qkv.weight"),
// so towers stored under different prefixes pair by name; the name itself outside towers.
std::string_view tower_relative_name(std::string_view name);

std::string_view role_name(Role r);
std::string_view component_name(Component c);

}  // namespace lineage::weights
