// The compute interface of the reference transformer. A Backend owns a device and implements
// op-sized operations on fp32 tensors that live on it; the transformer is written once against
// this interface. CpuBackend (Eigen + OpenBLAS) is the reference; a CUDA backend implements the
// same virtuals (issue 12), so callers never change. Weights arrive as host views of the
// checkpoint's bytes in their stored dtype and are converted by `to_device`.
//
// Layout conventions (row-major): activations are [tokens, features]; a sequence batch is packed
// (the tokens of all sequences concatenated) and described by AttentionSequence spans, so there is
// no padding anywhere. Linear weights are stored as transformers does: [out_features, in_features].
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "reference_model/tensor/tensor.h"

namespace lineage::model {

// How rotary embeddings pair up the dimensions of a head.
enum class RopeStyle : std::uint8_t {
    neox,         // half split: (i, i + rot/2) — transformers' rotate_half (Llama, Mistral, Qwen)
    interleaved,  // adjacent pairs: (2i, 2i + 1) — GPT-J, original Meta checkpoints
};

// The activation of a gated MLP: out = act(gate) * up.
enum class Activation : std::uint8_t { silu, gelu, gelu_tanh, relu };

// One sequence of a packed batch, for attention. Queries are rows [q_begin, q_begin + q_len) of q;
// keys/values rows [kv_begin, kv_begin + kv_len) of k and v. The queries are the last q_len
// positions of the sequence: query i sits at key position kv_len - q_len + i (a KV cache holds the
// earlier ones), and attends causally to keys 0..that position.
struct AttentionSequence {
    std::int64_t q_begin = 0, q_len = 0;
    std::int64_t kv_begin = 0, kv_len = 0;
};

struct AttentionParams {
    std::int64_t num_heads = 0;     // query heads
    std::int64_t num_kv_heads = 0;  // key/value heads (grouped-query attention when fewer)
    std::int64_t head_dim = 0;
    float scale = 1.0f;             // usually head_dim^-0.5
    std::int64_t sliding_window = 0;  // 0 = none; else key j visible to query at p iff p - j < window
    float softcap = 0.0f;           // > 0: scores -> softcap · tanh(scores / softcap) before the mask (Gemma 2)
};

class Backend {
public:
    virtual ~Backend() = default;

    virtual Device device() const = 0;
    // "cpu (OpenBLAS, 2 threads)", "cuda:0 (NVIDIA H100)", ... for logs and reports.
    virtual std::string description() const = 0;

    // ---- memory -----------------------------------------------------------------------------
    // Zero-filled tensor on this device.
    virtual Tensor allocate(std::vector<std::int64_t> shape, DType dtype = DType::F32) = 0;
    // fp32 copy on this device of a host tensor of any float dtype (bf16/f16/f8 are converted).
    // An fp32 host tensor on the CPU backend is returned as is (no copy) unless `force_copy`.
    virtual Tensor to_device(const Tensor& host, bool force_copy = false) = 0;
    // fp32 host tensor with the same contents (the same handle on the CPU backend).
    virtual Tensor to_host(const Tensor& t) = 0;
    // Copies n rows from src (starting at src_row) into dst (at dst_row); same device, same cols.
    virtual void copy_rows(const Tensor& src, std::int64_t src_row, Tensor& dst, std::int64_t dst_row,
                           std::int64_t n) = 0;

    // ---- operations (all fp32; outputs preallocated by the caller) ---------------------------
    // y[n, m] = x[n, k] · w[m, k]^T (+ bias[m]).
    virtual void matmul_wt(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y) = 0;
    // Per row of d = w.numel() elements (x seen as [numel/d, d]):
    //   y = x / sqrt(mean(x²) + eps) · w        (plus_one: · (1 + w), Gemma). y may alias x.
    virtual void rmsnorm(const Tensor& x, const Tensor& w, float eps, bool plus_one, Tensor& y) = 0;
    // Rotates x[T, heads · head_dim] in place; cos/sin [T, rot/2] hold the angles of each token
    // (already scaled by any attention factor); the first rot dims of each head rotate, the rest
    // pass through.
    virtual void rope(Tensor& x, std::int64_t heads, std::int64_t head_dim, const Tensor& cos, const Tensor& sin,
                      RopeStyle style) = 0;
    // Causal (optionally sliding-window) scaled-dot-product attention with GQA over packed
    // sequences: q [Tq, H·hd], k/v [Tkv, Hkv·hd] -> out [Tq, H·hd]. Softmax in fp32.
    virtual void attention(const Tensor& q, const Tensor& k, const Tensor& v,
                           std::span<const AttentionSequence> sequences, const AttentionParams& params,
                           Tensor& out) = 0;
    // out = act(gate) · up, elementwise ([n, m]). out may alias gate or up.
    virtual void gated_activation(const Tensor& gate, const Tensor& up, Activation act, Tensor& out) = 0;
    // out = a + b, elementwise. out may alias a or b.
    virtual void add(const Tensor& a, const Tensor& b, Tensor& out) = 0;
    // out[i, :] = table[ids[i], :] in fp32; the table may be a host view in its stored dtype
    // (only the rows used are converted). Ids are checked by the caller.
    virtual void embedding(const Tensor& table, std::span<const std::int32_t> ids, Tensor& out) = 0;
    // Softmax over each row of x [n, m], in place.
    virtual void softmax(Tensor& x) = 0;

    // ---- family ops with host defaults (backend_host_defaults.cpp): exact on the CPU, where
    // tensors are host memory; a device backend may override them with kernels. ----------------
    // x = x · s, in place (muP multipliers, Gemma's embedding scale).
    virtual void scale(Tensor& x, float s);
    // x = cap · tanh(x / cap), in place (Gemma 2's final logit soft-capping).
    virtual void softcap(Tensor& x, float cap);
    // Per row of d = w.numel() elements: y = (x − mean) / sqrt(var + eps) · w (+ b), biased variance
    // as torch.nn.LayerNorm (GPT-2, GPT-NeoX, GPT-J). y may alias x.
    virtual void layernorm(const Tensor& x, const Tensor& w, const Tensor* b, float eps, Tensor& y);

    // ---- row gather / scatter for routed experts (defaults in row_ops.cpp go through
    // copy_rows and the host; a backend may override them) ----------------------------------------
    // dst[i, :] = src[rows[i], :].
    virtual void gather_rows(const Tensor& src, std::span<const std::int64_t> rows, Tensor& dst);
    // dst[rows[i], :] += scale[i] · src[i, :].
    virtual void add_scaled_rows(const Tensor& src, std::span<const std::int64_t> rows, std::span<const float> scale,
                                 Tensor& dst);

    // Waits for queued work (no-op on CPU).
    virtual void synchronize() {}
};

// "cpu", "cuda" or "auto" (CUDA when a device exists, else CPU with one line on stderr saying so).
// Throws UsageError for another name, DeviceError for "cuda" without a usable device.
std::unique_ptr<Backend> make_backend(const std::string& device);

std::unique_ptr<Backend> make_cpu_backend();
// Defined by the CUDA backend, or by cuda_backend_cuda_stub.cpp when CUDA is not built (throws).
std::unique_ptr<Backend> make_cuda_backend(int device);
// Number of usable CUDA devices (0 when CUDA is not built, no driver, or no device).
int cuda_device_count();

}  // namespace lineage::model
