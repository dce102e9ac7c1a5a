// Tensor name -> role, through tables of the naming conventions of the supported families.
// A name is read in three steps:
//   1. tower prefixes (vision encoders, multimodal projectors, audio encoders) claim whole subtrees;
//   2. a block marker "<layers|h|blocks|block|layer>.<i>." gives the layer index, and the rest of the
//      name (without ".weight"/".bias") is looked up in the block table, where "{E}" matches an
//      expert index;
//   3. names outside the blocks are looked up by their last segment in the top-level table.
// Examples: model.layers.3.self_attn.q_proj.weight -> q_proj, layer 3;
//           transformer.h.0.attn.c_attn.weight (GPT-2) -> qkv_proj;
//           model.layers.1.mlp.experts.7.down_proj.weight -> expert_down, expert 7;
//           model.layers.1.mlp.experts.gate_up_proj (fused 3-D, transformers 5) -> expert_gate_up.
#include "weights/tensor_roles.h"

#include <array>
#include <cctype>

namespace lineage::weights {
namespace {

struct TowerRow {
    std::string_view prefix;  // matched at the start of the name
    std::string_view tower;
    Role role;
    Component component;
};
// Projectors first: "visual.merger." must win over "visual.".
constexpr TowerRow kTowers[] = {
    {"multi_modal_projector.", "projector", Role::projector, Component::projector},
    {"model.multi_modal_projector.", "projector", Role::projector, Component::projector},
    {"mm_projector.", "projector", Role::projector, Component::projector},
    {"model.mm_projector.", "projector", Role::projector, Component::projector},
    {"visual.merger.", "projector", Role::projector, Component::projector},
    {"model.visual.merger.", "projector", Role::projector, Component::projector},
    {"model.connector.", "projector", Role::projector, Component::projector},
    {"connector.", "projector", Role::projector, Component::projector},
    {"model.projector.", "projector", Role::projector, Component::projector},  // HyperCLOVAX Vision V2
    {"model.vision_projector.", "projector", Role::projector, Component::projector},  // (as saved)
    {"vision_projector.", "projector", Role::projector, Component::projector},
    {"model.vision_model.merger.", "projector", Role::projector, Component::projector},
    {"vision_model.merger.", "projector", Role::projector, Component::projector},
    {"visual.", "vision", Role::vision, Component::vision},
    {"model.visual.", "vision", Role::vision, Component::vision},
    {"vision_tower.", "vision", Role::vision, Component::vision},
    {"model.vision_tower.", "vision", Role::vision, Component::vision},
    {"vision_model.", "vision", Role::vision, Component::vision},
    {"model.vision_model.", "vision", Role::vision, Component::vision},
    {"vision_encoder.", "vision", Role::vision, Component::vision},
    {"model.vision_encoder.", "vision", Role::vision, Component::vision},
    {"vision_embed_tokens.", "vision", Role::vision, Component::vision},
    {"model.vision_embed_tokens.", "vision", Role::vision, Component::vision},
    {"audio_tower.", "audio", Role::other, Component::other},
    {"model.audio_tower.", "audio", Role::other, Component::other},
    {"audio_encoder.", "audio", Role::other, Component::other},
    {"model.audio_encoder.", "audio", Role::other, Component::other},
};

struct NameRow {
    std::string_view pattern;  // block-relative name without .weight/.bias; "{E}" = expert index
    Role role;
};

// Inside a block. Families: Llama/Mistral/Qwen2/Qwen3/Gemma (self_attn, mlp), Phi-3 (qkv_proj,
// gate_up_proj), DeepSeek MLA (q_a_proj...), GPT-2 (attn.c_attn, mlp.c_fc), GPT-NeoX
// (attention.query_key_value, mlp.dense_h_to_4h), GPT-J (attn.out_proj, mlp.fc_in), EXAONE
// (attn.attention.*, mlp.c_fc_0/c_fc_1), Mixtral (block_sparse_moe), Qwen-MoE/DeepSeek (mlp.experts,
// shared_expert(s)), gpt-oss (mlp.router, fused experts with biases).
constexpr NameRow kBlock[] = {
    // attention
    {"self_attn.q_proj", Role::q_proj}, {"self_attn.k_proj", Role::k_proj},
    {"self_attn.v_proj", Role::v_proj}, {"self_attn.o_proj", Role::o_proj},
    {"self_attn.qkv_proj", Role::qkv_proj}, {"self_attn.dense", Role::o_proj},
    {"self_attn.q_norm", Role::q_norm}, {"self_attn.k_norm", Role::k_norm},
    {"self_attn.q_layernorm", Role::q_norm}, {"self_attn.k_layernorm", Role::k_norm},
    {"self_attn.q_a_proj", Role::q_a_proj}, {"self_attn.q_a_layernorm", Role::q_a_norm},
    {"self_attn.q_b_proj", Role::q_b_proj}, {"self_attn.kv_a_proj_with_mqa", Role::kv_a_proj},
    {"self_attn.kv_a_layernorm", Role::kv_a_norm}, {"self_attn.kv_b_proj", Role::kv_b_proj},
    {"self_attn.sinks", Role::other},
    {"attn.c_attn", Role::qkv_proj}, {"attn.c_proj", Role::o_proj},
    {"attn.q_proj", Role::q_proj}, {"attn.k_proj", Role::k_proj},
    {"attn.v_proj", Role::v_proj}, {"attn.out_proj", Role::o_proj},
    {"attn.attention.q_proj", Role::q_proj}, {"attn.attention.k_proj", Role::k_proj},
    {"attn.attention.v_proj", Role::v_proj}, {"attn.attention.out_proj", Role::o_proj},
    {"attention.query_key_value", Role::qkv_proj}, {"attention.dense", Role::o_proj},
    {"self_attention.query_key_value", Role::qkv_proj}, {"self_attention.dense", Role::o_proj},
    {"attention.wq", Role::q_proj}, {"attention.wk", Role::k_proj},
    {"attention.wv", Role::v_proj}, {"attention.wo", Role::o_proj},
    // norms (post_attention_layernorm is the pre-MLP norm in Llama; see classify_tensors)
    {"input_layernorm", Role::attn_norm}, {"post_attention_layernorm", Role::mlp_norm},
    {"pre_feedforward_layernorm", Role::mlp_norm}, {"post_feedforward_layernorm", Role::post_mlp_norm},
    {"pre_mlp_layernorm", Role::mlp_norm}, {"post_mlp_layernorm", Role::post_mlp_norm},  // VAETKI sandwich
    {"ln_1", Role::attn_norm}, {"ln_2", Role::mlp_norm},
    {"post_norm1", Role::post_attn_norm}, {"post_norm2", Role::post_mlp_norm},  // HyperCLOVAX peri-LN
    {"attention_norm", Role::attn_norm}, {"ffn_norm", Role::mlp_norm},
    // dense MLP
    {"mlp.gate_proj", Role::mlp_gate}, {"mlp.up_proj", Role::mlp_up},
    {"mlp.down_proj", Role::mlp_down}, {"mlp.gate_up_proj", Role::mlp_gate_up},
    {"mlp.c_fc", Role::mlp_up}, {"mlp.c_proj", Role::mlp_down},
    {"mlp.c_fc_0", Role::mlp_gate}, {"mlp.c_fc_1", Role::mlp_up},
    {"mlp.dense_h_to_4h", Role::mlp_up}, {"mlp.dense_4h_to_h", Role::mlp_down},
    {"mlp.fc_in", Role::mlp_up}, {"mlp.fc_out", Role::mlp_down},
    {"mlp.fc1", Role::mlp_up}, {"mlp.fc2", Role::mlp_down},
    {"feed_forward.w1", Role::mlp_gate}, {"feed_forward.w3", Role::mlp_up},
    {"feed_forward.w2", Role::mlp_down},
    // MoE routers
    {"mlp.gate", Role::router}, {"block_sparse_moe.gate", Role::router},
    {"mlp.router", Role::router}, {"feed_forward.router", Role::router},
    {"mlp.gate.e_score_correction_bias", Role::router_bias},
    {"mlp.router.e_score_correction_bias", Role::router_bias},
    {"mlp.e_score_correction_bias", Role::router_bias},  // EXAONE MoE keeps it beside the gate
    // routed experts, one tensor per expert
    {"mlp.experts.{E}.gate_proj", Role::expert_gate}, {"mlp.experts.{E}.up_proj", Role::expert_up},
    {"mlp.experts.{E}.down_proj", Role::expert_down},
    {"block_sparse_moe.experts.{E}.w1", Role::expert_gate},
    {"block_sparse_moe.experts.{E}.w3", Role::expert_up},
    {"block_sparse_moe.experts.{E}.w2", Role::expert_down},
    {"feed_forward.experts.{E}.gate_proj", Role::expert_gate},
    {"feed_forward.experts.{E}.up_proj", Role::expert_up},
    {"feed_forward.experts.{E}.down_proj", Role::expert_down},
    // routed experts fused into 3-D tensors (experts, out, in)
    {"mlp.experts.gate_up_proj", Role::expert_gate_up}, {"mlp.experts.down_proj", Role::expert_down},
    {"mlp.experts.gate_proj", Role::expert_gate}, {"mlp.experts.up_proj", Role::expert_up},
    {"mlp.experts.gate_up_proj_bias", Role::expert_gate_up},
    {"mlp.experts.down_proj_bias", Role::expert_down},
    {"block_sparse_moe.experts.gate_up_proj", Role::expert_gate_up},
    {"block_sparse_moe.experts.down_proj", Role::expert_down},
    {"feed_forward.experts.gate_up_proj", Role::expert_gate_up},
    {"feed_forward.experts.down_proj", Role::expert_down},
    // shared experts
    {"mlp.shared_expert.gate_proj", Role::shared_expert_gate},
    {"mlp.shared_expert.up_proj", Role::shared_expert_up},
    {"mlp.shared_expert.down_proj", Role::shared_expert_down},
    {"mlp.shared_experts.gate_proj", Role::shared_expert_gate},
    {"mlp.shared_experts.up_proj", Role::shared_expert_up},
    {"mlp.shared_experts.down_proj", Role::shared_expert_down},
    {"mlp.shared_expert_gate", Role::shared_expert_router},
    {"feed_forward.shared_expert.gate_proj", Role::shared_expert_gate},
    {"feed_forward.shared_expert.up_proj", Role::shared_expert_up},
    {"feed_forward.shared_expert.down_proj", Role::shared_expert_down},
    {"mlp.shared_mlp.gate_proj", Role::shared_expert_gate},
    {"mlp.shared_mlp.up_proj", Role::shared_expert_up},
    {"mlp.shared_mlp.down_proj", Role::shared_expert_down},
};

// Outside the blocks, by last name segment (without .weight/.bias).
constexpr NameRow kTop[] = {
    {"embed_tokens", Role::token_embedding}, {"wte", Role::token_embedding},
    {"embed_in", Role::token_embedding}, {"word_embeddings", Role::token_embedding},
    {"tok_embeddings", Role::token_embedding},
    {"wpe", Role::position_embedding}, {"embed_positions", Role::position_embedding},
    {"lm_head", Role::lm_head}, {"embed_out", Role::lm_head}, {"output", Role::lm_head},
    {"norm", Role::final_norm}, {"ln_f", Role::final_norm}, {"final_layer_norm", Role::final_norm},
    {"final_layernorm", Role::final_norm}, {"model_norm", Role::final_norm},
};

Component component_of(Role r) {
    switch (r) {
        case Role::token_embedding:
        case Role::position_embedding: return Component::embeddings;
        case Role::lm_head: return Component::lm_head;
        case Role::final_norm:
        case Role::attn_norm:
        case Role::mlp_norm:
        case Role::post_attn_norm:
        case Role::post_mlp_norm:
        case Role::q_norm:
        case Role::k_norm:
        case Role::q_a_norm:
        case Role::kv_a_norm: return Component::norms;
        case Role::q_proj:
        case Role::k_proj:
        case Role::v_proj:
        case Role::o_proj:
        case Role::qkv_proj:
        case Role::q_a_proj:
        case Role::q_b_proj:
        case Role::kv_a_proj:
        case Role::kv_b_proj: return Component::attention;
        case Role::mlp_gate:
        case Role::mlp_up:
        case Role::mlp_down:
        case Role::mlp_gate_up: return Component::mlp;
        case Role::router:
        case Role::router_bias:
        case Role::expert_gate:
        case Role::expert_up:
        case Role::expert_down:
        case Role::expert_gate_up:
        case Role::shared_expert_gate:
        case Role::shared_expert_up:
        case Role::shared_expert_down:
        case Role::shared_expert_router: return Component::experts;
        case Role::vision: return Component::vision;
        case Role::projector: return Component::projector;
        case Role::other: return Component::other;
    }
    return Component::other;
}

bool is_digits(std::string_view s) {
    if (s.empty() || s.size() > 9) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

int to_int(std::string_view s) {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

// Matches `name` against `pattern`, where "{E}" stands for a decimal index stored in *expert.
bool match(std::string_view pattern, std::string_view name, int* expert) {
    const auto hole = pattern.find("{E}");
    if (hole == std::string_view::npos) return pattern == name;
    const auto head = pattern.substr(0, hole), tail = pattern.substr(hole + 3);
    if (name.size() < head.size() + tail.size() + 1 || !name.starts_with(head) || !name.ends_with(tail))
        return false;
    const auto digits = name.substr(head.size(), name.size() - head.size() - tail.size());
    if (!is_digits(digits)) return false;
    *expert = to_int(digits);
    return true;
}

constexpr std::array<std::string_view, 6> kBlockMarkers{"layers", "h", "blocks", "block", "layer", "decoder_layers"};
// Inside towers: ViT "blocks" (Qwen2.5-VL), "layers" (SigLIP, CLIP), "layer" (BERT-style), CLIP's
// "resblocks".
constexpr std::array<std::string_view, 4> kTowerBlockMarkers{"blocks", "layers", "layer", "resblocks"};

// Block index inside a tower ("blocks.3.", "encoder.layers.3.", "layer.3."), -1 when none: the
// weight probe compares towers block by block.
int tower_block_index(std::string_view rest) {
    std::size_t pos = 0;
    while (pos < rest.size()) {
        const auto dot = rest.find('.', pos);
        if (dot == std::string_view::npos) break;
        const auto segment = rest.substr(pos, dot - pos);
        const auto next_dot = rest.find('.', dot + 1);
        if (next_dot == std::string_view::npos) break;
        const auto index = rest.substr(dot + 1, next_dot - dot - 1);
        for (auto m : kTowerBlockMarkers)
            if (segment == m && is_digits(index)) return to_int(index);
        pos = dot + 1;
    }
    return -1;
}

const TowerRow* tower_of(std::string_view name) {
    for (const auto& t : kTowers)
        if (name.starts_with(t.prefix)) return &t;
    return nullptr;
}

}  // namespace

std::string_view tower_relative_name(std::string_view name) {
    const TowerRow* t = tower_of(name);
    return t ? name.substr(t->prefix.size()) : name;
}

TensorRole classify_tensor(std::string_view name) {
    TensorRole out;
    if (const TowerRow* t = tower_of(name)) {
        out.role = t->role;
        out.component = t->component;
        out.tower = std::string(t->tower);
        out.is_bias = name.ends_with(".bias");
        out.layer = tower_block_index(name.substr(t->prefix.size()));
        return out;
    }
    std::string_view stem = name;
    if (stem.ends_with(".weight")) {
        stem.remove_suffix(7);
    } else if (stem.ends_with(".bias")) {
        stem.remove_suffix(5);
        out.is_bias = true;
    } else if (stem.ends_with("_proj_bias")) {
        out.is_bias = true;  // fused expert biases keep "_bias" in the pattern
    }

    // Find "<marker>.<digits>." as whole segments.
    std::size_t pos = 0;
    while (pos < stem.size()) {
        const auto dot = stem.find('.', pos);
        if (dot == std::string_view::npos) break;
        const auto segment = stem.substr(pos, dot - pos);
        const auto next_dot = stem.find('.', dot + 1);
        if (next_dot != std::string_view::npos) {
            const auto index = stem.substr(dot + 1, next_dot - dot - 1);
            bool marker = false;
            for (auto m : kBlockMarkers) marker = marker || segment == m;
            if (marker && is_digits(index)) {
                out.layer = to_int(index);
                const auto rest = stem.substr(next_dot + 1);
                for (const auto& row : kBlock) {
                    int expert = -1;
                    if (match(row.pattern, rest, &expert)) {
                        out.role = row.role;
                        out.expert = expert;
                        break;
                    }
                }
                out.component = component_of(out.role);
                return out;
            }
        }
        pos = dot + 1;
    }
    const auto last_dot = stem.rfind('.');
    const auto leaf = last_dot == std::string_view::npos ? stem : stem.substr(last_dot + 1);
    for (const auto& row : kTop) {
        if (row.pattern == leaf) {
            out.role = row.role;
            break;
        }
    }
    out.component = component_of(out.role);
    return out;
}

std::vector<TensorRole> classify_tensors(std::span<const TensorInfo> tensors) {
    std::vector<TensorRole> roles;
    roles.reserve(tensors.size());
    std::vector<bool> has_post_ffn;
    for (const auto& t : tensors) {
        roles.push_back(classify_tensor(t.name));
        const auto& r = roles.back();
        if (r.role == Role::post_mlp_norm && r.layer >= 0 && r.tower.empty() &&
            (t.name.find("post_feedforward_layernorm") != std::string::npos ||
             t.name.find("post_mlp_layernorm") != std::string::npos)) {  // Gemma 2/3, VAETKI
            if (has_post_ffn.size() <= static_cast<std::size_t>(r.layer)) has_post_ffn.resize(r.layer + 1);
            has_post_ffn[r.layer] = true;
        }
    }
    // Sandwich norms (Gemma 2/3, OLMo 2, VAETKI): where a block has post_feedforward_layernorm (or
    // VAETKI's post_mlp_layernorm), its post_attention_layernorm is applied after attention, not
    // before the MLP.
    for (std::size_t i = 0; i < roles.size(); ++i) {
        auto& r = roles[i];
        if (r.role == Role::mlp_norm && r.layer >= 0 && static_cast<std::size_t>(r.layer) < has_post_ffn.size() &&
            has_post_ffn[r.layer] && tensors[i].name.find("post_attention_layernorm") != std::string::npos)
            r.role = Role::post_attn_norm;
    }
    return roles;
}

std::string_view role_name(Role r) {
    static constexpr std::array<std::string_view, 40> kNames{
        "token_embedding", "position_embedding", "lm_head", "final_norm",
        "attn_norm", "mlp_norm", "post_attn_norm", "post_mlp_norm",
        "q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj",
        "q_norm", "k_norm",
        "q_a_proj", "q_a_norm", "q_b_proj", "kv_a_proj", "kv_a_norm", "kv_b_proj",
        "mlp_gate", "mlp_up", "mlp_down", "mlp_gate_up",
        "router", "router_bias",
        "expert_gate", "expert_up", "expert_down", "expert_gate_up",
        "shared_expert_gate", "shared_expert_up", "shared_expert_down", "shared_expert_router",
        "vision", "projector",
        "other", "", ""};
    static_assert(static_cast<int>(Role::other) == 37);
    return kNames.at(static_cast<std::size_t>(r));
}

std::string_view component_name(Component c) {
    static constexpr std::array<std::string_view, 9> kNames{
        "embeddings", "attention", "mlp", "experts", "norms", "lm_head", "vision", "projector", "other"};
    return kNames.at(static_cast<std::size_t>(c));
}

}  // namespace lineage::weights
