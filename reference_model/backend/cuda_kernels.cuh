// Launchers of the CUDA backend's kernels, one .cu file per family of operations:
//   cuda_norm_kernels.cu       RMSNorm, LayerNorm          (one block per row)
//   cuda_pointwise_kernels.cu  gated activations, add, scale, soft-cap, RoPE, dtype widening
//   cuda_attention_kernels.cu  row softmax, causal/sliding-window GQA attention
//   cuda_row_kernels.cu        row gather and scaled scatter-add (MoE experts), embedding gather
// Every launcher takes device pointers and the stream to queue on, checks the launch and throws
// DeviceError on failure. Shapes are checked by the caller (cuda_backend.cu), which mirrors the
// CPU backend's checks; the kernels only index. All arithmetic is fp32.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "reference_model/backend/backend.h"

namespace lineage::model::cuda {

// ---- cuda_norm_kernels.cu ----------------------------------------------------------------------
// y[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * (plus_one ? 1 + w : w), rows x d.
void rmsnorm(const float* x, const float* w, float eps, bool plus_one, float* y, std::int64_t rows,
             std::int64_t d, cudaStream_t stream);
// y[r, :] = (x[r, :] - mean) / sqrt(biased var + eps) * w (+ b); b may be null.
void layernorm(const float* x, const float* w, const float* b, float eps, float* y, std::int64_t rows,
               std::int64_t d, cudaStream_t stream);

// ---- cuda_pointwise_kernels.cu -----------------------------------------------------------------
void gated_activation(const float* gate, const float* up, Activation act, float* out, std::int64_t n,
                      cudaStream_t stream);
void add(const float* a, const float* b, float* out, std::int64_t n, cudaStream_t stream);
// y[r, c] += bias[c] for y [rows, cols] (nn.Linear's bias after the GEMM).
void add_bias_rows(float* y, const float* bias, std::int64_t rows, std::int64_t cols, cudaStream_t stream);
void scale(float* x, float s, std::int64_t n, cudaStream_t stream);
void softcap(float* x, float cap, std::int64_t n, cudaStream_t stream);
// x [tokens, heads * head_dim] rotated in place by cos/sin [tokens, half].
void rope(float* x, std::int64_t tokens, std::int64_t heads, std::int64_t head_dim, const float* cos,
          const float* sin, std::int64_t half, RopeStyle style, cudaStream_t stream);
// out[i] = float(src[i]) for n elements of bf16 or f16 bit patterns (raw 16-bit words).
void widen_bf16(const std::uint16_t* src, float* out, std::int64_t n, cudaStream_t stream);
void widen_f16(const std::uint16_t* src, float* out, std::int64_t n, cudaStream_t stream);
// out[i] = bf16/f16 rounding (to nearest even) of src[i], for the low-precision GEMM path.
void narrow_bf16(const float* src, std::uint16_t* out, std::int64_t n, cudaStream_t stream);
void narrow_f16(const float* src, std::uint16_t* out, std::int64_t n, cudaStream_t stream);

// ---- cuda_attention_kernels.cu -----------------------------------------------------------------
// Softmax over each row of x [rows, cols], in place.
void softmax_rows(float* x, std::int64_t rows, std::int64_t cols, cudaStream_t stream);
// One sequence of a packed batch (see AttentionSequence): queries q_first..q_first+q_count-1 of
// the sequence (counted from its first query row q_begin), every head. `scratch` holds
// q_count * num_heads * kv_len floats of scores.
void attention_sequence(const float* q, const float* k, const float* v, float* out, const AttentionSequence& s,
                        std::int64_t q_first, std::int64_t q_count, const AttentionParams& p, float* scratch,
                        cudaStream_t stream);

// ---- cuda_row_kernels.cu -----------------------------------------------------------------------
// dst[i, :] = src[rows[i], :] for i < n; rows on the device.
void gather_rows(const float* src, const std::int64_t* rows, float* dst, std::int64_t n, std::int64_t cols,
                 cudaStream_t stream);
// dst[rows[i], :] += scale[i] * src[i, :] for i < n (atomic adds: rows may repeat).
void add_scaled_rows(const float* src, const std::int64_t* rows, const float* scale, float* dst, std::int64_t n,
                     std::int64_t cols, cudaStream_t stream);
// out[i, :] = table[ids[i], :] for an fp32 table on the device.
void embedding_rows(const float* table, const std::int32_t* ids, float* out, std::int64_t n, std::int64_t cols,
                    cudaStream_t stream);

}  // namespace lineage::model::cuda
