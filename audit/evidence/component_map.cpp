// Role -> audit part, as a table.
#include "audit/evidence/component_map.h"

#include "audit/verdict/component_names.h"

namespace lineage::audit {

namespace {

using weights::Role;

struct RolePart {
    Role role;
    std::string_view part;  // block part, or the whole component name for roles outside blocks
};

constexpr RolePart kParts[] = {
    {Role::token_embedding, "embeddings"},
    {Role::position_embedding, "embeddings"},
    {Role::lm_head, "lm_head"},
    {Role::final_norm, "final_norm"},
    {Role::attn_norm, "norms"},
    {Role::mlp_norm, "norms"},
    {Role::post_attn_norm, "norms"},
    {Role::post_mlp_norm, "norms"},
    {Role::q_proj, "attention"},
    {Role::k_proj, "attention"},
    {Role::v_proj, "attention"},
    {Role::o_proj, "attention"},
    {Role::qkv_proj, "attention"},
    {Role::q_norm, "norms"},
    {Role::k_norm, "norms"},
    {Role::q_a_proj, "attention"},
    {Role::q_a_norm, "norms"},
    {Role::q_b_proj, "attention"},
    {Role::kv_a_proj, "attention"},
    {Role::kv_a_norm, "norms"},
    {Role::kv_b_proj, "attention"},
    {Role::mlp_gate, "mlp"},
    {Role::mlp_up, "mlp"},
    {Role::mlp_down, "mlp"},
    {Role::mlp_gate_up, "mlp"},
    {Role::router, "experts"},
    {Role::router_bias, "experts"},
    {Role::expert_gate, "experts"},
    {Role::expert_up, "experts"},
    {Role::expert_down, "experts"},
    {Role::expert_gate_up, "experts"},
    {Role::shared_expert_gate, "experts"},
    {Role::shared_expert_up, "experts"},
    {Role::shared_expert_down, "experts"},
    {Role::shared_expert_router, "experts"},
    {Role::vision, "vision"},
    {Role::projector, "projector"},
    {Role::other, ""},
};

std::optional<std::string_view> part_of(Role role) {
    for (const auto& p : kParts) {
        if (p.role == role) return p.part.empty() ? std::nullopt : std::optional(p.part);
    }
    return std::nullopt;
}

std::optional<std::string> place(std::string_view part, int layer) {
    bool in_block = part == "attention" || part == "mlp" || part == "experts" || part == "norms";
    if (!in_block) return std::string(part);
    if (layer < 0) return part == "norms" ? std::optional<std::string>("final_norm") : std::nullopt;
    return layer_component(layer, part);
}

}  // namespace

std::optional<std::string> component_of(const weights::TensorRole& role) {
    if (!role.tower.empty()) return role.tower;
    auto part = part_of(role.role);
    if (!part) return std::nullopt;
    return place(*part, role.layer);
}

std::optional<std::string> component_of_role_name(std::string_view role, int layer, int expert) {
    if (role == "mlp") return place(expert >= 0 ? "experts" : "mlp", layer);
    if (role == "q_proj+k_proj") return place("attention", layer);
    for (int r = 0; r <= static_cast<int>(Role::other); ++r) {
        auto candidate = static_cast<Role>(r);
        if (weights::role_name(candidate) == role) {
            auto part = part_of(candidate);
            if (!part) return std::nullopt;
            return place(*part, layer);
        }
    }
    return std::nullopt;
}

}  // namespace lineage::audit
