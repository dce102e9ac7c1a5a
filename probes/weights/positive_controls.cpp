// Positive controls as lazily transformed views (see positive_controls.h).
#include "probes/weights/positive_controls.h"

#include <Eigen/QR>
#include <algorithm>
#include <functional>
#include <numeric>

#include "probes/stats/random.h"
#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {
namespace {

std::uint64_t name_seed(const std::string& name, std::uint64_t seed) {
    std::uint64_t h = seed ^ 0xcbf29ce484222325ULL;
    for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ULL;
    return h;
}

class TransformView : public ModelView {
public:
    using Transform = std::function<MatrixF(const TensorRef& base, MatrixF m)>;
    TransformView(const ModelView& base, std::string label) : base_(base), label_(std::move(label)) {}
    const std::string& label() const override { return label_; }
    const std::vector<TensorRef>& tensors() const override { return tensors_; }
    MatrixF read(const TensorRef& t) const override {
        const std::size_t i = static_cast<std::size_t>(&t - tensors_.data());
        const TensorRef& base = base_.tensors()[base_index_[i]];
        MatrixF m = transform_ ? transform_(base, base_.read(base)) : base_.read(base);
        return Eigen::Map<const MatrixF>(m.data(), t.rows(), t.cols());
    }
    std::map<std::string, std::string> config_fields() const override { return base_.config_fields(); }
    std::optional<std::string> tokenizer_path() const override { return base_.tokenizer_path(); }

    // A view this one is built on and must keep alive (controls composed of two transforms).
    std::unique_ptr<ModelView> owned_base;

    void keep(std::size_t base_index, TensorRef t) {
        base_index_.push_back(base_index);
        tensors_.push_back(std::move(t));
    }
    Transform transform_;

private:
    const ModelView& base_;
    std::string label_;
    std::vector<TensorRef> tensors_;
    std::vector<std::size_t> base_index_;
};

bool is_matrix(const TensorRef& t) { return t.shape.size() >= 2 && !t.role.is_bias; }

std::unique_ptr<ModelView> noise_control(const ModelView& parent, double rel, std::uint64_t seed) {
    auto v = std::make_unique<TransformView>(parent, parent.label() + " + noise");
    for (std::size_t i = 0; i < parent.tensors().size(); ++i) v->keep(i, parent.tensors()[i]);
    v->transform_ = [rel, seed](const TensorRef& t, MatrixF m) {
        if (!is_matrix(t)) return m;
        const double mean = m.mean();
        const double sd = std::sqrt((m.array() - mean).square().mean());
        stats::Rng rng(name_seed(t.name, seed));
        for (Eigen::Index k = 0; k < m.size(); ++k)
            m.data()[k] += static_cast<float>(rel * sd * stats::standard_normal(rng));
        return m;
    };
    return v;
}

std::unique_ptr<ModelView> pruning_control(const ModelView& parent, double fraction,
                                           std::uint64_t seed) {
    auto v = std::make_unique<TransformView>(parent, parent.label() + " pruned");
    const int layers = parent.num_layers();
    const int dropped = layers >= 3 ? layers / 2 : -1;
    // Neurons kept per layer (sorted), from the dense gate's row count.
    auto kept = std::make_shared<std::map<int, std::vector<std::int32_t>>>();
    for (int l = 0; l < layers; ++l)
        if (const TensorRef* g = parent.find(Role::mlp_gate, l)) {
            stats::Rng rng(seed + static_cast<std::uint64_t>(l));
            auto perm = stats::random_permutation(g->rows(), rng);
            perm.resize(static_cast<std::size_t>(std::max<std::int64_t>(
                1, static_cast<std::int64_t>(g->rows() * (1.0 - fraction)))));
            std::sort(perm.begin(), perm.end());
            (*kept)[l] = perm;
        }
    for (std::size_t i = 0; i < parent.tensors().size(); ++i) {
        TensorRef t = parent.tensors()[i];
        const int l = t.role.layer;
        if (l == dropped && l >= 0) continue;
        const auto k = kept->find(l);
        if (k != kept->end() && !t.role.is_bias) {
            const auto n = static_cast<std::int64_t>(k->second.size());
            if (t.role.role == Role::mlp_gate || t.role.role == Role::mlp_up) t.shape[0] = n;
            if (t.role.role == Role::mlp_down && t.shape.size() == 2) t.shape[1] = n;
        }
        if (l > dropped && dropped >= 0) t.role.layer = l - 1;
        v->keep(i, t);
    }
    v->transform_ = [kept](const TensorRef& t, MatrixF m) {
        const auto k = kept->find(t.role.layer);
        if (k == kept->end() || t.role.is_bias) return m;
        const auto& rows = k->second;
        if (t.role.role == Role::mlp_gate || t.role.role == Role::mlp_up) {
            MatrixF out(static_cast<Eigen::Index>(rows.size()), m.cols());
            for (std::size_t r = 0; r < rows.size(); ++r) out.row(static_cast<Eigen::Index>(r)) = m.row(rows[r]);
            return out;
        }
        if (t.role.role == Role::mlp_down) {
            MatrixF out(m.rows(), static_cast<Eigen::Index>(rows.size()));
            for (std::size_t r = 0; r < rows.size(); ++r) out.col(static_cast<Eigen::Index>(r)) = m.col(rows[r]);
            return out;
        }
        return m;
    };
    return v;
}

bool writes_hidden(Role r) {
    return r == Role::o_proj || r == Role::mlp_down || r == Role::expert_down ||
           r == Role::shared_expert_down;
}

bool is_residual_norm(Role r) {
    return r == Role::attn_norm || r == Role::mlp_norm || r == Role::final_norm;
}

// Haar-distributed rotation of n dims (QR of a Gaussian matrix, drawn row by row).
MatrixF haar_rotation(Eigen::Index n, stats::Rng& rng) {
    Eigen::MatrixXd g(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j) g(i, j) = stats::standard_normal(rng);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
    return Eigen::MatrixXd(qr.householderQ()).cast<float>();
}

// The rotation control's rotation of the residual stream. Up to kDenseRotationUpTo dims a Haar
// rotation. Above, R = P1 B1 P2 B2: random column permutations P and block-diagonal Haar rotations
// B of kRotationBlock dims, two rounds, so that every output dim mixes up to 128^2 input dims
// (all of them at 7B widths). The probe's fits are equivariant in the rotation (Procrustes
// estimates any R from X and X R equally well), so the control's power is that of a Haar
// rotation, at 2 x 128 / d of the cost of applying it: a dense 4096^2 rotation of one 7B layer's
// matrices is ~1.7 TFLOP, more than the layer's whole comparison.
constexpr Eigen::Index kDenseRotationUpTo = 1024;
constexpr Eigen::Index kRotationBlock = 128;

class ResidualRotation {
public:
    ResidualRotation(Eigen::Index d, std::uint64_t seed) : d_(d) {
        stats::Rng rng(seed);
        if (d <= kDenseRotationUpTo) {
            dense_ = haar_rotation(d, rng);
            return;
        }
        for (int round = 0; round < 2; ++round) {
            Round r;
            r.perm = stats::random_permutation(d, rng);
            for (Eigen::Index start = 0; start < d; start += kRotationBlock)
                r.blocks.push_back(haar_rotation(std::min(kRotationBlock, d - start), rng));
            rounds_.push_back(std::move(r));
        }
    }
    // m R (m: n x d).
    MatrixF right(const MatrixF& m) const {
        if (dense_.size() > 0) return m * dense_;
        MatrixF cur = m, next(m.rows(), m.cols());
        for (const Round& r : rounds_) {
            for (Eigen::Index j = 0; j < d_; ++j) next.col(j) = cur.col(r.perm[static_cast<std::size_t>(j)]);
            Eigen::Index start = 0;
            for (const MatrixF& b : r.blocks) {
                cur.middleCols(start, b.rows()).noalias() = next.middleCols(start, b.rows()) * b;
                start += b.rows();
            }
        }
        return cur;
    }
    // R' m (m: d x n).
    MatrixF left_transposed(const MatrixF& m) const {
        if (dense_.size() > 0) return dense_.transpose() * m;
        return right(MatrixF(m.transpose())).transpose();
    }

private:
    struct Round {
        std::vector<std::int32_t> perm;
        std::vector<MatrixF> blocks;
    };
    Eigen::Index d_;
    MatrixF dense_;
    std::vector<Round> rounds_;
};

std::unique_ptr<ModelView> rotation_control(const ModelView& parent, std::uint64_t seed) {
    const TensorRef* emb = parent.find(Role::token_embedding);
    if (!emb) return nullptr;
    const Eigen::Index d = emb->cols();
    auto rot = std::make_shared<const ResidualRotation>(d, seed);
    auto v = std::make_unique<TransformView>(parent, parent.label() + " rotated");
    for (std::size_t i = 0; i < parent.tensors().size(); ++i) v->keep(i, parent.tensors()[i]);
    const ModelView* base = &parent;
    v->transform_ = [rot, base, d](const TensorRef& t, MatrixF m) -> MatrixF {
        if (!t.role.tower.empty() || t.role.is_bias) return m;
        const Role r = t.role.role;
        if (is_residual_norm(r) && m.size() == d) return MatrixF::Ones(m.rows(), m.cols());
        if (r == Role::token_embedding || r == Role::position_embedding)
            return m.cols() == d ? rot->right(m) : m;
        if (writes_hidden(r) && m.rows() == d) return rot->left_transposed(m);
        if (input_norm_of(r) != Role::other && m.cols() == d && is_matrix(t))
            return rot->right(read_folded(*base, t));
        return m;
    };
    return v;
}

// The d_a x d_b map taking A's hidden basis to the control's: widening embeds A's space in a
// random d_a-dim subspace (orthonormal rows; the other d_b - d_a directions start empty and get
// only the fine-tune noise, like freshly initialised small dims), narrowing keeps a random subset
// of A's dims in random order with random signs (pruned hidden dims).
MatrixF width_map(std::int64_t d_a, std::int64_t d_b, std::uint64_t seed) {
    stats::Rng rng(seed);
    if (d_b > d_a) {
        Eigen::MatrixXd g(d_b, d_b);
        for (Eigen::Index k = 0; k < g.size(); ++k) g.data()[k] = stats::standard_normal(rng);
        Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
        const Eigen::MatrixXd q = qr.householderQ();
        return q.topRows(d_a).cast<float>();
    }
    auto dims = stats::random_permutation(d_a, rng);
    MatrixF m = MatrixF::Zero(d_a, d_b);
    for (std::int64_t k = 0; k < d_b; ++k)
        m(dims[static_cast<std::size_t>(k)], k) = stats::uniform_below(rng, 2) ? 1.0f : -1.0f;
    return m;
}

// A with its residual stream mapped to width d_b: norms folded into the matrices that read them
// (gains become ones), inputs W diag(g) Q, outputs Q' W, embeddings E Q. Fused 3-D expert tensors
// are not remapped (no control is built for a parent whose hidden width they carry).
std::unique_ptr<ModelView> width_control(const ModelView& parent, std::int64_t d_b, std::uint64_t seed) {
    const TensorRef* emb = parent.find(Role::token_embedding);
    if (!emb || d_b <= 0 || d_b == emb->cols()) return nullptr;
    const std::int64_t d_a = emb->cols();
    for (const auto& t : parent.tensors())
        if (t.role.tower.empty() && t.shape.size() > 2 && t.cols() % d_a == 0 && t.shape.back() == d_a)
            return nullptr;
    auto q = std::make_shared<MatrixF>(width_map(d_a, d_b, seed));
    auto v = std::make_unique<TransformView>(
        parent, parent.label() + (d_b > d_a ? " widened to " : " pruned to ") + std::to_string(d_b));
    enum class Side { none, input, output, vector };
    auto side_of = [d_a](const TensorRef& t) {
        if (!t.role.tower.empty()) return Side::none;
        const Role r = t.role.role;
        if (t.shape.size() == 1 && t.shape[0] == d_a && (is_residual_norm(r) || (t.role.is_bias && writes_hidden(r))))
            return Side::vector;
        if (t.shape.size() != 2 || t.role.is_bias) return Side::none;
        if (writes_hidden(r) && t.shape[0] == d_a) return Side::output;
        if ((r == Role::token_embedding || r == Role::position_embedding || input_norm_of(r) != Role::other) &&
            t.shape[1] == d_a)
            return Side::input;
        return Side::none;
    };
    for (std::size_t i = 0; i < parent.tensors().size(); ++i) {
        TensorRef t = parent.tensors()[i];
        switch (side_of(t)) {
            case Side::vector: t.shape[0] = d_b; break;
            case Side::output: t.shape[0] = d_b; break;
            case Side::input: t.shape[1] = d_b; break;
            case Side::none: break;
        }
        v->keep(i, t);
    }
    const ModelView* base = &parent;
    v->transform_ = [q, base, side_of, d_a, d_b](const TensorRef& t, MatrixF m) -> MatrixF {
        switch (side_of(t)) {
            case Side::vector:
                if (is_residual_norm(t.role.role)) return MatrixF::Ones(1, d_b);
                return MatrixF(Eigen::Map<const MatrixF>(m.data(), 1, d_a) * *q);
            case Side::output: return MatrixF(q->transpose() * m);
            case Side::input: return MatrixF(read_folded(*base, t) * *q);
            case Side::none: return m;
        }
        return m;
    };
    return v;
}

}  // namespace

std::vector<Control> make_controls(const ModelView& parent, const VerdictRule& rule,
                                   std::uint64_t seed, std::int64_t target_hidden) {
    std::vector<Control> out;
    out.push_back({"finetune_noise", noise_control(parent, rule.control_noise_relative_std, seed + 1)});
    // Pruning on top of half the fine-tune noise, so that exact reuse of the untouched tensors
    // cannot detect it alone: the control measures the statistics' power on a pruned fine-tune.
    {
        auto noisy = noise_control(parent, 0.5 * rule.control_noise_relative_std, seed + 4);
        auto pruned = pruning_control(*noisy, rule.control_prune_fraction, seed + 2);
        static_cast<TransformView*>(pruned.get())->owned_base = std::move(noisy);
        out.push_back({"pruning+noise", std::move(pruned)});
    }
    if (rule.control_rotation)
        if (auto r = rotation_control(parent, seed + 3)) out.push_back({"rotation", std::move(r)});
    // At the candidate's width: A widened (or pruned) to it, plus half the fine-tune noise, so
    // that a call of "independent" between different widths states its power at that width.
    if (auto w = width_control(parent, target_hidden, seed + 5)) {
        const bool wider = target_hidden > parent.find(Role::token_embedding)->cols();
        auto noisy = noise_control(*w, 0.5 * rule.control_noise_relative_std, seed + 6);
        static_cast<TransformView*>(noisy.get())->owned_base = std::move(w);
        out.push_back({wider ? "widening+noise" : "hidden_pruning+noise", std::move(noisy)});
    }
    return out;
}

}  // namespace lineage::probes::weights
