// Multi-head latent attention (DeepSeek-V2/V3 MLA) expressed as ordinary multi-head attention.
//
// transformers' DeepseekV3Attention, per token (H heads, r = kv_lora_rank, n/ρ/v = nope/rope/v
// dims):
//   q     = q_b(RMSNorm(q_a(h)))  or  q_proj(h)            [H, n + ρ]   per head [nope | rope]
//   c, kρ = split(kv_a_proj_with_mqa(h), [r, ρ])           latent [r] and one shared RoPE key [ρ]
//   k_h   = [kv_b(RMSNorm(c))_h[:n] | RoPE(kρ)]            v_h = kv_b(RMSNorm(c))_h[n:]
//   out   = o_proj(softmax(q·k^T · scale) v)               scale = (n+ρ)^-0.5 · mscale²
// Here the weights are rearranged once at load time so that the existing backend ops compute it:
// each head is laid out [rope | nope] (q_b rows permuted; keys built as c·Wk^T + kρ·Wρ^T with Wρ a
// 0/1 selection), values are padded with zero rows to n + ρ so that q, k and v share one head
// width, and o_proj gets matching zero columns. Scores are sums over the same products (in
// another order), the padding adds exact zeros, and the RoPE op then rotates the first ρ dims of
// every head — interleaved pairs (2i, 2i+1) when rope_interleave, as DeepSeek's checkpoints are
// laid out (transformers de-interleaves q and k alike, which leaves q·k unchanged).
// The KV cache therefore holds expanded keys and values ([T, H·(n+ρ)] each), not the latent.
// The q_a / kv_a norms are DeepseekV3RMSNorm (w, eps 1e-6: the class builds them without eps) or,
// for VAETKI, (1+w) with rms_norm_eps (MixtureParams::latent_norm_*).
#pragma once

#include <cstdint>
#include <string>

#include "reference_model/architecture/mixture_spec.h"
#include "reference_model/backend/backend.h"
#include "weights/core/tensor_info.h"
#include "weights/tensor_roles.h"

namespace lineage::model {

// One block's latent attention in fp32 on a backend, rearranged as above.
struct LatentWeights {
    Tensor q_a, q_a_norm,
        q_b;   // [q_rank, hidden], [q_rank], [H·(n+ρ), q_rank] rows per head [rope | nope]
    Tensor q;  // [H·(n+ρ), hidden] (no q LoRA), same row order
    Tensor kv_a_latent, kv_a_rope;      // [r, hidden], [ρ, hidden]
    Tensor kv_a_norm;                   // [r]
    Tensor k_from_latent, k_from_rope;  // [H·(n+ρ), r], [H·(n+ρ), ρ]
    Tensor v_from_latent;               // [H·(n+ρ), r], rows beyond v of each head zero
    Tensor o;                           // [hidden, H·(n+ρ)], columns beyond v of each head zero
    std::size_t bytes() const;
};

class LatentSlots {
  public:
    // Takes `t` if it is a latent-attention tensor (q_a/q_b/kv_a/kv_b and their norms, q_proj,
    // o_proj).
    bool bind(const weights::TensorRole& role, const weights::TensorInfo& t,
              const std::string& root);
    void check(const MixtureParams& p, std::int64_t hidden, std::int64_t heads, std::int64_t layer,
               const std::string& root) const;
    LatentWeights load(Backend& backend, const MixtureParams& p, std::int64_t heads) const;

  private:
    const weights::TensorInfo *q_ = nullptr, *q_a_ = nullptr, *q_a_norm_ = nullptr, *q_b_ = nullptr;
    const weights::TensorInfo *kv_a_ = nullptr, *kv_a_norm_ = nullptr, *kv_b_ = nullptr,
                              *o_ = nullptr;
};

// q, k, v [T, H·(n+ρ)] (before RoPE) from the normed hidden states h [T, hidden].
void latent_qkv(Backend& backend, const LatentWeights& w, const MixtureParams& p, const Tensor& h,
                Tensor& q, Tensor& k, Tensor& v);

}  // namespace lineage::model
