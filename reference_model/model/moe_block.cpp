// MoE block binding, checks, loading and forward (see moe_block.h).
#include "reference_model/model/moe_block.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "reference_model/model/model_weights.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace {

using weights::Role;
using weights::TensorInfo;

std::string shape_text(const std::vector<std::int64_t>& s) {
    return shape_string(std::span<const std::int64_t>(s));
}

void put(const TensorInfo*& slot, const TensorInfo& t, const std::string& root) {
    if (slot)
        throw InputError(root,
                         "tensors '" + slot->name + "' and '" + t.name + "' have the same role");
    slot = &t;
}

void expect(const TensorInfo* t, const std::string& what, const std::vector<std::int64_t>& shape,
            const std::string& root) {
    if (!t) throw InputError(root, "tensor for " + what + " not found (config/tensor mismatch)");
    if (t->shape != shape)
        throw InputError(root, "tensor '" + t->name + "': shape " + shape_text(t->shape) +
                                   " does not match config.json (expected " + shape_text(shape) +
                                   ")");
    if (!weights::is_floating(t->dtype))
        throw UnsupportedError(root, "tensor '" + t->name + "': dtype " +
                                         std::string(weights::dtype_name(t->dtype)) +
                                         " is not a float type");
}

void forbid(const TensorInfo* t, const std::string& why, const std::string& root) {
    if (t)
        throw InputError(
            root, "tensor '" + t->name + "': unexpected, " + why + " (config/tensor mismatch)");
}

// Indices of the k largest values (ties: lower index first), as torch.topk selects them.
std::vector<std::int64_t> top_k(const std::vector<float>& v, std::int64_t k) {
    std::vector<std::int64_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](std::int64_t a, std::int64_t b) {
        return v[static_cast<std::size_t>(a)] > v[static_cast<std::size_t>(b)] ||
               (v[static_cast<std::size_t>(a)] == v[static_cast<std::size_t>(b)] && a < b);
    });
    idx.resize(static_cast<std::size_t>(k));
    return idx;
}

}  // namespace

std::size_t MoeLayerWeights::bytes() const {
    std::size_t n = router.defined() ? router.byte_size() : 0;
    auto add = [&](const GatedMlpWeights& m) {
        for (const Tensor* t : {&m.gate, &m.up, &m.down})
            if (t->defined()) n += t->byte_size();
    };
    for (const auto& e : experts) add(e);
    add(shared);
    if (shared_gate.defined()) n += shared_gate.byte_size();
    return n + correction_bias.size() * sizeof(float);
}

bool MoeLayerSlots::bind(const weights::TensorRole& r, const TensorInfo& t, std::int64_t experts,
                         const std::string& root) {
    if (r.is_bias && r.role != Role::router_bias)
        return false;  // expert/router biases (gpt-oss): not implemented
    Expert* e = nullptr;
    if (r.expert >= 0) {
        if (r.expert >= experts)
            throw InputError(root, "tensor '" + t.name + "': expert " + std::to_string(r.expert) +
                                       " but config.json has " + std::to_string(experts) +
                                       " experts");
        if (experts_.size() < static_cast<std::size_t>(experts))
            experts_.resize(static_cast<std::size_t>(experts));
        e = &experts_[static_cast<std::size_t>(r.expert)];
    }
    switch (r.role) {
        case Role::router:
            put(router_, t, root);
            return true;
        case Role::router_bias:
            put(router_bias_, t, root);
            return true;
        case Role::expert_gate:
            put(e ? e->gate : fused_gate_, t, root);
            return true;
        case Role::expert_up:
            put(e ? e->up : fused_up_, t, root);
            return true;
        case Role::expert_down:
            put(e ? e->down : fused_down_, t, root);
            return true;
        case Role::expert_gate_up:
            if (e) return false;
            put(fused_gate_up_, t, root);
            return true;
        case Role::shared_expert_gate:
            put(shared_.gate, t, root);
            return true;
        case Role::shared_expert_up:
            put(shared_.up, t, root);
            return true;
        case Role::shared_expert_down:
            put(shared_.down, t, root);
            return true;
        case Role::shared_expert_router:
            put(shared_gate_, t, root);
            return true;
        default:
            return false;
    }
}

const TensorInfo* MoeLayerSlots::first() const {
    for (const TensorInfo* t : {router_, router_bias_, fused_gate_up_, fused_gate_, fused_up_,
                                fused_down_, shared_.gate, shared_.up, shared_.down, shared_gate_})
        if (t) return t;
    for (const auto& e : experts_)
        for (const TensorInfo* t : {e.gate, e.up, e.down})
            if (t) return t;
    return nullptr;
}

bool MoeLayerSlots::any() const {
    return first() != nullptr;
}

void MoeLayerSlots::check(const MixtureParams& p, std::int64_t d, std::int64_t layer,
                          const std::string& root) const {
    const std::string n = "block " + std::to_string(layer) + " ";
    const std::int64_t E = p.experts, I = p.expert_intermediate;
    expect(router_, n + "router", {E, d}, root);
    if (p.spec->router == RouterKind::sigmoid_grouped) {
        if (router_bias_) expect(router_bias_, n + "e_score_correction_bias", {E}, root);
    } else {
        forbid(router_bias_, "this family's router has no correction bias", root);
    }
    const bool fused = fused_gate_up_ || fused_gate_ || fused_up_ || fused_down_;
    if (fused) {
        for (const auto& e : experts_)
            for (const TensorInfo* t : {e.gate, e.up, e.down})
                forbid(t, "experts are also stored fused in 3-D tensors", root);
        if (fused_gate_up_) {
            expect(fused_gate_up_, n + "fused experts gate_up_proj", {E, 2 * I, d}, root);
            forbid(fused_gate_, "gate_up_proj already holds the gate", root);
            forbid(fused_up_, "gate_up_proj already holds up", root);
        } else {
            expect(fused_gate_, n + "fused experts gate_proj", {E, I, d}, root);
            expect(fused_up_, n + "fused experts up_proj", {E, I, d}, root);
        }
        expect(fused_down_, n + "fused experts down_proj", {E, d, I}, root);
    } else {
        for (std::int64_t e = 0; e < E; ++e) {
            const Expert none{};
            const Expert& x = static_cast<std::size_t>(e) < experts_.size()
                                  ? experts_[static_cast<std::size_t>(e)]
                                  : none;
            const std::string en = n + "expert " + std::to_string(e) + " ";
            expect(x.gate, en + "gate_proj", {I, d}, root);
            expect(x.up, en + "up_proj", {I, d}, root);
            expect(x.down, en + "down_proj", {d, I}, root);
        }
    }
    const std::int64_t S = p.shared_intermediate;
    if (S > 0) {
        expect(shared_.gate, n + "shared expert gate_proj", {S, d}, root);
        expect(shared_.up, n + "shared expert up_proj", {S, d}, root);
        expect(shared_.down, n + "shared expert down_proj", {d, S}, root);
    } else {
        for (const TensorInfo* t : {shared_.gate, shared_.up, shared_.down})
            forbid(t, "config.json has no shared expert", root);
    }
    if (p.spec->shared == SharedExpertKind::sigmoid_gated && S > 0)
        expect(shared_gate_, n + "shared_expert_gate", {1, d}, root);
    else
        forbid(shared_gate_, "this family has no shared expert gate", root);
}

MoeLayerWeights MoeLayerSlots::load(Backend& backend, const MixtureParams& p) const {
    auto load = [&](const TensorInfo* t) { return t ? backend.to_device(view_of(*t)) : Tensor(); };
    MoeLayerWeights w;
    const std::int64_t E = p.experts, I = p.expert_intermediate;
    w.router = load(router_);
    w.correction_bias.assign(static_cast<std::size_t>(E), 0.0f);
    if (router_bias_) {
        Tensor b = backend.to_host(backend.to_device(view_of(*router_bias_)));
        std::copy(b.f32(), b.f32() + E, w.correction_bias.begin());
    }
    w.experts.resize(static_cast<std::size_t>(E));
    if (fused_down_) {
        const Tensor down = load(fused_down_);
        const std::int64_t d = down.dim(1);
        const Tensor down2 = down.reshaped({E * d, I});
        Tensor gate_up, gate, up;
        if (fused_gate_up_)
            gate_up = load(fused_gate_up_).reshaped({E * 2 * I, d});
        else {
            gate = load(fused_gate_).reshaped({E * I, d});
            up = load(fused_up_).reshaped({E * I, d});
        }
        for (std::int64_t e = 0; e < E; ++e) {
            GatedMlpWeights& x = w.experts[static_cast<std::size_t>(e)];
            if (gate_up
                    .defined()) {  // transformers: gate, up = linear(x, gate_up_proj[e]).chunk(2)
                x.gate = gate_up.slice_rows(e * 2 * I, e * 2 * I + I);
                x.up = gate_up.slice_rows(e * 2 * I + I, (e + 1) * 2 * I);
            } else {
                x.gate = gate.slice_rows(e * I, (e + 1) * I);
                x.up = up.slice_rows(e * I, (e + 1) * I);
            }
            x.down = down2.slice_rows(e * d, (e + 1) * d);
        }
    } else {
        for (std::int64_t e = 0; e < E; ++e) {
            const Expert& s = experts_[static_cast<std::size_t>(e)];
            w.experts[static_cast<std::size_t>(e)] = {load(s.gate), load(s.up), load(s.down)};
        }
    }
    w.shared = {load(shared_.gate), load(shared_.up), load(shared_.down)};
    w.shared_gate = load(shared_gate_);
    return w;
}

Route route_token(const float* logits, const MixtureParams& p, const std::vector<float>& bias) {
    const std::int64_t E = p.experts;
    Route r;
    std::vector<float> scores(static_cast<std::size_t>(E));
    if (p.spec->router == RouterKind::softmax_topk) {
        float mx = -std::numeric_limits<float>::infinity();
        for (std::int64_t e = 0; e < E; ++e) mx = std::max(mx, logits[e]);
        float sum = 0;
        for (std::int64_t e = 0; e < E; ++e)
            sum += scores[static_cast<std::size_t>(e)] = std::exp(logits[e] - mx);
        for (auto& s : scores) s /= sum;
        r.experts = top_k(scores, p.top_k);
        for (auto e : r.experts) r.weights.push_back(scores[static_cast<std::size_t>(e)]);
        if (p.renormalize) {
            float total = 0;
            for (float w : r.weights) total += w;
            for (float& w : r.weights) w /= total;
        }
        return r;
    }
    // sigmoid_grouped, and sigmoid_topk (groups stay 1 and the bias zero: resolve_mixture, check)
    std::vector<float> choice(static_cast<std::size_t>(E));
    for (std::int64_t e = 0; e < E; ++e) {
        scores[static_cast<std::size_t>(e)] = 1.0f / (1.0f + std::exp(-logits[e]));
        choice[static_cast<std::size_t>(e)] =
            scores[static_cast<std::size_t>(e)] + bias[static_cast<std::size_t>(e)];
    }
    if (p.groups > 1) {
        const std::int64_t per = E / p.groups;
        std::vector<float> group_score(static_cast<std::size_t>(p.groups));
        for (std::int64_t g = 0; g < p.groups; ++g) {
            std::vector<float> members(choice.begin() + g * per, choice.begin() + (g + 1) * per);
            const auto best = top_k(members, 2);
            group_score[static_cast<std::size_t>(g)] = members[static_cast<std::size_t>(best[0])] +
                                                       members[static_cast<std::size_t>(best[1])];
        }
        std::vector<bool> kept(static_cast<std::size_t>(p.groups), false);
        for (auto g : top_k(group_score, p.topk_groups)) kept[static_cast<std::size_t>(g)] = true;
        for (std::int64_t e = 0; e < E; ++e)
            if (!kept[static_cast<std::size_t>(e / per)])
                choice[static_cast<std::size_t>(e)] = -std::numeric_limits<float>::infinity();
    }
    r.experts = top_k(choice, p.top_k);
    for (auto e : r.experts) r.weights.push_back(scores[static_cast<std::size_t>(e)]);
    if (p.renormalize) {
        float total = 1e-20f;
        for (float w : r.weights) total += w;
        for (float& w : r.weights) w /= total;
    }
    for (float& w : r.weights) w *= p.routed_scaling;
    return r;
}

void moe_forward(Backend& backend, const MoeLayerWeights& w, const MixtureParams& p, Activation act,
                 const Tensor& h, Tensor& out) {
    const std::int64_t T = h.rows(), d = h.cols(), E = p.experts, I = p.expert_intermediate;
    Tensor logits = backend.allocate({T, E});
    backend.matmul_wt(h, w.router, nullptr, logits);
    const Tensor host = backend.to_host(logits);

    // Tokens and weights per expert.
    std::vector<std::vector<std::int64_t>> rows(static_cast<std::size_t>(E));
    std::vector<std::vector<float>> weights(static_cast<std::size_t>(E));
    for (std::int64_t t = 0; t < T; ++t) {
        const Route r = route_token(host.f32() + t * E, p, w.correction_bias);
        for (std::size_t j = 0; j < r.experts.size(); ++j) {
            rows[static_cast<std::size_t>(r.experts[j])].push_back(t);
            weights[static_cast<std::size_t>(r.experts[j])].push_back(r.weights[j]);
        }
    }
    Tensor acc = backend.allocate({T, d});  // zero-filled
    for (std::int64_t e = 0; e < E; ++e) {
        const auto& idx = rows[static_cast<std::size_t>(e)];
        if (idx.empty()) continue;
        const auto n = static_cast<std::int64_t>(idx.size());
        const GatedMlpWeights& x = w.experts[static_cast<std::size_t>(e)];
        Tensor xe = backend.allocate({n, d}), gate = backend.allocate({n, I}),
               up = backend.allocate({n, I}), y = backend.allocate({n, d});
        backend.gather_rows(h, idx, xe);
        backend.matmul_wt(xe, x.gate, nullptr, gate);
        backend.matmul_wt(xe, x.up, nullptr, up);
        backend.gated_activation(gate, up, act, gate);
        backend.matmul_wt(gate, x.down, nullptr, y);
        backend.add_scaled_rows(y, idx, weights[static_cast<std::size_t>(e)], acc);
    }
    if (w.shared.gate.defined()) {
        const std::int64_t S = w.shared.gate.rows();
        Tensor gate = backend.allocate({T, S}), up = backend.allocate({T, S}),
               y = backend.allocate({T, d});
        backend.matmul_wt(h, w.shared.gate, nullptr, gate);
        backend.matmul_wt(h, w.shared.up, nullptr, up);
        backend.gated_activation(gate, up, act, gate);
        backend.matmul_wt(gate, w.shared.down, nullptr, y);
        if (w.shared_gate.defined()) {  // Qwen2-MoE: sigmoid(h·w^T) · shared_expert(h)
            Tensor g = backend.allocate({T, 1});
            backend.matmul_wt(h, w.shared_gate, nullptr, g);
            const Tensor gh = backend.to_host(g);
            std::vector<std::int64_t> all(static_cast<std::size_t>(T));
            std::vector<float> scale(static_cast<std::size_t>(T));
            for (std::int64_t t = 0; t < T; ++t) {
                all[static_cast<std::size_t>(t)] = t;
                scale[static_cast<std::size_t>(t)] = 1.0f / (1.0f + std::exp(-gh.f32()[t]));
            }
            backend.add_scaled_rows(y, all, scale, acc);
        } else {
            backend.add(acc, y, acc);
        }
    }
    out = acc;
}

}  // namespace lineage::model
