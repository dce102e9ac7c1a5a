// Role-based weight binding and shape validation (see model_weights.h).
#include "reference_model/model/model_weights.h"

#include <functional>

#include "weights/core/error.h"
#include "weights/tensor_roles.h"

namespace lineage::model {

namespace {

using weights::Role;
using weights::TensorInfo;

std::string shape_text(const std::vector<std::int64_t>& s) { return shape_string(std::span<const std::int64_t>(s)); }

}  // namespace

Tensor view_of(const TensorInfo& info) {
    std::vector<std::int64_t> shape = info.shape;
    if (shape.empty()) shape = {1};
    return Tensor::view_host(info.bytes, shape, info.dtype);
}

std::size_t LayerWeights::bytes() const {
    std::size_t n = 0;
    for (const Tensor* t : {&attn_norm, &mlp_norm, &q, &k, &v, &o, &q_bias, &k_bias, &v_bias, &o_bias, &q_norm,
                            &k_norm, &gate, &up, &down, &gate_bias, &up_bias, &down_bias})
        if (t->defined()) n += t->byte_size();
    return n;
}

ModelWeights::ModelWeights(const weights::Checkpoint& checkpoint, const ArchitectureSpec& spec, const ModelDims& d,
                           bool tie_word_embeddings, bool mlp_bias) {
    const std::string root = checkpoint.root().string();
    layers_.resize(static_cast<std::size_t>(d.layers));

    // Bind every language-model tensor by role; duplicates are an error, unknown names are ignored.
    for (const TensorInfo& t : checkpoint.tensors()) {
        const weights::TensorRole r = weights::classify_tensor(t.name);
        if (!r.tower.empty() || r.role == Role::other) continue;
        const TensorInfo** slot = nullptr;
        if (r.layer < 0) {
            switch (r.role) {
                case Role::token_embedding: slot = &embedding_; break;
                case Role::lm_head: slot = &lm_head_; break;
                case Role::final_norm: slot = &final_norm_; break;
                default: break;
            }
        } else {
            if (r.layer >= d.layers)
                throw InputError(root, "tensor '" + t.name + "': block " + std::to_string(r.layer) +
                                           " but config.json has num_hidden_layers " + std::to_string(d.layers));
            LayerSlots& L = layers_[static_cast<std::size_t>(r.layer)];
            const bool b = r.is_bias;
            switch (r.role) {
                case Role::attn_norm: slot = b ? nullptr : &L.attn_norm; break;
                case Role::mlp_norm: slot = b ? nullptr : &L.mlp_norm; break;
                case Role::q_proj: slot = b ? &L.q_bias : &L.q; break;
                case Role::k_proj: slot = b ? &L.k_bias : &L.k; break;
                case Role::v_proj: slot = b ? &L.v_bias : &L.v; break;
                case Role::o_proj: slot = b ? &L.o_bias : &L.o; break;
                case Role::q_norm: slot = b ? nullptr : &L.q_norm; break;
                case Role::k_norm: slot = b ? nullptr : &L.k_norm; break;
                case Role::mlp_gate: slot = b ? &L.gate_bias : &L.gate; break;
                case Role::mlp_up: slot = b ? &L.up_bias : &L.up; break;
                case Role::mlp_down: slot = b ? &L.down_bias : &L.down; break;
                default:
                    throw UnsupportedError(root, "tensor '" + t.name + "' (" + std::string(weights::role_name(r.role)) +
                                                     ") has no place in " + std::string(spec.name) +
                                                     " as the reference transformer implements it");
            }
        }
        if (!slot) continue;
        if (*slot) throw InputError(root, "tensors '" + (*slot)->name + "' and '" + t.name + "' have the same role");
        *slot = &t;
    }

    auto check = [&](const TensorInfo* t, const std::string& what, std::vector<std::int64_t> expected) {
        if (!t) throw InputError(root, "tensor for " + what + " not found (config/tensor mismatch)");
        if (t->shape != expected)
            throw InputError(root, "tensor '" + t->name + "': shape " + shape_text(t->shape) +
                                       " does not match config.json (expected " + shape_text(expected) + ")");
        if (!weights::is_floating(t->dtype))
            throw UnsupportedError(root, "tensor '" + t->name + "': dtype " + std::string(weights::dtype_name(t->dtype)) +
                                             " is not a float type");
    };
    auto forbid = [&](const TensorInfo* t, const std::string& why) {
        if (t) throw InputError(root, "tensor '" + t->name + "': unexpected, " + why + " (config/tensor mismatch)");
    };

    const std::int64_t q_out = d.heads * d.head_dim, kv_out = d.kv_heads * d.head_dim;
    check(embedding_, "the token embedding", {d.vocab, d.hidden});
    check(final_norm_, "the final norm", {d.hidden});
    if (tie_word_embeddings) {
        lm_head_ = embedding_;  // transformers ties and ignores a stored lm_head
    } else {
        check(lm_head_, "lm_head (tie_word_embeddings is false)", {d.vocab, d.hidden});
    }
    const bool qkv_bias = spec.bias == BiasRule::always_qkv ||
                          ((spec.bias == BiasRule::config_all || spec.bias == BiasRule::config_qkv) &&
                           checkpoint.config()->attention_bias);
    const bool o_bias = spec.bias == BiasRule::config_all && checkpoint.config()->attention_bias;
    for (std::int64_t l = 0; l < d.layers; ++l) {
        const LayerSlots& L = layers_[static_cast<std::size_t>(l)];
        const std::string n = "block " + std::to_string(l) + " ";
        check(L.attn_norm, n + "attention norm", {d.hidden});
        check(L.mlp_norm, n + "MLP norm", {d.hidden});
        check(L.q, n + "q_proj", {q_out, d.hidden});
        check(L.k, n + "k_proj", {kv_out, d.hidden});
        check(L.v, n + "v_proj", {kv_out, d.hidden});
        check(L.o, n + "o_proj", {d.hidden, q_out});
        check(L.gate, n + "gate_proj", {d.intermediate, d.hidden});
        check(L.up, n + "up_proj", {d.intermediate, d.hidden});
        check(L.down, n + "down_proj", {d.hidden, d.intermediate});
        if (qkv_bias) {
            check(L.q_bias, n + "q_proj bias", {q_out});
            check(L.k_bias, n + "k_proj bias", {kv_out});
            check(L.v_bias, n + "v_proj bias", {kv_out});
        } else {
            for (auto* t : {L.q_bias, L.k_bias, L.v_bias}) forbid(t, std::string(spec.name) + " has no q/k/v bias here");
        }
        if (o_bias) check(L.o_bias, n + "o_proj bias", {d.hidden});
        else forbid(L.o_bias, "o_proj has no bias here");
        if (spec.qk_norm) {
            check(L.q_norm, n + "q_norm", {d.head_dim});
            check(L.k_norm, n + "k_norm", {d.head_dim});
        } else {
            forbid(L.q_norm, std::string(spec.name) + " has no q/k norm");
            forbid(L.k_norm, std::string(spec.name) + " has no q/k norm");
        }
        if (mlp_bias) {
            check(L.gate_bias, n + "gate_proj bias", {d.intermediate});
            check(L.up_bias, n + "up_proj bias", {d.intermediate});
            check(L.down_bias, n + "down_proj bias", {d.hidden});
        } else {
            for (auto* t : {L.gate_bias, L.up_bias, L.down_bias}) forbid(t, "mlp_bias is false");
        }
    }
}

Tensor ModelWeights::embedding_view() const { return view_of(*embedding_); }
Tensor ModelWeights::lm_head_view() const { return view_of(*lm_head_); }
Tensor ModelWeights::final_norm_view() const { return view_of(*final_norm_); }

LayerWeights ModelWeights::load_layer(Backend& backend, std::int64_t layer) const {
    const LayerSlots& L = layers_.at(static_cast<std::size_t>(layer));
    auto load = [&](const TensorInfo* t) { return t ? backend.to_device(view_of(*t)) : Tensor(); };
    LayerWeights w;
    w.attn_norm = load(L.attn_norm);
    w.mlp_norm = load(L.mlp_norm);
    w.q = load(L.q);
    w.k = load(L.k);
    w.v = load(L.v);
    w.o = load(L.o);
    w.q_bias = load(L.q_bias);
    w.k_bias = load(L.k_bias);
    w.v_bias = load(L.v_bias);
    w.o_bias = load(L.o_bias);
    w.q_norm = load(L.q_norm);
    w.k_norm = load(L.k_norm);
    w.gate = load(L.gate);
    w.up = load(L.up);
    w.down = load(L.down);
    w.gate_bias = load(L.gate_bias);
    w.up_bias = load(L.up_bias);
    w.down_bias = load(L.down_bias);
    return w;
}

}  // namespace lineage::model
