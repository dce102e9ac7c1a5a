// Projection and per-tensor sketches (see sketch_tensors.h).
#include "probes/fingerprint/sketch_tensors.h"

#include <algorithm>
#include <cmath>

#include <Eigen/QR>

#include "probes/stats/random.h"
#include "probes/weights/pair_context.h"

namespace lineage::probes::fingerprint {

using lineage::weights::Role;

MatrixF projection_matrix(std::int64_t d, std::int64_t k, std::uint64_t seed) {
    stats::Rng rng(seed ^ (static_cast<std::uint64_t>(d) * 0x9E3779B97F4A7C15ull) ^
                   static_cast<std::uint64_t>(k));
    Eigen::MatrixXd g(d, k);
    for (Eigen::Index j = 0; j < k; ++j)  // column by column: the draw order is fixed
        for (Eigen::Index i = 0; i < d; ++i) g(i, j) = stats::standard_normal(rng);
    if (k > d) return (g / std::sqrt(static_cast<double>(k))).cast<float>();
    // Orthonormal columns (a uniformly random k-dim frame). With a merely Gaussian R, R^T R
    // differs from a multiple of I by O(sqrt(d)/k) and that shared structure would show up as
    // similarity between ANY two sketches (CKA over the projected dims).
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
    Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(d, k);
    const Eigen::MatrixXd r = qr.matrixQR().topLeftCorner(k, k);
    for (Eigen::Index j = 0; j < k; ++j)
        if (r(j, j) < 0) q.col(j) = -q.col(j);  // the unique QR with a positive diagonal
    return q.cast<float>();
}

std::int64_t sketch_dims_for(std::int64_t hidden, std::int64_t requested) {
    return std::max<std::int64_t>(1, std::min(requested, hidden / 2));
}

HiddenSide hidden_side(Role role) {
    switch (role) {
        case Role::q_proj: case Role::k_proj: case Role::v_proj: case Role::qkv_proj:
        case Role::q_a_proj: case Role::kv_a_proj:
        case Role::mlp_gate: case Role::mlp_up: case Role::mlp_gate_up: case Role::router:
        case Role::expert_gate: case Role::expert_up: case Role::expert_gate_up:
        case Role::shared_expert_gate: case Role::shared_expert_up: case Role::shared_expert_router:
        case Role::lm_head: case Role::token_embedding:
            return HiddenSide::columns;
        case Role::o_proj: case Role::mlp_down: case Role::expert_down:
        case Role::shared_expert_down:
            return HiddenSide::rows;
        default:
            return HiddenSide::none;
    }
}

std::optional<SketchTensor> sketch_tensor(const weights::ModelView& view, const weights::TensorRef& t,
                                          const MatrixF& p, std::int64_t hidden, std::string& why) {
    if (!t.role.tower.empty()) {
        why = "tensor of the " + t.role.tower + " tower (only the language model is sketched)";
        return std::nullopt;
    }
    SketchTensor s;
    s.name = t.name;
    if (t.shape.size() <= 1) {  // vectors: norm gains, biases
        const MatrixF m = view.read(t);
        s.kind = SketchKind::full;
        s.shape = t.shape;
        s.values.assign(m.data(), m.data() + m.size());
        return s;
    }
    if (t.shape.size() > 2) {
        why = "3-D tensor (fused experts are not sketched in layout 1)";
        return std::nullopt;
    }
    const HiddenSide side = hidden_side(t.role.role);
    MatrixF out;
    if (side == HiddenSide::columns && t.cols() == hidden) {
        out = weights::read_folded(view, t) * p;  // (out, d) diag(g) (d, k)
        s.kind = SketchKind::reads_hidden;
    } else if (side == HiddenSide::rows && t.rows() == hidden) {
        out = view.read(t).transpose() * p;  // (in, d) (d, k)
        s.kind = SketchKind::writes_hidden;
    } else {
        why = side == HiddenSide::none ? "matrix with no residual-stream side in the table"
                                       : "its hidden side is not the model's hidden width";
        return std::nullopt;
    }
    s.shape = {out.rows(), out.cols()};
    s.values.assign(out.data(), out.data() + out.size());
    return s;
}

}  // namespace lineage::probes::fingerprint
