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

std::unique_ptr<ModelView> rotation_control(const ModelView& parent, std::uint64_t seed) {
    const TensorRef* emb = parent.find(Role::token_embedding);
    if (!emb) return nullptr;
    const Eigen::Index d = emb->cols();
    stats::Rng rng(seed);
    Eigen::MatrixXd g(d, d);
    for (Eigen::Index i = 0; i < d; ++i)
        for (Eigen::Index j = 0; j < d; ++j) g(i, j) = stats::standard_normal(rng);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
    auto rot = std::make_shared<MatrixF>(MatrixF(Eigen::MatrixXd(qr.householderQ()).cast<float>()));
    auto v = std::make_unique<TransformView>(parent, parent.label() + " rotated");
    for (std::size_t i = 0; i < parent.tensors().size(); ++i) v->keep(i, parent.tensors()[i]);
    const ModelView* base = &parent;
    v->transform_ = [rot, base, d](const TensorRef& t, MatrixF m) -> MatrixF {
        if (!t.role.tower.empty() || t.role.is_bias) return m;
        const Role r = t.role.role;
        if (is_residual_norm(r) && m.size() == d) return MatrixF::Ones(m.rows(), m.cols());
        if (r == Role::token_embedding || r == Role::position_embedding)
            return m.cols() == d ? MatrixF(m * *rot) : m;
        if (writes_hidden(r) && m.rows() == d) return MatrixF(rot->transpose() * m);
        if (input_norm_of(r) != Role::other && m.cols() == d && is_matrix(t))
            return MatrixF(read_folded(*base, t) * *rot);
        return m;
    };
    return v;
}

}  // namespace

std::vector<Control> make_controls(const ModelView& parent, const VerdictRule& rule,
                                   std::uint64_t seed) {
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
    return out;
}

}  // namespace lineage::probes::weights
