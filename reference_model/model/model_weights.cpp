// Role-based weight binding and shape validation (see model_weights.h).
#include "reference_model/model/model_weights.h"

#include <functional>

#include "reference_model/architecture/family_traits.h"
#include "reference_model/model/fused_layouts.h"
#include "weights/core/error.h"
#include "weights/tensor_roles.h"

namespace lineage::model {

namespace {

using weights::Role;
using weights::TensorInfo;

std::string shape_text(const std::vector<std::int64_t>& s) { return shape_string(std::span<const std::int64_t>(s)); }

// Rows [begin, begin + rows) of a stored matrix as a TensorInfo of its own (a view of the same bytes).
TensorInfo row_slice(const TensorInfo& t, std::int64_t begin, std::int64_t rows, const std::string& part) {
    const std::size_t row_bytes = t.bytes.size() / static_cast<std::size_t>(t.rows());
    TensorInfo s = t;
    s.name = t.name + "[" + part + "]";
    s.shape[0] = rows;
    s.num_elements = static_cast<std::uint64_t>(rows * t.cols());
    s.bytes = t.bytes.subspan(static_cast<std::size_t>(begin) * row_bytes, static_cast<std::size_t>(rows) * row_bytes);
    s.file_offset = t.file_offset + static_cast<std::uint64_t>(begin) * row_bytes;
    return s;
}

}  // namespace

Tensor view_of(const TensorInfo& info) {
    std::vector<std::int64_t> shape = info.shape;
    if (shape.empty()) shape = {1};
    return Tensor::view_host(info.bytes, shape, info.dtype);
}

std::size_t LayerWeights::bytes() const {
    std::size_t n = 0;
    for (const Tensor* t : {&attn_norm, &mlp_norm, &post_attn_norm, &post_mlp_norm, &attn_norm_bias, &mlp_norm_bias, &q, &k, &v, &o, &q_bias, &k_bias, &v_bias, &o_bias, &q_norm,
                            &k_norm, &gate, &up, &down, &gate_bias, &up_bias, &down_bias})
        if (t->defined()) n += t->byte_size();
    if (moe) n += moe->bytes();
    if (latent) n += latent->bytes();
    return n;
}

ModelWeights::ModelWeights(const weights::Checkpoint& checkpoint, const ArchitectureSpec& spec, const ModelDims& d,
                           bool tie_word_embeddings, bool mlp_bias, const MixtureParams* mixture) {
    const std::string root = checkpoint.root().string();
    layers_.resize(static_cast<std::size_t>(d.layers));
    if (mixture) {
        mixture_ = *mixture;
        heads_ = d.heads;
        moe_.resize(static_cast<std::size_t>(d.layers));
        latent_.resize(static_cast<std::size_t>(d.layers));
    }

    // Bind every language-model tensor by role; duplicates are an error, unknown names are ignored.
    // classify_tensors, not classify_tensor: it tells Gemma 2's post-attention sandwich norm from
    // Llama's pre-MLP norm of the same name.
    const std::vector<weights::TensorRole> roles = weights::classify_tensors(checkpoint.tensors());
    const FamilyTraits& traits = family_traits(*checkpoint.config());
    const bool layer_norm = spec.norm == NormKind::layer_norm;
    for (std::size_t ti = 0; ti < roles.size(); ++ti) {
        const TensorInfo& t = checkpoint.tensors()[ti];
        const weights::TensorRole& r = roles[ti];
        if (!r.tower.empty() || r.role == Role::other) continue;
        const TensorInfo** slot = nullptr;
        if (r.layer < 0) {
            switch (r.role) {
                case Role::token_embedding: slot = &embedding_; break;
                case Role::lm_head: slot = r.is_bias ? &lm_head_bias_ : &lm_head_; break;
                case Role::final_norm: slot = r.is_bias ? &final_norm_bias_ : &final_norm_; break;
                case Role::position_embedding: slot = &position_embedding_; break;
                default: break;
            }
        } else {
            if (r.layer >= d.layers && mixture && r.layer < d.layers + mixture->extra_layers)
                continue;  // multi-token-prediction blocks (num_nextn_predict_layers): not part of the forward
            if (r.layer >= d.layers)
                throw InputError(root, "tensor '" + t.name + "': block " + std::to_string(r.layer) +
                                           " but config.json has num_hidden_layers " + std::to_string(d.layers));
            LayerSlots& L = layers_[static_cast<std::size_t>(r.layer)];
            if (mixture) {
                const auto li = static_cast<std::size_t>(r.layer);
                if (mixture->latent() && latent_[li].bind(r, t, root)) continue;
                if (moe_[li].bind(r, t, mixture->experts, root)) continue;
            }
            const bool b = r.is_bias;
            bool placed = true;  // the role has a slot here (biases of norms are ignored)
            switch (r.role) {
                case Role::attn_norm: slot = b ? (layer_norm ? &L.attn_norm_bias : nullptr) : &L.attn_norm; break;
                case Role::mlp_norm: slot = b ? (layer_norm ? &L.mlp_norm_bias : nullptr) : &L.mlp_norm; break;
                case Role::q_proj: slot = b ? &L.q_bias : &L.q; break;
                case Role::k_proj: slot = b ? &L.k_bias : &L.k; break;
                case Role::v_proj: slot = b ? &L.v_bias : &L.v; break;
                case Role::o_proj: slot = b ? &L.o_bias : &L.o; break;
                case Role::q_norm: slot = b ? nullptr : &L.q_norm; break;
                case Role::k_norm: slot = b ? nullptr : &L.k_norm; break;
                case Role::mlp_gate: slot = b ? &L.gate_bias : &L.gate; break;
                case Role::mlp_up: slot = b ? &L.up_bias : &L.up; break;
                case Role::mlp_down: slot = b ? &L.down_bias : &L.down; break;
                case Role::post_attn_norm: slot = b ? nullptr : &L.post_attn_norm; break;
                case Role::post_mlp_norm: slot = b ? nullptr : &L.post_mlp_norm; break;
                case Role::qkv_proj: slot = b ? &L.qkv_bias : &L.qkv; placed = traits.qkv != QkvLayout::separate; break;
                case Role::mlp_gate_up: slot = &L.gate_up; placed = traits.fused_gate_up && !b; break;
                default: placed = false; break;
            }
            if (!placed)
                throw UnsupportedError(root, "tensor '" + t.name + "' (" + std::string(weights::role_name(r.role)) +
                                                 ") has no place in " + std::string(spec.name) +
                                                 " as the reference transformer implements it");
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
    // A matrix's expected shape: [out, in], or [in, out] for Conv1D storage (GPT-2).
    auto mat = [&](std::int64_t out, std::int64_t in) {
        return traits.conv1d ? std::vector<std::int64_t>{in, out} : std::vector<std::int64_t>{out, in};
    };
    conv1d_ = traits.conv1d;
    qkv_layout_ = traits.qkv;
    split_heads_ = d.heads, split_kv_heads_ = d.kv_heads, split_head_dim_ = d.head_dim;
    if (traits.learned_positions) check(position_embedding_, "the position embedding", {d.max_positions, d.hidden});
    else forbid(position_embedding_, std::string(spec.name) + " has no learned positions");
    if (layer_norm) check(final_norm_bias_, "the final LayerNorm bias", {d.hidden});
    else forbid(final_norm_bias_, "the final norm has no bias");
    if (traits.lm_head_bias) check(lm_head_bias_, "the lm_head bias", {d.vocab});
    else forbid(lm_head_bias_, "lm_head has no bias here");
    const FamilyScalars family_scalars = resolve_family_scalars(traits, *checkpoint.config(), d.head_dim, root);
    check(embedding_, "the token embedding", {d.vocab, d.hidden});
    check(final_norm_, "the final norm", {d.hidden});
    if (tie_word_embeddings) {
        lm_head_ = embedding_;  // transformers ties and ignores a stored lm_head
    } else {
        check(lm_head_, "lm_head (tie_word_embeddings is false)", {d.vocab, d.hidden});
    }
    const bool qkv_bias = mixture && mixture->qkv_bias
                              ? *mixture->qkv_bias
                              : spec.bias == BiasRule::always_qkv ||
                                    ((spec.bias == BiasRule::config_all || spec.bias == BiasRule::config_qkv) &&
                                     checkpoint.config()->attention_bias);
    const bool qk_norm = mixture && mixture->qk_norm ? *mixture->qk_norm : spec.qk_norm;
    const bool o_bias = spec.bias == BiasRule::config_all && checkpoint.config()->attention_bias;
    for (std::int64_t l = 0; l < d.layers; ++l) {
        const LayerSlots& L = layers_[static_cast<std::size_t>(l)];
        const std::string n = "block " + std::to_string(l) + " ";
        if (traits.pre_norms) {
            check(L.attn_norm, n + "attention norm", {d.hidden});
            if (layer_norm) check(L.attn_norm_bias, n + "attention LayerNorm bias", {d.hidden});
            if (traits.residual == Residual::parallel_one_norm) {
                forbid(L.mlp_norm, "GPT-J's MLP reads the attention's norm");
            } else {
                check(L.mlp_norm, n + "MLP norm", {d.hidden});
                if (layer_norm) check(L.mlp_norm_bias, n + "MLP LayerNorm bias", {d.hidden});
            }
        } else {
            forbid(L.attn_norm, std::string(spec.name) + " has no pre-norms");
            forbid(L.mlp_norm, std::string(spec.name) + " has no pre-norms");
        }
        if (family_scalars.post_norms) {
            check(L.post_attn_norm, n + "post-attention norm", {d.hidden});
            check(L.post_mlp_norm, n + "post-MLP norm", {d.hidden});
        } else {
            forbid(L.post_attn_norm, std::string(spec.name) + " has no post norms here");
            forbid(L.post_mlp_norm, std::string(spec.name) + " has no post norms here");
        }
        // Fused projections: checked whole, then split into row views (Phi-3) or, when the
        // rows must be rearranged (GPT-2 Conv1D, GPT-NeoX per-head), on load.
        LayerSlots& F = layers_[static_cast<std::size_t>(l)];
        if (traits.qkv != QkvLayout::separate) {
            check(L.qkv, n + "fused qkv projection", mat(q_out + 2 * kv_out, d.hidden));
            forbid(L.q, "q_proj is fused with k and v here");
            if (qkv_bias) check(L.qkv_bias, n + "fused qkv bias", {q_out + 2 * kv_out});
            else forbid(L.qkv_bias, std::string(spec.name) + " has no q/k/v bias here");
            if (traits.qkv == QkvLayout::per_head && d.heads != d.kv_heads)
                throw InputError(root, "per-head fused q/k/v needs num_key_value_heads == num_attention_heads");
            if (traits.qkv == QkvLayout::concatenated && !traits.conv1d) {
                F.q = &fused_parts_.emplace_back(row_slice(*L.qkv, 0, q_out, "q"));
                F.k = &fused_parts_.emplace_back(row_slice(*L.qkv, q_out, kv_out, "k"));
                F.v = &fused_parts_.emplace_back(row_slice(*L.qkv, q_out + kv_out, kv_out, "v"));
                if (L.qkv_bias) {
                    F.q_bias = &fused_parts_.emplace_back(row_slice(*L.qkv_bias, 0, q_out, "q"));
                    F.k_bias = &fused_parts_.emplace_back(row_slice(*L.qkv_bias, q_out, kv_out, "k"));
                    F.v_bias = &fused_parts_.emplace_back(row_slice(*L.qkv_bias, q_out + kv_out, kv_out, "v"));
                }
            } else {
                split_qkv_on_load_ = true;
            }
        }
        if (traits.fused_gate_up) {
            check(L.gate_up, n + "gate_up_proj", {2 * d.intermediate, d.hidden});
            forbid(L.gate, "gate_proj is fused into gate_up_proj");
            F.gate = &fused_parts_.emplace_back(row_slice(*L.gate_up, 0, d.intermediate, "gate"));
            F.up = &fused_parts_.emplace_back(row_slice(*L.gate_up, d.intermediate, d.intermediate, "up"));
        }
        const bool latent = mixture_ && mixture_->latent();
        const bool sparse = mixture_ && mixture_->sparse[static_cast<std::size_t>(l)];
        if (latent) {
            latent_[static_cast<std::size_t>(l)].check(*mixture_, d.hidden, d.heads, l, root);
        } else {
            if (!split_qkv_on_load_) {
                check(L.q, n + "q_proj", {q_out, d.hidden});
                check(L.k, n + "k_proj", {kv_out, d.hidden});
                check(L.v, n + "v_proj", {kv_out, d.hidden});
            }
            check(L.o, n + "o_proj", mat(d.hidden, q_out));
            if (split_qkv_on_load_) {
                // biases checked with the fused tensor
            } else if (qkv_bias) {
                check(L.q_bias, n + "q_proj bias", {q_out});
                check(L.k_bias, n + "k_proj bias", {kv_out});
                check(L.v_bias, n + "v_proj bias", {kv_out});
            } else {
                for (auto* t : {L.q_bias, L.k_bias, L.v_bias}) forbid(t, std::string(spec.name) + " has no q/k/v bias here");
            }
            if (o_bias) check(L.o_bias, n + "o_proj bias", {d.hidden});
            else forbid(L.o_bias, "o_proj has no bias here");
            if (qk_norm) {
                check(L.q_norm, n + "q_norm", {d.head_dim});
                check(L.k_norm, n + "k_norm", {d.head_dim});
            } else {
                forbid(L.q_norm, std::string(spec.name) + " has no q/k norm");
                forbid(L.k_norm, std::string(spec.name) + " has no q/k norm");
            }
        }
        if (sparse) {
            moe_[static_cast<std::size_t>(l)].check(*mixture_, d.hidden, l, root);
            for (auto* t : {L.gate, L.up, L.down}) forbid(t, "block " + std::to_string(l) + " is a routed MoE block");
            continue;
        }
        if (mixture_ && moe_[static_cast<std::size_t>(l)].any())
            forbid(moe_[static_cast<std::size_t>(l)].first(), "block " + std::to_string(l) + " has a dense MLP per config.json");
        const bool gated = traits.mlp == MlpKind::gated;
        if (gated) check(L.gate, n + "gate_proj", mat(d.intermediate, d.hidden));
        else forbid(L.gate, std::string(spec.name) + " has a plain (non-gated) MLP");
        check(L.up, n + "up_proj", mat(d.intermediate, d.hidden));
        check(L.down, n + "down_proj", mat(d.hidden, d.intermediate));
        if (mlp_bias || traits.mlp_biases) {
            if (gated) check(L.gate_bias, n + "gate_proj bias", {d.intermediate});
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
Tensor ModelWeights::position_embedding_view() const { return position_embedding_ ? view_of(*position_embedding_) : Tensor(); }
Tensor ModelWeights::final_norm_bias_view() const { return final_norm_bias_ ? view_of(*final_norm_bias_) : Tensor(); }
Tensor ModelWeights::lm_head_bias_view() const { return lm_head_bias_ ? view_of(*lm_head_bias_) : Tensor(); }

LayerWeights ModelWeights::load_layer(Backend& backend, std::int64_t layer) const {
    const LayerSlots& L = layers_.at(static_cast<std::size_t>(layer));
    auto load = [&](const TensorInfo* t) { return t ? backend.to_device(view_of(*t)) : Tensor(); };
    auto host_f32 = [&](const TensorInfo& t) { return backend.to_host(backend.to_device(view_of(t))); };
    // Matrices, transposed on the host first when stored as Conv1D [in, out] (GPT-2).
    auto load_matrix = [&](const TensorInfo* t) {
        if (!t || !conv1d_) return load(t);
        return backend.to_device(transpose_host(host_f32(*t)), true);
    };
    LayerWeights w;
    w.attn_norm = load(L.attn_norm);
    w.mlp_norm = load(L.mlp_norm);
    w.attn_norm_bias = load(L.attn_norm_bias);
    w.mlp_norm_bias = load(L.mlp_norm_bias);
    w.post_attn_norm = load(L.post_attn_norm);
    w.post_mlp_norm = load(L.post_mlp_norm);
    w.q = load_matrix(L.q);
    w.k = load_matrix(L.k);
    w.v = load_matrix(L.v);
    w.o = load_matrix(L.o);
    w.q_bias = load(L.q_bias);
    w.k_bias = load(L.k_bias);
    w.v_bias = load(L.v_bias);
    w.o_bias = load(L.o_bias);
    w.q_norm = load(L.q_norm);
    w.k_norm = load(L.k_norm);
    w.gate = load_matrix(L.gate);
    w.up = load_matrix(L.up);
    w.down = load_matrix(L.down);
    w.gate_bias = load(L.gate_bias);
    w.up_bias = load(L.up_bias);
    w.down_bias = load(L.down_bias);
    if (split_qkv_on_load_ && L.qkv) {  // GPT-2 (transposed, then [q; k; v]) and GPT-NeoX (per head)
        const Tensor fused = conv1d_ ? transpose_host(host_f32(*L.qkv)) : host_f32(*L.qkv);
        auto parts = split_qkv_host(fused, qkv_layout_, split_heads_, split_kv_heads_, split_head_dim_);
        w.q = backend.to_device(parts[0], true);
        w.k = backend.to_device(parts[1], true);
        w.v = backend.to_device(parts[2], true);
        if (L.qkv_bias) {
            auto b = split_qkv_host(host_f32(*L.qkv_bias), qkv_layout_, split_heads_, split_kv_heads_, split_head_dim_);
            w.q_bias = backend.to_device(b[0], true);
            w.k_bias = backend.to_device(b[1], true);
            w.v_bias = backend.to_device(b[2], true);
        }
    }
    if (mixture_) {
        const auto li = static_cast<std::size_t>(layer);
        if (mixture_->latent()) {
            auto latent = std::make_shared<LatentWeights>(latent_[li].load(backend, *mixture_, heads_));
            w.o = latent->o;
            w.latent = std::move(latent);
        }
        if (mixture_->sparse[li]) w.moe = std::make_shared<MoeLayerWeights>(moe_[li].load(backend, *mixture_));
    }
    return w;
}

}  // namespace lineage::model
