// Latent attention binding, checks, load-time rearrangement and projections (see
// latent_attention.h).
#include "reference_model/model/latent_attention.h"

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

// Rows of a per-head [nope | rope] projection reordered to [rope | nope] (host fp32).
Tensor rope_first(const Tensor& w, std::int64_t heads, std::int64_t nope, std::int64_t rope) {
    const std::int64_t qk = nope + rope, cols = w.cols();
    Tensor out = Tensor::zeros_host({heads * qk, cols});
    for (std::int64_t h = 0; h < heads; ++h)
        for (std::int64_t j = 0; j < qk; ++j) {
            const std::int64_t from = h * qk + (j < rope ? nope + j : j - rope);
            std::copy(w.f32() + from * cols, w.f32() + (from + 1) * cols,
                      out.f32() + (h * qk + j) * cols);
        }
    return out;
}

}  // namespace

std::size_t LatentWeights::bytes() const {
    std::size_t n = 0;
    for (const Tensor* t : {&q_a, &q_a_norm, &q_b, &q, &kv_a_latent, &kv_a_rope, &kv_a_norm,
                            &k_from_latent, &k_from_rope, &v_from_latent, &o})
        if (t->defined()) n += t->byte_size();
    return n;
}

bool LatentSlots::bind(const weights::TensorRole& r, const TensorInfo& t, const std::string& root) {
    if (r.is_bias) return false;  // attention_bias is rejected by resolve_mixture
    switch (r.role) {
        case Role::q_proj:
            put(q_, t, root);
            return true;
        case Role::q_a_proj:
            put(q_a_, t, root);
            return true;
        case Role::q_a_norm:
            put(q_a_norm_, t, root);
            return true;
        case Role::q_b_proj:
            put(q_b_, t, root);
            return true;
        case Role::kv_a_proj:
            put(kv_a_, t, root);
            return true;
        case Role::kv_a_norm:
            put(kv_a_norm_, t, root);
            return true;
        case Role::kv_b_proj:
            put(kv_b_, t, root);
            return true;
        case Role::o_proj:
            put(o_, t, root);
            return true;
        default:
            return false;
    }
}

void LatentSlots::check(const MixtureParams& p, std::int64_t d, std::int64_t H, std::int64_t layer,
                        const std::string& root) const {
    const std::string n = "block " + std::to_string(layer) + " ";
    const std::int64_t qk = p.qk_head_dim(), r = p.kv_lora_rank;
    if (p.q_lora_rank > 0) {
        expect(q_a_, n + "q_a_proj", {p.q_lora_rank, d}, root);
        expect(q_a_norm_, n + "q_a_layernorm", {p.q_lora_rank}, root);
        expect(q_b_, n + "q_b_proj", {H * qk, p.q_lora_rank}, root);
        if (q_)
            throw InputError(root,
                             "tensor '" + q_->name +
                                 "': unexpected, q_lora_rank is set (config/tensor mismatch)");
    } else {
        expect(q_, n + "q_proj", {H * qk, d}, root);
        for (const TensorInfo* t : {q_a_, q_a_norm_, q_b_})
            if (t)
                throw InputError(root,
                                 "tensor '" + t->name +
                                     "': unexpected, q_lora_rank is null (config/tensor mismatch)");
    }
    expect(kv_a_, n + "kv_a_proj_with_mqa", {r + p.qk_rope_dim, d}, root);
    expect(kv_a_norm_, n + "kv_a_layernorm", {r}, root);
    expect(kv_b_, n + "kv_b_proj", {H * (p.qk_nope_dim + p.v_head_dim), r}, root);
    expect(o_, n + "o_proj", {d, H * p.v_head_dim}, root);
}

LatentWeights LatentSlots::load(Backend& backend, const MixtureParams& p, std::int64_t H) const {
    // Rearrangement on the host (fp32), then one copy to the backend.
    auto host = [&](const TensorInfo* t) {
        return backend.to_host(backend.to_device(view_of(*t), true));
    };
    const std::int64_t n = p.qk_nope_dim, rho = p.qk_rope_dim, v = p.v_head_dim, qk = n + rho,
                       r = p.kv_lora_rank;
    LatentWeights w;
    if (q_a_) {
        w.q_a = backend.to_device(view_of(*q_a_));
        w.q_a_norm = backend.to_device(view_of(*q_a_norm_));
        w.q_b = backend.to_device(rope_first(host(q_b_), H, n, rho));
    } else {
        w.q = backend.to_device(rope_first(host(q_), H, n, rho));
    }
    const Tensor kv_a = host(kv_a_);  // [r + ρ, hidden]: latent rows, then the shared RoPE key rows
    w.kv_a_latent = backend.to_device(kv_a.slice_rows(0, r), true);
    w.kv_a_rope = backend.to_device(kv_a.slice_rows(r, r + rho), true);
    w.kv_a_norm = backend.to_device(view_of(*kv_a_norm_));

    const Tensor kv_b = host(kv_b_);  // [H·(n+v), r], per head [nope | v]
    Tensor k_lat = Tensor::zeros_host({H * qk, r}), k_rope = Tensor::zeros_host({H * qk, rho}),
           v_lat = Tensor::zeros_host({H * qk, r});
    for (std::int64_t h = 0; h < H; ++h) {
        for (std::int64_t j = 0; j < n; ++j) {
            const float* src = kv_b.f32() + (h * (n + v) + j) * r;
            std::copy(src, src + r, k_lat.f32() + (h * qk + rho + j) * r);
        }
        for (std::int64_t j = 0; j < rho; ++j) k_rope.f32()[(h * qk + j) * rho + j] = 1.0f;
        for (std::int64_t j = 0; j < v; ++j) {
            const float* src = kv_b.f32() + (h * (n + v) + n + j) * r;
            std::copy(src, src + r, v_lat.f32() + (h * qk + j) * r);
        }
    }
    w.k_from_latent = backend.to_device(k_lat);
    w.k_from_rope = backend.to_device(k_rope);
    w.v_from_latent = backend.to_device(v_lat);

    const Tensor o = host(o_);  // [hidden, H·v]
    const std::int64_t d = o.rows();
    Tensor o_pad = Tensor::zeros_host({d, H * qk});
    for (std::int64_t row = 0; row < d; ++row)
        for (std::int64_t h = 0; h < H; ++h)
            std::copy(o.f32() + row * H * v + h * v, o.f32() + row * H * v + (h + 1) * v,
                      o_pad.f32() + row * H * qk + h * qk);
    w.o = backend.to_device(o_pad);
    return w;
}

void latent_qkv(Backend& backend, const LatentWeights& w, const MixtureParams& p, const Tensor& h,
                Tensor& q, Tensor& k, Tensor& v) {
    const std::int64_t T = h.rows();
    if (w.q_a.defined()) {
        Tensor qa = backend.allocate({T, p.q_lora_rank});
        backend.matmul_wt(h, w.q_a, nullptr, qa);
        backend.rmsnorm(qa, w.q_a_norm, p.latent_norm_eps, p.latent_norm_plus_one, qa);
        backend.matmul_wt(qa, w.q_b, nullptr, q);
    } else {
        backend.matmul_wt(h, w.q, nullptr, q);
    }
    Tensor c = backend.allocate({T, p.kv_lora_rank}), k_rope = backend.allocate({T, p.qk_rope_dim});
    backend.matmul_wt(h, w.kv_a_latent, nullptr, c);
    backend.rmsnorm(c, w.kv_a_norm, p.latent_norm_eps, p.latent_norm_plus_one, c);
    backend.matmul_wt(h, w.kv_a_rope, nullptr, k_rope);
    Tensor k_shared = backend.allocate({T, k.cols()});
    backend.matmul_wt(c, w.k_from_latent, nullptr, k);
    backend.matmul_wt(k_rope, w.k_from_rope, nullptr, k_shared);
    backend.add(k, k_shared, k);
    backend.matmul_wt(c, w.v_from_latent, nullptr, v);
}

}  // namespace lineage::model
