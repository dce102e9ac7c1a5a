// Folding norms and mapping into B's basis (see pair_context.h).
#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {

Role input_norm_of(Role role) {
    switch (role) {
        case Role::q_proj: case Role::k_proj: case Role::v_proj: case Role::qkv_proj:
        case Role::q_a_proj: case Role::kv_a_proj:
            return Role::attn_norm;
        case Role::mlp_gate: case Role::mlp_up: case Role::mlp_gate_up: case Role::expert_gate:
        case Role::expert_up: case Role::expert_gate_up: case Role::shared_expert_gate:
        case Role::shared_expert_up: case Role::router:
            return Role::mlp_norm;
        case Role::lm_head:
            return Role::final_norm;
        default:
            return Role::other;
    }
}

MatrixF read_folded(const ModelView& view, const TensorRef& t) {
    MatrixF w = view.read(t);
    const Role norm_role = input_norm_of(t.role.role);
    if (norm_role == Role::other) return w;
    const TensorRef* norm =
        view.find(norm_role, norm_role == Role::final_norm ? -1 : t.role.layer);
    if (!norm || norm->elements() != w.cols()) return w;
    const MatrixF g = view.read(*norm);
    for (Eigen::Index r = 0; r < w.rows(); ++r)
        for (Eigen::Index c = 0; c < w.cols(); ++c) w(r, c) *= g.data()[c];
    return w;
}

MatrixF read_aligned_a(const PairContext& ctx, const TensorRef& t) {
    MatrixF w = read_folded(ctx.a, t);
    if (ctx.has_map && ctx.hidden_map.rows() == w.cols()) return w * ctx.hidden_map;
    return w;
}

}  // namespace lineage::probes::weights
